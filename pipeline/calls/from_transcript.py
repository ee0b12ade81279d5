"""Call features from a timed, role-labelled transcript when there is no audio to analyse.

Some sources (a recorder's speech analytics export, a public corpus) give who spoke when and
what was said, not the recording. Their turns go through the same feature functions as turns
found in audio (:func:`features.call.call_features`), with no IVR, queue or holds: the
conversation starts at 0. Acoustic features need audio and are left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from features.call import CallTimeline, call_features
from features.intervals import merge
from pipeline.records import Turn


def transcript_call_features(turns: Sequence[Turn], *, duration_s: float | None = None) -> dict:
    """Every feature of :data:`features.call.FEATURE_NAMES` from the agent's and the customer's turns.

    ``duration_s`` defaults to the end of the last turn; words are the turns' words, else their
    whitespace-separated text.
    """
    end_s = max((t.end_s for t in turns), default=0.0) if duration_s is None else duration_s
    spans = {party: merge((t.start_s, t.end_s) for t in turns if t.speaker == party) for party in ("agent", "customer")}
    words = {party: [w for t in turns if t.speaker == party for w in ([x.text for x in t.words] or t.text.split())]
             for party in ("agent", "customer")}
    return call_features(CallTimeline(duration_s=end_s), spans["agent"], spans["customer"],
                         agent_words=words["agent"], customer_words=words["customer"])
