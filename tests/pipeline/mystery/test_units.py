"""The mystery package's pure parts: the docstring examples, evaluation ids, file reading without a store."""

from __future__ import annotations

import doctest
import importlib
from datetime import UTC, datetime

import pytest

from pipeline.checklists.schema import parse_checklist
from pipeline.mystery.evaluation import MysteryError, evaluation_id_of, evaluation_of
from pipeline.mystery.files import MysteryFileError, file_kind, read_mystery_file
from tests.pipeline.mystery.world import CHECKLIST


@pytest.mark.parametrize("name", ["evaluation", "files"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(f"pipeline.mystery.{name}"))
    assert result.failed == 0 and result.attempted > 0


def test_the_same_visit_gets_the_same_id_and_another_visit_another():
    at = datetime(2026, 11, 3, 10, tzinfo=UTC)
    one = evaluation_id_of("s1", "op1", None, at, "mq")
    assert one == evaluation_id_of("s1", "op1", None, at, "mq")
    assert len({one, evaluation_id_of("s2", "op1", None, at, "mq"), evaluation_id_of("s1", "op2", None, at, "mq"),
                evaluation_id_of("s1", "op1", "c1", at, "mq"), evaluation_id_of("s1", "op1", None, at, "mq2")}) == 5


def test_a_section_critical_zeroes_only_its_section_and_weights_count():
    form = parse_checklist(CHECKLIST.replace("critical: form", "critical: section"))
    fields = {"shopper_id": "s", "operator_id": "o", "channel": "call", "at": "2026-11-03T10:00:00Z",
              "checklist_id": "mq"}
    e = evaluation_of(fields, {"greet": "yes", "polite": "4", "no_rudeness": "no"}, {"mq": form}, tz=UTC)
    assert dict(e.sections) == {"talk": 87.5, "manners": 0.0} and e.score == 43.75
    assert e.answers == (("greet", 1.0), ("polite", 4.0), ("no_rudeness", 0.0))  # the form's order; offer not judged
    with pytest.raises(MysteryError) as error:
        evaluation_of(fields, {"greet": "yes", "polite": 3.5}, {"mq": form}, tz=UTC)
    assert error.value.item_id == "polite" and "item polite: answer 3.5" in str(error.value)


def test_file_names_and_unreadable_files():
    with pytest.raises(MysteryFileError, match="expected NAME.mystery.csv"):
        file_kind("visits.csv")
    with pytest.raises(MysteryFileError, match="expected NAME.mystery.csv"):
        file_kind(".mystery.csv")
    with pytest.raises(MysteryFileError, match="NUL"):
        read_mystery_file(b"a,b\x00\n", kind="csv")
    with pytest.raises(MysteryFileError, match="no checklist_id column"):
        read_mystery_file(b"shopper_id,greet\ns,yes\n", kind="csv")
    with pytest.raises(MysteryFileError, match="appears twice"):
        read_mystery_file(b"checklist_id,greet,greet\nmq,yes,no\n", kind="csv")
    with pytest.raises(MysteryFileError, match="no evaluations"):
        read_mystery_file(b"checklist_id,greet\n", kind="csv")
    rows, problems = read_mystery_file("checklist_id;greet;polite\nmq;да;\n".encode("cp1251"), kind="csv")
    assert rows == [(2, {"checklist_id": "mq"}, {"greet": "да"})] and problems == []
