"""Survey metrics per group on a hand-built set of invitations, answers and STOPs, and the files
of the report: CSV and Parquet that read back equal, PNGs that are real and show what they should."""

from __future__ import annotations

import csv
import struct
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from pipeline.records import ConsentChange, SurveyAnswer, SurveyInvitation
from pipeline.surveys.exports import write_report
from pipeline.surveys.metrics import COLUMNS, COUNT_COLUMNS, operator_ranking, period_of, survey_metrics
from pipeline.surveys.report import format_report

AS_OF = datetime(2024, 3, 20, 12, 0, tzinfo=UTC)


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute, tzinfo=UTC)


def invitation(iid, customer, operator, team, channel, sent_at):
    return SurveyInvitation(iid, customer, channel, sent_at, operator_id=operator, team=team)


INVITATIONS = [
    invitation("i1", "c1", "A", "T1", "sms", at(1, 10)),    # answered (a1, a2)
    invitation("i2", "c2", "A", "T1", "sms", at(5)),        # 15 days old, its answer comes after as_of: ignored
    invitation("i3", "c3", "A", "T1", "chat", at(13)),      # exactly 7 days old: still open
    invitation("i4", "c4", "A", "T1", "chat", at(13, 11, 59)),  # 7 days and a minute: ignored
    invitation("i5", "c5", "B", "T2", "sms", at(15)),       # answered, then STOP an hour later: stopped
    invitation("i6", "c6", "B", "T2", "sms", at(18)),       # 2 days old: open
    invitation("i7", "c7", "B", "T2", "sms", at(2)),        # ignored; its STOP came 10 days later: not stopped
    invitation("i8", "c8", "B", "T2", "sms", at(21)),       # after as_of: left out
]
ANSWERS = [
    SurveyAnswer("c1", "nps", 10, at(1, 12), invitation_id="i1"),  # operator, team, channel from i1
    SurveyAnswer("c1", "csat", 5, at(1, 12), invitation_id="i1"),
    SurveyAnswer("c5", "nps", 3, at(15, 12), invitation_id="i5", operator_id="B"),
    SurveyAnswer("c9", "ces", 7, at(16), operator_id="B", team="T2", channel="web"),
    SurveyAnswer("c10", "csat", 2, at(16), channel="web"),
    SurveyAnswer("c2", "nps", 9, at(25), invitation_id="i2", operator_id="A"),  # after as_of: left out
]
STOPS = [
    ConsentChange("c5", False, at(15, 13), "sms"),
    ConsentChange("c7", False, at(12), "sms"),
    ConsentChange("c6", True, at(18, 13), "sms"),   # a grant, not a STOP
    ConsentChange("c99", False, at(10), "sms"),     # follows no invitation
]


def row(**values):
    base = dict.fromkeys(COLUMNS)
    base.update({c: 0 for c in COUNT_COLUMNS})
    base.update(values)
    return base


def test_metrics_per_operator_are_exact():
    rows = survey_metrics(ANSWERS, INVITATIONS, STOPS, by=("operator",), as_of=AS_OF, average_check=1000)
    assert rows == [
        {"operator": "A", **row(invited=4, answered=1, ignored=2, response_rate=0.25, ignore_rate=0.5, stop_rate=0.0,
                                answers=2, answers_csat=1, answers_nps=1, nps=100.0, csat=100.0, csi=100.0,
                                cdsat=0.0, critical_share=0.0, money_at_risk=0.0)},
        {"operator": "B", **row(invited=3, answered=1, ignored=1, stopped=1, response_rate=1 / 3, ignore_rate=1 / 3,
                                stop_rate=1 / 3, answers=2, answers_nps=1, answers_ces=1, nps=-100.0, ces=7.0,
                                csi=15.0, cdsat=100.0, critical_share=1.0, detractors=2, money_at_risk=2000.0)},
        {"operator": None, **row(answers=1, answers_csat=1, csat=0.0, csi=25.0, cdsat=100.0, critical_share=1.0,
                                 detractors=1, money_at_risk=1000.0)},
    ]
    assert list(rows[0]) == ["operator", *COLUMNS]


def test_metrics_per_week_and_channel():
    rows = survey_metrics(ANSWERS, INVITATIONS, STOPS, by=("channel",), period="week", as_of=AS_OF)
    got = {(r["period"], r["channel"]): (r["invited"], r["answered"], r["ignored"], r["stopped"], r["answers"],
                                         r["csi"], r["detractors"]) for r in rows}
    assert list(got) == [("2024-W09", "sms"), ("2024-W10", "sms"), ("2024-W11", "chat"), ("2024-W11", "sms"),
                         ("2024-W11", "web"), ("2024-W12", "sms")]
    assert got == {
        ("2024-W09", "sms"): (2, 1, 1, 0, 2, 100.0, 0),   # i1 answered, i7 ignored
        ("2024-W10", "sms"): (1, 0, 1, 0, 0, None, 0),    # i2
        ("2024-W11", "chat"): (2, 0, 1, 0, 0, None, 0),   # i3 open, i4 ignored
        ("2024-W11", "sms"): (1, 1, 0, 1, 1, 30.0, 1),    # i5 and its answer (channel from i5)
        ("2024-W11", "web"): (0, 0, 0, 0, 2, 12.5, 2),    # answers without invitations
        ("2024-W12", "sms"): (1, 0, 0, 0, 0, None, 0),    # i6 open
    }
    assert list(rows[0])[:2] == ["period", "channel"]
    assert all(r["money_at_risk"] is None for r in rows)


def test_one_row_for_everything_without_keys():
    [total] = survey_metrics(ANSWERS, INVITATIONS, STOPS, by=(), as_of=AS_OF)
    assert (total["invited"], total["answered"], total["ignored"], total["stopped"]) == (7, 2, 3, 1)
    assert total["response_rate"] == pytest.approx(2 / 7) and total["stop_rate"] == pytest.approx(1 / 7)
    assert (total["answers"], total["detractors"]) == (5, 3)
    assert total["cdsat"] == pytest.approx(60.0) and total["critical_share"] == pytest.approx(0.6)
    assert total["csi"] == pytest.approx((100 + 100 + 30 + 0 + 25) / 5)


def test_moving_as_of_turns_open_invitations_into_ignored_ones():
    later = survey_metrics(ANSWERS, INVITATIONS, by=(), as_of=AS_OF + timedelta(days=30))[0]
    # now i8 is sent, a6 answers i2, and every other unanswered invitation is past its window
    assert (later["invited"], later["answered"], later["ignored"], later["answers"]) == (8, 3, 5, 6)
    shorter = survey_metrics(ANSWERS, INVITATIONS, by=(), as_of=AS_OF, answer_window_days=1)[0]
    assert shorter["ignored"] == 5  # i3 (7 days old) and i6 (2 days old) too
    earlier = survey_metrics(ANSWERS, INVITATIONS, by=(), as_of=at(1, 11))[0]
    assert (earlier["invited"], earlier["answered"], earlier["ignored"], earlier["answers"]) == (1, 0, 0, 0)


def test_a_late_answer_still_answers_its_invitation():
    inv = invitation("x", "c", "A", None, "sms", at(1))
    late = SurveyAnswer("c", "csat", 4, at(15), invitation_id="x")
    [r] = survey_metrics([late], [inv], by=(), as_of=AS_OF)
    assert (r["answered"], r["ignored"], r["response_rate"]) == (1, 0, 1.0)


def test_a_stop_counts_against_the_latest_invitation_before_it():
    first = invitation("x1", "c", "A", None, "sms", at(1))
    second = invitation("x2", "c", "B", None, "sms", at(3))
    stop = ConsentChange("c", False, at(4), "chat")
    rows = survey_metrics([], [first, second], [stop], as_of=AS_OF)
    assert [(r["operator"], r["stopped"], r["stop_rate"]) for r in rows] == [("A", 0, 0.0), ("B", 1, 1.0)]
    twice = survey_metrics([], [first, second], [stop, ConsentChange("c", False, at(5), "sms")], as_of=AS_OF)
    assert [r["stopped"] for r in twice] == [0, 1]


def test_periods_follow_the_calendar_of_tz():
    late_evening = SurveyAnswer("c", "nps", 9, datetime(2024, 3, 31, 22, 30, tzinfo=UTC))
    moscow = timezone(timedelta(hours=3))
    assert [r["period"] for r in survey_metrics([late_evening], [], by=(), period="month", as_of=AS_OF.replace(
        month=4))] == ["2024-03"]
    assert [r["period"] for r in survey_metrics([late_evening], [], by=(), period="month", tz=moscow,
                                                as_of=AS_OF.replace(month=4))] == ["2024-04"]


@pytest.mark.parametrize(("moment", "period", "expected"), [
    (datetime(2024, 3, 5, 23, 59, tzinfo=UTC), "day", "2024-03-05"),
    (datetime(2024, 3, 5, tzinfo=UTC), "month", "2024-03"),
    (datetime(2024, 3, 4, tzinfo=UTC), "week", "2024-W10"),
    (datetime(2024, 3, 3, 23, 59, tzinfo=UTC), "week", "2024-W09"),
    (datetime(2024, 12, 30, tzinfo=UTC), "week", "2025-W01"),  # ISO year
])
def test_period_of(moment, period, expected):
    assert period_of(moment, period=period) == expected


def test_no_records_give_no_rows():
    assert survey_metrics([], [], as_of=AS_OF) == []
    assert format_report([]) == "no survey invitations or answers"


@pytest.mark.parametrize(("options", "message"), [
    ({"as_of": datetime(2024, 3, 20)}, "timezone-aware"),
    ({"by": ("period",)}, "period='day'"),
    ({"by": "operator"}, "sequence of keys"),
    ({"by": ("shift",)}, "expected some of"),
    ({"by": ("team", "team")}, "twice"),
    ({"period": "year"}, "period='year'"),
    ({"answer_window_days": -1}, "answer_window_days"),
])
def test_bad_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        survey_metrics(ANSWERS, INVITATIONS, **{"as_of": AS_OF, **options})


def test_bad_records_are_refused():
    with pytest.raises(ValueError, match="'i1' appears twice"):
        survey_metrics([], INVITATIONS + INVITATIONS[:1], as_of=AS_OF)
    with pytest.raises(TypeError, match="answers holds a SurveyInvitation"):
        survey_metrics(INVITATIONS, [], as_of=AS_OF)
    with pytest.raises(TypeError, match="stops holds a dict"):
        survey_metrics([], [], [{"customer_id": "c"}], as_of=AS_OF)


def test_format_report_is_a_readable_table():
    text = format_report(survey_metrics(ANSWERS, INVITATIONS, STOPS, as_of=AS_OF, average_check=1000)).splitlines()
    assert text[0].split()[:5] == ["operator", "invited", "answered", "ignored", "resp"]
    assert text[2].split()[:8] == ["A", "4", "1", "2", "25.0%", "50.0%", "0.0%", "2"]
    assert text[3].split()[-3:] == ["100.0%", "2", "2000"]
    assert text[4].startswith("-  ")  # no operator


# --- files -----------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def pixels_near(path, colour_hex: str) -> int:
    import matplotlib.image

    image = matplotlib.image.imread(path)[..., :3]
    target = np.array([int(colour_hex[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(image - target).max(axis=-1) < 0.04).sum())


def read_csv(path):
    def value(column, text):
        if text == "":
            return None
        if column in COUNT_COLUMNS:
            return int(text)
        return float(text) if column in COLUMNS else text
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [{c: value(c, v) for c, v in r.items()} for r in csv.DictReader(f)]


def test_csv_parquet_and_xlsx_read_back_equal_the_rows(tmp_path):
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    rows = survey_metrics(ANSWERS, INVITATIONS, STOPS, by=("team", "channel"), period="day", as_of=AS_OF,
                          average_check=1234.5)
    paths = write_report(rows, ANSWERS, tmp_path / "out", basename="march", invitations=INVITATIONS)
    assert [p.name for p in paths] == ["march.csv", "march.parquet", "march.xlsx", "march_trend.png",
                                       "march_distribution.png", "march_operators.png"]
    assert read_csv(paths[0]) == rows
    table = pq.read_table(paths[1])
    assert table.to_pylist() == rows
    assert str(table.schema.field("invited").type) == "int64" and str(table.schema.field("nps").type) == "double"
    assert str(table.schema.field("team").type) == "string"
    sheet = list(load_workbook(paths[2]).active.iter_rows(values_only=True))
    assert [dict(zip(sheet[0], r)) for r in sheet[1:]] == rows


def test_pngs_are_real_images_of_sensible_size(tmp_path):
    rows = survey_metrics(ANSWERS, INVITATIONS, as_of=AS_OF)
    for path in write_report(rows, ANSWERS, tmp_path, basename="r", invitations=INVITATIONS)[3:]:
        width, height = png_size(path.read_bytes())
        assert 500 <= width <= 2500 and 250 <= height <= 2500, (path.name, width, height)
        assert path.stat().st_size > 5_000


def test_empty_report_still_writes_every_file(tmp_path):
    import pyarrow.parquet as pq

    paths = write_report([], [], tmp_path, basename="empty")
    assert all(p.exists() for p in paths)
    assert read_csv(paths[0]) == [] and paths[0].read_text(encoding="utf-8-sig").startswith("invited,answered,")
    assert pq.read_table(paths[1]).num_rows == 0
    assert all(png_size(p.read_bytes())[0] > 0 for p in paths[3:])


def test_distribution_colours_dissatisfied_and_satisfied_answers(tmp_path):
    red, green = "#d62728", "#2ca02c"
    unhappy = [SurveyAnswer(f"c{i}", "csat", 1, at(1)) for i in range(5)]
    happy = [SurveyAnswer(f"c{i}", "csat", 5, at(1)) for i in range(5)]
    bad = write_report([], unhappy, tmp_path, basename="bad")[4]
    good = write_report([], happy, tmp_path, basename="good")[4]
    legend_only = pixels_near(good, red)  # the legend's patch
    assert pixels_near(bad, red) > 20 * legend_only
    assert pixels_near(good, green) > 20 * pixels_near(bad, green)


def test_operators_are_ranked_worst_first_and_the_plot_grows_with_them(tmp_path):
    answers = [SurveyAnswer("c1", "csat", 5, at(1), operator_id="good"),
               SurveyAnswer("c2", "csat", 1, at(1), operator_id="bad"),
               SurveyAnswer("c3", "csat", 3, at(1), operator_id="bad"),
               SurveyAnswer("c4", "nps", 5, at(1), operator_id="middle"),
               SurveyAnswer("c5", "nps", 0, at(1))]
    assert operator_ranking(answers, [a.operator_id for a in answers]) == [
        ("bad", 25.0, 2), ("middle", 50.0, 1), ("good", 100.0, 1)]
    few = write_report([], answers, tmp_path, basename="few")[5]
    many_answers = [SurveyAnswer(f"c{i}", "nps", i % 11, at(1), operator_id=f"op{i:02d}") for i in range(30)]
    many = write_report([], many_answers, tmp_path, basename="many")[5]
    capped = write_report([], many_answers, tmp_path, basename="capped", max_operators=5)[5]
    assert png_size(few.read_bytes())[1] < png_size(capped.read_bytes())[1] * 1.5 < png_size(many.read_bytes())[1]


def test_answers_take_their_operator_from_their_invitation_in_the_plots(tmp_path):
    answer = SurveyAnswer("c1", "csat", 1, at(1), invitation_id="i1")
    assert operator_ranking([answer], [None]) == []
    with pytest.raises(ValueError, match="one per answer"):
        operator_ranking([answer], [])


@pytest.mark.parametrize(("options", "message"), [
    ({"basename": "a/b"}, "basename"), ({"basename": ""}, "basename"), ({"period": "hour"}, "period"),
    ({"max_operators": 0}, "max_operators"),
])
def test_write_report_refuses_bad_options(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        write_report([], [], tmp_path, **options)
    assert list(tmp_path.iterdir()) == []


def test_plots_leave_out_answers_after_as_of(tmp_path):
    before_all = write_report([], ANSWERS, tmp_path, basename="before", as_of=at(1, 0))
    empty = write_report([], [], tmp_path, basename="empty")
    assert [p.read_bytes() for p in before_all[3:]] == [p.read_bytes() for p in empty[3:]]
    with_all = write_report([], ANSWERS, tmp_path, basename="all")
    assert with_all[3].read_bytes() != empty[3].read_bytes()
    with pytest.raises(ValueError, match="as_of"):
        write_report([], ANSWERS, tmp_path, as_of=datetime(2024, 3, 1))
