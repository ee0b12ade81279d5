"""The customer-experience programme part of ``cxmon demo``: a month of short chats with the customers' survey
answers (for the driver matrix), and a survey campaign after a CRM event (for who is asked, who is not, and why).

The chats are generated from a few Russian scenarios: fast or slow first answer, solved or not. The CSAT each
customer gives is written by the same scenario (solved and fast: 5, solved but slow: 4, not solved: 2, slow and
not solved: 1), so the driver analysis has something real to find in the features the pipeline computes; the
scores are synthetic, the features are not. The campaign runs at a fixed moment, so its skips are the same
every time: no consent, surveyed in the last 30 days (the cap), night in Vladivostok (quiet hours).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PROGRAMME_CHATS = 40
FIRST_CHAT = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
CAMPAIGN_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 15:00 in Moscow, 22:00 in Vladivostok
OPERATORS = ("op-anna", "op-oleg", "op-kate")
TOPICS = (
    ("Не могу оплатить картой в интернет-магазине.", "Ограничение на интернет-платежи снято, попробуйте снова."),
    ("Перевод другу ушёл вчера, а до него так и не дошёл.", "Перевод нашёлся, он зачислен получателю."),
    ("Приложение не пускает, пишет неверный код.", "Я сбросила попытки входа, войдите заново."),
    ("Не начислили кешбэк за прошлый месяц.", "Кешбэк начислен, он уже на вашем счёте."),
    ("Хочу поднять лимит по карте.", "Лимит повышен до ста тысяч рублей."),
)
CAMPAIGNS_YAML = """\
# The demo's survey campaign: after a closed deal in the CRM, ask for NPS and a reason; answers by file.
sinks:
  file: {path: outbox/invitations.jsonl}
defaults:
  quiet_hours: "21:00-09:00"
  cap_days: 30
  timezone: Europe/Moscow
  texts:
    subject: "Банк Пример: оцените нас"
    reminder_subject: "Напоминание: оцените нас"
    thanks_subject: "Спасибо за ответ"
    intro: "Ответьте, пожалуйста, на два коротких вопроса. Чтобы больше не получать опросы, ответьте СТОП."
campaigns:
  - id: after_deal
    trigger: {event: [deal_closed]}
    sink: file
    late_h: 72
    remind_after_h: 24
    expires_h: 72
    questions:
      - {kind: nps, text: "Насколько вероятно, что вы порекомендуете нас друзьям?"}
      - kind: reason
        text: "Что нам стоит улучшить?"
        choices:
          slow: {text: "Долго ждал ответа", reply: "Простите за ожидание: менеджер перезвонит вам сегодня.",
                 task: true}
          other: "Другое"
"""


def _scenario(i: int) -> tuple[bool, bool]:
    """(slow first answer, solved) of chat ``i``: a third are slow, a quarter unsolved, independently."""
    return i % 3 == 0, i % 4 != 1


def scenario_csat(i: int) -> int:
    """The CSAT the scenario's customer gives: solved and fast 5, solved but slow 4, unsolved 2, both 1; every
    eleventh customer (from the sixth) one lower, as people are."""
    slow, solved = _scenario(i)
    score = (4 if slow else 5) if solved else (1 if slow else 2)
    return max(1, score - (i % 11 == 5))


def _chat_lines(i: int, start: datetime) -> list[dict[str, Any]]:
    slow, solved = _scenario(i)
    ask, answer = TOPICS[i % len(TOPICS)]
    operator = OPERATORS[i % len(OPERATORS)]
    chat_id = f"p{i:03d}"
    t = start

    def line(minutes: float, role: str, text: str) -> dict[str, Any]:
        return {"chat_id": chat_id, "ts": (t + timedelta(minutes=minutes)).isoformat(), "role": role,
                "author": operator if role == "agent" else f"Клиент {i}", "text": text}

    first = 9.0 if slow else 1.0
    lines = [line(0, "customer", f"Здравствуйте! {ask}"),
             line(first, "agent", "Здравствуйте! Сейчас посмотрю, одну минуту." if not slow else
                  "Добрый день. Извините за долгое ожидание, сейчас посмотрю.")]
    if slow:
        lines.insert(1, line(5, "customer", "Алло, тут кто-нибудь есть?"))
    if solved:  # not every satisfied customer says thank you, nor does every operator say goodbye
        lines += [line(first + 3, "agent", answer),
                  line(first + 4, "customer", "Ок, работает." if i % 5 == 2 else "Всё получилось, спасибо большое!")]
        if i % 3 != 2:
            lines.append(line(first + 5, "agent", "Рада помочь, хорошего дня!"))
    else:
        lines += [line(first + 3, "agent", "Передам ваш вопрос специалисту, с вами свяжутся."),
                  line(first + 5, "customer", "Так ничего и не решили. Очень плохо, буду жаловаться.")]
    return lines


def write_programme(directory: Path) -> list[Path]:
    """Write the programme's chats (one file each, with the customer in the meta sidecar), their survey answers,
    the consents, the customers' time zones and the CRM events; returns the files."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    surveys = io.StringIO()
    survey_rows = csv.writer(surveys, lineterminator="\n")
    survey_rows.writerow(["customer_id", "channel", "sent_at", "answered_at", "csat"])
    for i in range(PROGRAMME_CHATS):
        start = FIRST_CHAT + timedelta(days=i, hours=i % 5)
        customer = f"cust-p{i:03d}"
        chat = directory / f"chat-p{i:03d}.jsonl"
        chat.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in _chat_lines(i, start)),
                        encoding="utf-8")
        meta = directory / f"chat-p{i:03d}.meta.json"
        meta.write_text(json.dumps({"customer_id": customer, "operator_id": OPERATORS[i % len(OPERATORS)],
                                    "team": "chat", "language": "ru"}, ensure_ascii=False))
        written += [chat, meta]
        sent = start + timedelta(hours=1)
        survey_rows.writerow([customer, "chat", sent.isoformat(), (sent + timedelta(minutes=20)).isoformat(),
                              scenario_csat(i)])
    files = {
        "history.surveys.csv": surveys.getvalue(),
        # consent: everyone but every seventh customer
        "registry.consents.csv": "customer_id,granted,at,channel\n" + "".join(
            f"cust-p{i:03d},{'no' if i % 7 == 3 else 'yes'},2026-10-01T00:00:00+00:00,chat\n"
            for i in range(PROGRAMME_CHATS)),
        "crm.customers.csv": "customer,tz\n" + "".join(
            f"cust-p{i:03d},{'Asia/Vladivostok' if i % 10 == 0 else 'Europe/Moscow'}\n"
            for i in range(PROGRAMME_CHATS)),
        # deals closed the day before the campaign runs, by every second customer: those from 21 on answered a
        # survey within 30 days of it (the cap), 10 gave no consent, 0 and 20 live in Vladivostok (quiet hours)
        "crm.crm-events.csv": "customer,event,ts\n" + "".join(
            f"cust-p{i:03d},deal_closed,2026-11-24T10:00:00+00:00\n" for i in range(0, PROGRAMME_CHATS, 2)),
    }
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
        written.append(directory / name)
    return written


def demo_replies(sent: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """What the first three invited customers answer: a detractor who waited (reason ``slow``: an auto-reply and
    a follow-up task), a promoter, and a STOP."""
    answers = [{"answers": {"nps": 3, "reason": "slow", "text": "Ждал ответа в чате двадцать минут"}},
               {"answers": {"nps": 10}}, {"text": "СТОП"}]
    return [(f"demo reply {n + 1}", {"invitation_id": s["invitation_id"], "at": CAMPAIGN_NOW.isoformat(), **answer})
            for n, (s, answer) in enumerate(zip(sent, answers))]


def run_campaign(store, campaigns_path: Path) -> dict[str, Any]:
    """Run the demo campaign as of :data:`CAMPAIGN_NOW`, and apply the demo replies to what it sent; the run's
    report, the replies' counts, the invitations by state (from the store: the same on a second run) and the
    follow-up tasks."""
    from pipeline.campaigns import store as rows
    from pipeline.campaigns.definitions import load_campaigns
    from pipeline.campaigns.replies import apply_replies
    from pipeline.campaigns.run import run_campaigns

    campaigns_path.parent.mkdir(parents=True, exist_ok=True)
    campaigns_path.write_text(CAMPAIGNS_YAML, encoding="utf-8")
    definitions = load_campaigns(campaigns_path)
    report = run_campaigns(store, definitions, now=CAMPAIGN_NOW, base=campaigns_path.parent).as_dict()
    replies = apply_replies(store, definitions, demo_replies(report["sent"]), now=CAMPAIGN_NOW + timedelta(hours=1),
                            base=campaigns_path.parent) if report["sent"] else {}
    states: dict[str, int] = {}
    for row in rows.invitations(store.catalog.engine):
        key = row.state if row.state != "skipped" else f"skipped: {row.skip_reason}"
        states[key] = states.get(key, 0) + 1
    return {"campaigns_file": str(campaigns_path), "now": CAMPAIGN_NOW.isoformat(), "run": report,
            "replies": replies, "invitations": dict(sorted(states.items())), "tasks": rows.tasks(store.catalog.engine),
            "outbox": str(campaigns_path.parent / "outbox" / "invitations.jsonl")}


def driver_matrix(store, png: Path) -> dict[str, Any]:
    """The driver analysis of CSAT over the store, as the report's JSON, with its matrix drawn to ``png``."""
    from pipeline.drivers.collect import collect
    from pipeline.drivers.report import analyse, as_json, matrix_png

    data = collect(store.catalog.engine, "csat")
    report = as_json(data, analyse(data))
    matrix_png(report, png)
    return {**report, "plot": str(png)}


def programme_text(campaign: dict[str, Any], drivers: dict[str, Any]) -> str:
    """What a CX lead reads of the programme: the campaign's decisions and the strongest drivers."""
    from pipeline.drivers.report import format_drivers

    run = campaign["run"]
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(run["skipped_by_reason"].items())) or "none"
    waiting = sorted({w["reason"] for w in run["waiting"]})
    lines = [f"Survey campaign after_deal, run as of {campaign['now']} ({campaign['campaigns_file']}):",
             f"  sent {run['counts']['sent']} invitations to {campaign['outbox']}",
             f"  skipped {run['counts']['skipped']}: {skipped}",
             f"  waiting {run['counts']['waiting']}: {', '.join(waiting) or '-'} (night where the customer lives; "
             "sent in their morning)"]
    replies = campaign["replies"]
    if replies:
        lines.append(f"  replies: {replies['answered']} answered, {replies['opted_out']} STOP, "
                     f"{replies['auto_replies']} auto-reply by reason, {replies['tasks']} follow-up task")
    lines.append("  invitations now: " + ", ".join(f"{state} {n}" for state, n in campaign["invitations"].items()))
    lines += ["", format_drivers(drivers, limit=8), f"The matrix: {drivers['plot']}",
              "(The programme's chats are generated and their CSAT written by their scenario; the features are "
              "the pipeline's.)"]
    return "\n".join(lines)
