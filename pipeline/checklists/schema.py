"""Checklists as YAML files: what a QA form holds, read and checked with ``file:line`` errors.

::

    id: ru_bank_call                 # [a-z][a-z0-9_]*, at most 54 characters
    title: Звонок в банк
    version: 3                       # any short text; stored with every answer
    applies_to:                      # every key optional; left out = any
      channels: [call]               # call, chat, desk (left out: call and chat)
      languages: [ru]                # ru, en
      teams: [cards, loans]          # the contact's team
    sections:
      - id: culture
        title: Культура общения
        weight: 40                   # > 0; relative to the other sections
        items:
          - id: greeting             # unique in the checklist
            text: Оператор поздоровался
            type: yes_no             # or scale, with scale: [1, 5] (0 <= low < high <= 10)
            weight: 2                # > 0, default 1
            critical: section        # false (default), section (or true), form; yes_no items only
            na_allowed: false        # may the item be "not applicable"? default false
            rule: {tag: greeting, speaker: agent, within_turns: 2}   # optional: see rules.py

The file is read by :mod:`pipeline.rules.located`; what it becomes is :mod:`pipeline.checklists.forms`.
Every mistake is reported, not just the first, as ``FILE:LINE: what; expected what``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pipeline.checklists.forms import (CHANNELS, DEFAULT_CHANNELS, MAX_SCALE, AppliesTo, Checklist, Critical, Item,
                                      Section)
from pipeline.checklists.rule_schema import parse_rule
from pipeline.records import LANGUAGES
from pipeline.rules.conditions import number
from pipeline.rules.located import LList, LMap, Problem, Problems, in_line_order, load_located

ID = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_ID_CHARS = 54  # the form's total is stored as the score "checklist:{id}" (64 characters at most)
CHECKLIST_KEYS = ("id", "title", "version", "description", "applies_to", "sections")
APPLIES_KEYS = ("channels", "languages", "teams")
SECTION_KEYS = ("id", "title", "weight", "items")
ITEM_KEYS = ("id", "text", "type", "scale", "weight", "critical", "na_allowed", "rule")
PHRASE_FILES = {"ru": "phrases_ru.toml", "en": "phrases_en.toml"}
"""The checklists' own phrase tags (hold_announcement, ...), added to the turns' tags when scored."""


class ChecklistError(ValueError):
    """A checklist file cannot be used; ``problems`` holds every ``file:line: message``."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = in_line_order(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- phrase tags the rules may name ---------------------------------------------------------

def checklist_phrase_path(language: str) -> Path:
    """The checklists' own phrase dictionary for ``language`` (hold_announcement, hold_return, ...)."""
    return Path(str(resources.files("pipeline.checklists").joinpath(PHRASE_FILES[language])))


@lru_cache(maxsize=1)
def checklist_phrase_tags() -> frozenset[str]:
    tags: set[str] = set()
    for language in PHRASE_FILES:
        tags |= set(tomllib.loads(checklist_phrase_path(language).read_text(encoding="utf-8")))
    return frozenset(tags)


def known_phrase_tags(extra: Iterable[str] = ()) -> frozenset[str]:
    """Tags a rule may name: the shipped phrase tags, the checklists' own, and ``extra`` (a site's)."""
    from pipeline.text.phrases import PHRASE_TAGS

    return frozenset(PHRASE_TAGS) | checklist_phrase_tags() | frozenset(extra)


# --- reading ---------------------------------------------------------------------------------

class _Reader:
    def __init__(self, problems: Problems, tags: frozenset[str]) -> None:
        self.problems, self.tags = problems, tags

    def bad(self, line: int, message: str) -> None:
        self.problems.add(line, message)

    def keys(self, node: LMap, allowed: tuple[str, ...], where: str, required: tuple[str, ...] = ()) -> None:
        for key in node:
            if key not in allowed:
                self.bad(node.key_line(key), f"{where}: unknown key {key!r}; expected some of {list(allowed)}")
        for key in required:
            if key not in node:
                self.bad(node.line, f"{where}: no {key}; expected {key}: ...")

    def ident(self, node: LMap, where: str) -> str | None:
        value = node.get("id")
        if value is None:
            return None
        if not isinstance(value, str) or not ID.match(value) or len(value) > MAX_ID_CHARS:
            self.bad(node.value_line("id"), f"{where}: id {value!r}; expected lowercase letters, digits and _, "
                                            f"starting with a letter, at most {MAX_ID_CHARS} characters")
            return None
        return value

    def first_use(self, node: LMap, ident: str | None, where: str, seen: dict[str, int]) -> None:
        """Note the line of ``ident``'s first use in ``seen``; a second use is a problem."""
        if ident is None:
            return
        if ident in seen:
            self.bad(node.value_line("id"), f"{where}: duplicate id (first at line {seen[ident]})")
        else:
            seen[ident] = node.value_line("id")

    def text(self, node: LMap, key: str, where: str, default: str = "") -> str:
        value = node.get(key, default)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key == "version":
            return str(value)
        if not isinstance(value, str) or (key != "description" and not value.strip()):
            self.bad(node.value_line(key), f"{where}: {key} {value!r}; expected text")
            return default
        return value

    def weight(self, node: LMap, where: str) -> float:
        value = node.get("weight", 1)
        weight = number(value)
        if weight is None or weight <= 0:
            self.bad(node.value_line("weight"), f"{where}: weight {value!r}; expected > 0")
            return 1.0
        return weight

    def names(self, node: LMap, key: str, allowed: frozenset[str] | None, where: str) -> frozenset[str] | None:
        value = node[key]
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v for v in values):
            self.bad(node.value_line(key), f"{where}: {key} {value!r}; expected a list of names")
            return None
        wrong = [v for v in values if allowed is not None and v not in allowed]
        if wrong:
            self.bad(node.value_line(key), f"{where}: {key} {wrong[0]!r}; expected some of {sorted(allowed)}")
            return None
        return frozenset(values)

    def applies_to(self, root: LMap) -> AppliesTo:
        node = root.get("applies_to")
        if node is None:
            return AppliesTo()
        if not isinstance(node, LMap):
            self.bad(root.value_line("applies_to"), f"applies_to {node!r}; expected a mapping with channels, "
                                                    "languages, teams")
            return AppliesTo()
        self.keys(node, APPLIES_KEYS, "applies_to")
        channels = self.names(node, "channels", CHANNELS, "applies_to") if "channels" in node else None
        languages = self.names(node, "languages", LANGUAGES, "applies_to") if "languages" in node else None
        teams = self.names(node, "teams", None, "applies_to") if "teams" in node else None
        return AppliesTo(channels or DEFAULT_CHANNELS, languages, teams)

    def item(self, node: object, line: int, seen: dict[str, int]) -> Item | None:
        if not isinstance(node, LMap):
            self.bad(line, f"item {node!r}; expected a mapping with id, text, type")
            return None
        item_id = self.ident(node, "item")
        where = f"item {item_id or '?'}"
        before = len(self.problems.found)
        self.keys(node, ITEM_KEYS, where, required=("id", "text"))
        self.first_use(node, item_id, where, seen)
        text = self.text(node, "text", where) if "text" in node else ""
        kind = node.get("type", "yes_no")
        if kind not in ("yes_no", "scale"):
            self.bad(node.value_line("type"), f"{where}: type {kind!r}; expected yes_no or scale")
        scale = (0, 1)
        if kind == "scale":
            scale = self.scale(node, where)
        elif "scale" in node:
            self.bad(node.key_line("scale"), f"{where}: scale on a {kind} item; expected it only with type: scale")
        critical = node.get("critical", False)
        level: Critical = "no"
        if isinstance(critical, bool) or critical in ("section", "form"):
            level = {False: "no", True: "section", "section": "section", "form": "form"}[critical]
        else:
            self.bad(node.value_line("critical"), f"{where}: critical {critical!r}; expected false, section (or true) "
                                                  "or form")
        if level != "no" and kind == "scale":
            self.bad(node.value_line("critical"), f"{where}: critical on a scale item; expected critical only on "
                                                  "yes_no items (failing = answered no)")
        na_allowed = node.get("na_allowed", False)
        if not isinstance(na_allowed, bool):
            self.bad(node.value_line("na_allowed"), f"{where}: na_allowed {na_allowed!r}; expected true or false")
        weight = self.weight(node, where)
        rule = None
        if "rule" in node:
            rule = parse_rule(node["rule"], node.value_line("rule"), problems=self.problems, where=where,
                              known_tags=self.tags)
        if len(self.problems.found) > before or item_id is None:
            return None
        return Item(item_id, text, kind, scale, weight, level, na_allowed, rule, node.line)

    def scale(self, node: LMap, where: str) -> tuple[int, int]:
        if "scale" not in node:
            self.bad(node.line, f"{where}: type scale without scale; expected e.g. scale: [1, 5]")
            return (1, 5)
        value = node["scale"]
        ok = (isinstance(value, list) and len(value) == 2
              and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
              and 0 <= value[0] < value[1] <= MAX_SCALE)
        if not ok:
            self.bad(node.value_line("scale"), f"{where}: scale {value!r}; expected [low, high], whole numbers "
                                               f"with 0 <= low < high <= {MAX_SCALE}, e.g. [1, 5]")
            return (1, 5)
        return (value[0], value[1])

    def section(self, node: object, line: int, seen_sections: dict[str, int], seen_items: dict[str, int]) -> Section | None:
        if not isinstance(node, LMap):
            self.bad(line, f"section {node!r}; expected a mapping with id, title, weight, items")
            return None
        section_id = self.ident(node, "section")
        where = f"section {section_id or '?'}"
        self.keys(node, SECTION_KEYS, where, required=("id", "items"))
        self.first_use(node, section_id, where, seen_sections)
        title = self.text(node, "title", where) if "title" in node else (section_id or "")
        weight = self.weight(node, where)
        items_node = node.get("items")
        if "items" in node and (not isinstance(items_node, LList) or not items_node):
            self.bad(node.value_line("items"), f"{where}: items {items_node!r}; expected a non-empty list of items")
            return None
        items = [self.item(child, items_node.lines[n], seen_items) for n, child in enumerate(items_node or [])]
        if section_id is None or any(i is None for i in items):
            return None
        return Section(section_id, title, weight, tuple(items))


def parse_checklist(text: str, *, source: str = "<string>", extra_tags: Iterable[str] = ()) -> Checklist:
    """The checklist written in ``text`` (YAML); ``source`` names it in errors.

    ``extra_tags``: phrase tags of the site's own dictionaries that rules may name besides the
    shipped ones. Raises :class:`ChecklistError` with every problem found.
    """
    problems = Problems(source)
    root, root_line = load_located(text, problems)
    if problems:
        raise ChecklistError(problems.found)
    if not isinstance(root, LMap):
        problems.add(root_line or 1, "expected a mapping with id, title, version, sections")
        raise ChecklistError(problems.found)
    r = _Reader(problems, known_phrase_tags(extra_tags))
    r.keys(root, CHECKLIST_KEYS, "checklist", required=("id", "title", "version", "sections"))
    checklist_id = r.ident(root, "checklist")
    title = r.text(root, "title", "checklist") if "title" in root else ""
    version = r.text(root, "version", "checklist") if "version" in root else ""
    description = r.text(root, "description", "checklist") if "description" in root else ""
    scope = r.applies_to(root)
    sections_node = root.get("sections")
    sections: list[Section | None] = []
    if "sections" in root and (not isinstance(sections_node, LList) or not sections_node):
        r.bad(root.value_line("sections"), f"sections {sections_node!r}; expected a non-empty list of sections")
    elif isinstance(sections_node, LList):
        seen_sections: dict[str, int] = {}
        seen_items: dict[str, int] = {}
        sections = [r.section(child, sections_node.lines[n], seen_sections, seen_items)
                    for n, child in enumerate(sections_node)]
    if problems:
        raise ChecklistError(problems.found)
    return Checklist(checklist_id, title, version, tuple(sections), scope, description, source,
                     root.value_line("id"))


def load_checklist(path: Path | str, *, extra_tags: Iterable[str] = ()) -> Checklist:
    """The checklist in the YAML file at ``path``; errors name it as written (``path:line: ...``).

    >>> [c.id for c in shipped_checklists()]
    ['en_service_call', 'ru_bank_call', 'ru_bank_chat']
    """
    source = str(path)
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ChecklistError([Problem(source, 1, f"cannot be read: {error}")]) from None
    return parse_checklist(text, source=source, extra_tags=extra_tags)


def checklist_problems(paths: Iterable[Path | str], *, extra_tags: Iterable[str] = ()) -> list[Problem]:
    """Every problem of every file, and of the set: two files with the same checklist id."""
    found: list[Problem] = []
    ids: dict[str, str] = {}
    for path in paths:
        try:
            checklist = load_checklist(path, extra_tags=extra_tags)
        except ChecklistError as error:
            found.extend(error.problems)
            continue
        if checklist.id in ids:
            found.append(Problem(str(path), checklist.line, f"checklist id {checklist.id!r} is also the id in {ids[checklist.id]}"))
        ids.setdefault(checklist.id, str(path))
    return found


def shipped_checklist_paths() -> list[Path]:
    folder = resources.files("pipeline.checklists").joinpath("examples")
    return sorted(Path(str(folder.joinpath(entry.name))) for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def shipped_checklists() -> list[Checklist]:
    """The example checklists that ship with cxmon (``pipeline/checklists/examples``)."""
    return [load_checklist(path) for path in shipped_checklist_paths()]
