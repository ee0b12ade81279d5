"""The demo set of ``cxmon demo`` (and of the speed benchmark): calls and chats built on the spot.

Speech comes from Festival in Russian (Debian packages ``festival festvox-ru``: Whisper cannot
follow espeak-ng's Russian) and espeak-ng in English, one party per channel, with an IVR prompt,
queue music and a hold, plus the sidecars a telephony switch would write. Two broken
inputs show what happens to bad files. Rebuilding gives the same bytes, so re-running the demo
adds no duplicate contacts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.speech.synth import VOICES, Placed, mix, music, place, speak


@dataclass
class CallScript:
    """Who says what, in order; the builder places each line after the previous one."""

    name: str
    language: str
    rate_hz: int
    stereo: bool
    lines: list[tuple[str, str]]  # (party, text); party: agent | customer | ivr | queue | hold
    meta: dict = field(default_factory=dict)
    agent_side: str = "left"
    write_events: bool = True
    suffix: str = ".wav"


GAP_S = 0.4


def _open(events: list[dict], span: str) -> bool:
    types = [e["type"] for e in events]
    return f"{span}_start" in types and f"{span}_end" not in types


def build_call(script: CallScript) -> tuple[np.ndarray, list[dict]]:
    """Samples ``(frames, channels)`` and the telephony events of the scripted call."""
    rate = script.rate_hz
    clips: list[Placed] = []
    events: list[dict] = []
    t_s = 0.5
    for party, text in script.lines:
        if party in ("queue", "hold"):
            if party == "queue" and _open(events, "ivr"):
                events.append({"type": "ivr_end", "t_s": round(t_s - GAP_S / 2, 3), "exit": "operator"})
            clip = place("music", t_s, music(float(text), rate_hz=rate), rate_hz=rate)
            events.append({"type": f"{party}_start", "t_s": round(t_s, 3)})
            if party == "hold":
                events.append({"type": "hold_end", "t_s": round(clip.end_s, 3)})
        else:
            if party == "ivr" and not _open(events, "ivr"):
                events.append({"type": "ivr_start", "t_s": round(t_s, 3)})
            if party == "agent" and not any(e["type"] == "agent_answer" for e in events):
                if _open(events, "ivr"):
                    events.append({"type": "ivr_end", "t_s": round(t_s - GAP_S / 2, 3), "exit": "operator"})
                events.append({"type": "agent_answer", "t_s": round(t_s, 3), "agent_id": script.meta.get("operator_id")})
            voice = VOICES[(script.language, party)]
            clip = place(party, t_s, speak(text, voice=voice, rate_hz=rate), rate_hz=rate, text=text)
        clips.append(clip)
        t_s = clip.end_s + GAP_S
    events.append({"type": "hangup", "t_s": round(t_s, 3)})
    events.sort(key=lambda e: e["t_s"])
    samples = mix(clips, duration_s=t_s + 0.3, rate_hz=rate, stereo=script.stereo, agent_side=script.agent_side)
    return samples, events


DEMO_CALLS = [
    CallScript(
        name="ru-card-payment", language="ru", rate_hz=8000, stereo=True,
        meta={"operator_id": "op-anna", "customer_id": "cust-1042", "team": "cards",
              "started_at": "2026-11-20T10:15:00+03:00", "channel_map": {"left": "agent", "right": "customer"}},
        lines=[
            ("ivr", "Здравствуйте! Вы позвонили в банк Пример. Ваш звонок очень важен для нас."),
            ("queue", "4"),
            ("agent", "Добрый день, банк Пример, меня зовут Анна. Чем могу помочь?"),
            ("customer", "Здравствуйте. У меня не проходит оплата картой в магазине."),
            ("agent", "Сейчас проверю. Подождите, пожалуйста, минуту."),
            ("hold", "5"),
            ("agent", "Спасибо за ожидание. Я сняла ограничение, попробуйте ещё раз."),
            ("customer", "Всё получилось, спасибо большое!"),
            ("agent", "Рада была помочь. Хорошего дня!"),
        ],
    ),
    CallScript(
        name="ru-complaint", language="ru", rate_hz=16000, stereo=True, agent_side="right", suffix=".flac",
        meta={"operator_id": "op-oleg", "customer_id": "cust-2210", "team": "loans",
              "started_at": "2026-11-20T11:02:30+03:00", "channel_map": {"left": "customer", "right": "agent"}},
        write_events=False,
        lines=[
            ("agent", "Банк Пример, Олег, слушаю вас."),
            ("customer", "Я уже третий раз звоню, мне так никто и не перезвонил!"),
            ("agent", "Понимаю. Назовите, пожалуйста, номер заявки."),
            ("customer", "Номер заявки сто двадцать пять."),
            ("agent", "Заявка передана специалисту, вам перезвонят сегодня."),
        ],
    ),
    CallScript(
        name="en-address-change", language="en", rate_hz=16000, stereo=False, suffix=".ogg",
        meta={"operator_id": "op-kate", "customer_id": "cust-3307", "team": "service",
              "started_at": "2026-11-20T14:40:00+00:00", "language": "en"},
        lines=[
            ("agent", "Thank you for calling Example Bank, this is Kate. How can I help you today?"),
            ("customer", "Hi, I moved last month and need to change my address."),
            ("agent", "Sure, I can do that for you. What is the new address?"),
            ("customer", "Twelve Park Lane, London."),
            ("agent", "Done. Is there anything else I can help with?"),
        ],
    ),
]


# Two chats: a WhatsApp export (Android, 24-hour clock) where a bot hands the customer to an agent,
# its roles in the meta sidecar, and an English web chat in cxmon's JSON Lines format.
DEMO_CHATS: dict[str, str] = {
    "ru-double-charge.txt": """\
20.11.2026, 10:02 - Сообщения и звонки защищены сквозным шифрованием.
20.11.2026, 10:02 - Мария Петрова: Здравствуйте! С карты дважды списали деньги за одну покупку
20.11.2026, 10:02 - Банк Бот: Здравствуйте! Я виртуальный помощник банка. Опишите, пожалуйста, ваш вопрос.
20.11.2026, 10:03 - Мария Петрова: Соедините с оператором
20.11.2026, 10:07 - Анна (поддержка): Добрый день, меня зовут Анна. Приношу извинения за ожидание.
Подскажите, пожалуйста, номер карты и телефон для связи.
20.11.2026, 10:08 - Мария Петрова: 4276 3800 1234 5679, телефон +7 916 123-45-67
20.11.2026, 10:11 - Анна (поддержка): Спасибо. Второе списание отменено, деньги вернутся в течение трёх дней.
20.11.2026, 10:12 - Мария Петрова: Спасибо большое!
20.11.2026, 10:12 - Анна (поддержка): Всего доброго!
""",
    "ru-double-charge.meta.json": json.dumps(
        {"roles": {"Анна (поддержка)": "agent", "Банк Бот": "bot"}, "operator_id": "op-anna", "team": "chat",
         "language": "ru"}, ensure_ascii=False, indent=2),
    "en-web-chat.jsonl": "\n".join(json.dumps(line) for line in [
        {"chat_id": "web-5521", "ts": "2026-11-20T16:00:05+00:00", "role": "customer", "author": "Tom",
         "text": "Hi, the app keeps logging me out. This is really annoying."},
        {"chat_id": "web-5521", "ts": "2026-11-20T16:03:40+00:00", "role": "agent", "author": "Kate",
         "text": "Hello Tom, my name is Kate. Sorry about that! Which phone do you use?"},
        {"chat_id": "web-5521", "ts": "2026-11-20T16:04:10+00:00", "role": "customer", "author": "Tom",
         "text": "An iPhone 13. You can email me at tom.smith@example.com"},
        {"chat_id": "web-5521", "ts": "2026-11-20T16:06:00+00:00", "role": "agent", "author": "Kate",
         "text": "Thanks. Please update the app to version 5.2, that fixes it."},
        {"chat_id": "web-5521", "ts": "2026-11-20T16:20:00+00:00", "role": "customer", "author": "Tom",
         "text": "Still broken. Terrible service, I want to talk to a manager."},
    ]) + "\n",
    "en-web-chat.meta.json": json.dumps({"roles": {"Kate": "agent"}, "operator_id": "op-kate", "team": "chat",
                                         "language": "en"}, indent=2),
}


def write_demo_set(directory: Path) -> list[Path]:
    """Write the demo recordings, their sidecars, two chats and two broken inputs; returns the files."""
    import soundfile as sf

    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for script in DEMO_CALLS:
        audio_path = directory / f"{script.name}{script.suffix}"
        samples, events = build_call(script)
        if not audio_path.exists():
            sf.write(audio_path, samples, script.rate_hz, subtype="VORBIS" if script.suffix == ".ogg" else "PCM_16")
        (directory / f"{script.name}.meta.json").write_text(json.dumps(script.meta, ensure_ascii=False, indent=2))
        written += [audio_path, directory / f"{script.name}.meta.json"]
        if script.write_events:
            (directory / f"{script.name}.events.json").write_text(json.dumps({"events": events}, indent=2))
            written.append(directory / f"{script.name}.events.json")
    # Two inputs that go wrong the way real ones do: a recording cut off mid-upload, and a
    # hand-edited events file with a trailing comma (its recording is still ingested).
    first = directory / f"{DEMO_CALLS[0].name}{DEMO_CALLS[0].suffix}"
    broken = directory / "cut-off-upload.wav"
    broken.write_bytes(first.read_bytes()[: first.stat().st_size // 3])
    hand_edited = directory / f"{DEMO_CALLS[1].name}.events.json"
    hand_edited.write_text('{"events": [{"type": "agent_answer", "t_s": 0.5},]}')
    for name, text in DEMO_CHATS.items():
        (directory / name).write_text(text, encoding="utf-8")
        written.append(directory / name)
    return written + [broken, hand_edited]
