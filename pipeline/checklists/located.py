"""YAML read with the line of every key and value, so a checklist's errors name ``file:line``.

PyYAML's ``compose`` keeps each node's position; :func:`load_located` turns the node tree into
plain dicts, lists and scalars (safe types only: no Python objects are ever built) whose
mappings and sequences remember where their parts were written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file, at a line (1-based)."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class Problems:
    """Collects every problem of one file, so one run of ``validate`` reports them all."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.found.append(Problem(self.source, line, message))

    def __bool__(self) -> bool:
        return bool(self.found)


class LMap(dict):
    """A YAML mapping: ``line`` of the mapping, and ``key_lines`` / ``value_lines`` per key."""

    line: int
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]

    def value_line(self, key: Any) -> int:
        return self.value_lines.get(key, self.line)

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LList(list):
    """A YAML sequence: ``line`` of the sequence and ``lines[i]`` of each element."""

    line: int
    lines: list[int]


@dataclass(slots=True)
class _Builder:
    problems: Problems
    constructor: Any = field(default=None)

    def build(self, node: Any) -> Any:
        import yaml

        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out = LMap()
            out.line, out.key_lines, out.value_lines = line, {}, {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.add(key_node.start_mark.line + 1, "a key must be a plain word; got a list or mapping")
                    continue
                key = self.build(key_node)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.problems.add(key_node.start_mark.line + 1, "'<<' merge keys are not supported")
                    continue
                if key in out:
                    self.problems.add(key_node.start_mark.line + 1,
                                      f"duplicate key {key!r} (first at line {out.key_lines[key]})")
                    continue
                out[key] = self.build(value_node)
                out.key_lines[key] = key_node.start_mark.line + 1
                out.value_lines[key] = value_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            seq = LList(self.build(child) for child in node.value)
            seq.line, seq.lines = line, [child.start_mark.line + 1 for child in node.value]
            return seq
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as error:  # e.g. an unknown !tag
            self.problems.add(line, f"cannot read this value: {error.problem}")
            return None


def load_located(text: str, problems: Problems) -> Any:
    """The YAML document in ``text`` with line numbers kept; None (and a problem) when it is not YAML."""
    import yaml
    from yaml.constructor import SafeConstructor

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problems.add(mark.line + 1 if mark else 1, f"not valid YAML: {error.problem or error.context}")
        return None
    except yaml.YAMLError as error:
        problems.add(1, f"not valid YAML: {error}")
        return None
    if node is None:
        return None
    return _Builder(problems, SafeConstructor()).build(node)
