"""The feedback dictionary: category -> subcategory -> keywords and example phrases, a YAML file.

The shipped one is ``dictionary.yaml`` beside this module; a site keeps its own at
``{home}/feedback/dictionary.yaml`` (or names one with ``--dictionary``). Every problem of a bad file
is reported at once, each as ``FILE:LINE: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from features.feedback import CATEGORIES, MIN_KEYWORD_CHARS, words

DEFAULT_DICTIONARY = Path(__file__).resolve().with_name("dictionary.yaml")
SUBCATEGORY_NAME = re.compile(r"^[\w][\w .-]{0,63}$", re.UNICODE)
MAX_PHRASE_CHARS = 300
_FIELDS = ("keywords", "examples")


class DictionaryError(ValueError):
    """A dictionary file that cannot be used; ``problems`` holds one ``FILE:LINE: message`` each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Subcategory:
    category: str
    name: str
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedbackDictionary:
    source: str
    subcategories: tuple[Subcategory, ...]

    def rules(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """``(category, subcategory, keywords)`` per subcategory, as :mod:`features.feedback` takes them."""
        return [(s.category, s.name, s.keywords) for s in self.subcategories]

    def examples(self) -> list[tuple[str, str, str]]:
        """``(category, subcategory, phrase)`` for each example phrase."""
        return [(s.category, s.name, e) for s in self.subcategories for e in s.examples]


def _line(node) -> int:
    return node.start_mark.line + 1


def _phrases(node, shown: str, what: str, problems: list[str], *, keyword: bool) -> tuple[str, ...]:
    from yaml import ScalarNode, SequenceNode

    if not isinstance(node, SequenceNode):
        problems.append(f"{shown}:{_line(node)}: {what}: expected a list of phrases, e.g. [очеред, queue]")
        return ()
    out = []
    for item in node.value:
        if not isinstance(item, ScalarNode) or not str(item.value).strip():
            problems.append(f"{shown}:{_line(item)}: {what}: expected a non-empty phrase")
            continue
        text = str(item.value).strip()
        if len(text) > MAX_PHRASE_CHARS:
            problems.append(f"{shown}:{_line(item)}: {what}: a phrase of {len(text)} characters; "
                            f"expected at most {MAX_PHRASE_CHARS}")
        elif keyword and (not words(text) or len("".join(words(text))) < MIN_KEYWORD_CHARS):
            problems.append(f"{shown}:{_line(item)}: {what}: keyword {text!r} is too short; expected at least "
                            f"{MIN_KEYWORD_CHARS} letters (it would match too many words)")
        else:
            out.append(text)
    return tuple(out)


def _subcategory(category: str, key, value, shown: str, problems: list[str]) -> Subcategory | None:
    from yaml import MappingNode

    name = str(key.value).strip()
    if not SUBCATEGORY_NAME.match(name):
        problems.append(f"{shown}:{_line(key)}: subcategory {name!r}: expected a name of 1..64 letters, digits, "
                        "spaces, '_', '-', '.'")
        return None
    if not isinstance(value, MappingNode):
        problems.append(f"{shown}:{_line(value)}: {category}.{name}: expected keywords: [...] and/or examples: [...]")
        return None
    fields: dict[str, tuple[str, ...]] = {}
    for field_key, field_value in value.value:
        field = str(field_key.value)
        if field not in _FIELDS:
            problems.append(f"{shown}:{_line(field_key)}: {category}.{name}: unknown field {field!r}; "
                            f"expected {' or '.join(_FIELDS)}")
        elif field in fields:
            problems.append(f"{shown}:{_line(field_key)}: {category}.{name}: {field} given twice")
        else:
            fields[field] = _phrases(field_value, shown, f"{category}.{name}.{field}", problems,
                                     keyword=field == "keywords")
    if not fields.get("keywords") and not fields.get("examples"):
        problems.append(f"{shown}:{_line(key)}: {category}.{name}: no keywords and no examples; expected some")
        return None
    return Subcategory(category, name, fields.get("keywords", ()), fields.get("examples", ()))


def parse_dictionary(text: str, shown: str) -> FeedbackDictionary:
    """The dictionary in ``text`` (YAML); :class:`DictionaryError` listing every problem, ``shown`` naming the file."""
    import yaml
    from yaml import MappingNode

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{shown}:{mark.line + 1}" if mark is not None else shown
        raise DictionaryError([f"{where}: not valid YAML ({getattr(error, 'problem', None) or error})"]) from None
    if not isinstance(root, MappingNode) or not root.value:
        line = _line(root) if root is not None else 1
        raise DictionaryError([f"{shown}:{line}: expected a mapping of categories ({', '.join(CATEGORIES)}) "
                               "to subcategories"])
    problems: list[str] = []
    subcategories: list[Subcategory] = []
    seen: dict[tuple[str, str], int] = {}
    for key, value in root.value:
        category = str(key.value)
        if category not in CATEGORIES:
            problems.append(f"{shown}:{_line(key)}: category {category!r}; expected one of {', '.join(CATEGORIES)}")
            continue
        if not isinstance(value, MappingNode) or not value.value:
            problems.append(f"{shown}:{_line(value)}: {category}: expected a mapping of subcategories")
            continue
        for sub_key, sub_value in value.value:
            sub = _subcategory(category, sub_key, sub_value, shown, problems)
            if sub is None:
                continue
            if (category, sub.name) in seen:
                problems.append(f"{shown}:{_line(sub_key)}: {category}.{sub.name} given twice (first at line "
                                f"{seen[(category, sub.name)]})")
                continue
            seen[(category, sub.name)] = _line(sub_key)
            subcategories.append(sub)
    if problems:
        raise DictionaryError(problems)
    return FeedbackDictionary(shown, tuple(subcategories))


def read_dictionary(path: str | Path = DEFAULT_DICTIONARY) -> FeedbackDictionary:
    """The dictionary file at ``path``; :class:`DictionaryError` for a bad or unreadable one."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DictionaryError([f"{path}: cannot be read ({getattr(error, 'strerror', None) or error})"]) from None
    return parse_dictionary(text, str(path))
