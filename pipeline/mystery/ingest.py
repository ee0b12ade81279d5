"""Mystery shopper files as evaluations: shared by ``cxmon mystery import`` and ``cxmon ingest``.

:func:`file_evaluations` reads a file and checks each row against the site's checklists.
:data:`MYSTERY_FILES` is the input kind the ingest registry lists: as with survey files, a bad row
there is an error record naming the file and line (the file kept in quarantine) and the good rows are
stored; ingesting the file again replaces what it stored. (``cxmon mystery import`` instead refuses a
file with any bad row.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pipeline.checklists.forms import Checklist
from pipeline.jsonlines import LineProblem
from pipeline.mystery.evaluation import MysteryError, MysteryEvaluation, evaluation_of
from pipeline.mystery.files import SUFFIXES, MysteryFileError, file_kind, read_mystery_file
from pipeline.mystery.store import put_evaluations
from pipeline.records import Contact
from pipeline.settings import Settings
from pipeline.store.intake import IngestReport, InputKind, keeps_redacted, quarantine_problems

if TYPE_CHECKING:
    from pipeline.store import Store


def file_evaluations(name: str, data: bytes, checklists: Mapping[str, Checklist], *, tz: tzinfo,
                     contact_of: Callable[[str], Contact | None]) -> tuple[list[MysteryEvaluation], list[LineProblem]]:
    """The evaluations of a file's good rows and a problem per bad row (line order). ``name``: the file's
    name, which says its format and is stored as the evaluations' source. MysteryFileError for a file
    that cannot be read at all."""
    rows, problems = read_mystery_file(data, kind=file_kind(name))
    evaluations: list[MysteryEvaluation] = []
    seen: dict[str, int] = {}
    for line, fields, answers in rows:
        try:
            evaluation = evaluation_of(fields, answers, checklists, tz=tz, contact_of=contact_of, source=name)
        except MysteryError as error:
            problems.append(LineProblem(line, str(error)))
            continue
        if evaluation.evaluation_id in seen:
            problems.append(LineProblem(line, f"the same evaluation as line {seen[evaluation.evaluation_id]} (same "
                                              "id, or the same shopper, operator, contact, time and checklist); "
                                              "expected each once"))
            continue
        seen[evaluation.evaluation_id] = line
        evaluations.append(evaluation)
    return evaluations, sorted(problems, key=lambda p: p.line)


def ingest_mystery_file(store: Store, path: Path, report: IngestReport, settings: Settings | None = None) -> None:
    """Ingest one mystery shopper file, adding what happened to ``report``."""
    from pipeline.checklists.schema import ChecklistError
    from pipeline.checklists.stage import configured_checklists

    settings = settings or Settings()
    try:
        checklists = {c.id: c for c in configured_checklists(settings)}
        evaluations, problems = file_evaluations(path.name, path.read_bytes(), checklists,
                                                 tz=ZoneInfo(settings.timezone), contact_of=store.catalog.get_contact)
    except ChecklistError as error:
        evaluations, problems = [], [LineProblem(0, f"the site's checklists cannot be read: {error.problems[0]}")]
    except MysteryFileError as error:
        evaluations, problems = [], [LineProblem(0, str(error))]
    quarantine_problems(store, path, problems, report, redact_pii=keeps_redacted(settings))
    if evaluations:
        put_evaluations(store.catalog.engine, evaluations, replace_source=path.name)
        report.added["mystery_evaluations"] = report.added.get("mystery_evaluations", 0) + len(evaluations)


MYSTERY_FILES = InputKind(
    name="mystery shopper files",
    noun="mystery shopper file",
    expected=f"a mystery shopper file ({', '.join(SUFFIXES)})",
    suffixes=SUFFIXES,
    input_of=lambda path, sidecars: path,
    ingest=ingest_mystery_file,
    personal_text=True,
)
