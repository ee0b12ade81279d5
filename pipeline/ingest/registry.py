"""The kinds of input ingest takes, in the order a batch ingests them.

Each capability defines its :class:`~pipeline.store.intake.InputKind` beside its own ingest code;
adding a kind is one new module and one line here. Surveys come last, so that a survey row can be
linked to a contact ingested in the same batch.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.calls.ingest import RECORDINGS
from pipeline.campaigns.ingest import CRM_FILES
from pipeline.chats.ingest import CHAT_EXPORTS
from pipeline.desk.sellers import SALES_FILES
from pipeline.desk.video import DESK_BUTTON_LOGS, DESK_VIDEOS
from pipeline.devices.files import DEVICE_FILES
from pipeline.mystery.ingest import MYSTERY_FILES
from pipeline.store.intake import InputKind
from pipeline.surveys.ingest import SURVEY_FILES
from pipeline.value.ingest import VALUE_FILES

INPUT_KINDS: tuple[InputKind, ...] = (
    RECORDINGS,
    CHAT_EXPORTS,
    DESK_VIDEOS,
    DESK_BUTTON_LOGS,
    SURVEY_FILES,
    DEVICE_FILES,
    SALES_FILES,
    CRM_FILES,
    VALUE_FILES,
    MYSTERY_FILES,  # after the contacts: an evaluation may name a contact of the same batch
)


def kind_of(path: Path) -> tuple[InputKind, str] | None:
    """The kind of the file at ``path`` and the suffix that tells it (the longest of any kind's), or None."""
    found = [(kind, suffix) for kind in INPUT_KINDS if (suffix := kind.suffix_of(path.name)) is not None]
    return max(found, key=lambda pair: len(pair[1]), default=None)


def expected_inputs() -> str:
    """What a file should have been, for a message about one that is none of the kinds."""
    return ", or ".join(kind.expected for kind in INPUT_KINDS)
