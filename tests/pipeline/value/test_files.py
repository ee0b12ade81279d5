"""Customer value files: columns, numbers and dates as CRMs write them, every bad row with its line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipeline.value.files import ValueFileError, read_value_file

MSK = timezone(timedelta(hours=3))


def _read(text: str, *, jsonl: bool = False, encoding: str = "utf-8"):
    return read_value_file(text.encode(encoding), jsonl=jsonl, tz=MSK)


def test_csv_with_every_column_russian_numbers_and_dates():
    parsed = _read("Customer;Revenue;tenure_months;products;CLV;segment;as_of\n"
                   "c1;1 234,50;18;3;99 000;премиум;31.03.2026\n"
                   "c2;100;;;;;2026-03-31T10:00:00+00:00\n")
    assert not parsed.problems and parsed.rows == 2
    c1, c2 = sorted(parsed.values, key=lambda v: v.customer_id)
    assert (c1.revenue, c1.tenure_months, c1.products, c1.clv) == (1234.5, 18.0, 3, 99000.0)
    assert c1.segment == "премиум"
    assert c1.as_of == datetime(2026, 3, 31, 23, 59, 59, tzinfo=MSK)  # a date: the end of that day, site time
    assert (c2.clv, c2.segment, c2.products) == (None, None, None)
    assert c2.as_of == datetime(2026, 3, 31, 10, tzinfo=UTC)


def test_cp1251_file_reads():
    parsed = _read("customer,revenue,as_of,segment\nc1,5,2026-01-01,малый бизнес\n", encoding="cp1251")
    assert parsed.values[0].segment == "малый бизнес"


def test_the_latest_as_of_of_a_customer_wins_within_a_file():
    parsed = _read("customer,revenue,as_of\nc1,10,2026-02-28\nc1,30,2026-03-31\nc1,20,2026-01-31\n")
    assert [(v.customer_id, v.revenue) for v in parsed.values] == [("c1", 30.0)]
    assert not parsed.problems


def test_every_bad_row_is_a_problem_with_its_line():
    parsed = _read("customer_id,revenue,as_of,products,tenure_months,clv\n"
                   "c1,10,2026-03-31,2,1,\n"       # good
                   ",10,2026-03-31,,,\n"           # 3: no customer
                   "c3,ten,2026-03-31,,,\n"        # 4: revenue not a number
                   "c4,10,31/03/2026,,,\n"         # 5: date
                   "c5,10,2026-03-31,2.5,,\n"      # 6: products not whole
                   "c6,10,2026-03-31,,-3,\n"       # 7: tenure negative
                   "c7,,2026-03-31,,,\n"           # 8: revenue missing
                   "c8,10,2026-03-31,,,inf\n"      # 9: clv not finite
                   "c1,11,2026-03-31,2,1,\n"       # 10: c1 twice with the same as_of
                   "c9,10\n"                       # 11: too few fields
                   + "c" * 129 + ",1,2026-03-31,,,\n")  # 12: an id longer than the catalog column
    lines = [(p.line, p.message) for p in parsed.problems]
    assert [line for line, _ in lines] == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    text = "\n".join(m for _, m in lines)
    for expected in ("customer is missing", "revenue is 'ten'", "as_of '31/03/2026'", "products is 2.5",
                     "tenure_months is -3", "revenue is missing", "clv is", "same as_of as on line 2",
                     "2 fields; expected 6", "customer is 129 characters long; expected at most 128"):
        assert expected in text
    assert [v.customer_id for v in parsed.values] == ["c1"]


def test_jsonl_with_numbers_and_an_unknown_field():
    lines = [json.dumps({"customer": "c1", "revenue": 12.5, "clv": 300, "as_of": "2026-03-31", "products": 2}),
             json.dumps({"customer": 42, "revenue": 1, "as_of": "2026-03-31"}),
             json.dumps({"customer": "c3", "revenu": 1, "as_of": "2026-03-31"}),
             "{not json", json.dumps({"customer": "c5", "revenue": True, "as_of": "2026-03-31"})]
    parsed = _read("\n".join(lines) + "\n", jsonl=True)
    assert sorted(v.customer_id for v in parsed.values) == ["42", "c1"]
    assert [p.line for p in parsed.problems] == [3, 4, 5]
    assert "unknown field(s) 'revenu'" in parsed.problems[0].message


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty file"),
    (b"\n\n", "empty file"),
    (b"customer,as_of\nc1,2026-01-01\n", "no revenue column"),
    (b"customer,revenue,as_of,revenu\n", r"unknown column\(s\) 'revenu'"),
    (b"customer,revenue,as_of,Revenue\n", "appears twice"),
    (b"customer,revenue,as_of\n\x00\x00", "NUL"),
    (b"\xff\xfe\x00\x01garbage", "UTF-16 text; expected UTF-8 or cp1251"),
    (b'customer,revenue,as_of\n"' + b"x" * 200_000 + b'",1,2026-01-01\n', "line 2: not readable as CSV"),
])
def test_a_file_that_cannot_be_read_says_why(data, message):
    with pytest.raises(ValueFileError, match=message):
        read_value_file(data, jsonl=False, tz=UTC)
