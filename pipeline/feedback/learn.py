"""``cxmon feedback learn FILE``: a site's own labelled examples, and the site model retrained on them.

An examples file is CSV (comma, semicolon or tab; a header row) or JSON Lines with ``text``, ``category``
(communication | process | product | other) and optionally ``subcategory``. A file is taken whole or not
at all: every bad row is reported as ``FILE:LINE: message``. The examples join those learned before
(``{home}/models/feedback/examples.jsonl``; the same text again takes its newest label), and the model is
refitted on the shipped seed phrases plus all of them into ``{home}/models/feedback/`` (model and card),
which ``cxmon feedback classify`` uses from then on.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from features.feedback import CATEGORIES
from models.feedback.dictionary import SUBCATEGORY_NAME
from models.feedback.model import SEED_FILE, read_examples
from pipeline.feedback.classify import SITE_EXAMPLES, learned_examples, site_model_dir
from pipeline.settings import Settings

MAX_TEXT_CHARS = 2000
MAX_ROWS = 100_000


@dataclass
class ParsedExamples:
    examples: list[dict] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


def _check(row: dict, line: int, out: ParsedExamples) -> None:
    text = row.get("text")
    category = row.get("category")
    sub = row.get("subcategory")
    problems = []
    if not isinstance(text, str) or not text.strip():
        problems.append("text: empty; expected the customer's words")
    elif len(text) > MAX_TEXT_CHARS:
        problems.append(f"text: {len(text)} characters; expected at most {MAX_TEXT_CHARS}")
    if not isinstance(category, str) or category.strip().lower() not in CATEGORIES:
        problems.append(f"category {category!r}; expected one of {', '.join(CATEGORIES)}")
    if sub not in (None, "") and (not isinstance(sub, str) or not SUBCATEGORY_NAME.match(sub.strip())):
        problems.append(f"subcategory {sub!r}; expected a name of 1..64 letters, digits, spaces, '_', '-', '.'")
    if problems:
        out.problems += [(line, p) for p in problems]
        return
    example = {"text": text.strip(), "category": category.strip().lower()}
    if sub:
        example["subcategory"] = sub.strip()
    out.examples.append(example)


def parse_examples(data: bytes, *, jsonl: bool) -> ParsedExamples:
    """The examples of a file's bytes, and the problems of its bad rows (line numbers from 1)."""
    out = ParsedExamples()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        out.problems.append((text_line(data, error.start), "not UTF-8 text"))
        return out
    if jsonl:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                out.problems.append((number, f"not JSON ({error.msg})"))
                continue
            if not isinstance(row, dict):
                out.problems.append((number, "expected a JSON object {\"text\", \"category\"}"))
                continue
            _check(row, number, out)
    else:
        lines = text.splitlines()
        if not lines:
            out.problems.append((1, "empty file; expected a header row text,category[,subcategory]"))
            return out
        delimiter = max(",;\t", key=lines[0].count)
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in ("text", "category") if c not in header]
        if missing:
            out.problems.append((1, f"header {reader.fieldnames}: missing {', '.join(missing)}; expected "
                                    "text,category[,subcategory]"))
            return out
        reader.fieldnames = header
        for row in reader:
            if not any((v or "").strip() for k, v in row.items() if k is not None):
                continue
            _check(row, reader.line_num, out)
    if len(out.examples) > MAX_ROWS:
        out.problems.append((1, f"{len(out.examples)} examples; expected at most {MAX_ROWS}"))
    if not out.examples and not out.problems:
        out.problems.append((1, "no examples; expected rows of text,category[,subcategory]"))
    return out


def text_line(data: bytes, offset: int) -> int:
    """The 1-based line of byte ``offset``."""
    return data[:offset].count(b"\n") + 1


def merged_examples(before: Sequence[dict], new: Sequence[dict]) -> list[dict]:
    """``before`` then ``new``, one per text (case-insensitive): a text seen again takes its newest label.

    >>> merged_examples([{"text": "A", "category": "other"}], [{"text": "a", "category": "process"}])
    [{'text': 'a', 'category': 'process'}]
    """
    by_text: dict[str, dict] = {}
    for example in [*before, *new]:
        key = example["text"].strip().lower()
        by_text.pop(key, None)
        by_text[key] = example
    return list(by_text.values())


def learn(settings: Settings, new: Sequence[dict], *, progress: bool = False) -> dict:
    """Add ``new`` examples to the site's, refit the site model; the card written."""
    from models.feedback.train import train
    from pipeline.feedback.classify import dictionary_path
    from models.feedback.dictionary import read_dictionary

    examples = merged_examples(learned_examples(settings), new)
    directory = site_model_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SITE_EXAMPLES
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples), encoding="utf-8")
    card = train([*read_examples(SEED_FILE), *examples], directory, site_examples=len(examples),
                 dictionary=read_dictionary(dictionary_path(settings)), progress=progress)
    tmp.replace(path)  # the examples file changes only once the model beside it is written
    return card


def read_examples_file(path: Path) -> tuple[list[dict] | None, list[str]]:
    """The examples of ``path``, or None and its problems as ``FILE:LINE: message``."""
    shown = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        return None, [f"{shown}: a {suffix or 'suffix-less'} file; expected .csv or .jsonl"]
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [f"{shown}: cannot be read ({error.strerror or type(error).__name__})"]
    parsed = parse_examples(data, jsonl=suffix == ".jsonl")
    if parsed.problems:
        return None, [f"{shown}:{line}: {message}" for line, message in parsed.problems]
    return parsed.examples, []
