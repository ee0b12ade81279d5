"""Edit distance on words: known answers, the limits that keep short words exact, bad input refused."""

from __future__ import annotations

import doctest

import pytest

import pipeline.text.fuzzy as fuzzy
import pipeline.text.lemmas as lemmas
import pipeline.text.phrases as phrases
from pipeline.text.fuzzy import edit_distance, phrase_close, word_edits


@pytest.mark.parametrize("module", [fuzzy, phrases, lemmas])
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("", "", 0), ("", "abc", 3), ("abc", "", 3), ("kitten", "sitting", 3), ("flaw", "lawn", 2),
    ("здравствуйте", "здраствуйте", 1), ("день", "ден", 1), ("good", "go", 2), ("same", "same", 0),
])
def test_edit_distance_known_answers(a, b, distance):
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance


def test_edit_distance_limit_caps_the_answer():
    assert edit_distance("kitten", "sitting", limit=1) == 2
    assert edit_distance("kitten", "sitting", limit=3) == 3
    assert edit_distance("a", "abcdef", limit=2) == 3   # the length difference alone exceeds it


@pytest.mark.parametrize(("heard", "wanted", "edits"), [
    ("good", "good", 0), ("go", "good", 2), ("ден", "день", 1), ("afternon", "afternoon", 1),
    ("свидание", "свидания", 1), ("спосибо", "спасибо", 1), ("goodby", "goodbye", 1),
    ("hold", "holds", 1), ("mourning", "morning", 1), ("здраствуйте", "здравствуйте", 1),
    ("way", "day", None), ("i", "hi", None), ("дед", "день", None), ("g", "good", None), ("", "good", None),
    ("gold", "good", 1), ("goal", "good", None), ("доброва", "доброго", None), ("зравствуте", "здравствуйте", 2),
])
def test_word_edits(heard, wanted, edits):
    assert word_edits(heard, wanted) == edits


def test_phrase_close_counts_letters_over_the_whole_phrase():
    good_afternoon = [["good"], ["afternoon"]]
    assert phrase_close([["go"], ["afternoon"]], good_afternoon, 0.2)        # 2 of 13 letters
    assert not phrase_close([["go"], ["afternoon"]], good_afternoon, 0.1)
    assert not phrase_close([["go"], ["afternon"]], good_afternoon, 0.2)     # 3 of 13 letters: 0.23
    assert phrase_close([["hello"]], [["hello"]], 0.0)
    assert not phrase_close([["hell"]], [["hello"]], 0.4)                    # under 6 letters: exact only
    # each word takes the closer of its pairs (lemma to lemma, word to word)
    assert phrase_close([["здраствовать", "здраствуйте"]], [["здравствовать", "здравствуйте"]], 0.1)


def test_phrase_close_refuses_mismatched_input():
    with pytest.raises(ValueError, match="expected as many heard as wanted"):
        phrase_close([["a"]], [["a"], ["b"]], 0.2)
    with pytest.raises(ValueError, match="0 <= threshold < 1"):
        phrase_close([["a"]], [["a"]], 1.5)
