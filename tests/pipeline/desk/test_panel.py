"""The questionnaire panel: panel answers become survey answers of the visit, counted by the survey metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.alarms.sinks import LogSink, Sinks
from pipeline.desk.link import link_device_events
from pipeline.settings import Settings
from pipeline.surveys.metrics import survey_metrics
from tests.pipeline.desk.devices_sample import add_visit, event

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def _link(store):
    return link_device_events(store, Settings(), sinks=Sinks({"log": LogSink()}))


def test_panel_answers_are_survey_answers_of_the_visit_and_count_in_survey_metrics(store):
    visit = add_visit(store, video="q.mp4", arrived_at=T0, arrive_s=0.0, leave_s=120.0, operator_id="op-7")
    store.catalog.add_device_events([
        event("panel_answer", T0 + timedelta(seconds=30), "4", device_id="panel-1", event_id="p1",
              question="csat", campaign="winter-2026"),
        event("panel_answer", T0 + timedelta(seconds=31), "9", device_id="panel-1", event_id="p2",
              question="q-recommend", survey="nps", campaign="winter-2026"),
        event("panel_answer", T0 + timedelta(hours=1), "2", device_id="panel-1", event_id="p3",
              question="CSAT", campaign="winter-2026"),  # after the visit: no contact, an anonymous customer
    ])
    report = _link(store)
    assert report.survey_answers == 3 and report.errors == []

    linked = store.catalog.survey_answers(contact_id=visit)
    assert [(a.kind, a.value, a.customer_id, a.operator_id, a.channel) for a in linked] == [
        ("csat", 4, f"desk-visit:{visit}", "op-7", "desk"), ("nps", 9, f"desk-visit:{visit}", "op-7", "desk")]
    [alone] = store.catalog.survey_answers(kind="csat", since=T0 + timedelta(minutes=30))
    assert (alone.contact_id, alone.customer_id, alone.value) == (None, "desk-panel:p3", 2)

    rows = survey_metrics(store.catalog.survey_answers(), [], by=("channel",), as_of=T0 + timedelta(days=1))
    assert [(r["channel"], r["answers"], r["answers_csat"], r["answers_nps"], r["csat"], r["detractors"])
            for r in rows] == [("desk", 3, 2, 1, 50.0, 1)]

    assert _link(store).survey_answers == 0  # linked again: nothing twice
    assert len(store.catalog.survey_answers()) == 3
    # the visit's answers wait for its alarm rules, as a survey answer that comes after a call does
    assert visit in store.catalog.contacts_with_new_answers()


def test_panel_answers_that_are_no_score_become_error_records(store):
    store.catalog.add_device_events([
        event("panel_answer", T0, "yes", event_id="free", question="q-parking"),
        event("panel_answer", T0, "11", event_id="range", question="nps"),
        event("panel_answer", T0, "five", event_id="word", question="csat"),
        event("panel_answer", T0, "5", event_id="nothing"),
    ])
    report = _link(store)
    assert report.survey_answers == 0
    assert sorted(e.message.split(": ", 1)[1] for e in report.errors) == [
        "no question in the raw payload; expected {\"question\": \"csat\", \"campaign\": ...}",
        "question 'q-parking' is no survey score; expected question csat, nps, ces, discourage, goal, emotion "
        "(or a survey field naming one)",
        "value 'five'; expected a csat score 1..5",
        "value 11; expected a nps score 0..10",
    ]
