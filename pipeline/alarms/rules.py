"""Alarm rules: the site's rule files, read and checked on load (read again when one changes).

Loading checks every rule of every file and reports every problem at once, each as
``FILE:LINE: what is wrong; what was expected`` (:class:`RuleError`), so a site never runs with
half its rules silently ignored. What a rule holds is :mod:`pipeline.alarms.ruleset`; how a
file is read, :mod:`pipeline.alarms.schema`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pipeline.alarms.ruleset import Rule, RuleSet
from pipeline.alarms.schema import read_rules
from pipeline.rules.located import Problem, Problems, in_line_order


class RuleError(ValueError):
    """Rule files that cannot be used; ``problems`` holds one ``FILE:LINE: message`` each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def load_rules(paths: Sequence[Path | str]) -> RuleSet:
    """Read and check the rule files; raises :class:`RuleError` with every problem in them."""
    problems: list[Problem] = []
    rules: list[Rule] = []
    for path in map(Path, paths):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.append(Problem(str(path), None, "no such file; expected a YAML file of alarm rules"))
            continue
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(str(path), None, f"cannot be read: {error}"))
            continue
        found = Problems(str(path))
        rules += read_rules(text, found)
        problems += in_line_order(found.found)
    first: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in first:
            problems.append(Problem(rule.source, None, f"rule id {rule.id!r} is used already at "
                                                       f"{first[rule.id].source}; expected ids to be unique"))
        else:
            first[rule.id] = rule
    if problems:
        raise RuleError([str(p) for p in problems])
    return RuleSet(rules=tuple(rules), files=tuple(map(Path, paths)))


def default_rules_path() -> Path:
    """The rules shipped with cxmon (used when the ``alarm_rules`` setting is empty)."""
    return Path(str(resources.files("pipeline.alarms") / "default_rules.yaml"))


def _signature(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return str(path), -1, -1
    return str(path), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=8)
def _cached_rules(signatures: tuple[tuple[str, int, int], ...]) -> RuleSet:
    return load_rules([Path(s[0]) for s in signatures])


def rules_for(paths: Sequence[Path]) -> RuleSet:
    """:func:`load_rules`, read again only when a file changed (every contact processed asks)."""
    return _cached_rules(tuple(_signature(Path(p).expanduser()) for p in (paths or [default_rules_path()])))
