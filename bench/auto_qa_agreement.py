"""Auto-QA against a reviewer: scripted calls, spoken, run through the call pipeline, the checklist answered.

    .venv/bin/python bench/auto_qa_agreement.py                      # all calls in auto_qa_calls.yaml
    .venv/bin/python bench/auto_qa_agreement.py --calls en01_full ru02_silent_hold --json out.json

Each call of ``bench/auto_qa_calls.yaml`` is spoken (English by espeak-ng, Russian by Festival,
through :func:`pipeline.speech.synth.speak`), switch music placed where the script holds, mixed at
8 kHz (phone quality) on two legs or one, and given an events file with its holds or none (the
events file was refused or never came). The call then goes the way the ``call`` and ``checklist``
stages take it, without the store: :func:`~pipeline.calls.analyze.analyze_call` with the configured
Whisper and diarization, :func:`~pipeline.text.annotate.annotate_turns`, the checklist's own
phrase tags and :func:`~pipeline.checklists.evaluate.evaluate_checklist` with the shipped example
checklist of the call's language. Every answer with a rule is compared with the reviewer's
(``labels`` in the calls file, written from the script): yes / no / not applicable; an item left
pending for a reviewer counts as a disagreement. Printed: per item and overall, the share of equal
answers and Cohen's kappa (:func:`features.agreement.cohen_kappa`, nominal, over yes/no/na/pending).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from features.agreement import cohen_kappa  # noqa: E402
from pipeline.records import Contact, TelephonyEvent  # noqa: E402

CALLS = Path(__file__).with_name("auto_qa_calls.yaml")
RATE_HZ = 8_000
GAP_S = 0.6
LEAD_S = 0.5
TAIL_S = 1.0
CHECKLISTS = {"en": "en_service_call.yaml", "ru": "ru_bank_call.yaml"}
ANSWERS = ("yes", "no", "na", "pending")


@dataclass(frozen=True, slots=True)
class Scene:
    samples: np.ndarray                        # (frames, channels) at RATE_HZ
    events: tuple[TelephonyEvent, ...]
    holds: tuple[tuple[float, float], ...]     # where the music plays, seconds


def load_calls(path: Path = CALLS) -> list[dict]:
    """The scripted calls, each checked: id, language, stereo, events, lines, labels."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    calls = data.get("calls") if isinstance(data, dict) else None
    if not isinstance(calls, list) or not calls:
        raise ValueError(f"{path}: expected a mapping with a non-empty list 'calls'")
    for call in calls:
        missing = {"id", "language", "stereo", "events", "lines", "labels"} - set(call)
        if missing:
            raise ValueError(f"{path}: call {call.get('id')!r} lacks {sorted(missing)}")
        if call["language"] not in CHECKLISTS or call["events"] not in ("none", "holds"):
            raise ValueError(f"{path}: call {call['id']}: language {call['language']!r} / events "
                             f"{call['events']!r}; expected en|ru and none|holds")
        wrong = {k: v for k, v in call["labels"].items() if _label(v) not in ANSWERS[:3]}
        if wrong:
            raise ValueError(f"{path}: call {call['id']}: labels {wrong}; expected yes, no or na")
    return calls


def _label(value: object) -> str:
    """YAML reads yes/no as booleans; the labels are words."""
    return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else str(value)


def render(call: dict, rate_hz: int = RATE_HZ) -> Scene:
    """The call's audio from its script: speech, music and silence at the times the script gives."""
    from pipeline.speech.synth import VOICES, mix, music, place, speak

    clips, holds, t_s, last_end = [], [], LEAD_S, LEAD_S
    for line in call["lines"]:
        if "hold" in line:
            start = last_end + GAP_S
            clips.append(place("music", start, music(float(line["hold"]), rate_hz=rate_hz), rate_hz=rate_hz))
            holds.append((start, start + float(line["hold"])))
            last_end = start + float(line["hold"])
            continue
        if "silence" in line:
            last_end += float(line["silence"])
            continue
        party = "agent" if "agent" in line else "customer"
        voice = speak(line[party], voice=VOICES[(call["language"], party)], rate_hz=rate_hz)
        t_s = last_end + GAP_S if "cut_in_s" not in line else last_end - float(line["cut_in_s"])
        clips.append(place(party, t_s, voice, rate_hz=rate_hz, text=line[party]))
        last_end = max(last_end, t_s + len(voice) / rate_hz)
    duration_s = last_end + TAIL_S
    samples = mix(clips, duration_s=duration_s, rate_hz=rate_hz, stereo=bool(call["stereo"]))
    events: list[TelephonyEvent] = []
    if call["events"] == "holds":
        events.append(TelephonyEvent("agent_answer", 0.0))
        for start, end in holds:
            events += [TelephonyEvent("hold_start", round(start, 2)), TelephonyEvent("hold_end", round(end, 2))]
        events.append(TelephonyEvent("hangup", round(duration_s, 2)))
    return Scene(samples, tuple(events), tuple(holds))


def auto_answers(call: dict, scene: Scene, *, transcribe, diarize) -> tuple[dict[str, str], dict]:
    """The checklist's answer to each labelled item (yes/no/na/pending) and what the pipeline saw."""
    from pipeline.calls.analyze import analyze_call
    from pipeline.checklists.evaluate import evaluate_checklist, with_checklist_tags
    from pipeline.checklists.schema import load_checklist, shipped_checklist_paths
    from pipeline.rules.facts import ContactFacts
    from pipeline.text.annotate import annotate_turns

    language = call["language"]
    analysis = analyze_call(scene.samples, RATE_HZ, events=scene.events,
                            channel_map={"left": "agent", "right": "customer"} if call["stereo"] else {},
                            transcribe=transcribe, diarize=diarize, language=language)
    turns, text_values = annotate_turns(analysis.turns, language)
    contact = Contact(contact_id=call["id"], channel="call", source=f"{call['id']}.wav", object_key="-",
                      language=language)
    values = {**analysis.features, **text_values}
    facts = ContactFacts(contact=contact, values={**values, **{f"call.{k}": v for k, v in values.items()}},
                         turns=turns, events=scene.events)
    path = next(p for p in shipped_checklist_paths() if Path(p).name == CHECKLISTS[language])
    checklist = load_checklist(path)
    facts = with_checklist_tags(facts, language, tags=checklist.tags())
    answers = {}
    for result in evaluate_checklist(checklist, facts):
        if result.item_id not in call["labels"]:
            continue
        if result.state != "auto":
            answers[result.item_id] = "pending"
        elif result.not_applicable:
            answers[result.item_id] = "na"
        else:
            item = next(i for i in checklist.items if i.id == result.item_id)
            answers[result.item_id] = "yes" if result.value == float(item.scale[1]) else "no"
    seen = {"turns": [f"{t.speaker} {t.start_s:.1f}-{t.end_s:.1f} {t.text}" for t in facts.turns if t.text],
            "holds_count": analysis.features.get("holds_count"), "holds_source": analysis.features.get("holds_source"),
            "longest_silence_s": analysis.features.get("longest_silence_s"),
            "interruptions_agent": analysis.features.get("interruptions_agent")}
    try:
        from pipeline.checklists.holds import contact_holds
    except ImportError:  # cxmon before issue 12: rules read the events file's holds only
        seen["rule_holds"] = "events only"
    else:
        seen["rule_holds"] = [f"{h.start_s:.1f} s ({h.source})" for h in contact_holds(facts.values, facts.events,
                                                                                     facts.turns)]
    return answers, seen


def agreement(rows: Sequence[tuple[str, str, str, str]]) -> dict[str, dict[str, float | int | None]]:
    """Per item and overall (``all``): n, share of equal answers, Cohen's kappa; rows are (call, item, reviewer, auto).

    >>> agreement([("c1", "greeting", "yes", "yes"), ("c2", "greeting", "no", "yes")])["all"]
    {'n': 2, 'equal': 0.5, 'kappa': 0.0}
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for _, item, reviewer, auto in rows:
        groups.setdefault(item, []).append((reviewer, auto))
        groups.setdefault("all", []).append((reviewer, auto))
    out = {}
    for item, pairs in groups.items():
        a, b = [p[0] for p in pairs], [p[1] for p in pairs]
        kappa = cohen_kappa(a, b)
        out[item] = {"n": len(pairs), "equal": round(sum(x == y for x, y in pairs) / len(pairs), 3),
                     "kappa": None if kappa is None else round(kappa, 3)}
    return out


def run(calls: Sequence[dict], *, verbose: bool = True) -> list[tuple[str, str, str, str]]:
    """(call, item, reviewer, auto) for every labelled item of every call."""
    from pipeline.calls.speech_models import diarizer_for, transcriber_for
    from pipeline.settings import Settings

    settings = Settings()
    transcribers = {}
    diarizer = None
    rows = []
    for call in calls:
        started = time.perf_counter()
        language = call["language"]
        if language not in transcribers:
            transcribers[language] = transcriber_for(settings, language=language)
        if not call["stereo"] and diarizer is None:
            diarizer = diarizer_for(settings)
        scene = render(call)
        answers, seen = auto_answers(call, scene, transcribe=transcribers[language], diarize=diarizer)
        for item, label in call["labels"].items():
            rows.append((call["id"], item, _label(label), answers.get(item, "pending")))
        if verbose:
            wrong = [f"{item}: reviewer {_label(label)}, auto {answers.get(item, 'pending')}"
                     for item, label in call["labels"].items() if _label(label) != answers.get(item, "pending")]
            print(f"## {call['id']} ({time.perf_counter() - started:.0f} s) holds heard {seen['holds_count']} "
                  f"({seen['holds_source']}), longest silence {seen['longest_silence_s']:.1f} s, "
                  f"agent interruptions {seen['interruptions_agent']}; holds the rule saw: {seen['rule_holds']}")
            for line in seen["turns"]:
                print(f"    {line}")
            print("    disagreements: " + ("; ".join(wrong) if wrong else "none"))
    return rows


def expose_hold_spans() -> None:
    """Make the call analysis write its timeline's holds as the ``hold_spans`` feature, as the
    one-line change proposed for :func:`pipeline.calls.analyze.analyze_call` would (``--hold-spans``)."""
    import pipeline.calls.analyze as analyze

    plain = analyze.call_features

    def with_spans(timeline, *args, **kwargs):
        values = plain(timeline, *args, **kwargs)
        values.setdefault("hold_spans", " ".join(f"{s:.2f}-{e:.2f}" for s, e in timeline.holds))
        return values

    analyze.call_features = with_spans


def table(result: dict[str, dict[str, float | int | None]]) -> str:
    lines = ["| item | n | equal | kappa |", "|---|--:|--:|--:|"]
    for item in sorted(result, key=lambda k: (k == "all", k)):
        r = result[item]
        kappa = "–" if r["kappa"] is None else f"{r['kappa']:.2f}"
        lines.append(f"| {item} | {r['n']} | {r['equal']:.2f} | {kappa} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", nargs="*", help="only these call ids")
    parser.add_argument("--file", type=Path, default=CALLS, help="the scripted calls (default: %(default)s)")
    parser.add_argument("--json", type=Path, help="write the rows and the agreement here")
    parser.add_argument("--hold-spans", action="store_true",
                        help="have the call analysis expose its timeline's holds (see expose_hold_spans)")
    args = parser.parse_args(argv)
    if args.hold_spans:
        expose_hold_spans()
    calls = load_calls(args.file)
    if args.calls:
        unknown = sorted(set(args.calls) - {c["id"] for c in calls})
        if unknown:
            parser.error(f"unknown call ids {unknown}")
        calls = [c for c in calls if c["id"] in args.calls]
    rows = run(calls)
    result = agreement(rows)
    by_language = {lang: agreement([r for r in rows if r[0].startswith(lang)]).get("all") for lang in CHECKLISTS}
    print()
    print(table(result))
    print(f"\nby language: {by_language}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "agreement": result, "by_language": by_language}, indent=1,
                                        ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
