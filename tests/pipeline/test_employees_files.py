"""Hostile employee survey files: each is refused whole with FILE:LINE (or FILE:) and a clear reason, exit 2,
nothing stored, never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.cli.employees import employees
from pipeline.employees.files import month_of, read_employee_file

HEADER = "team,date,enps,workload\n"


def test_reads_known_rows_and_drops_identity_columns():
    parsed = read_employee_file(
        "\ufeffrespondent_id;Team;DATE;eNPS;workload;email\n1;cards;2026-03-05;9;4;a@b.c\n2;cards;05.03.2026;;3;\n"
        .encode(), jsonl=False)
    assert parsed.problems == () and parsed.items == ("workload",)
    assert parsed.dropped_columns == ("respondent_id", "email")
    assert [(a.team, a.month, a.enps, a.items) for a in parsed.answers] == [
        ("cards", "2026-03", 9, (("workload", 4),)), ("cards", "2026-03", None, (("workload", 3),))]


def test_cp1251_team_names():
    parsed = read_employee_file((HEADER + "Карты,2026-03-05,9,4\n").encode("cp1251"), jsonl=False)
    assert parsed.answers[0].team == "Карты"


@pytest.mark.parametrize(("body", "line", "why"), [
    (HEADER + "cards,2026-03-05,11,4\n", 2, "enps is 11; expected a whole number 0..10"),
    (HEADER + "cards,2026-03-05,9,0\n", 2, "workload is 0; expected a whole number 1..5"),
    (HEADER + "cards,2026-03-05,9,4\ncards,2026-03-05,nine,4\n", 3, "enps is 'nine'"),
    (HEADER + "cards,2026-03-05,9.5,4\n", 2, "enps is '9.5'"),
    (HEADER + ",2026-03-05,9,4\n", 2, "team is empty"),
    (HEADER + "cards,2026-13-45,9,4\n", 2, "date '2026-13-45'; expected a date"),
    (HEADER + "cards,,9,4\n", 2, "date is empty"),
    (HEADER + "cards,2026-03-05,,\n", 2, "no eNPS and no engagement item answered"),
    (HEADER + "cards,2026-03-05,9\n", 2, "3 fields; expected 4"),
    (HEADER + "c\x00ards,2026-03-05,9,4\n", 0, "NUL bytes"),
    (HEADER + "x" * 200 + ",2026-03-05,9,4\n", 2, "team is 200 characters long"),
])
def test_bad_rows_are_named_by_line(tmp_path, home, body, line, why):
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    result = CliRunner().invoke(employees, ["import", str(path)])
    assert result.exit_code == 2, result.output
    assert (f"bad.csv:{line}: " if line else "bad.csv: ") in result.output and why in result.output
    assert "Traceback" not in result.output and "not imported" in result.output


@pytest.mark.parametrize(("name", "data", "why"), [
    ("empty.csv", b"", "no header row"),
    ("header.csv", HEADER.encode(), "no answers"),
    ("noteam.csv", b"date,enps\n2026-03-05,9\n", "no team column"),
    ("twice.csv", b"team,date,enps,enps\ncards,2026-03-05,9,9\n", "appears twice"),
    ("utf16.csv", HEADER.encode("utf-16"), "UTF-16"),
    ("binary.csv", bytes(range(256)) * 4, "neither UTF-8 nor cp1251"),
    ("list.jsonl", b"[1, 2]\n", "expected an object"),
    ("deep.jsonl", b"[" * 5000 + b"]" * 5000 + b"\n", "deep.jsonl:1: "),
    ("notes.txt", b"team,date\n", "expected .csv or .jsonl"),
    ("obj.jsonl", b'{"team": {"a": 1}, "date": "2026-03-01", "enps": 9}\n', "team is a dict; expected text"),
    ("bool.jsonl", b'{"team": "a", "date": "2026-03-01", "enps": true}\n', "enps is a bool"),
    ("huge.csv", b"team,date,enps\n" + b"a" * 200_000 + b",2026-03-01,9\n", "huge.csv: line 2: not readable as CSV"),
])
def test_hostile_files_are_refused_clearly(tmp_path, home, name, data, why):
    path = tmp_path / name
    path.write_bytes(data)
    result = CliRunner().invoke(employees, ["import", str(path)])
    assert result.exit_code == 2, result.output
    assert why in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_bad_file_stores_nothing_and_a_good_one_beside_it_is_stored(tmp_path, home):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(HEADER + "cards,2026-03-05,9,4\n" * 5)
    bad.write_text(HEADER + "cards,2026-03-05,9,4\n" * 4 + "cards,2026-03-05,99,4\n")
    result = CliRunner().invoke(employees, ["import", str(good), str(bad)])
    assert result.exit_code == 2 and "bad.csv:6: enps is 99" in result.output
    report = CliRunner().invoke(employees, ["report", "--no-files", "--json"])
    assert '"answers": 5' in report.output  # the good file's 5, none of the bad file's


def test_month_of_formats():
    assert month_of("2026-03-31T23:59:00-05:00") == "2026-03"  # the employee's own date, no shift
    with pytest.raises(ValueError, match="expected a date"):
        month_of("March")
