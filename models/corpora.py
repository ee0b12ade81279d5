"""Where the training data lives, and the USS corpus that both the sentiment and the CSI training read.

USS (Sun et al., SIGIR 2021): English task dialogues (MWOZ, SGD, ReDial, CCPE), each user turn
rated for satisfaction (1-5) by several annotators, and each dialogue rated as a whole on its
``USER OVERALL`` line. One file per source: tab-separated role, text, action, ratings; a blank
line between dialogues.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_USS = SHARED_DATA / "text" / "uss_satisfaction"
USS_SOURCES = ("MWOZ", "SGD", "ReDial", "CCPE")


def shared_data_name(path: Path) -> str:
    """``path`` relative to ``../shared/data`` when it lies there (as a card records it), else absolute."""
    try:
        return path.resolve().relative_to(SHARED_DATA.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


@dataclass(frozen=True, slots=True)
class UssTurn:
    role: str                  # "USER" | "SYSTEM"
    text: str
    ratings: tuple[int, ...]   # 1-5 satisfaction from each annotator; empty for SYSTEM turns


@dataclass(frozen=True, slots=True)
class UssDialogue:
    source: str                # "MWOZ" | "SGD" | "ReDial" | "CCPE"
    index: int                 # position in its file, from 0
    turns: tuple[UssTurn, ...]
    overall: tuple[int, ...]   # the dialogue-level ratings (the "USER OVERALL" line)

    @property
    def satisfaction(self) -> float:
        """Mean of the annotators' dialogue-level ratings, 1-5."""
        return float(np.mean(self.overall))


def read_uss(path: str | Path) -> list[UssDialogue]:
    """Dialogues of one USS file (``MWOZ.txt`` ...): tab-separated role, text, action, ratings; blank lines between."""
    path = Path(path)
    dialogues, turns, overall = [], [], None

    def close() -> None:
        nonlocal turns, overall
        if turns or overall is not None:
            if overall is None:
                raise ValueError(f"{path}: dialogue {len(dialogues)} has no 'USER OVERALL' line")
            dialogues.append(UssDialogue(path.stem, len(dialogues), tuple(turns), overall))
        turns, overall = [], None

    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            close()
            continue
        parts = line.split("\t")
        if len(parts) < 3 or parts[0] not in ("USER", "SYSTEM"):
            raise ValueError(f"{path}:{number}: {line[:60]!r}; expected ROLE<TAB>TEXT<TAB>ACTION[<TAB>RATINGS]")
        ratings = tuple(int(r) for r in (parts[3] if len(parts) > 3 else "").split(",") if r.strip())
        if parts[0] == "USER" and not ratings:
            raise ValueError(f"{path}:{number}: USER line without ratings; expected e.g. 3,3,4")
        if parts[0] == "USER" and parts[1] == "OVERALL":
            overall = ratings
        else:
            turns.append(UssTurn(parts[0], parts[1], ratings))
    close()
    return dialogues


def read_uss_dir(folder: str | Path, sources: Sequence[str] = USS_SOURCES) -> list[UssDialogue]:
    return [d for source in sources for d in read_uss(Path(folder) / f"{source}.txt")]
