"""Mystery shopper files through `cxmon ingest` (the input kind): good rows stored, each bad row an error record
naming FILE and line with the file quarantined, a second ingest of the same file adding nothing new."""

from __future__ import annotations

from pipeline.ingest import ingest_paths
from pipeline.ingest.registry import kind_of
from pipeline.mystery.store import stored_evaluations
from pipeline.settings import Settings
from tests.pipeline.mystery.world import mystery_csv, seed, write_checklist


def test_ingest_keeps_good_rows_and_names_bad_lines(store, home, tmp_path):
    write_checklist(home)
    seed(store.catalog)
    (tmp_path / "in").mkdir()
    path = mystery_csv(tmp_path / "in" / "nov.mystery.csv", extra="S3;op_ok;call;2026-11-14;mq;;да;9;;\n")
    assert kind_of(path)[0].name == "mystery shopper files"
    report = ingest_paths(store, [path], settings=Settings())
    assert report.added == {"mystery_evaluations": 2}
    [error] = report.errors
    assert error.message.startswith("nov.mystery.csv: line 4: item polite: answer '9'")
    assert error.quarantine_key
    assert {e.operator_id: e.score for e in stored_evaluations(store.catalog.engine)} == {"op_ok": 100.0,
                                                                                           "op_bad": 50.0}
    ingest_paths(store, [path], settings=Settings())
    assert len(stored_evaluations(store.catalog.engine)) == 2
