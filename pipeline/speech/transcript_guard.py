"""What Whisper writes that nobody said: repetition loops and the captions of non-speech.

Whisper learnt from subtitled video, so over silence, tones and music it writes what subtitles
say there ("Продолжение следует...", "Субтитры сделал DimaTorzok", "ТЕЛЕФОННЫЙ ЗВОНОК", "Thanks
for watching"), and once it has written a phrase it may write it again and again ("сама -сама
-сама ..."). Two pure functions on the words it returned cut both; `pipeline.speech.asr` applies
them, with Silero VAD's speech probability as the judge of what lies under a caption.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from features.wer import normalized_words
from pipeline.records import Word

# Captions as `normalized_words` writes them. ``True``: the caption runs on to the end of its
# segment (a name follows: "Субтитры сделал DimaTorzok", "Редактор субтитров А.Синецкая Корректор
# А.Егорова"). They are dropped only where the audio under them is not speech, so a caller who
# really says "телефонный звонок" keeps the words.
CAPTIONS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("продолжение", "следует"), False),
    (("субтитры",), True),
    (("редактор", "субтитров"), True),
    (("корректор", "а", "егорова"), False),
    (("dimatorzok",), True),
    (("телефонный", "звонок"), False),
    (("спасибо", "за", "просмотр"), False),
    (("подписывайтесь", "на", "канал"), True),
    (("ставьте", "лайки"), True),
    (("динамичная", "музыка"), False),
    (("спокойная", "музыка"), False),
    (("веселая", "музыка"), False),
    (("грустная", "музыка"), False),
    (("тревожная", "музыка"), False),
    (("музыкальная", "заставка"), False),
    (("музыка",), False),
    (("аплодисменты",), False),
    (("thanks", "for", "watching"), False),
    (("thank", "you", "for", "watching"), False),
    (("please", "subscribe"), True),
    (("subtitles", "by"), True),
    (("music",), False),
    (("applause",), False),
)
MIN_SPEECH_PROBABILITY = 0.5
MAX_WORD_COPIES = 3
MAX_PHRASE_COPIES = 2
MAX_PHRASE_WORDS = 8


def caption_ranges(segment: Sequence[Word]) -> list[tuple[int, int]]:
    """``[first, past_last)`` word ranges of one Whisper segment that read as a known caption.

    A caption is a run of words whose normalized tokens spell an entry of `CAPTIONS`, starting
    at a word boundary; entries that name their author run to the end of the segment. Ranges are
    sorted and do not overlap.

    >>> words = [Word(t, 0.0, 1.0) for t in ("Спасибо.", "Продолжение", "следует...")]
    >>> caption_ranges(words)
    [(1, 3)]
    >>> caption_ranges([Word("Субтитры", 0.0, 1.0), Word("сделал", 1.0, 1.5), Word("DimaTorzok", 1.5, 2.0)])
    [(0, 3)]
    """
    tokens: list[str] = []
    owner: list[int] = []  # the word each token comes from
    starts: dict[int, int] = {}  # token index -> word index, for tokens that begin a word
    for index, word in enumerate(segment):
        starts[len(tokens)] = index
        for token in normalized_words(word.text):
            tokens.append(token)
            owner.append(index)
    found: list[tuple[int, int]] = []
    position = 0
    while position < len(tokens):
        match = _caption_at(tokens, position) if position in starts else None
        if match is None:
            position += 1
            continue
        length, to_end = match
        first = starts[position]
        past_last = len(segment) if to_end else owner[position + length - 1] + 1
        found.append((first, past_last))
        position = len(tokens) if to_end else position + length
        while position < len(tokens) and owner[position] < past_last:
            position += 1
    return found


def without_captions(
    segments: Sequence[Sequence[Word]],
    speech_probability: Callable[[float, float], float],
    *,
    min_speech_probability: float = MIN_SPEECH_PROBABILITY,
) -> list[Word]:
    """The words of the segments, in order, less the captions (`caption_ranges`) not over speech.

    Parameters
    ----------
    segments
        Whisper's segments, each a list of its words.
    speech_probability
        ``(start_s, end_s) -> p``: how likely the audio there is speech, 0..1 (the mean Silero
        VAD probability); asked only about captions, so it may compute lazily.
    min_speech_probability
        A caption under which the probability is below this is dropped.

    >>> segments = [[Word("Алло", 0.0, 0.4)], [Word("ТЕЛЕФОННЫЙ", 1.0, 1.6), Word("ЗВОНОК", 1.6, 2.0)]]
    >>> [w.text for w in without_captions(segments, lambda start_s, end_s: 0.02)]
    ['Алло']
    >>> [w.text for w in without_captions(segments, lambda start_s, end_s: 0.9)]
    ['Алло', 'ТЕЛЕФОННЫЙ', 'ЗВОНОК']
    """
    if not 0.0 <= min_speech_probability <= 1.0:
        raise ValueError(f"min_speech_probability={min_speech_probability!r}; expected 0..1")
    kept: list[Word] = []
    for segment in segments:
        dropped: set[int] = set()
        for first, past_last in caption_ranges(segment):
            start_s, end_s = segment[first].start_s, max(w.end_s for w in segment[first:past_last])
            if speech_probability(start_s, end_s) < min_speech_probability:
                dropped.update(range(first, past_last))
        kept += [word for index, word in enumerate(segment) if index not in dropped]
    return kept


def without_repetition_runs(
    words: Sequence[Word],
    *,
    max_word_copies: int = MAX_WORD_COPIES,
    max_phrase_copies: int = MAX_PHRASE_COPIES,
    max_phrase_words: int = MAX_PHRASE_WORDS,
) -> list[Word]:
    """``words`` with every run of back-to-back copies of one n-gram cut to its first copy.

    A run is cut when it holds more than ``max_word_copies`` copies of one word ("сама -сама
    -сама -сама") or more than ``max_phrase_copies`` copies of a phrase of 2 to
    ``max_phrase_words`` words. Words compare as `normalized_words` reads them (case and
    punctuation aside). Where runs of several lengths start at a word, the one covering the
    most words is cut. People do say "да, да, да" and "Hello? Hello?": those stay.

    >>> heard = [Word(t, i * 0.5, i * 0.5 + 0.4) for i, t in enumerate("Сама -сама -сама -сама. Да, да, да.".split())]
    >>> [w.text for w in without_repetition_runs(heard)]
    ['Сама', 'Да,', 'да,', 'да.']
    >>> loop = [Word(t, i * 0.5, i * 0.5 + 0.4) for i, t in enumerate("so what so what so what can I say".split())]
    >>> [w.text for w in without_repetition_runs(loop)]
    ['so', 'what', 'can', 'I', 'say']
    """
    for name, value, low in (("max_word_copies", max_word_copies, 1), ("max_phrase_copies", max_phrase_copies, 1),
                             ("max_phrase_words", max_phrase_words, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name}={value!r}; expected an integer >= {low}")
    keys = [tuple(normalized_words(w.text)) for w in words]
    kept: list[Word] = []
    i = 0
    while i < len(words):
        best_n, best_copies = 0, 0
        for n in range(1, max_phrase_words + 1):
            if i + n > len(words):
                break
            copies = 1
            while keys[i + copies * n : i + (copies + 1) * n] == keys[i : i + n]:
                copies += 1
            allowed = max_word_copies if n == 1 else max_phrase_copies
            if copies > allowed and n * copies > best_n * best_copies:
                best_n, best_copies = n, copies
        if best_n:
            kept += words[i : i + best_n]
            i += best_n * best_copies
        else:
            kept.append(words[i])
            i += 1
    return kept


def _caption_at(tokens: list[str], position: int) -> tuple[int, bool] | None:
    """(token count, runs to the segment's end) of the longest caption starting at ``position``."""
    best: tuple[int, bool] | None = None
    for caption, to_end in CAPTIONS:
        if tuple(tokens[position : position + len(caption)]) == caption and (best is None or len(caption) > best[0]):
            best = (len(caption), to_end)
    return best
