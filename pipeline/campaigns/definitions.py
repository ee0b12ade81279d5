"""The campaigns file (YAML): sinks, defaults and campaigns, read with ``FILE:LINE`` errors.

::

    sinks:
      email: {host: 127.0.0.1, port: 25, from: survey@bank.example}
      webhook: {url: "https://bot.example/hook", secret_env: CXMON_CAMPAIGN_SECRET}
      file: {path: outbox/invitations.jsonl}
    replies: {secret_env: CXMON_CAMPAIGN_SECRET}     # the signed reply endpoint of `cxmon serve`
    defaults: {quiet_hours: "21:00-09:00", cap_days: 30, timezone: Europe/Moscow}
    campaigns:
      - id: after_call
        trigger: {contact: {channel: [call], team: [retail]}}  # or {event: NAME} or {schedule: {every_days: 90}}
        delay_h: 2
        sink: email
        questions:
          - {kind: csat, text: "How satisfied are you with the call?"}
          - kind: reason
            text: "What could we do better?"
            choices:
              slow: {text: "It took too long", reply: "Sorry for the wait.", task: true}
          - {kind: text, text: "Anything else?"}
        remind_after_h: 24
        expires_h: 72

Consent is always required (the consent registry; STOP withdraws it): there is no key to turn it off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from features.campaigns import Rules
from pipeline.rules.located import LList, LMap, Problems, in_line_order, load_located

QUESTION_KINDS = ("csat", "nps", "ces", "discourage", "goal", "emotion", "reason", "text")
"""``discourage`` (0-10, "how likely are you to discourage others from ..."): asked beside ``nps``, it
gives the word-of-mouth index (WoMI) in the survey and value reports. ``goal`` (0 = no, 1 = partly, 2 = yes)
and ``emotion`` (1-5) ask CSI's goal-reached and emotion parts; with ``ces`` (effort) all three parts are
asked, and ``cxmon report drivers --target goal|ces|emotion`` explains each."""
TEXTS = {"subject": "How did we do?", "reminder_subject": "Reminder: how did we do?",
         "thanks_subject": "Thank you for your answer",
         "intro": "Please answer a few short questions. Reply STOP to receive no more surveys."}
"""The messages' wording: ``texts:`` under ``defaults`` or a campaign replaces any of them (``intro`` must keep
the way out: STOP or СТОП)."""
SINKS = ("email", "webhook", "file")
TRIGGERS = ("contact", "event", "schedule")
CHANNELS = ("call", "chat", "desk")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class CampaignFileError(ValueError):
    """The campaigns file cannot be used; ``problems`` holds every ``FILE:LINE: message``."""

    def __init__(self, problems: list) -> None:
        self.problems = in_line_order(problems)
        super().__init__("\n".join(map(str, self.problems)))


@dataclass(frozen=True, slots=True)
class Choice:
    key: str
    text: str
    reply: str = ""       # sent back at once when the customer picks this reason ("" : none)
    task: bool = False    # opens a follow-up task


@dataclass(frozen=True, slots=True)
class Question:
    kind: str
    text: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    trigger: str                      # contact | event | schedule
    sink: str                         # email | webhook | file
    questions: tuple[Question, ...]
    rules: Rules
    channels: tuple[str, ...] = ()    # contact trigger: channels (empty: any)
    teams: tuple[str, ...] = ()       # contact trigger: teams (empty: any)
    events: tuple[str, ...] = ()      # event trigger: CRM event names
    every_days: float = 0.0           # schedule trigger
    remind_after_h: float | None = None
    expires_h: float = 72.0
    line: int = 0
    texts: dict[str, str] = field(default_factory=lambda: dict(TEXTS))

    def choice(self, key: str) -> Choice | None:
        return next((c for q in self.questions for c in q.choices if c.key == key), None)


@dataclass(frozen=True, slots=True)
class CampaignFile:
    campaigns: tuple[Campaign, ...]
    sinks: dict[str, dict[str, Any]] = field(default_factory=dict)
    reply_secret_env: str | None = None
    timezone: str = "UTC"


class _Reader:
    def __init__(self, source: str) -> None:
        self.problems = Problems(source)

    def bad(self, line: int | None, message: str) -> None:
        self.problems.add(line, message)

    def keys(self, node: LMap, allowed: tuple[str, ...], where: str) -> None:
        for key, line in node.pairs:
            if key not in allowed:
                self.bad(line, f"{where}: unknown key {key!r}; expected some of {list(allowed)}")

    def number(self, node: LMap, key: str, where: str, default: float | None, *, low: float = 0.0) -> float | None:
        if key not in node:
            return default
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= low:
            self.bad(node.value_line(key), f"{where}: {key} {value!r}; expected a number >= {low:g}")
            return default
        return float(value)

    def names(self, node: LMap, key: str, where: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            return ()
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            self.bad(node.value_line(key), f"{where}: {key} {value!r}; expected a name or a list of names")
            return ()
        if allowed is not None and (wrong := [v for v in values if v not in allowed]):
            self.bad(node.value_line(key), f"{where}: {key} {wrong[0]!r}; expected some of {list(allowed)}")
        return tuple(values)

    def quiet(self, node: LMap, where: str, default: tuple[time, time]) -> tuple[time, time]:
        if "quiet_hours" not in node:
            return default
        value = node["quiet_hours"]
        if value is None or value == "none":
            return time(0), time(0)
        m = _HOURS.match(value) if isinstance(value, str) else None
        if not m:
            self.bad(node.value_line("quiet_hours"), f"{where}: quiet_hours {value!r}; expected HH:MM-HH:MM "
                                                     "(local to the customer), e.g. 21:00-09:00, or none")
            return default
        a, b, c, d = map(int, m.groups())
        return time(a, b), time(c, d)

    def question(self, node: object, line: int, where: str) -> Question | None:
        if not isinstance(node, LMap):
            self.bad(line, f"{where}: {node!r}; expected a mapping with kind and text")
            return None
        self.keys(node, ("kind", "text", "choices"), where)
        kind = node.get("kind")
        if kind not in QUESTION_KINDS:
            self.bad(node.value_line("kind"), f"{where}: kind {kind!r}; expected one of {list(QUESTION_KINDS)}")
            return None
        text = node.get("text", "")
        if not isinstance(text, str):
            self.bad(node.value_line("text"), f"{where}: text {text!r}; expected text")
            text = ""
        choices: list[Choice] = []
        raw = node.get("choices")
        if kind == "reason":
            if not isinstance(raw, LMap) or not raw:
                self.bad(node.value_line("choices") if raw is not None else node.line,
                         f"{where}: a reason question needs choices: {{key: {{text, reply, task}}}}")
            else:
                for key, value in raw.items():
                    choices.append(self.choice(key, value, raw.value_line(key), f"{where} choice {key!r}"))
        elif raw is not None:
            self.bad(node.key_line("choices"), f"{where}: choices on a {kind} question; expected them only on reason")
        return Question(kind, text, tuple(c for c in choices if c is not None))

    def texts(self, node: LMap, where: str, base: dict[str, str]) -> dict[str, str]:
        """``base`` with what the node's ``texts:`` mapping replaces (each a non-empty text)."""
        given = node.get("texts")
        if given is None:
            return dict(base)
        if not isinstance(given, LMap):
            self.bad(node.value_line("texts"), f"{where}: texts {given!r}; expected a mapping of {list(TEXTS)}")
            return dict(base)
        self.keys(given, tuple(TEXTS), f"{where} texts")
        out = dict(base)
        for key, value in given.items():
            if key not in TEXTS:
                continue
            if not isinstance(value, str) or not value.strip():
                self.bad(given.value_line(key), f"{where} texts: {key} {value!r}; expected text")
            elif key == "intro" and "stop" not in value.lower() and "стоп" not in value.lower():
                self.bad(given.value_line(key), f"{where} texts: intro {value!r}; expected it to tell the way out "
                                                "(STOP or СТОП)")
            else:
                out[key] = value.strip()
        return out

    def choice(self, key: object, node: object, line: int, where: str) -> Choice | None:
        if not isinstance(key, str) or not _ID.match(key):
            self.bad(line, f"{where}: expected a key of lowercase letters, digits and _")
            return None
        if isinstance(node, str):
            return Choice(key, node)
        if not isinstance(node, LMap):
            self.bad(line, f"{where}: {node!r}; expected text or {{text, reply, task}}")
            return None
        self.keys(node, ("text", "reply", "task"), where)
        text, reply, task = node.get("text", key), node.get("reply", ""), node.get("task", False)
        if not isinstance(text, str) or not isinstance(reply, str):
            self.bad(node.line, f"{where}: text and reply must be text")
            return None
        if not isinstance(task, bool):
            self.bad(node.value_line("task"), f"{where}: task {task!r}; expected true or false")
            task = False
        return Choice(key, text, reply, task)

    def campaign(self, node: object, line: int, defaults: dict, sinks: dict, seen: dict[str, int]) -> Campaign | None:
        if not isinstance(node, LMap):
            self.bad(line, f"campaign {node!r}; expected a mapping with id, trigger, sink, questions")
            return None
        self.keys(node, ("id", "trigger", "delay_h", "sink", "questions", "quiet_hours", "cap_days", "late_h",
                         "remind_after_h", "expires_h", "texts"), f"campaign at line {line}")
        ident = node.get("id")
        if not isinstance(ident, str) or not _ID.match(ident):
            self.bad(node.value_line("id"), f"campaign id {ident!r}; expected lowercase letters, digits and _")
            ident = None  # the rest of the campaign is still checked, under its line
        where = f"campaign {ident}" if ident else f"campaign at line {node.line}"
        if ident in seen:
            self.bad(node.value_line("id"), f"{where}: duplicate id (first at line {seen[ident]})")
        if ident:
            seen[ident] = node.value_line("id")
        for key in ("trigger", "sink", "questions"):
            if key not in node:
                self.bad(node.line, f"{where}: no {key}; expected {key}: ...")
        sink = node.get("sink")
        if sink is not None and (not isinstance(sink, str) or sink not in SINKS):
            self.bad(node.value_line("sink"), f"{where}: sink {sink!r}; expected one of {list(SINKS)}")
        elif sink is not None and sink not in sinks:
            self.bad(node.value_line("sink"), f"{where}: sink {sink!r} is not configured under sinks:")
        trigger = node.get("trigger")
        kind, channels, teams, events, every = None, (), (), (), 0.0
        if isinstance(trigger, LMap) and len(trigger) == 1 and next(iter(trigger)) in TRIGGERS:
            kind = next(iter(trigger))
            body = trigger[kind]
            tw = f"{where} trigger {kind}"
            if kind == "event":
                events = self.names(trigger, "event", tw)
                kind = kind if events else None
            elif not isinstance(body, LMap):
                self.bad(trigger.value_line(kind), f"{tw}: {body!r}; expected a mapping")
                kind = None
            elif kind == "contact":
                self.keys(body, ("channel", "team"), tw)
                channels, teams = self.names(body, "channel", tw, CHANNELS), self.names(body, "team", tw)
            else:
                self.keys(body, ("every_days",), tw)
                every = self.number(body, "every_days", tw, None, low=1.0) or 0.0
                if not every:
                    self.bad(body.line, f"{tw}: expected every_days: N (>= 1)")
                    kind = None
        elif trigger is not None:
            self.bad(node.value_line("trigger"), f"{where}: trigger {trigger!r}; expected one of "
                                                 "{contact: {channel, team}}, {event: NAME}, {schedule: {every_days}}")
        questions_node = node.get("questions")
        questions: list[Question] = []
        if isinstance(questions_node, LList) and questions_node:
            questions = [q for n, child in enumerate(questions_node)
                         if (q := self.question(child, questions_node.lines[n], f"{where} question {n + 1}"))]
        elif questions_node is not None:
            self.bad(node.value_line("questions"), f"{where}: questions {questions_node!r}; expected a list")
        start, end = self.quiet(node, where, defaults["quiet"])
        expires = self.number(node, "expires_h", where, 72.0, low=1.0)
        remind = self.number(node, "remind_after_h", where, None, low=0.0)
        if remind is not None and remind >= expires:
            self.bad(node.value_line("remind_after_h"), f"{where}: remind_after_h {remind:g}; expected less than "
                                                        f"expires_h ({expires:g})")
        texts = self.texts(node, where, defaults["texts"])
        rules = Rules(delay_h=self.number(node, "delay_h", where, 0.0), quiet_start=start, quiet_end=end,
                      late_h=self.number(node, "late_h", where, 72.0), cap_days=self.number(
                          node, "cap_days", where, defaults["cap_days"]))
        if ident is None or kind is None or not isinstance(sink, str) or sink not in sinks or not questions:
            return None
        return Campaign(ident, kind, sink, tuple(questions), rules, channels, teams, events, every, remind, expires,
                        node.line, texts)


def read_campaigns(text: str, source: str = "campaigns.yaml") -> CampaignFile:
    """The campaigns of ``text``; :class:`CampaignFileError` with every problem when any is wrong."""
    from zoneinfo import ZoneInfo

    reader = _Reader(source)
    root, line = load_located(text, reader.problems)
    if not isinstance(root, LMap):
        if not reader.problems.found:
            reader.bad(line or 1, "expected a mapping with sinks and campaigns")
        raise CampaignFileError(reader.problems.found)
    reader.keys(root, ("sinks", "replies", "defaults", "campaigns"), "file")
    sinks: dict[str, dict[str, Any]] = {}
    sinks_node = root.get("sinks")
    if not isinstance(sinks_node, LMap) or not sinks_node:
        reader.bad(root.value_line("sinks") if sinks_node is not None else root.line,
                   "sinks: expected a mapping of email / webhook / file settings")
    else:
        needed = {"email": ("host", "from"), "webhook": ("url",), "file": ("path",)}
        for name, body in sinks_node.items():
            if name not in SINKS or not isinstance(body, LMap):
                reader.bad(sinks_node.key_line(name), f"sinks: {name!r}; expected one of {list(SINKS)} with a mapping")
                continue
            missing = [k for k in needed[name] if not body.get(k)]
            if missing:
                reader.bad(body.line, f"sinks {name}: no {missing[0]}; expected {', '.join(needed[name])}")
                continue
            sinks[name] = dict(body)
    defaults_node = root.get("defaults")
    if not isinstance(defaults_node, LMap):
        if defaults_node is not None:
            reader.bad(root.value_line("defaults"), f"defaults {defaults_node!r}; expected a mapping")
        defaults_node = load_located("{}", Problems(source))[0]
    reader.keys(defaults_node, ("quiet_hours", "cap_days", "timezone", "texts"), "defaults")
    zone = defaults_node.get("timezone", "UTC")
    try:
        ZoneInfo(str(zone))
    except (ValueError, KeyError, OSError):
        reader.bad(defaults_node.value_line("timezone"), f"defaults: timezone {zone!r}; expected an IANA zone "
                                                        "such as Europe/Moscow")
    defaults = {"quiet": reader.quiet(defaults_node, "defaults", (time(21), time(9))),
                "cap_days": reader.number(defaults_node, "cap_days", "defaults", 30.0),
                "texts": reader.texts(defaults_node, "defaults", TEXTS)}
    replies = root.get("replies")
    secret_env = replies.get("secret_env") if isinstance(replies, LMap) else None
    campaigns_node = root.get("campaigns")
    campaigns: list[Campaign] = []
    if not isinstance(campaigns_node, LList) or not campaigns_node:
        reader.bad(root.value_line("campaigns") if campaigns_node is not None else root.line,
                   "campaigns: expected a non-empty list of campaigns")
    else:
        seen: dict[str, int] = {}
        campaigns = [c for n, child in enumerate(campaigns_node)
                     if (c := reader.campaign(child, campaigns_node.lines[n], defaults, sinks, seen))]
    if reader.problems.found:
        raise CampaignFileError(reader.problems.found)
    return CampaignFile(tuple(campaigns), sinks, secret_env, str(zone))


def load_campaigns(path: Path) -> CampaignFile:
    """:func:`read_campaigns` of the file at ``path`` (problems name it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CampaignFileError([_file_problem(str(path), f"cannot be read ({error})")]) from error
    return read_campaigns(text, str(path))


def _file_problem(source: str, message: str):
    from pipeline.rules.located import Problem

    return Problem(source, None, message)
