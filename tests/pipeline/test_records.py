from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.records import (Alarm, Contact, ErrorRecord, FeatureSet, Score, SurveyAnswer, TelephonyEvent,
                              Transcript, Turn, Word)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Contact("c", "fax", "s", "k"), r"channel='fax'; expected one of"),
    (lambda: Contact("c", "call", "s", "k", started_at=datetime(2026, 1, 1)), "has no timezone"),
    (lambda: Contact("c", "call", "s", "k", channel_map={"left": "robot"}), r"channel_map\['left'\]='robot'"),
    (lambda: Contact("", "call", "s", "k"), "contact_id is empty"),
    (lambda: TelephonyEvent("coffee", 1.0), "type='coffee'"),
    (lambda: TelephonyEvent("hangup", -1.0), r"t_s=-1.0; expected a finite number of seconds >= 0"),
    (lambda: Turn("agent", 5.0, 4.0), "end_s=4.0 is before start_s=5.0"),
    (lambda: Turn("agent", 0.0, float("nan")), "end_s=nan"),
    (lambda: Word("hi", 0.0, 1.0, probability=1.5), "probability=1.5"),
    (lambda: Transcript("c", "ru", (Turn("agent", 5, 6), Turn("customer", 1, 2))), "not sorted"),
    (lambda: FeatureSet("c", "probe", {"x": float("inf")}), "probe.x=inf"),
    (lambda: Score("c", "csi", float("nan"), "model"), "finite"),
    (lambda: SurveyAnswer("cu", "nps", 11, NOW), r"nps=11; expected an integer 0..10"),
    (lambda: SurveyAnswer("cu", "csat", 0, NOW), r"csat=0; expected an integer 1..5"),
    (lambda: SurveyAnswer("cu", "ces", True, NOW), "ces=True"),
    (lambda: Alarm(None, "low_csi", "panic", "m", NOW), "severity='panic'"),
    (lambda: ErrorRecord("e", "s", "ingest", "", NOW), "needs a message"),
])
def test_records_refuse_bad_values(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_valid_records_are_frozen_values():
    turn = Turn("customer", 1.0, 2.5, "алло", (Word("алло", 1.0, 1.4),))
    assert turn == Turn("customer", 1.0, 2.5, "алло", (Word("алло", 1.0, 1.4),))
    with pytest.raises(AttributeError):
        turn.start_s = 0.0
    assert SurveyAnswer("cu", "nps", 10, NOW).value == 10
