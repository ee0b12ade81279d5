"""`cxmon checklist validate` and `cxmon checklist score` as a user runs them."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.records import FeatureSet, Score, Transcript
from pipeline.settings import Settings
from pipeline.store import open_store
from tests.pipeline.checklists.facts import CONTACT, EVENTS, TURNS, VALUES


def _cxmon(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def stored_call(home):
    store = open_store(Settings())
    store.catalog.add_contact(CONTACT, EVENTS)
    store.catalog.put_transcript(Transcript(CONTACT.contact_id, "ru", TURNS))
    store.catalog.put_feature_set(FeatureSet(CONTACT.contact_id, "call", dict(VALUES)))
    store.catalog.put_score(Score(CONTACT.contact_id, "csi", 35.2, "model"))
    yield store
    store.catalog.close()


def test_validate_prints_every_problem_with_its_line_and_exits_2(home, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("id: good\ntitle: Good\nversion: 1\nsections:\n  - {id: s, items: [{id: a, text: A}]}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(textwrap.dedent("""\
        id: bad
        title: Bad
        version: 1
        sections:
          - id: s
            items:
              - {id: a, text: A, weight: -1}
              - {id: b, text: B, rule: {tag: greeting, within_s: 5}}
        """))
    result = _cxmon("checklist", "validate", str(good), str(bad))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"{bad}:7: item a: weight -1; expected > 0",
        f"{bad}:8: item b: rule: tag: unknown option 'within_s'; expected some of "
        "['tag', 'speaker', 'within_turns', 'last_turns']",
        f"{good}: ok, good version 1: 1 sections, 1 items (0 answered by rules)",
    ]
    result = _cxmon("checklist", "validate", str(bad), "--json")
    assert result.exit_code == 2
    assert [(p["file"], p["line"]) for p in json.loads(result.output)["problems"]] == [(str(bad), 7), (str(bad), 8)]


def test_validate_the_shipped_examples_exits_0(home):
    from pipeline.checklists.schema import shipped_checklist_paths

    result = _cxmon("checklist", "validate", *map(str, shipped_checklist_paths()))
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 4 and all(": ok, " in line for line in result.output.splitlines())


def test_score_prints_answers_evidence_and_scores_and_stores_them(stored_call):
    result = _cxmon("checklist", "score", CONTACT.contact_id[:6], "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["contact_id"] == CONTACT.contact_id
    [form] = document["checklists"]
    assert (form["id"], form["pending"], form["answered"]) == ("ru_bank_call", 2, 11)
    items = {item["id"]: item for item in form["items"]}
    assert (items["greeting"]["answer"], items["greeting"]["state"]) == ("yes", "auto")
    assert items["greeting"]["evidence"][0]["text"] == "Добрый день, меня зовут Анна"
    assert (items["politeness"]["answer"], items["politeness"]["scale"]) == ("pending", [1, 5])
    assert items["no_long_silence"]["evidence"] == [{"note": "longest_silence_s = 12.5 > 10 (max)",
                                                     "feature": "longest_silence_s", "value": 12.5}]
    sections = {s["id"]: s for s in form["sections"]}
    assert sections["discipline"]["critical_failed"] == ["identification"] and sections["discipline"]["value"] == 0
    assert form["score"] == pytest.approx(40.0)
    [score] = stored_call.catalog.scores(CONTACT.contact_id, name="checklist:ru_bank_call")
    assert score.value == pytest.approx(40.0)
    assert len(stored_call.catalog.checklist_results(CONTACT.contact_id)) == 13

    human = _cxmon("checklist", "score", CONTACT.contact_id)
    assert human.exit_code == 0, human.output
    assert "ru_bank_call v2026.1" in human.output and "40.0 / 100" in human.output
    assert "hold at 60 s: no hold_announcement by the agent in the 10 s before it" in human.output
    assert "zeroed by identification" in human.output


def test_score_with_a_named_checklist_even_if_it_would_not_apply(stored_call, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(textwrap.dedent("""\
        id: mine
        title: Mine
        version: 1
        applies_to: {channels: [chat]}
        sections:
          - id: s
            items:
              - {id: holds, text: Holds announced, rule: {every_hold_announced: {within_s: 10}}}
        """))
    result = _cxmon("checklist", "score", CONTACT.contact_id, "--checklist", str(path), "--json")
    assert result.exit_code == 0, result.output
    [form] = json.loads(result.output)["checklists"]
    assert (form["id"], form["score"], form["items"][0]["answer"]) == ("mine", 0.0, "no")


def test_score_bad_input_exits_2(stored_call, tmp_path):
    assert _cxmon("checklist", "score", "nobody").exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n")
    result = _cxmon("checklist", "score", CONTACT.contact_id, "--checklist", str(bad))
    assert result.exit_code == 2 and f"{bad}:1: checklist: no title" in result.output
