"""Mystery shoppers end to end on SQLite and PostgreSQL: `cxmon mystery import` of CSV/JSONL files (scored by
the checklist's weights and critical items, idempotent, hostile rows refused with FILE:LINE, exit 2), kept out
of the automatic QA tables, and `cxmon report mystery` recovering planted agreement and disagreement."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pipeline.catalog import Catalog
from pipeline.cli import main
from tests.pipeline.mystery.world import mystery_csv, seed, write_checklist


@pytest.fixture
def env(home, catalog_url, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    write_checklist(home)
    catalog = Catalog(catalog_url)
    seed(catalog)
    catalog.close()
    return catalog_url


def _invoke(*args):
    return CliRunner().invoke(main, list(args))


def _json(*args) -> dict:
    result = _invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _row(rows, operator, item=None):
    [row] = [r for r in rows if r["operator_id"] == operator and r.get("item_id") == item]
    return row


def _counts(url) -> dict:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                 for t in ("checklist_results", "scores", "review_events", "feature_sets")}
        found["sources"] = sorted(conn.execute(sa.text("SELECT DISTINCT source FROM checklist_results")).scalars())
    engine.dispose()
    return found


def test_import_scores_by_the_checklist_and_stays_out_of_automatic_qa(env, tmp_path):
    before = _counts(env)
    done = _json("mystery", "import", str(mystery_csv(tmp_path / "nov.mystery.csv")))
    assert done["files"][0]["evaluations"] == 2 and done["files"][0]["replaced"] == 0
    listed = {e["operator_id"]: e for e in _json("mystery", "list")["evaluations"]}
    assert listed["op_ok"]["score"] == 100.0
    assert listed["op_bad"]["score"] == 50.0  # talk 0, manners 100, sections weighted 1:1
    assert listed["op_bad"]["answers"] == {"greet": 0.0, "polite": 1.0, "offer": 0.0, "no_rudeness": 1.0}
    assert all(e["kind"] == "mystery" for e in listed.values())
    assert listed["op_bad"]["at"] == "2026-11-13T08:00:00+00:00"
    assert _counts(env) == before  # nothing reached checklist_results, scores, reviews or features
    again = _json("mystery", "import", str(mystery_csv(tmp_path / "nov.mystery.csv")))
    assert again["files"][0]["replaced"] == 2
    assert len(_json("mystery", "list")["evaluations"]) == 2


def test_a_critical_form_item_failed_zeroes_the_mystery_score(env, tmp_path):
    path = tmp_path / "crit.mystery.jsonl"
    path.write_text(json.dumps({"shopper_id": "S9", "operator_id": "op_ok", "channel": "call",
                                "at": "2026-11-14T09:00:00Z", "checklist_id": "mq",
                                "answers": {"greet": "yes", "polite": 5, "offer": None, "no_rudeness": "нет"}}) + "\n",
                    encoding="utf-8")
    assert _invoke("mystery", "import", str(path)).exit_code == 0
    [e] = _json("mystery", "list", "--operator", "op_ok")["evaluations"]
    assert e["score"] == 0.0 and e["answers"]["offer"] is None


def test_report_recovers_planted_agreement_and_disagreement(env, tmp_path):
    _json("mystery", "import", str(mystery_csv(tmp_path / "nov.mystery.csv")))
    out = tmp_path / "out"
    report = _json("report", "mystery", "--since", "2026-11-01T00:00:00+00:00", "--until", "2026-12-01T00:00:00+00:00",
                   "--out", str(out))
    ok, bad = _row(report["operators"], "op_ok"), _row(report["operators"], "op_bad")
    assert (ok["mystery"], ok["automatic"], ok["reviewer"], ok["gap_automatic"], ok["disagrees"]) == \
        (100.0, 100.0, None, 0.0, False)
    assert ok["contacts_automatic"] == 2 and ok["contacts_reviewed"] == 0
    # op_bad: automatic answers of both November contacts are all best (the reviewed greet left out);
    # the reviewed contact scores talk (0 + 1 + 1) / 3, manners 100: 83.3
    assert (bad["mystery"], bad["automatic"], bad["reviewer"]) == (50.0, 100.0, 83.3)
    assert (bad["gap_automatic"], bad["gap_reviewer"], bad["disagrees"]) == (-50.0, -33.3, True)
    assert [r["operator_id"] for r in report["operators"]] == ["op_bad", "op_ok"]  # op_x: no shopper, not shown
    greet, polite, rude = (_row(report["items"], "op_bad", i) for i in ("greet", "polite", "no_rudeness"))
    assert (greet["mystery"], greet["automatic"], greet["reviewer"]) == (0.0, 100.0, 0.0)
    assert (greet["automatic_answers"], greet["reviewer_answers"]) == (1, 1)
    assert polite["automatic_answers"] == 2 and polite["disagrees"] and not rude["disagrees"]
    assert not any(r["disagrees"] for r in report["items"] if r["operator_id"] == "op_ok")
    names = sorted(p.rsplit("/", 1)[1] for p in report["files"])
    assert names == ["mystery.png", *(f"mystery_{t}.{s}" for t in ("items", "operators", "visits")
                                      for s in ("csv", "parquet", "xlsx"))]
    assert report["visits"] == []  # the shoppers named no contact
    import pyarrow.parquet as pq

    table = pq.read_table(out / "mystery_operators.parquet").to_pylist()
    assert {r["operator_id"]: r["automatic"] for r in table} == {"op_bad": 100.0, "op_ok": 100.0}
    assert (out / "mystery.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_period_decides_which_automatic_scores_count(env, tmp_path):
    _json("mystery", "import", str(mystery_csv(tmp_path / "nov.mystery.csv")))
    everything = _json("report", "mystery", "--no-files")
    bad = _row(everything["operators"], "op_bad")
    assert bad["contacts_automatic"] == 3 and bad["automatic"] == 83.3  # (100 + 100 + 50) / 3 with October's
    assert bad["disagrees"]
    assert not _row(_json("report", "mystery", "--no-files", "--threshold", "40")["operators"], "op_bad")["disagrees"]
    october = _json("report", "mystery", "--no-files", "--until", "2026-11-01T00:00:00+00:00")
    assert october["operators"] == [] and october["items"] == []  # the visits were in November


HOSTILE = [
    ("S3;op_ok;call;2026-11-12;mq;;да;7;;\n", "item polite: answer '7'; expected a whole number 1..5"),
    ("S3;op_ok;call;2026-11-12;mq;;да;3;;\n", None),
    ("S3;op_ok;call;2026-11-12;mq;;maybe;3;;\n", "item greet: answer 'maybe'; expected yes or no"),
    ("S3;op_ok;call;2026-11-12;mq;;n/a;3;;\n", "item greet: not applicable is not allowed"),
    ("S3;op_ok;chat;2026-11-12;mq;;да;3;;\n", "channel chat: checklist mq is for call"),
    ("S3;op_ok;call;tomorrow;mq;;да;3;;\n", "at 'tomorrow'; expected an ISO 8601 date or time"),
    ("S3;op_ok;call;2026-11-12;zz;;да;3;;\n", "checklist_id 'zz' is not a configured checklist"),
    ("S3;;call;2026-11-12;mq;;да;3;;\n", "operator_id is empty"),
    ("S3;op_ok;call;2026-11-12;mq;;;;;\n", "no item answered"),
    ("S3;op_ok;call\n", "3 fields; expected 10 as in the header"),
    ("S1;op_ok;call;2026-11-12T10:00:00+03:00;mq;fine;да;5;yes;yes\n", "the same evaluation as line 2"),
]


@pytest.mark.parametrize("extra,message", HOSTILE)
def test_a_bad_row_refuses_the_file_naming_file_line_and_item(env, tmp_path, extra, message):
    path = mystery_csv(tmp_path / "bad.mystery.csv", extra=extra)
    result = _invoke("mystery", "import", str(path))
    if message is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    assert f"bad.mystery.csv:4: {message}" in result.output
    assert "Traceback" not in result.output
    assert _json("mystery", "list")["evaluations"] == []  # stored whole or not at all


def test_unknown_item_column_and_wrong_name_and_unreadable_file(env, tmp_path):
    path = tmp_path / "x.mystery.csv"
    path.write_text("shopper_id;operator_id;channel;at;checklist_id;greet;bogus\nS1;op_ok;call;2026-11-12;mq;yes;1\n",
                    encoding="utf-8")
    result = _invoke("mystery", "import", str(path))
    assert result.exit_code == 2 and "x.mystery.csv:2: item 'bogus' is not in checklist mq; its items: greet" \
        in result.output
    wrong = tmp_path / "visits.csv"
    wrong.write_text("shopper_id\n", encoding="utf-8")
    result = _invoke("mystery", "import", str(wrong))
    assert result.exit_code == 2 and "expected NAME.mystery.csv or NAME.mystery.jsonl" in result.output
    binary = tmp_path / "b.mystery.jsonl"
    binary.write_bytes(b"\x00\x01{}\n")
    result = _invoke("mystery", "import", str(binary))
    assert result.exit_code == 2 and "b.mystery.jsonl:" in result.output and "Traceback" not in result.output
    lines = tmp_path / "l.mystery.jsonl"
    lines.write_text('{"shopper_id": "S1", "checklist_id": "mq"}\n[1]\n'
                     '{"shopper_id": "S1", "nope": 1, "answers": {}}\n',
                     encoding="utf-8")
    result = _invoke("mystery", "import", str(lines))
    assert result.exit_code == 2
    assert "l.mystery.jsonl:1: answers is missing" in result.output
    assert "l.mystery.jsonl:2: a JSON list; expected an object" in result.output
    assert "l.mystery.jsonl:3: unknown field 'nope'" in result.output


def test_contact_id_gives_operator_channel_and_time(env, tmp_path):
    path = tmp_path / "c.mystery.csv"
    path.write_text("shopper_id;contact_id;checklist_id;greet\nS7;k-ok1;mq;yes\n", encoding="utf-8")
    assert _invoke("mystery", "import", str(path)).exit_code == 0
    [e] = _json("mystery", "list")["evaluations"]
    assert (e["operator_id"], e["channel"], e["team"], e["at"]) == ("op_ok", "call", "T", "2026-11-10T12:00:00+00:00")
    path.write_text("shopper_id;contact_id;operator_id;checklist_id;greet\nS7;k-ok1;op_bad;mq;yes\n", encoding="utf-8")
    result = _invoke("mystery", "import", str(path))
    assert result.exit_code == 2 and "c.mystery.csv:2: operator_id 'op_bad' but contact k-ok1 is operator 'op_ok'" \
        in result.output


def test_re_import_of_a_corrected_file_replaces_its_rows(env, tmp_path):
    path = mystery_csv(tmp_path / "nov.mystery.csv")
    _json("mystery", "import", str(path))
    path.write_text(path.read_text(encoding="utf-8").replace("S2;op_bad;call;2026-11-13T11:00",
                                                             "S2;op_bad;call;2026-11-13T12:00"), encoding="utf-8")
    done = _json("mystery", "import", str(path))
    assert done["files"][0]["replaced"] == 2
    rows = _json("mystery", "list")["evaluations"]
    assert len(rows) == 2 and {r["at"][11:16] for r in rows} == {"07:00", "09:00"}


def test_a_visit_with_its_contact_in_the_store_is_compared_with_that_contact(env, tmp_path):
    path = tmp_path / "v.mystery.csv"
    path.write_text("shopper_id;contact_id;checklist_id;greet;polite;offer;no_rudeness\n"
                    "S7;k-bad1;mq;yes;5;yes;no\n"  # a critical form item failed: 0
                    "S8;k-ok1;mq;yes;5;yes;yes\n", encoding="utf-8")
    assert _invoke("mystery", "import", str(path)).exit_code == 0
    visits = {v["contact_id"]: v for v in _json("report", "mystery", "--no-files")["visits"]}
    assert (visits["k-bad1"]["mystery"], visits["k-bad1"]["automatic"], visits["k-bad1"]["reviewer"]) == \
        (0.0, 100.0, 83.3)
    assert visits["k-bad1"]["disagrees"] and visits["k-bad1"]["operator_id"] == "op_bad"
    assert (visits["k-ok1"]["gap_automatic"], visits["k-ok1"]["disagrees"]) == (0.0, False)


def test_an_empty_report_still_writes_every_file_with_its_header(env, tmp_path):
    out = tmp_path / "empty"
    result = _invoke("report", "mystery", "--out", str(out))
    assert result.exit_code == 0 and "no mystery shopper evaluations" in result.output
    header = (out / "mystery_items.csv").read_text(encoding="utf-8-sig").splitlines()
    assert header == ["operator_id,checklist_id,item_id,mystery_answers,mystery,automatic_answers,automatic,"
                      "reviewer_answers,reviewer,gap_automatic,gap_reviewer,disagrees"]
    assert (out / "mystery.png").stat().st_size > 1000
    bad = _invoke("report", "mystery", "--since", "2026-12-01", "--until", "2026-11-01", "--no-files")
    assert bad.exit_code == 2 and "is not before --until" in bad.output
    assert _invoke("report", "mystery", "--threshold", "150", "--no-files").exit_code == 2
