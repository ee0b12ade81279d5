"""Twenty held stereo calls for the throughput benchmark, built from real call transcripts.

    .venv/bin/python bench/held_calls.py DIR [--calls 20]

No real stereo call recordings are at hand, so each call is a Harper Valley Bank conversation
(``../shared/data/hvb/calls``: real two-party bank calls as timed, role-labelled transcripts) spoken
by espeak-ng, agent on the left leg and customer on the right, behind an IVR prompt and queue music,
with a hold (switch music) in the middle: the same builder as ``cxmon demo``
(`pipeline.cli.demo_set.build_call`). The calls go into ``DIR/calls`` with the sidecars a switch writes
(``.meta.json`` with the channel map and ``language: en``, ``.events.json``); ``DIR/truth.json`` keeps
what each party said, for the word error rate. Rebuilding gives the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

DEFAULT_HVB = Path(__file__).resolve().parents[2] / "shared" / "data" / "hvb" / "calls"
IVR_PROMPT = ("Welcome to Harper Valley Bank. Calls may be recorded for quality and training. "
              "Please hold while we connect you to the next available agent.")
MIN_TURNS = 10
"""Calls with fewer spoken turns than this are passed over."""
MIN_DURATION_S = 60.0
"""Built calls shorter than this are passed over: the benchmark is about calls of 1-3 minutes."""


def spoken_text(text: str) -> str:
    """A transcript line as espeak-ng should read it: tags, noise marks and cut-off words dropped.

    >>> spoken_text("um <unk> i'd like to [laughter] repla~ replace my card")
    "um i'd like to replace my card"
    """
    text = re.sub(r"<[^>]*>|\[[^\]]*\]", " ", text.lower())
    words = [w for w in re.findall(r"[a-z0-9'~]+", text) if not w.endswith("~") and w.strip("'")]
    return " ".join(words)


def hvb_lines(document: dict) -> list[tuple[str, str]]:
    """``(party, text)`` of one HVB call in time order, runs of one party joined into one line."""
    lines: list[tuple[str, str]] = []
    for segment in sorted(document["segments"], key=lambda s: s["start_ms"]):
        text = spoken_text(segment.get("human_transcript") or "")
        if not text:
            continue
        party = "agent" if segment["speaker_role"] == "agent" else "customer"
        if lines and lines[-1][0] == party:
            lines[-1] = (party, f"{lines[-1][1]} {text}")
        else:
            lines.append((party, text))
    return lines


def held_script(sid: str, lines: list[tuple[str, str]]):
    """The call script: IVR prompt, queue music, the conversation with a hold after the agent line nearest its
    middle. Queue 5-12 s and hold 8-20 s, chosen from the call id (the same every build)."""
    from pipeline.cli.demo_set import CallScript

    seed = int(hashlib.sha256(sid.encode()).hexdigest()[:8], 16)
    queue_s, hold_s = 5 + seed % 8, 8 + (seed // 8) % 13
    agent_rows = [i for i, (party, _) in enumerate(lines) if party == "agent" and 0 < i < len(lines) - 1]
    middle = min(agent_rows, key=lambda i: abs(i - len(lines) / 2)) if agent_rows else len(lines) // 2
    conversation = lines[: middle + 1] + [("hold", str(hold_s))] + lines[middle + 1:]
    return CallScript(
        name=f"hvb-{sid}", language="en", rate_hz=8000, stereo=True,
        meta={"operator_id": f"op-{seed % 5}", "customer_id": f"cust-{sid[:6]}", "team": "hvb", "language": "en",
              "channel_map": {"left": "agent", "right": "customer"}},
        lines=[("ivr", IVR_PROMPT), ("queue", str(queue_s)), *conversation],
    )


def build_held_calls(directory: Path, *, calls: int = 20, source: Path = DEFAULT_HVB) -> dict:
    """Write ``calls`` held stereo calls with their sidecars into ``directory/calls`` and ``directory/truth.json``;
    returns the truth (``{name: {"duration_s", "agent", "customer"}}``, the texts each party said)."""
    import soundfile as sf

    from pipeline.cli.demo_set import build_call

    files = sorted(source.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"{source}: no HVB call transcripts (*.json); expected ../shared/data/hvb/calls")
    folder = directory / "calls"
    folder.mkdir(parents=True, exist_ok=True)
    truth: dict[str, dict] = {}
    for path in files:
        if len(truth) == calls:
            break
        lines = hvb_lines(json.loads(path.read_text(encoding="utf-8")))
        if len(lines) < MIN_TURNS:
            continue
        script = held_script(path.stem, lines)
        samples, events = build_call(script)
        if len(samples) / script.rate_hz < MIN_DURATION_S:
            continue
        audio = folder / f"{script.name}.wav"
        if not audio.exists():
            sf.write(audio, samples, script.rate_hz, subtype="PCM_16")
        (folder / f"{script.name}.meta.json").write_text(json.dumps(script.meta, indent=2))
        (folder / f"{script.name}.events.json").write_text(json.dumps({"events": events}, indent=2))
        truth[audio.name] = {
            "duration_s": round(len(samples) / script.rate_hz, 3),
            **{party: " ".join(text for who, text in lines if who == party) for party in ("agent", "customer")},
        }
    if len(truth) < calls:
        raise ValueError(f"{source}: only {len(truth)} calls with >= {MIN_TURNS} turns and >= {MIN_DURATION_S:.0f} s; "
                         f"asked for {calls}")
    (directory / "truth.json").write_text(json.dumps(truth, indent=2))
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--source", type=Path, default=DEFAULT_HVB, help="folder of HVB call transcripts")
    args = parser.parse_args()
    try:
        truth = build_held_calls(args.directory, calls=args.calls, source=args.source)
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f"error: {error}")
    durations = [t["duration_s"] for t in truth.values()]
    print(f"{len(truth)} calls in {args.directory / 'calls'}: {sum(durations) / 60:.1f} min of stereo audio, "
          f"{min(durations):.0f}-{max(durations):.0f} s each")


if __name__ == "__main__":
    main()
