"""``cxmon analyze --speakers N|auto``: the count reaches the diarizer for that run, the turns name each
voice (``S3 (unknown)``), and a bad count is a one-line usage error (exit 2), never a traceback."""

from __future__ import annotations

import json

import pytest
import soundfile as sf
from click.testing import CliRunner

from pipeline.cli import main
from tests.conftest import has_espeak, require
from tests.pipeline.calls.scenarios import mono_call


@pytest.mark.parametrize("value", ["0", "21", "-1", "two", "2.5", "", "٣", "²", "9" * 5000, "auto3"])
def test_a_bad_speaker_count_is_a_usage_error(home, tmp_path, value):
    path = tmp_path / "call.wav"
    path.write_bytes(b"not read: the option is checked first")
    result = CliRunner().invoke(main, ["analyze", str(path), "--speakers", value])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "--speakers" in errors[0] and "expected a whole number 1..20, or auto" in errors[0]
    assert "Traceback" not in result.output


@pytest.fixture
def mono_file(home, tmp_path, monkeypatch):
    """A mono call (espeak voices) whose diarizer is a stand-in: speech spans dealt to three labels
    in turn; the count the settings hand it is recorded."""
    require(has_espeak(), "espeak-ng is not installed")
    call = mono_call()
    path = tmp_path / "mono.wav"
    sf.write(path, call.samples[:, 0], call.rate_hz, subtype="PCM_16")
    asked: list = []

    def diarizer_for(settings):
        asked.append(settings.speakers)

        def diarize(samples_16k, conversation):
            found: dict = {}
            for i, span in enumerate(conversation):
                found.setdefault(f"L{(i + 1) % 3}", []).append(span)
            return found
        return diarize

    monkeypatch.setattr("pipeline.calls.speech_models.diarizer_for", diarizer_for)
    monkeypatch.setattr("pipeline.calls.speech_models.transcriber_for",
                        lambda settings, *, language=None: lambda samples_16k, spans: [])
    return path, asked


def test_the_count_reaches_the_diarizer_and_each_voice_is_named(mono_file, monkeypatch):
    path, asked = mono_file
    monkeypatch.setenv("CXMON_SPEAKERS", "2")
    result = CliRunner().invoke(main, ["analyze", str(path), "--speakers", "3", "--json", "--language", "en"])
    assert result.exit_code == 0, result.output
    assert asked == [3]
    turns = json.loads(result.output)["turns"]
    assert len(turns) >= 3
    assert [t["speaker_id"] for t in turns][:3] == ["S1", "S2", "S3"]  # numbered by first speech
    roles = {t["speaker_id"]: t["speaker"] for t in turns}
    assert len(roles) == 3 and all(roles[t["speaker_id"]] == t["speaker"] for t in turns)  # one role per voice
    # no greeting: the first to speak is the agent; the other who talks most the customer
    assert roles["S1"] == "agent" and {roles["S2"], roles["S3"]} == {"customer", "unknown"}

    again = CliRunner().invoke(main, ["analyze", str(path), "--speakers", "auto", "--language", "en"])
    assert again.exit_code == 0, again.output
    assert "S1 (agent)" in again.output and "(unknown)" in again.output
    assert asked == [3]  # stored results: the call stage did not run again, and the user is told
    assert "--speakers did not apply" in again.output


def test_auto_lets_the_diarizer_estimate(mono_file):
    path, asked = mono_file
    result = CliRunner().invoke(main, ["analyze", str(path), "--speakers", "AUTO", "--language", "en"])
    assert result.exit_code == 0, result.output
    assert asked == [None]
