"""Whisper decoding settings measured on real speech: WER, repetition loops, captions of non-speech.

    .venv/bin/python bench/asr_decoding.py                       # every file, every configuration
    .venv/bin/python bench/asr_decoding.py --configs before after --json out.json

Each file is transcribed twice per configuration: whole ("all", `transcribe_all`) and over the
speech spans Silero VAD finds ("spans", `transcribe_spans`, what the call stage does). Files
(../shared/data/audio): jfk.flac (English speech), pyannote/sample.wav (a real English phone
call, reference: its .stm), ru/pisets_test_sound_ru.wav (Russian speech, its .txt), a Russian
phone scene spoken by Festival (voice msu_ru_nsh, 8 kHz, silence and a 440 Hz tone between the
lines; reference: the lines), and ru/tone_call_{short,long}.flac (real Russian phone speech with no
transcript: there the table counts the words the repetition guard would cut and the known
captions of non-speech, which should both be 0).

Configurations: ``faster-whisper`` (the library's defaults: conditioning on the previous text,
temperatures 0.0-1.0, no hallucination silence threshold, no guard), ``before`` (cxmon until
issue 12: no conditioning, otherwise the library's defaults), ``after`` (the settings' defaults,
`pipeline.speech.asr.Decoding()`), and variants of ``after`` that each change one thing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
AUDIO = ROOT.parent / "shared" / "data" / "audio"
RATE_HZ = 16_000
FULL_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # faster-whisper's default fallback

# A bank call in Russian, one line per turn (no line said twice: repeats would skew Whisper).
FESTIVAL_LINES = (
    "Банк Пример, меня зовут Анна. Чем могу помочь?",
    "Здравствуйте. Сегодня утром у меня дважды не прошла оплата картой в магазине.",
    "Сожалею. Назовите, пожалуйста, последние четыре цифры карты.",
    "Спасибо. Я вижу две попытки оплаты в супермаркете в девять утра.",
    "Странно, я покупаю там продукты каждую неделю.",
    "Понимаю. Сейчас проверю, можно ли снять ограничение.",
    "Спасибо за ожидание. Я сняла ограничение и отметила магазин как надёжный.",
    "Хорошо, спасибо за помощь. До свидания.",
)


def configurations() -> dict[str, object]:
    from pipeline.speech.asr import Decoding

    after = Decoding()
    return {
        "faster-whisper": Decoding(condition_on_previous_text=True, hallucination_silence_s=None,
                                   temperatures=FULL_TEMPERATURES, guard=False),
        "before": Decoding(condition_on_previous_text=False, hallucination_silence_s=None,
                           temperatures=FULL_TEMPERATURES, guard=False),
        "after": after,
        "after-no-guard": Decoding(hallucination_silence_s=after.hallucination_silence_s,
                                   temperatures=after.temperatures, guard=False),
        "after-no-silence-threshold": Decoding(hallucination_silence_s=None, temperatures=after.temperatures),
        "after-full-temperatures": Decoding(hallucination_silence_s=after.hallucination_silence_s,
                                            temperatures=FULL_TEMPERATURES),
        "after-greedy-temperature": Decoding(hallucination_silence_s=after.hallucination_silence_s,
                                             temperatures=(0.0,)),
        "after-conditioned": Decoding(condition_on_previous_text=True,
                                      hallucination_silence_s=after.hallucination_silence_s,
                                      temperatures=after.temperatures),
    }


def festival_scene() -> tuple[np.ndarray, str]:
    """The Festival lines at 8 kHz (phone band), back at 16 kHz: 1 s silence, then each line
    followed by 0.5 s silence, 1 s of a 440 Hz tone at -10 dBFS and 0.5 s silence."""
    from pipeline.speech.synth import festival_ru
    from pipeline.speech.vad import to_16k

    pieces = [np.zeros(RATE_HZ, np.float32)]
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(RATE_HZ) / RATE_HZ)).astype(np.float32)
    for line in FESTIVAL_LINES:
        pieces += [to_16k(festival_ru(line, rate_hz=8000), 8000), np.zeros(RATE_HZ // 2, np.float32), tone,
                   np.zeros(RATE_HZ // 2, np.float32)]
    return np.concatenate(pieces), " ".join(FESTIVAL_LINES)


def _read_16k(path: Path) -> np.ndarray:
    import soundfile as sf

    from pipeline.speech.vad import to_16k

    samples, rate_hz = sf.read(path, dtype="float32", always_2d=True)
    return to_16k(samples.mean(axis=1), rate_hz)


def stm_text(path: Path) -> str:
    """The words of an STM file's segments in time order."""
    rows = [line.split(maxsplit=5) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return " ".join(row[5] for row in sorted(rows, key=lambda row: float(row[3])) if len(row) == 6)


def inputs() -> list[tuple[str, str, np.ndarray, str | None]]:
    """``(name, language, samples_16k, reference text or None)`` for every file there is."""
    found = []
    jfk = AUDIO / "whisper" / "jfk.flac"
    found.append(("jfk.flac", "en", _read_16k(jfk),
                  "And so my fellow Americans, ask not what your country can do for you, "
                  "ask what you can do for your country."))
    sample = AUDIO / "pyannote" / "sample.wav"
    found.append(("pyannote/sample.wav", "en", _read_16k(sample), stm_text(sample.with_suffix(".stm"))))
    pisets = AUDIO / "ru" / "pisets_test_sound_ru.wav"
    found.append(("ru/pisets_test_sound_ru.wav", "ru", _read_16k(pisets),
                  pisets.with_suffix(".txt").read_text(encoding="utf-8").strip()))
    scene, text = festival_scene()
    found.append(("festival ru scene (8 kHz)", "ru", scene, text))
    for name in ("tone_call_short.flac", "tone_call_long.flac"):
        found.append((f"ru/{name}", "ru", _read_16k(AUDIO / "ru" / name), None))
    return found


def loop_words(words) -> int:
    """Words the repetition guard cuts (runs of one word 4+ times, of a phrase 3+ times)."""
    from pipeline.speech.transcript_guard import without_repetition_runs

    return len(words) - len(without_repetition_runs(words))


def caption_count(words) -> int:
    """Known captions of non-speech among the words, whatever lies under them (a caption that names
    its author counts once with the next three words)."""
    from pipeline.speech.transcript_guard import caption_ranges

    count, i = 0, 0
    while i < len(words):
        found = caption_ranges(words[i : i + 4])
        if found and found[0][0] == 0:
            count += 1
            i += found[0][1]
        else:
            i += 1
    return count


def measure(names: list[str]) -> list[dict]:
    from features.wer import word_error_rate
    from pipeline.speech.asr import transcribe_all, transcribe_spans
    from pipeline.speech.vad import speech_spans
    from pipeline.speech.whisper_model import load_whisper

    model = load_whisper()
    chosen = {name: decoding for name, decoding in configurations().items() if name in names}
    rows = []
    for file_name, language, samples, reference in inputs():
        spans = speech_spans(samples)
        for config, decoding in chosen.items():
            for mode in ("all", "spans"):
                started = time.perf_counter()
                if mode == "all":
                    words = transcribe_all(model, samples, language=language, decoding=decoding)
                else:
                    words = transcribe_spans(model, samples, spans, language=language, decoding=decoding)
                seconds = time.perf_counter() - started
                text = " ".join(w.text for w in words)
                rows.append({
                    "file": file_name, "language": language, "config": config, "mode": mode,
                    "wer": None if reference is None else round(word_error_rate(reference, text), 3),
                    "words": len(words), "loop_words": loop_words(words), "captions": caption_count(words),
                    "rtf": round(seconds / (samples.size / RATE_HZ), 3), "text": text,
                })
                print(f"{file_name} {config} {mode}: {rows[-1]['wer']} {text[:160]!r}", file=sys.stderr)
    return rows


def table(rows: list[dict]) -> str:
    header = "| file | mode | config | WER | words | loop words | captions | RTF |"
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        wer = "-" if row["wer"] is None else f"{row['wer']:.3f}"
        lines.append(f"| {row['file']} | {row['mode']} | {row['config']} | {wer} | {row['words']} | "
                     f"{row['loop_words']} | {row['captions']} | {row['rtf']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", nargs="+", default=list(configurations()), choices=list(configurations()))
    parser.add_argument("--json", type=Path, help="also write every row (with the text) here")
    args = parser.parse_args()
    rows = measure(args.configs)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
