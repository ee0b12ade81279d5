"""`cxmon review ...` as a user runs it: JSON with --json, exit 2 with the reason for a refused action."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline.catalog import Catalog
from pipeline.cli import main
from pipeline.records import Score
from pipeline.settings import Settings
from tests.pipeline.review.helpers import add_alarm, add_answers, add_contact


@pytest.fixture
def catalog(home):
    catalog = Catalog(Settings().catalog_url_value())
    add_contact(catalog, "aaaa1111", operator="op-1", csi=30.0)
    add_answers(catalog, "aaaa1111", {"greeting": 1, "farewell": 0})
    add_contact(catalog, "bbbb2222", operator="op-2", csi=80.0)
    add_alarm(catalog, "bbbb2222")
    add_answers(catalog, "bbbb2222", {"greeting": 1, "farewell": 1})
    add_contact(catalog, "cccc3333", operator="op-1", csi=90.0)
    add_answers(catalog, "cccc3333", {"greeting": 1})
    catalog.put_score(Score("aaaa1111", "checklist:basic", 50.0, "rule"))
    yield catalog
    catalog.close()


def _cxmon(*args: str):
    return CliRunner().invoke(main, list(args))


def test_queue(catalog):
    result = _cxmon("review", "queue", "--reviewer", "rev-1", "--n", "2", "--random-share", "0", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["contact_id"], r["reason"], r["new"]) for r in rows] == [("bbbb2222", "alarm", True),
                                                                        ("aaaa1111", "low_csi", True)]
    again = json.loads(_cxmon("review", "queue", "--reviewer", "rev-1", "--n", "2", "--json").output)
    assert [(r["contact_id"], r["new"]) for r in again] == [("bbbb2222", False), ("aaaa1111", False)]
    text = _cxmon("review", "queue", "--reviewer", "rev-2", "--seed", "1").output
    assert "cccc3333" in text and "random" in text
    assert "nothing to review" in _cxmon("review", "queue", "--reviewer", "rev-3").output


def test_the_workflow_from_the_command_line(catalog):
    confirmed = _cxmon("review", "confirm", "aaaa", "greeting", "--reviewer", "rev-1", "--json")
    assert confirmed.exit_code == 0, confirmed.output
    assert json.loads(confirmed.output)[0]["state"] == "reviewed"

    refused = _cxmon("review", "override", "aaaa", "farewell", "--value", "1", "--reviewer", "rev-1")
    assert refused.exit_code == 2 and "a comment is required" in refused.output
    overridden = _cxmon("review", "override", "aaaa", "farewell", "--value", "1", "--reviewer", "rev-1",
                        "--comment", "said goodbye")
    assert overridden.exit_code == 0 and "reviewed (value 1, source reviewer, reviewer rev-1)" in overridden.output

    wrong = _cxmon("review", "resolve", "aaaa", "farewell", "--reviewer", "rev-1", "--comment", "x")
    assert wrong.exit_code == 2 and "is 'reviewed'; resolve needs 'disputed'" in wrong.output
    assert _cxmon("review", "dispute", "aaaa", "farewell", "--operator", "op-1", "--comment", "no").exit_code == 0
    assert _cxmon("review", "resolve", "aaaa", "farewell", "--reviewer", "rev-2", "--comment", "keep",
                  "--value", "na").exit_code == 0
    acked = _cxmon("review", "ack", "aaaa", "--operator", "op-1", "--json")
    assert [(i["item_id"], i["state"]) for i in json.loads(acked.output)] == [("greeting", "acknowledged")]
    not_theirs = _cxmon("review", "ack", "aaaa", "greeting", "--operator", "op-2")
    assert not_theirs.exit_code == 2 and "only its operator 'op-1'" in not_theirs.output
    assert _cxmon("review", "comment", "aaaa", "--operator", "op-1", "--comment", "thanks").exit_code == 0

    shown = json.loads(_cxmon("review", "show", "aaaa1111", "--json").output)
    by_item = {i["item_id"]: i for i in shown["items"]}
    assert by_item["farewell"]["state"] == "resolved" and by_item["farewell"]["not_applicable"] is True
    assert [e["action"] for e in shown["events"]] == ["auto", "confirm", "auto", "override", "dispute", "resolve",
                                                      "acknowledge", "comment"]
    text = _cxmon("review", "show", "aaaa").output
    assert "basic/farewell" in text and "resolved" in text and "history" in text


@pytest.mark.parametrize(("args", "message"), [
    (("review", "show", "zzzz"), "no contact with id 'zzzz'"),
    (("review", "override", "aaaa", "farewell", "--value", "lots", "--reviewer", "r", "--comment", "c"),
     "--value 'lots': expected a number, or na"),
    (("review", "override", "aaaa", "farewell", "--reviewer", "r", "--comment", "c"), "--value is required"),
    (("review", "confirm", "aaaa", "hello", "--reviewer", "r"), "no item 'hello'"),
    (("review", "comment", "aaaa", "--comment", "c"), "--reviewer NAME or --operator NAME"),
])
def test_bad_input_exits_2(catalog, args, message):
    result = _cxmon(*args)
    assert result.exit_code == 2 and message in result.output


def test_calibration_and_grades(catalog):
    for reviewer, value in (("rev-1", "1"), ("rev-2", "0")):
        assert _cxmon("review", "calibrate", "aaaa", "greeting", "--reviewer", reviewer, "--value", value).exit_code == 0
    report = json.loads(_cxmon("review", "calibration", "--json").output)
    assert report["reviewers"] == ["rev-1", "rev-2"] and report["items"][0]["percent_agreement"] == 0.0
    assert "reviewer vs automatic" in _cxmon("review", "calibration").output
    rows = json.loads(_cxmon("review", "grades", "--period", "month", "--json").output)
    op1 = next(r for r in rows if r["operator_id"] == "op-1")
    assert (op1["contacts"], op1["form_score"], op1["csi_predicted"]) == (2, 50.0, 60.0)
    assert "op-1" in _cxmon("review", "grades").output
