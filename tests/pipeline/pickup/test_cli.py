"""``cxmon pickup`` and the ``pickup_recordings`` flow's task: one command takes a settled folder, a second
takes nothing; bad input is exit 2, a failed file exit 1."""

from __future__ import annotations

import json

from click.testing import CliRunner

from pipeline.cli.pickup import pickup
from tests.conftest import stereo_call


def run(*args):
    return CliRunner().invoke(pickup, list(args), catch_exceptions=False)


def test_pickup_takes_a_folder_once(home, tmp_path):
    drop = tmp_path / "drop"
    stereo_call(drop / "a.wav")
    (drop / "a.meta.json").write_text(json.dumps({"operator_id": "op-1"}))
    once = run("--folder", str(drop), "--once", "--settle-s", "0", "--json")
    assert once.exit_code == 0 and json.loads(once.output)["taken"] == []  # one pass only notes what is new
    result = run("--folder", str(drop), "--settle-s", "0.1", "--json")  # a pass, a wait, a pass
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert sorted(t["file"] for t in report["taken"]) == [str(drop / "a.meta.json"), str(drop / "a.wav")]
    again = run("--folder", str(drop), "--settle-s", "0.1")
    assert again.exit_code == 0 and "0 taken" in again.output and "2 files" in again.output


def test_pickup_bad_input_and_failed_files(home, tmp_path):
    assert run("--folder", str(tmp_path / "nowhere")).exit_code == 2
    assert "pickup_folder" in run().output  # neither a folder nor a prefix: says what to set
    assert run("--once", "--watch", "5", "--folder", str(tmp_path)).exit_code == 2
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "x.wav").write_bytes(b"no audio here")
    result = run("--folder", str(drop), "--settle-s", "0")
    assert result.exit_code == 1 and "1 failed" in result.output and "x.wav" in result.output


def test_flow_task_takes_from_the_configured_folder(home, tmp_path, monkeypatch):
    from flows.pickup import pickup_pass_task

    drop = tmp_path / "drop"
    stereo_call(drop / "b.wav")
    monkeypatch.setenv("CXMON_PICKUP_FOLDER", str(drop))
    monkeypatch.setenv("CXMON_PICKUP_SETTLE_S", "0")
    assert pickup_pass_task.fn()["taken"] == []  # the first run notes it
    [taken] = pickup_pass_task.fn()["taken"]  # the next run takes it
    assert taken["file"] == str(drop / "b.wav") and len(taken["contact_ids"]) == 1
    assert pickup_pass_task.fn()["taken"] == []
