"""YAML read with the line of every key and value, so a rule file's errors name ``file:line``.

PyYAML's ``compose`` keeps each node's position; :func:`load_located` turns the node tree into
plain dicts, lists and scalars (safe types only: no Python objects are ever built) whose
mappings and sequences remember where their parts were written. Problems are collected in
:class:`Problems`, never raised one by one, so a file's every mistake is reported at once.

A file is read within bounds: at most :data:`MAX_YAML_CHARS` characters, nesting at most
:data:`MAX_YAML_DEPTH` deep (checked on the parser's events, before the recursive composer runs),
and at most :data:`MAX_YAML_NODES` values with every alias expanded, so a "billion laughs" file
or an alias that holds itself is a problem at its line, not a MemoryError or RecursionError.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MAX_YAML_CHARS = 1_000_000
"""Largest rule or checklist file read; the shipped ones are a few kilobytes."""
MAX_YAML_DEPTH = 64
"""Deepest nesting of mappings and lists; a rule nests a handful of levels."""
MAX_YAML_NODES = 100_000
"""Most values built from one file, aliases expanded; a large checklist is a few thousand."""


class _TooBig(Exception):
    def __init__(self, line: int, message: str) -> None:
        self.line, self.message = line, message


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file, at a line (1-based; None: the file as a whole)."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.message}"


class Problems:
    """Collects every problem of one file, so one reading reports them all."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[Problem] = []

    def add(self, line: int | None, message: str) -> None:
        self.found.append(Problem(self.source, line, message))

    def __len__(self) -> int:
        return len(self.found)


def in_line_order(problems: Iterable[Problem]) -> list[Problem]:
    """The problems in the order a person reads the file (stable: one line's problems keep their order)."""
    return sorted(problems, key=lambda p: p.line or 0)


class LMap(dict):
    """A YAML mapping: ``line`` of the mapping, and ``key_lines`` / ``value_lines`` per key.

    The first of a key written twice is kept. ``pairs`` lists every key as written, in order,
    with its line: a key written twice twice, a list or mapping used as a key (or a ``<<`` merge
    key) as None, so a format that reports key problems in its own words can (see ``report_keys``).
    """

    line: int
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]
    pairs: list[tuple[Any, int]]

    def value_line(self, key: Any) -> int:
        return self.value_lines.get(key, self.line)

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def subset(self, keys: Iterable[Any]) -> LMap:
        """This mapping with only ``keys``, lines kept."""
        out = _lmap(self.line)
        for key in keys:
            out[key], out.key_lines[key], out.value_lines[key] = self[key], self.key_lines[key], self.value_lines[key]
        out.pairs = [(key, line) for key, line in self.pairs if key in out]
        return out


class LList(list):
    """A YAML sequence: ``line`` of the sequence and ``lines[i]`` of each element."""

    line: int
    lines: list[int]


def _lmap(line: int) -> LMap:
    out = LMap()
    out.line, out.key_lines, out.value_lines, out.pairs = line, {}, {}, []
    return out


@dataclass(slots=True)
class _Builder:
    problems: Problems
    report_keys: bool
    constructor: Any = field(default=None)
    nodes: int = 0
    depth: int = 0

    def build(self, node: Any) -> Any:
        import yaml

        line = node.start_mark.line + 1
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            raise _TooBig(line, f"more than {MAX_YAML_NODES} values with aliases expanded; "
                                f"expected at most {MAX_YAML_NODES} (write values out instead of nesting aliases)")
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            self.depth += 1
            try:
                if self.depth > MAX_YAML_DEPTH:  # the file itself was checked: aliases did this
                    raise _TooBig(line, f"nested more than {MAX_YAML_DEPTH} deep with aliases expanded "
                                        f"(an alias that holds itself?); expected at most {MAX_YAML_DEPTH}")
                return self.collection(node, line)
            finally:
                self.depth -= 1
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as error:  # e.g. an unknown !tag
            self.problems.add(line, f"cannot read this value: {error.problem}")
            return None

    def collection(self, node: Any, line: int) -> LMap | LList:
        import yaml

        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, line)
        seq = LList(self.build(child) for child in node.value)
        seq.line, seq.lines = line, [child.start_mark.line + 1 for child in node.value]
        return seq

    def mapping(self, node: Any, line: int) -> LMap:
        import yaml

        out = _lmap(line)
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                out.pairs.append((None, key_line))
                self.report(key_line, "a key must be a plain word; got a list or mapping")
                continue
            key = self.build(key_node)
            if key_node.tag == "tag:yaml.org,2002:merge":
                out.pairs.append((None, key_line))
                self.report(key_line, "'<<' merge keys are not supported")
                continue
            out.pairs.append((key, key_line))
            if key in out:
                self.report(key_line, f"duplicate key {key!r} (first at line {out.key_lines[key]})")
                continue
            out[key] = self.build(value_node)
            out.key_lines[key] = key_line
            out.value_lines[key] = value_node.start_mark.line + 1
        return out

    def report(self, line: int, message: str) -> None:
        if self.report_keys:
            self.problems.add(line, message)


def load_located(text: str, problems: Problems, *, report_keys: bool = True) -> tuple[Any, int | None]:
    """The YAML document in ``text`` with line numbers kept, and the line its root starts on.

    ``(None, None)`` for an empty document, or one that is not YAML (then with a problem). A value
    that cannot be read (an unknown ``!tag``) is None, with a problem. With ``report_keys`` False,
    a mapping's key written twice, or a list, mapping or ``<<`` used as a key, is not a problem
    here: it is left in :attr:`LMap.pairs` for the format to report in its own words.
    """
    import yaml
    from yaml.constructor import SafeConstructor

    if len(text) > MAX_YAML_CHARS:
        problems.add(None, f"{len(text)} characters; expected at most {MAX_YAML_CHARS}")
        return None, None
    try:
        too_deep = _too_deep(text)
        if too_deep is not None:
            problems.add(*too_deep)
            return None, None
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problems.add(mark.line + 1 if mark else 1, f"not valid YAML: {error.problem or error.context}")
        return None, None
    except yaml.YAMLError as error:
        problems.add(1, f"not valid YAML: {error}")
        return None, None
    if node is None:
        return None, None
    try:
        return _Builder(problems, report_keys, SafeConstructor()).build(node), node.start_mark.line + 1
    except _TooBig as error:
        problems.add(error.line, error.message)
        return None, None


def _too_deep(text: str) -> tuple[int, str] | None:
    """The line and problem of nesting deeper than :data:`MAX_YAML_DEPTH`, read from the parser's
    events (the parser keeps a stack of states, not Python frames; the composer would recurse)."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                line = event.start_mark.line + 1
                return line, f"nested more than {MAX_YAML_DEPTH} deep; expected at most {MAX_YAML_DEPTH}"
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None
