"""Ingest files and folders: each file goes to its input kind, with the sidecars found beside it.

Which kind a file is, which sidecars it takes and how it is ingested is the registry's
(:data:`~pipeline.ingest.registry.INPUT_KINDS`), not this module's. A file of no kind, and a
sidecar with nothing beside it to use it, become error records with their bytes in quarantine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.ingest.registry import INPUT_KINDS, expected_inputs, kind_of
from pipeline.settings import Settings
from pipeline.sidecars import SIDECAR_SUFFIXES
from pipeline.store import Store
from pipeline.store.intake import IngestReport, quarantine

_Key = tuple[Path, str]  # a folder and a name without its suffix: what a file and its sidecars share
_ByKind = dict[str, dict[_Key, list[Path]]]  # kind name -> key -> its files of that kind


@dataclass(frozen=True, slots=True)
class InputPlan:
    """What a batch holds: the inputs of each kind by kind name (also ``plan.recordings``, ``plan.chats``,
    ...), and every file that cannot be ingested with why."""

    inputs: Mapping[str, tuple[Any, ...]]
    unusable: tuple[tuple[Path, str], ...]

    def __getattr__(self, name: str) -> tuple[Any, ...]:
        inputs = object.__getattribute__(self, "inputs")
        if name not in inputs:
            raise AttributeError(f"{name!r}: no such input kind; expected one of {sorted(inputs)}")
        return inputs[name]


def _files_under(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith("."))
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def _sorted_files(paths: Iterable[Path]) -> tuple[_ByKind, dict[_Key, dict[str, Path]], list[tuple[Path, str]]]:
    """The files under ``paths`` by kind and key, the sidecars by key and suffix, and the files of no kind."""
    files: _ByKind = {kind.name: {} for kind in INPUT_KINDS}
    sidecars: dict[_Key, dict[str, Path]] = {}
    unusable: list[tuple[Path, str]] = []
    for path in _files_under(paths):
        name = path.name
        sidecar = next((suffix for suffix in SIDECAR_SUFFIXES if name.endswith(suffix)), None)
        if sidecar is not None:
            sidecars.setdefault((path.parent, name.removesuffix(sidecar)), {})[sidecar] = path
            continue
        found = kind_of(path)
        if found is None:
            unusable.append((path, f"{name}: unsupported file type; expected {expected_inputs()}"))
            continue
        kind, suffix = found
        # A kind without sidecars has no use for a shared key: each of its files is one input.
        key = (path.parent, name[: -len(suffix)] if kind.sidecars else name)
        files[kind.name].setdefault(key, []).append(path)
    return files, sidecars, unusable


def plan_inputs(paths: Iterable[Path]) -> InputPlan:
    """Sort files by input kind and pair each with its sidecars; name every file that is none of these.

    The sidecars beside files of several kinds go to the first kind in the registry that takes any.
    """
    files, sidecars, unusable = _sorted_files(paths)
    inputs: dict[str, tuple[Any, ...]] = {}
    owned: set[_Key] = set()
    for kind in INPUT_KINDS:
        items = []
        for key, paths_of_key in files[kind.name].items():
            beside: dict[str, Path] = {}
            if kind.sidecars and key not in owned:
                owned.add(key)
                beside = sidecars.get(key, {})
            taken = {suffix: path for suffix, path in beside.items() if suffix in kind.sidecars}
            items.extend(kind.input_of(path, taken) for path in paths_of_key)
            unusable.extend((path, f"{path.name}: {kind.refused[suffix]}") for suffix, path in beside.items()
                            if suffix in kind.refused)
        inputs[kind.name] = tuple(items)
    nouns = " or ".join(kind.noun for kind in INPUT_KINDS if kind.sidecars)
    for key, orphans in sidecars.items():
        if key not in owned:
            unusable.extend((path, f"{path.name}: no {nouns} named {key[1]}.* beside it") for path in orphans.values())
    return InputPlan(inputs, tuple(unusable))


def ingest_paths(
    store: Store, paths: Sequence[Path], *, settings: Settings | None = None, progress: bool = False
) -> IngestReport:
    """Ingest files and folders (recursively). Raises FileNotFoundError before anything if a path is missing.

    ``settings`` gives chat exports their author roles, time zone and redaction (default: ``Settings()``).
    """
    from tqdm import tqdm

    settings = settings or Settings()
    plan = plan_inputs(paths)
    report = IngestReport()
    for path, message in plan.unusable:
        report.errors.append(quarantine(store, path, stage="ingest", message=message))
    items = [(kind, item) for kind in INPUT_KINDS for item in plan.inputs[kind.name]]
    for kind, item in tqdm(items, desc="ingest", unit="file", disable=not progress, leave=False):
        kind.ingest(store, item, report, settings)
    return report
