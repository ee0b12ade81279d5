"""The feedback page and ``GET /api/feedback`` over real HTTP: the CLI report's numbers, scoped to a supervisor's
team, the newest complaints inside good scores with their (redacted) words, exports, and bad filters refused.

Sorted items are stored as ``cxmon feedback classify`` stores them (:func:`pipeline.feedback.store.save_items`),
without running the models; survey items name real survey answers, whose text the page shows. The world
(tests/web/conftest.py): c-a1 (op1, team A), c-b2 (op2, team B), c-a3 (op2, team A).

=====  ======  ======================  ===========  ==========  =========  ======  ====================
item   source  team (own / contact's)  score        band        category   tone    at (T0 = 11-02 10:00)
=====  ======  ======================  ===========  ==========  =========  ======  ====================
s1     survey  - / c-a1 A              NPS 9        9-10        process    compl.  T0 + 1 d
s6     survey  - / c-a1 A              NPS 10       9-10        other      praise  T0 + 1 d 1 h
s2     survey  - / c-b2 B              NPS 3        0-6         other      praise  T0 + 2 d
c1     chat    A / c-a3 A              -            no score    process    compl.  T0 + 2 d 1 h
s3     survey  A / -                   CSAT 4       4           communic.  compl.  T0 + 3 d
s4     survey  B / -                   NPS 7        7-8         product    compl.  T0 + 4 d
d1     desk    - / -                   -            no score    communic.  compl.  T0 + 5 d
s5     survey  - / -                   CSAT 2       1-3         product    neutral T0 + 6 d
=====  ======  ======================  ===========  ==========  =========  ======  ====================

Everyone (reviewers, admins): 8 items, 2 per category; good scores (NPS 7-10, CSAT 4-5) s1 s6 s3 s4, of which
complaints s1 s3 s4: 3 of 4; low scores s2 s5, praise s2: 1 of 2. Team A (sam): s1 s6 c1 s3: 4 items, good
scores s1 s6 s3, complaints s1 s3: 2 of 3, no low score.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.web.conftest import PHONE, T0

EVERYTHING = "since=2026-11-01&until=2026-11-30"
TEXTS = {"s1": f"Waited in the queue for two hours, call me at {PHONE}", "s6": "All good, thanks",
         "s2": "Thank you, lovely people", "s3": "The operator was rude", "s4": "Fees are far too high",
         "s5": "Card conditions changed"}
S1_REDACTED = "Waited in the queue for two hours, call me at [PHONE]"
SURVEYS = {  # name: (kind, value, contact, team, at)
    "s1": ("nps", 9, "c-a1", None, T0 + timedelta(days=1)),
    "s6": ("nps", 10, "c-a1", None, T0 + timedelta(days=1, hours=1)),
    "s2": ("nps", 3, "c-b2", None, T0 + timedelta(days=2)),
    "s3": ("csat", 4, None, "A", T0 + timedelta(days=3)),
    "s4": ("nps", 7, None, "B", T0 + timedelta(days=4)),
    "s5": ("csat", 2, None, None, T0 + timedelta(days=6)),
}
SORTED = {  # name: (band, category, subcategory, polarity)
    "s1": ("9-10", "process", "queue", "complaint"), "s6": ("9-10", "other", None, "praise"),
    "s2": ("0-6", "other", None, "praise"), "s3": ("4", "communication", "rudeness", "complaint"),
    "s4": ("7-8", "product", "fees", "complaint"), "s5": ("1-3", "product", None, "neutral"),
}


def _row(item_id, source, at, *, band, category, subcategory, polarity, **more):
    return {"item_id": item_id, "source": source, "at": at, "band": band, "language": "en", "category": category,
            "confidence": 0.9, "subcategory": subcategory, "keywords": [], "polarity": polarity, "model": "test",
            "classified_at": datetime(2026, 12, 1, tzinfo=UTC), **more}


@pytest.fixture(scope="module")
def fb(world):
    from pipeline.catalog.surveys import survey_answer_id
    from pipeline.feedback.store import save_items
    from pipeline.records import SurveyAnswer

    catalog = world.store.catalog
    rows = []
    for name, (kind, value, contact, team, at) in SURVEYS.items():
        answer = SurveyAnswer(f"cust-{name}", kind, value, at, contact_id=contact, team=team, text=TEXTS[name])
        catalog.add_survey_answers([answer])
        band, category, sub, polarity = SORTED[name]
        rows.append(_row(f"survey:{survey_answer_id(answer)}", "survey", at, band=band, category=category,
                         subcategory=sub, polarity=polarity, customer_id=f"cust-{name}", contact_id=contact,
                         team=team, kind=kind, score=value))
    rows.append(_row("chat:c-a3:0", "chat", T0 + timedelta(days=2, hours=1), band="no score", category="process",
                     subcategory=None, polarity="complaint", contact_id="c-a3", operator_id="op2", team="A"))
    rows.append(_row("desk:fb1", "desk", T0 + timedelta(days=5), band="no score", category="communication",
                     subcategory="rudeness", polarity="complaint", kind="complaint"))
    assert save_items(catalog.engine, rows) == 8
    return world


def _api(world, who, query=EVERYTHING):
    response = world.get(f"/api/feedback?{query}", who)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("who", ["ann", "rita"])
def test_reviewers_and_admins_get_the_cli_report_over_every_item(fb, who):
    body = _api(fb, who)
    assert body["items"] == 8 and body["by"] == "category"
    rows = {r["category"]: r for r in body["rows"]}
    assert list(rows) == ["communication", "process", "product", "other"]
    assert {c: r["items"] for c, r in rows.items()} == {"communication": 2, "process": 2, "product": 2, "other": 2}
    assert (rows["communication"]["complaints"], rows["communication"]["scored"],
            rows["communication"]["complaints_in_high_scores"]) == (2, 1, 1)  # s3 and d1; only s3 has a score
    assert (rows["product"]["complaints"], rows["product"]["neutral"], rows["product"]["scored"]) == (1, 1, 2)
    assert (rows["other"]["praise"], rows["other"]["praise_in_low_scores"], rows["other"]["share"]) == (2, 1, 0.25)
    assert body["hidden"] == {"complaints_in_high_scores": 3, "high_scored": 4, "complaints_in_high_share": 0.75,
                              "praise_in_low_scores": 1, "low_scored": 2, "praise_in_low_share": 0.5}
    assert [(r["band"], r["polarity"], r["category"], r["items"], r["share_of_band"]) for r in body["real_picture"]] == [
        ("0-6", "praise", "other", 1, 1.0), ("7-8", "complaint", "product", 1, 1.0),
        ("9-10", "complaint", "process", 1, 0.5), ("9-10", "praise", "other", 1, 0.5),
        ("1-3", "neutral", "product", 1, 1.0), ("4", "complaint", "communication", 1, 1.0)]
    latest = body["latest_complaints_in_high_scores"]
    assert [i["text"] for i in latest] == [TEXTS["s4"], TEXTS["s3"], S1_REDACTED]  # newest first, redacted for both
    assert [(i["kind"], i["score"], i["band"]) for i in latest] == [("nps", 7, "7-8"), ("csat", 4, "4"),
                                                                    ("nps", 9, "9-10")]


def test_the_api_is_the_cli_function_over_the_same_items(fb):
    from pipeline.feedback.report import feedback_report
    from pipeline.feedback.store import stored_items

    body = _api(fb, "ann", "by=subcategory")  # no dates: every stored item, as the CLI without --since/--until
    expected = feedback_report(stored_items(fb.store.catalog.engine), by="subcategory")
    assert body["rows"] == expected["rows"] and body["real_picture"] == expected["real_picture"]
    assert [(r["category"], r["subcategory"]) for r in body["rows"]][:3] == [
        ("communication", "rudeness"), ("process", "queue"), ("process", None)]


def test_a_reader_of_unredacted_transcripts_reads_the_words_as_stored(fb):
    latest = _api(fb, "uma")["latest_complaints_in_high_scores"]
    assert latest[-1]["text"] == TEXTS["s1"] and PHONE in latest[-1]["text"]


def test_a_supervisor_sees_only_the_items_of_their_team(fb):
    body = _api(fb, "sam")
    assert body["items"] == 4  # s1 and s6 through c-a1's team, c1 and s3 their own; not s2 s4 (B), d1 s5 (none)
    assert {r["category"]: r["items"] for r in body["rows"]} == {"communication": 1, "process": 2, "other": 1}
    assert body["hidden"] == {"complaints_in_high_scores": 2, "high_scored": 3, "complaints_in_high_share": 0.6667,
                              "praise_in_low_scores": 0, "low_scored": 0, "praise_in_low_share": None}
    assert [i["text"] for i in body["latest_complaints_in_high_scores"]] == [
        TEXTS["s3"], S1_REDACTED]
    assert TEXTS["s4"] not in fb.get(f"/feedback?{EVERYTHING}", "sam").text


def test_period_source_and_grouping_filters(fb):
    window = _api(fb, "rita", "since=2026-11-04&until=2026-11-05")  # until's whole day: s2, c1, s3
    assert window["items"] == 3 and window["filter"]["until"].startswith("2026-11-06")
    assert {r["category"]: r["items"] for r in window["rows"]} == {"communication": 1, "process": 1, "other": 1}
    by_source = _api(fb, "rita", "by=source")
    assert {r["source"]: r["items"] for r in by_source["rows"]} == {"chat": 1, "desk": 1, "survey": 6}
    chats = _api(fb, "rita", "source=chat")
    assert chats["items"] == 1 and chats["real_picture"] == [] and chats["latest_complaints_in_high_scores"] == []


def test_the_page_shows_the_same_numbers_chart_and_texts(fb):
    page = fb.get(f"/feedback?{EVERYTHING}&lang=en", "rita")
    assert page.status_code == 200, page.text
    html = page.text
    assert re.search(r'id="kpi-items">8<', html) and re.search(r'id="kpi-hidden-complaints">3<', html)
    assert "of 4 so scored (75%)" in html and "of 2 so scored (50%)" in html
    cells = re.findall(r'<td class="num" data-col="complaints_in_high_scores">(\d+)</td>', html)
    assert cells == ["1", "1", "1", "0"]  # communication, process, product, other
    assert html.count('class="hidden-complaint"') == 3 and html.count('class="hidden-praise"') == 1
    chart = html[html.index('<section class="card" id="chart">'):html.index('<section class="card" id="rows">')]
    assert chart.count("<rect") == 6 + 4  # one piece per real-picture row, four legend squares
    assert "process NPS 9-10 −: 1" in chart and "other NPS 0-6 +: 1" in chart
    latest = html[html.index('id="latest-hidden"'):]
    assert latest.index(TEXTS["s4"]) < latest.index(TEXTS["s3"]) < latest.index("call me at [PHONE]")
    assert PHONE not in html
    assert 'href="/api/feedback?since=2026-11-01&amp;until=2026-11-30&amp;format=csv&amp;table=rows"' in html
    assert "<h1>Отзывы</h1>" in fb.get(f"/feedback?{EVERYTHING}&lang=ru", "rita").text
    assert 'href="/feedback?lang=en"' in fb.get("/dashboard?lang=en", "sam").text  # in the nav


def test_the_tables_download_with_the_same_filter(fb):
    response = fb.get(f"/api/feedback?{EVERYTHING}&format=csv&table=real_picture", "ann")
    assert response.status_code == 200 and "feedback_real_picture.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["band"], r["items"]) for r in rows] == [("0-6", "1"), ("7-8", "1"), ("9-10", "1"), ("9-10", "1"),
                                                       ("1-3", "1"), ("4", "1")]
    sam = fb.get("/api/feedback?format=csv&by=source", "sam")
    assert [(r["source"], r["items"]) for r in csv.DictReader(io.StringIO(sam.content.decode("utf-8-sig")))] == [
        ("chat", "1"), ("survey", "3")]
    assert fb.get("/api/feedback?format=xlsx", "ann").content[:2] == b"PK"


def test_operators_get_404_and_strangers_sign_in(fb):
    for who in ("olga", "oleg"):
        assert fb.get("/feedback", who).status_code == 404
        assert fb.get("/api/feedback", who).status_code == 404
    assert 'href="/feedback' not in fb.get("/me?lang=en", "olga").text
    assert fb.get("/api/feedback", None).status_code == 401
    assert fb.get("/feedback", None, follow_redirects=False).status_code == 303


@pytest.mark.parametrize(("query", "reason"), [
    ("since=yesterday", "expected ISO 8601"), ("until=2026-13-40", "expected ISO 8601"),
    ("by=team", "expected one of category, subcategory, source"), ("source=email", "expected one of survey"),
    ("by=category%00", "control character"), ("since=2026-11-05&until=2026-11-01", "is not before"),
    ("since=2026-11-05%00", "expected ISO 8601"), ("until=9999-12-31", "out of range"),
    ("since=0001-01-01T00:00%2B05:00", "out of range")])
def test_bad_filters_are_422_with_the_reason(fb, query, reason):
    api = fb.get(f"/api/feedback?{query}", "rita")
    assert api.status_code == 422 and reason in api.json()["detail"]
    page = fb.get(f"/feedback?{query}&lang=en", "rita")
    assert page.status_code == 422 and reason in page.text and 'id="filter-error"' in page.text


def test_huge_or_unknown_parameters_are_422_not_a_traceback(fb):
    assert fb.get(f"/api/feedback?since={'9' * 5000}", "rita").status_code == 422
    assert fb.get("/api/feedback?format=pdf", "rita").status_code == 422
    assert fb.get("/api/feedback?format=csv&table=hidden", "rita").status_code == 422
    assert fb.get(f"/feedback?by={'x' * 5000}", "rita").status_code == 422
