"""The ``checklist`` stage: answer every checklist that applies to a contact, store the answers and totals.

The checklists are the site's (setting ``checklists``) or else the shipped examples. For each
one that applies (channel, language, team) the contact's items are answered from its facts, the
answers stored (a reviewer's answer is never overwritten), and the form's total, scored over the
stored answers (a reviewer's included), kept as the score ``checklist:{id}`` from the ``rule`` source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.checklists.evaluate import evaluate_checklist, with_checklist_tags
from pipeline.checklists.forms import Checklist, applies
from pipeline.checklists.schema import ChecklistError, load_checklist, shipped_checklist_paths
from pipeline.checklists.score import FormScore, score_checklist
from pipeline.records import ChecklistResult, Contact, FeatureSet, Score
from pipeline.rules.facts import ContactFacts, contact_facts
from pipeline.rules.located import Problem
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.store import Store

SCORE_PREFIX = "checklist:"


@dataclass(frozen=True, slots=True)
class ChecklistRun:
    """One checklist scored for one contact: its stored answers in form order and the scores."""

    checklist: Checklist
    results: tuple[ChecklistResult, ...]
    score: FormScore


@lru_cache(maxsize=8)
def _dictionary_tags(language: str, path: str, mtime_ns: int) -> frozenset[str]:
    from pipeline.text.phrases import load_phrase_rules

    return frozenset(rule.tag for rule in load_phrase_rules(language, Path(path)))


def site_phrase_tags(settings: Settings) -> frozenset[str]:
    """Tags of the site's own phrase dictionaries (setting ``phrase_dictionaries``); a dictionary
    that cannot be used raises its PhraseDictionaryError."""
    tags: frozenset[str] = frozenset()
    for language, path in settings.phrase_dictionaries.items():
        try:
            mtime = Path(path).stat().st_mtime_ns
        except OSError:
            mtime = -1  # load_phrase_rules says what is wrong with it
        tags |= _dictionary_tags(language, str(path), mtime)
    return tags


@lru_cache(maxsize=32)
def _load(path: str, mtime_ns: int, extra_tags: frozenset[str]) -> Checklist:
    return load_checklist(path, extra_tags=extra_tags)


def load_checklists(paths: Iterable[Path | str], *, extra_tags: Iterable[str] = ()) -> list[Checklist]:
    """The checklists in these files (read again only when a file changes); ChecklistError if any is wrong,
    or if two share an id."""
    checklists: list[Checklist] = []
    for path in paths:
        full = Path(path).expanduser()
        try:
            mtime = full.stat().st_mtime_ns
        except OSError as error:
            raise ChecklistError([Problem(str(path), 1, f"cannot be read: {error}")]) from None
        checklist = _load(str(path), mtime, frozenset(extra_tags))
        twin = next((c for c in checklists if c.id == checklist.id), None)
        if twin is not None:
            raise ChecklistError([Problem(str(path), checklist.line,
                                          f"checklist id {checklist.id!r} is also the id in {twin.source}")])
        checklists.append(checklist)
    return checklists


def checklist_paths(settings: Settings) -> list[Path]:
    """The site's checklist files: setting ``checklists`` and those uploaded (``<home>/checklists/*.yaml``);
    the shipped examples when there are none."""
    uploaded = settings.uploaded_checklists_dir()
    paths = [*settings.checklists, *(sorted(uploaded.glob("*.yaml")) if uploaded.is_dir() else [])]
    return paths or shipped_checklist_paths()


def configured_checklists(settings: Settings) -> list[Checklist]:
    """The site's checklists (:func:`checklist_paths`), else the shipped examples."""
    return load_checklists(checklist_paths(settings), extra_tags=site_phrase_tags(settings))


def contact_language(facts: ContactFacts, default: str) -> str:
    """The contact's language: its own, else what its turns are written in, else ``default``."""
    from pipeline.text.language import guess_language

    return facts.contact.language or guess_language((t.text for t in facts.turns), default=default)


def score_contact(store: Store, contact: Contact, checklists: Sequence[Checklist], *, settings: Settings,
                  only_applicable: bool = True) -> list[ChecklistRun]:
    """Answer, store and score each checklist (each that applies, unless ``only_applicable`` is False)."""
    facts = contact_facts(store, contact)
    language = contact_language(facts, settings.language)
    chosen = [c for c in checklists if not only_applicable or applies(c, contact, language)]
    if not chosen:
        return []
    facts = with_checklist_tags(facts, language, tags=set().union(*(c.tags() for c in chosen)))
    runs = []
    for checklist in chosen:
        store.catalog.put_checklist_results(evaluate_checklist(checklist, facts))
        stored = {r.item_id: r for r in store.catalog.checklist_results(contact.contact_id, checklist.id)}
        results = tuple(stored[item.id] for item in checklist.items if item.id in stored)
        form = score_checklist(checklist, results)
        if form.value is not None:
            reasons = {f"section:{s.section_id}": round(s.value, 2) for s in form.sections if s.value is not None}
            store.catalog.put_score(Score(contact.contact_id, f"{SCORE_PREFIX}{checklist.id}", round(form.value, 2),
                                          "rule", reasons=reasons))
        runs.append(ChecklistRun(checklist, results, form))
    return runs


def checklist_stage(store: Store, contact: Contact, settings: Settings) -> FeatureSet:
    """Score every checklist that applies to the contact; the feature set counts them and keeps each total."""
    runs = score_contact(store, contact, configured_checklists(settings), settings=settings)
    values: dict[str, float | int | None] = {"checklists": len(runs)}
    for run in runs:
        values[f"checklist_{run.checklist.id}"] = None if run.score.value is None else round(run.score.value, 2)
        values[f"checklist_{run.checklist.id}_pending"] = run.score.pending
    return FeatureSet(contact_id=contact.contact_id, name="checklist", values=values)


def checklist_by_id(settings: Settings, checklist_id: str) -> Checklist | None:
    """The configured checklist with this id, or None when it is no longer configured."""
    return next((c for c in configured_checklists(settings) if c.id == checklist_id), None)


def rescore(store: Store, contact_id: str, checklist_id: str, settings: Settings) -> FormScore | None:
    """Score a contact's stored answers of one checklist again (after a reviewer changed one) and keep the total."""
    checklist = checklist_by_id(settings, checklist_id)
    if checklist is None:
        return None
    stored = {r.item_id: r for r in store.catalog.checklist_results(contact_id, checklist_id)}
    form = score_checklist(checklist, [stored[item.id] for item in checklist.items if item.id in stored])
    if form.value is not None:
        reasons = {f"section:{s.section_id}": round(s.value, 2) for s in form.sections if s.value is not None}
        store.catalog.put_score(Score(contact_id, f"{SCORE_PREFIX}{checklist_id}", round(form.value, 2), "rule",
                                      reasons=reasons))
    return form
