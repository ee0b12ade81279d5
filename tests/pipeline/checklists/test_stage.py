"""The checklist stage: on a call stored by hand (fast), and on a real chat processed with the real models."""

from __future__ import annotations

import textwrap

import pytest
import sqlalchemy as sa

from pipeline.catalog.schema import checklist_results
from pipeline.checklists.schema import ChecklistError
from pipeline.checklists.stage import checklist_stage, configured_checklists
from pipeline.ingest import ingest_paths
from pipeline.records import FeatureSet, Score, Transcript
from pipeline.settings import Settings
from pipeline.stages import STAGES, process_contact
from tests.pipeline.chats.test_chat_stage import write_chat
from tests.pipeline.checklists.facts import CONTACT, EVENTS, TURNS, VALUES


def _review(store, contact_id: str, checklist_id: str, item_id: str, value: float) -> None:
    """What the review workflow does when a reviewer answers an item."""
    t = checklist_results
    key = (t.c.contact_id == contact_id) & (t.c.checklist_id == checklist_id) & (t.c.item_id == item_id)
    with store.catalog.engine.begin() as conn:
        assert conn.execute(t.update().where(key).values(value=value, state="reviewed", source="reviewer",
                                                         reviewer="qa-lead")).rowcount == 1


def _answers(store, contact_id: str, checklist_id: str) -> dict[str, tuple]:
    return {r.item_id: (r.state, r.value, r.not_applicable)
            for r in store.catalog.checklist_results(contact_id, checklist_id)}


def test_the_stage_runs_after_csi_on_calls_chats_and_desk_visits():
    names = [s.name for s in STAGES]
    assert names.index("checklist") == names.index("csi") + 1
    assert STAGES[names.index("checklist")].channels == {"call", "chat", "desk"}


@pytest.fixture
def store(catalog_url, tmp_path):
    """SQLite and PostgreSQL; the object store plays no part in checklists, so only the local one."""
    from pipeline.catalog import Catalog
    from pipeline.store import LocalObjectStore, Store

    catalog = Catalog(catalog_url)
    yield Store(objects=LocalObjectStore(tmp_path / "objects"), catalog=catalog)
    catalog.close()


@pytest.fixture
def stored_call(store):
    """The hand-built call of facts.py in the store: transcript with tags, events, features, a CSI."""
    store.catalog.add_contact(CONTACT, EVENTS)
    store.catalog.put_transcript(Transcript(CONTACT.contact_id, "ru", TURNS))
    store.catalog.put_feature_set(FeatureSet(CONTACT.contact_id, "call", dict(VALUES)))
    store.catalog.put_score(Score(CONTACT.contact_id, "csi", 35.2, "model"))
    return CONTACT


def test_the_shipped_bank_call_form_on_a_stored_call(store, stored_call):
    features = checklist_stage(store, stored_call, Settings())
    answers = _answers(store, stored_call.contact_id, "ru_bank_call")
    assert answers == {
        "greeting": ("auto", 1.0, False), "introduced": ("auto", 1.0, False), "no_profanity": ("auto", 1.0, False),
        "no_interruptions": ("auto", 1.0, False), "politeness": ("pending", None, False),
        "farewell": ("auto", 1.0, False),
        "identification": ("auto", 0.0, False),      # critical: zeroes the discipline section
        "hold_announced": ("auto", 0.0, False),      # the hold at 60 s was not announced
        "no_long_silence": ("auto", 0.0, False),     # 12.5 s
        "accurate_info": ("pending", None, False),
        "offer": ("auto", 0.0, False), "anything_else": ("auto", 0.0, False),
        "customer_calm": ("auto", 0.0, False),       # CSI 35.2 < 40
    }
    culture = 100.0 * (1 + 1 + 2 + 1 + 1) / (1 + 1 + 2 + 1 + 1)
    total = (40 * culture + 35 * 0 + 25 * 0) / 100
    [score] = store.catalog.scores(stored_call.contact_id, name="checklist:ru_bank_call")
    assert (score.source, score.value) == ("rule", pytest.approx(total))
    assert score.reasons == {"section:culture": 100.0, "section:discipline": 0.0, "section:sales": 0.0}
    assert features.values == {"checklists": 1, "checklist_ru_bank_call": pytest.approx(total),
                               "checklist_ru_bank_call_pending": 2}
    # the reviewer's answers survive the next run and count in the stored total
    _review(store, stored_call.contact_id, "ru_bank_call", "identification", 1.0)
    _review(store, stored_call.contact_id, "ru_bank_call", "accurate_info", 1.0)
    checklist_stage(store, stored_call, Settings())
    answers = _answers(store, stored_call.contact_id, "ru_bank_call")
    assert answers["identification"] == ("reviewed", 1.0, False) and answers["accurate_info"] == ("reviewed", 1.0, False)
    discipline = 100.0 * (1 + 0 + 0 + 3) / (1 + 1 + 1 + 3)
    [score] = store.catalog.scores(stored_call.contact_id, name="checklist:ru_bank_call")
    assert score.value == pytest.approx((40 * culture + 35 * discipline) / 100, abs=0.01)


def test_a_call_without_transcript_waits_for_reviewers(store):
    store.catalog.add_contact(CONTACT, EVENTS)
    features = checklist_stage(store, CONTACT, Settings())
    answers = _answers(store, CONTACT.contact_id, "ru_bank_call")
    assert {state for state, _, _ in answers.values()} == {"pending"}
    assert features.values == {"checklists": 1, "checklist_ru_bank_call": None, "checklist_ru_bank_call_pending": 13}
    assert store.catalog.scores(CONTACT.contact_id) == []


SITE_FORM = """\
    id: site_chat
    title: Site chat
    version: 1
    applies_to: {channels: [chat], teams: [cards]}
    sections:
      - id: all
        items:
          - {id: polite, text: Polite, rule: {no_tag: profanity, speaker: agent}}
    """


def test_a_sites_checklists_replace_the_shipped_ones(tmp_path):
    path = tmp_path / "site.yaml"
    path.write_text(textwrap.dedent(SITE_FORM), encoding="utf-8")
    assert [c.id for c in configured_checklists(Settings(checklists=[path]))] == ["site_chat"]
    assert [c.id for c in configured_checklists(Settings())] == ["en_service_call", "ru_bank_call", "ru_bank_chat",
                                                                 "ru_bank_desk"]
    path.write_text(textwrap.dedent(SITE_FORM) + "      - {id: polite, text: again}\n", encoding="utf-8")
    with pytest.raises(ChecklistError, match=r"site.yaml:9: item polite: duplicate id \(first at line 8\)"):
        configured_checklists(Settings(checklists=[path]))  # a changed file is read again


@pytest.mark.model
def test_the_stage_on_a_real_processed_chat(store, tmp_path):
    report = ingest_paths(store, [write_chat(tmp_path / "in" / "chat.jsonl")])
    [contact_id] = report.new
    outcomes = process_contact(store, contact_id, Settings())
    ran = [(o.stage, o.ok) for o in outcomes]
    assert ran[:3] == [("chat", True), ("csi", True), ("checklist", True)] and all(ok for _, ok in ran), outcomes

    transcript = store.catalog.transcript(contact_id)
    last_customer = transcript.turns[-1]
    calm = 0.0 if last_customer.sentiment == "negative" else 1.0
    answers = _answers(store, contact_id, "ru_bank_chat")
    assert answers == {
        "greeting": ("auto", 1.0, False), "introduced": ("auto", 1.0, False), "no_profanity": ("auto", 1.0, False),
        "farewell": ("auto", 1.0, False), "literacy": ("pending", None, False),
        "first_response": ("auto", 1.0, False),      # the agent answered after 90 s
        "no_long_waits": ("auto", 1.0, False), "nothing_unanswered": ("auto", 1.0, False),
        "solved": ("pending", None, False), "customer_calm": ("auto", calm, False),
    }
    greeting = next(r for r in store.catalog.checklist_results(contact_id, "ru_bank_chat") if r.item_id == "greeting")
    assert greeting.evidence == ({"note": "agent turn 3 carries greeting", "turn": 3, "t_s": 90.0,
                                  "text": "Добрый день, меня зовут Анна. Приношу извинения за ожидание."},)
    [score] = store.catalog.scores(contact_id, name="checklist:ru_bank_chat")
    assert score.value == pytest.approx((40 * 100 + 30 * 100 + 30 * 100 * calm) / 100)

    # a reviewer says the question was not solved (critical for its section); a re-run keeps it
    _review(store, contact_id, "ru_bank_chat", "solved", 0.0)
    from pipeline.stages import run_stage

    [stage] = [s for s in STAGES if s.name == "checklist"]
    assert run_stage(store, store.catalog.get_contact(contact_id), stage, Settings()).ok
    assert _answers(store, contact_id, "ru_bank_chat")["solved"] == ("reviewed", 0.0, False)
    [score] = store.catalog.scores(contact_id, name="checklist:ru_bank_chat")
    assert score.value == pytest.approx((40 * 100 + 30 * 100 + 30 * 0) / 100)
    with store.catalog.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(checklist_results)).scalar() == 10


def test_a_checklist_may_name_the_tags_of_the_sites_own_phrase_dictionary(tmp_path):
    phrases = tmp_path / "phrases_ru.toml"
    phrases.write_text('[upsell]\nspeaker = "agent"\nphrases = ["оформите кредитку"]\n', encoding="utf-8")
    form = tmp_path / "site.yaml"
    form.write_text(textwrap.dedent(SITE_FORM).replace("no_tag: profanity", "tag: upsell"), encoding="utf-8")
    with pytest.raises(ChecklistError, match="rule: tag 'upsell'; expected a phrase tag"):
        configured_checklists(Settings(checklists=[form]))
    [checklist] = configured_checklists(Settings(checklists=[form], phrase_dictionaries={"ru": phrases}))
    assert checklist.tags() == {"upsell"}


# desk visits ----------------------------------------------------------------------------------------

def test_the_shipped_desk_form_on_desk_visits(store):
    from pipeline.csi.stage import csi_stage
    from tests.pipeline.desk.metric_samples import add_desk_visit, desk_values

    happy = add_desk_visit(store, "desk-happy", desk_values(button="5", shares={"happy": 1.0}, end="happy",
                                                           dwell_s=300.0, wait_s=100.0))
    silent_sad = add_desk_visit(store, "desk-sad", desk_values(shares={"neutral": 0.75, "sad": 0.25}, end="sad",
                                                              dwell_s=1000.0, wait_s=100.0))
    angry = add_desk_visit(store, "desk-angry", desk_values(button="1", shares={"angry": 0.5, "neutral": 0.5},
                                                           end="angry", dwell_s=1000.0, angry_run_s=8.0))
    for contact in (happy, silent_sad, angry):
        csi_stage(store, contact, Settings())
        assert checklist_stage(store, contact, Settings()).values["checklists"] == 1  # only the desk form
    pending = ("pending", None, False)
    assert _answers(store, "desk-sad", "ru_bank_desk") == {
        "rated": ("auto", 0.0, False), "not_dissatisfied": ("auto", 0.0, False),  # critical: zeroes the section
        "csi_ok": ("auto", 0.0, False),                                           # CSI 10.83 < 40
        "no_angry_run": ("auto", 1.0, False), "mostly_calm": ("auto", 1.0, False), "courtesy": pending,
        "dwell_norm": ("auto", 0.0, False), "wait_norm": ("auto", 1.0, False), "solved": pending,
    }
    angry_answers = _answers(store, "desk-angry", "ru_bank_desk")
    assert angry_answers["wait_norm"] == ("auto", None, True)  # no queue zone: not applicable
    assert angry_answers["no_angry_run"] == ("auto", 0.0, False)
    [evidence] = next(r for r in store.catalog.checklist_results("desk-angry", "ru_bank_desk")
                      if r.item_id == "no_angry_run").evidence
    assert evidence["note"] == "desk.angry_run_s = 8 > 5 (max)"
    totals = {c: store.catalog.scores(c, name="checklist:ru_bank_desk")[0].value
              for c in ("desk-happy", "desk-sad", "desk-angry")}
    # sad: feedback 0 (critical), mood 100, time (0 + 1) / 2 -> (0 * 40 + 100 * 30 + 50 * 30) / 100
    assert totals == {"desk-happy": 100.0, "desk-sad": 45.0, "desk-angry": 0.0}


def test_a_form_that_names_no_channel_is_not_put_on_desk_visits(store, tmp_path):
    from tests.pipeline.desk.metric_samples import add_desk_visit, desk_values

    path = tmp_path / "any.yaml"
    path.write_text(textwrap.dedent(SITE_FORM).replace("applies_to: {channels: [chat], teams: [cards]}\n", ""),
                    encoding="utf-8")
    [form] = configured_checklists(Settings(checklists=[path]))
    assert form.applies_to.channels == {"call", "chat"}
    visit = add_desk_visit(store, "desk-1", desk_values())
    assert checklist_stage(store, visit, Settings(checklists=[path])).values == {"checklists": 0}
