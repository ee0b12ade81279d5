"""Ingest survey and consent files: invitations, answers and consent changes into the catalog.

Everything is idempotent: an invitation is keyed by its id, an answer by invitation, customer,
kind and time, a consent change by all its fields, so ingesting a file again adds nothing. Bad
rows become error records naming the file and the line (the file's bytes go to quarantine, with
personal data tagged unless ``keep_unredacted`` or redaction is off); the good rows of the same
file are kept. Free text (an answer's ``text``, a consent change's ``source``) is stored with
personal data tagged when ``pii_redaction`` is on, as chat messages are; ids are kept as given.

A survey row that names no contact is linked to its customer's latest contact that started
within :data:`LINK_WINDOW` before the survey was sent, if the store holds one at ingest time
(ingest calls and chats before the surveys about them). A row's operator and team default to
those of its contact, named or linked. A row naming a contact the store does not hold is a bad row
(ingest the contact, then the file again). :data:`SURVEY_FILES` is the input kind that
:data:`pipeline.ingest.INPUT_KINDS` lists.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from pipeline.jsonlines import LineProblem
from pipeline.personal_data import redacted
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.store.intake import IngestReport, InputKind, keeps_redacted, quarantine, quarantine_problems
from pipeline.surveys.files import SURVEY_FILE_SUFFIXES, SurveyFileError, SurveyRow, parse_survey_file

LINK_WINDOW = timedelta(hours=24)


def linked_rows(store: Store, rows: tuple[SurveyRow, ...], problems: list[LineProblem]) -> list[SurveyRow]:
    """The rows linked to their contacts: the one a row names (for its operator and team, when the row
    has none), else the customer's latest contact that started within LINK_WINDOW before the survey.

    A row naming a contact the store does not hold is left out, a problem in ``problems``."""
    named = {r.invitation.contact_id for r in rows if r.invitation.contact_id is not None}
    known = {contact_id: contact for contact_id in sorted(named) if (contact := store.catalog.get_contact(contact_id))}
    unlinked = {r.invitation.customer_id for r in rows if r.invitation.contact_id is None}
    by_customer = store.catalog.contacts_of(unlinked) if unlinked else {}
    linked = []
    for row in rows:
        invitation = row.invitation
        if invitation.contact_id is not None:
            contact = known.get(invitation.contact_id)
            if contact is None:
                problems.append(LineProblem(row.line, f"contact_id {invitation.contact_id[:32]!r}: no such contact "
                                                      "in the store; ingest the call or chat first, then this file"))
                continue
        else:
            earlier = [c for c in by_customer.get(invitation.customer_id, ()) if c.started_at is not None
                       and invitation.sent_at - LINK_WINDOW <= c.started_at <= invitation.sent_at]
            contact = max(earlier, key=lambda c: c.started_at) if earlier else None
        linked.append(row.linked(contact) if contact is not None else row)
    return linked


def redacted_row(row: SurveyRow) -> SurveyRow:
    """``row`` with personal data tagged in its answers' free text."""
    return replace(row, answers=tuple(replace(a, text=redacted(a.text)) for a in row.answers))


def ingest_survey_file(store: Store, path: Path, report: IngestReport, settings: Settings | None = None) -> None:
    """Ingest one ``.surveys.*`` or ``.consents.*`` file, adding what happened to ``report``.

    ``settings`` say whether personal data is tagged (default: ``Settings()``)."""
    settings = settings or Settings()
    try:
        parsed = parse_survey_file(path.name, path.read_bytes())
    except SurveyFileError as error:
        report.errors.append(quarantine(store, path, stage="ingest", message=str(error),
                                        redact_pii=keeps_redacted(settings)))
        return
    problems = list(parsed.problems)
    rows, consents = linked_rows(store, parsed.rows, problems), list(parsed.consents)
    quarantine_problems(store, path, sorted(problems, key=lambda p: p.line), report,
                        redact_pii=keeps_redacted(settings))
    if settings.pii_redaction:
        rows, consents = [redacted_row(r) for r in rows], [replace(c, source=redacted(c.source)) for c in consents]
    catalog = store.catalog
    added = {
        "survey_invitations": catalog.add_survey_invitations(r.invitation for r in rows),
        "survey_answers": catalog.add_survey_answers(a for r in rows for a in r.answers),
        "consent_changes": catalog.add_consent_changes(
            [*consents, *(r.withdrawal for r in rows if r.withdrawal is not None)]),
    }
    for kind, count in added.items():
        report.added[kind] = report.added.get(kind, 0) + count


SURVEY_FILES = InputKind(
    name="surveys",
    noun="survey or consent file",
    expected=f"a survey or consent file ({', '.join(SURVEY_FILE_SUFFIXES)})",
    suffixes=SURVEY_FILE_SUFFIXES,
    input_of=lambda path, sidecars: path,
    ingest=ingest_survey_file,
    personal_text=True,
)
