"""What Whisper writes for service phrases spoken at phone quality, and which tags that still gets.

    .venv/bin/python bench/misheard_phrases.py [--json out.json]

Each phrase is spoken by espeak-ng (English, the agent's and the customer's voice of
:data:`pipeline.speech.synth.VOICES`) or Festival (Russian, the two pitches of msu_ru_nsh), at
8 kHz, and transcribed by the configured Whisper (base) with the project's decoding. Printed:
what was said, what Whisper wrote, and the phrase tags (shipped and checklist dictionaries) of
both, with ``~`` after a tag found only as misheard. The cases in
tests/pipeline/text/test_misheard_phrases.py marked as Whisper's come from this script and from
bench/auto_qa_agreement.py's transcripts.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PHRASES = {
    "en": ["Good afternoon, thank you for calling.", "Good morning, my name is Anna.", "Good evening, how can I help?",
           "Hello, you are speaking with Laura.", "Please hold on for a moment.", "Thank you for holding.",
           "Can you confirm your date of birth?", "Have a nice day, goodbye.",
           "Is there anything else I can help you with?", "Please stay on the line.", "Bear with me please.",
           "I apologise for the delay.", "Take care, goodbye.", "Greetings, this is Mark from City Bank.",
           "Thank you for your patience.", "I would recommend our savings account."],
    "ru": ["Здравствуйте, банк Прогресс.", "Добрый день, меня зовут Анна.", "Добрый вечер, чем могу помочь?",
           "Доброе утро, оператор Мария.", "Оставайтесь на линии, я проверю.", "Подождите минуту, пожалуйста.",
           "Спасибо за ожидание.", "Назовите, пожалуйста, кодовое слово.", "Всего доброго, до свидания.",
           "Остались ли у вас вопросы?", "Не кладите трубку.", "Приношу свои извинения.", "Хорошего дня!",
           "Благодарю за обращение.", "Можем предложить вам кредитную карту.", "Одну минуту, уточняю."],
}


def _tags(text: str, language: str) -> list[str]:
    from pipeline.checklists.schema import checklist_phrase_path
    from pipeline.records import Turn
    from pipeline.text.phrases import load_phrase_rules, tag_turns

    rules = load_phrase_rules(language) + load_phrase_rules(language, checklist_phrase_path(language))
    return [h.tag + ("" if h.exact else "~") for h in tag_turns([Turn("agent", 0.0, 1.0, text)], language, rules)]


def main(argv: list[str] | None = None) -> int:
    from pipeline.calls.speech_models import transcriber_for
    from pipeline.settings import Settings
    from pipeline.speech.synth import VOICES, resample, speak

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="write every phrase, what Whisper wrote and the tags here")
    args = parser.parse_args(argv)
    rows, settings = [], Settings()
    for language, phrases in PHRASES.items():
        transcribe = transcriber_for(settings, language=language)
        for party in ("agent", "customer"):
            for text in phrases:
                pad = np.zeros(4_000, np.float32)
                spoken = np.concatenate([pad, speak(text, voice=VOICES[(language, party)], rate_hz=8_000), pad])
                samples_16k = resample(spoken, 8_000, 16_000)
                words = transcribe(samples_16k, [(0.0, len(samples_16k) / 16_000)])
                heard = " ".join(w.text.strip() for w in words)
                row = {"language": language, "voice": party, "said": text, "heard": heard,
                       "said_tags": _tags(text, language), "heard_tags": _tags(heard, language)}
                rows.append(row)
                print(f"{language} {party:8} | {text} | {heard} | {row['said_tags']} -> {row['heard_tags']}",
                      flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
