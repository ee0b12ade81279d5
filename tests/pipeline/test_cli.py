"""The cxmon command as a user runs it: JSON on stdout, logs on stderr, exit codes 0/1/2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from tests.conftest import stereo_call

CXMON = [sys.executable, "-m", "pipeline.cli"]


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CXMON, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def inbox(tmp_path) -> Path:
    stereo_call(tmp_path / "inbox" / "call-1.wav", seconds=2.0, subtype="PCM_16")
    (tmp_path / "inbox" / "call-1.meta.json").write_text(json.dumps({"operator_id": "op-7"}))
    stereo_call(tmp_path / "inbox" / "call-2.flac", seconds=1.0, rate_hz=16000)
    (tmp_path / "inbox" / "broken.wav").write_bytes(b"")
    return tmp_path / "inbox"


def test_ingest_process_ls_show_errors_end_to_end(home, inbox):
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    ingest = _run("ingest", str(inbox), "--json", env=env)
    assert ingest.returncode == 1, ingest.stderr  # one bad file: the batch went through, but say so
    report = json.loads(ingest.stdout)
    assert len(report["new"]) == 2
    assert [e["message"] for e in report["errors"]] == ["broken.wav: empty file (0 bytes)"]

    process = _run("process", "--json", env=env)
    assert process.returncode == 0, process.stderr
    assert json.loads(process.stdout)["contacts"] == 2

    rows = json.loads(_run("ls", "--json", env=env).stdout)
    assert sorted(r["source"] for r in rows) == ["call-1.wav", "call-2.flac"]
    assert {r["status"] for r in rows} == {"processed"}
    call1 = next(r for r in rows if r["source"] == "call-1.wav")
    assert call1["operator_id"] == "op-7" and call1["duration_s"] == pytest.approx(2.0)

    shown = _run("show", call1["contact_id"][:8], "--json", env=env)
    document = json.loads(shown.stdout)
    assert document["contact"]["contact_id"] == call1["contact_id"]
    assert document["features"]["probe"]["channels"] == 2

    human = _run("show", call1["contact_id"][:8], env=env).stdout
    assert "call-1.wav" in human and "duration_s" in human

    errors = json.loads(_run("errors", "--json", env=env).stdout)
    assert [e["message"] for e in errors] == ["broken.wav: empty file (0 bytes)"]
    assert errors[0]["quarantine_key"].startswith("quarantine/")


def test_bad_input_exits_2_with_a_message(home, tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, ["ingest", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such file or folder" in missing.output
    unknown = runner.invoke(main, ["show", "deadbeef"])
    assert unknown.exit_code == 2 and "no contact with id 'deadbeef'" in unknown.output


def test_an_unreachable_dask_scheduler_is_a_clear_error(home, monkeypatch):
    import socket

    with socket.socket() as probe:  # a free port: nothing listens there once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CXMON_DASK_ADDRESS", f"tcp://127.0.0.1:{port}")
    result = CliRunner().invoke(main, ["process"])
    assert result.exit_code == 1, result.output
    assert f"tcp://127.0.0.1:{port}" in result.output and "dask_address" in result.output
    assert "Traceback" not in result.output


def test_a_data_folder_that_cannot_be_made_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("CXMON_HOME", str(tmp_path / "a-file" / "home"))
    result = _run("ls", env={**os.environ})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"Error: the store cannot be opened: Not a directory (ENOTDIR) "
                                     f"({tmp_path / 'a-file' / 'home' / 'objects'}); check CXMON_HOME (or "
                                     f"objects_dir) and its permissions")


def test_bad_settings_exit_2(home, monkeypatch):
    monkeypatch.setenv("CXMON_OBJECT_STORE", "ftp")
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code == 2 and "bad settings" in result.output


def test_a_bad_setting_is_named_without_its_value(home, monkeypatch):
    monkeypatch.setenv("CXMON_ALARM_WEBHOOK_SECRET", "s3cr3t")
    monkeypatch.setenv("CXMON_TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("CXMON_CHAT_ROLES", '{"Иван +7 916 123-45-67": "boss"}')
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert result.output.splitlines()[-1] == (
        "Error: bad settings: chat_roles (one entry, CXMON_CHAT_ROLES): Input should be 'agent', 'customer' "
        "or 'bot'; timezone (CXMON_TIMEZONE): not a known time zone; expected an IANA name such as Europe/Moscow")
    for value in ("s3cr3t", "Mars", "Иван", "916", "boss", "input_value", "Traceback"):
        assert value not in result.output


def test_an_unreadable_settings_file_or_variable_is_bad_input(home, monkeypatch, tmp_path):
    config = tmp_path / "site.toml"
    config.write_text('s3_secret_key = "toml-s3cr3t\nworkers = 2\n')  # the string is never closed
    monkeypatch.setenv("CXMON_CONFIG", str(config))  # --config sets it too; undone after the test
    broken_file = CliRunner().invoke(main, ["--config", str(config), "config"])
    assert broken_file.exit_code == 2 and isinstance(broken_file.exception, SystemExit)
    assert broken_file.output.splitlines()[-1].startswith(f"Error: bad settings: {config}: not valid TOML: ")
    assert "toml-s3cr3t" not in broken_file.output
    monkeypatch.delenv("CXMON_CONFIG")
    monkeypatch.setenv("CXMON_CHAT_ROLES", '{"Иван +7 916 123-45-67": agent')
    broken_json = CliRunner().invoke(main, ["config"])
    assert broken_json.exit_code == 2 and isinstance(broken_json.exception, SystemExit)
    assert broken_json.output.splitlines()[-1] == (
        'Error: bad settings: chat_roles (CXMON_CHAT_ROLES): expected JSON, e.g. ["a", "b"] for a list or '
        '{"key": "value"} for a table')
    assert "916" not in broken_json.output


def test_config_masks_passwords_and_tokens_inside_urls(home, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", "postgresql+psycopg://qa@db/cxmon?password=db-secret&sslmode=require")
    monkeypatch.setenv("CXMON_ALARM_WEBHOOK_URL", "https://hooks.internal/cxmon?Token=hook-secret")
    monkeypatch.setenv("CXMON_S3_ENDPOINT", "admin:s3-secret@minio.internal:9000")
    result = CliRunner().invoke(main, ["config", "--json"])
    assert result.exit_code == 0, result.output
    values = json.loads(result.stdout)
    assert values["catalog_url"] == "postgresql+psycopg://qa@db/cxmon?password=***&sslmode=require"
    assert values["alarm_webhook_url"] == "https://hooks.internal/cxmon?Token=***"
    assert values["s3_endpoint"] == "admin:***@minio.internal:9000"
    table = CliRunner().invoke(main, ["config"]).stdout
    assert "minio.internal" in table
    assert not any(s in result.output + table for s in ("db-secret", "hook-secret", "s3-secret"))


def test_config_prints_effective_settings_with_secrets_masked(home, monkeypatch, tmp_path):
    config = tmp_path / "site.toml"
    config.write_text('object_store = "s3"\ns3_secret_key = "toml-secret"\n')
    monkeypatch.setenv("CXMON_CATALOG_URL", "postgresql+psycopg://qa:db-secret@db/cxmon")
    result = CliRunner().invoke(main, ["--config", str(config), "config", "--json"])
    assert result.exit_code == 0, result.output
    values = json.loads(result.stdout)
    assert values["object_store"] == "s3" and values["config_file"] == str(config)
    assert "toml-secret" not in result.output and "db-secret" not in result.output
    table = CliRunner().invoke(main, ["--config", str(config), "config"]).stdout
    assert "object_store" in table and "toml-secret" not in table


def test_ls_on_an_empty_store_says_how_to_start(home):
    result = CliRunner().invoke(main, ["ls"])
    assert result.exit_code == 0 and "cxmon ingest" in result.stdout


def test_model_card_sentiment_shows_the_held_out_figures():
    from click.testing import CliRunner

    from models.sentiment import sentiment_card
    from pipeline.cli import main

    result = CliRunner().invoke(main, ["model", "card", "sentiment", "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.output)
    assert card == sentiment_card() and card["metrics"]["heldout"]["macro_f1"] >= 0.60
    human = CliRunner().invoke(main, ["model", "card", "sentiment"])
    assert f"macro-F1 {card['metrics']['heldout']['macro_f1']:.3f}" in human.output
    assert CliRunner().invoke(main, ["model", "card", "checklist"]).exit_code == 2


def test_config_option_holds_for_its_command_only(tmp_path, monkeypatch):
    """``--config`` points this command at the file; an in-process caller's environment is as it was after."""
    monkeypatch.delenv("CXMON_CONFIG", raising=False)
    config = tmp_path / "cxmon.toml"
    config.write_text(f'home = "{tmp_path / "home"}"\n')
    result = CliRunner().invoke(main, ["--config", str(config), "config", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["home"] == str(tmp_path / "home")
    assert "CXMON_CONFIG" not in os.environ


@pytest.mark.parametrize("args", [["report", "process", "--since", "0001-01-01T00:00+05:00"],
                                  ["report", "feedback", "--until", "9999-12-31T23:00-05:00"],
                                  ["mystery", "list", "--since", "0001-01-01T00:00+05:00"],
                                  ["report", "value", "--until", "9999-12-31"]])
def test_a_time_at_the_calendars_edge_is_a_usage_error_not_a_traceback(home, args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "is out of range; expected a" in result.output, result.output
    assert result.exc_info[0] is SystemExit
