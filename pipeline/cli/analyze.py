"""``cxmon analyze PATH``: one call, chat export or desk video ingested and processed in this process, results
for a person."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from pipeline.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, load_settings, print_json
from pipeline.cli.contacts_view import format_turns, turn_annotations, turn_document
from pipeline.personal_data import redacted_name
from pipeline.settings import Settings
from pipeline.sidecars import EVENTS_SUFFIX, META_SUFFIX
from pipeline.stages import process_contact
from pipeline.tables import table

MAX_SPEAKERS = 20
"""The most voices ``--speakers`` names (a call with more is a meeting, not a contact)."""


@dataclass
class AnalyzeResult:
    document: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    bad_input: str | None = None
    failed: bool = False


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--events", "events_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Telephony events (default: NAME.events.json beside the recording, if any).")
@click.option("--meta", "meta_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Call or chat metadata (default: NAME.meta.json beside the file, if any).")
@click.option("--language", type=click.Choice(["ru", "en"]),
              help="Language unless the meta sidecar names one (default: settings for calls, guessed from the letters for chats).")
@click.option("--speakers", metavar="N|auto",
              help=f"Voices in a mono call, 1..{MAX_SPEAKERS}, or auto to estimate (default: the speakers setting).")
@click.option("--buttons", "buttons_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A desk video's button log (default: NAME.buttons.jsonl beside the video, if any).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def analyze(path: Path, events_path: Path | None, meta_path: Path | None, language: str | None,
            speakers: str | None, buttons_path: Path | None, as_json: bool) -> None:
    """Ingest and process one call, chat export or desk video here and now; print its transcript, messages or
    visits, and features."""
    from pipeline.chats.formats import CHAT_SUFFIXES
    from pipeline.desk.video import VIDEO_SUFFIXES

    settings = load_settings()
    if path.suffix.lower() in VIDEO_SUFFIXES:
        if events_path or language or speakers is not None:
            raise BadInput(f"{path.name} is a desk video; --events, --language and --speakers are for calls and chats")
        analyze_desk_video(settings, path, buttons_path=buttons_path, meta_path=meta_path, as_json=as_json)
        return
    if buttons_path:
        raise BadInput(f"{path.name} is no desk video ({', '.join(VIDEO_SUFFIXES)}); --buttons is for desk videos")
    if language:
        settings = settings.model_copy(update={"language": language})
    if speakers is not None:
        settings = settings.model_copy(update={"speakers": speaker_count(speakers)})
    if path.suffix.lower() in CHAT_SUFFIXES:
        if events_path:
            raise click.UsageError(f"{path.name} is a chat export; --events is for calls")
        result = analyze_chat(settings, path, meta_path=meta_path, language=language)
    else:
        result = analyze_call(settings, path, events_path=events_path, meta_path=meta_path,
                              speakers_given=speakers is not None)
    if result.bad_input:
        raise click.UsageError(result.bad_input)
    if as_json:
        print_json(result.document)
    else:
        click.echo(result.text)
    if result.failed:
        sys.exit(EXIT_FAILED)


class BadInput(click.ClickException):
    """Input that cannot be used: one ``Error:`` line on stderr, exit status 2 (no usage text)."""

    exit_code = EXIT_BAD_INPUT


def analyze_desk_video(settings: Settings, path: Path, *, buttons_path: Path | None, meta_path: Path | None,
                       as_json: bool) -> None:
    """``cxmon analyze VIDEO``: its visits (JSON: the contract of :mod:`pipeline.desk.analyze`)."""
    from pipeline.desk.analyze import DeskInputError, analyze_video, video_text

    try:
        document = analyze_video(settings, path, buttons_path=buttons_path, meta_path=meta_path,
                                 process=process_contact)
    except DeskInputError as error:
        raise BadInput(str(error)) from None
    if as_json:
        print_json(document)
    else:
        click.echo(video_text(document, redacted_name(path.name)))
    if document["problems"]:
        sys.exit(EXIT_FAILED)


def speaker_count(text: str) -> int | None:
    """``--speakers``: a whole number 1..MAX_SPEAKERS, or ``auto`` (None: the diarizer estimates the count).

    >>> speaker_count("3"), speaker_count("auto")
    (3, None)
    """
    if text.strip().lower() == "auto":
        return None
    if text.strip().isascii() and text.strip().isdigit() and len(text.strip()) <= 3 \
            and 1 <= int(text) <= MAX_SPEAKERS:
        return int(text)
    raise click.UsageError(f"--speakers {text!r}: expected a whole number 1..{MAX_SPEAKERS}, or auto")


def _beside(path: Path, suffix: str) -> Path | None:
    candidate = path.with_name(path.stem + suffix)
    return candidate if candidate.is_file() else None


def _feature_table(features: dict[str, Any]) -> str:
    return table([[k, f"{v:.2f}" if isinstance(v, float) else v] for k, v in features.items()], ["feature", "value"])


def analyze_call(settings: Settings, path: Path, *, events_path: Path | None, meta_path: Path | None,
                 speakers_given: bool = False) -> AnalyzeResult:
    """Ingest and process the recording at ``path`` (with its sidecars); its transcript and call features.
    A recording whose call stage ran before keeps its stored results (``speakers_given`` adds a note)."""
    from pipeline.calls.ingest import RecordingInput, ingest_recording
    from pipeline.store import open_store
    from pipeline.store.intake import IngestReport

    store = open_store(settings)
    item = RecordingInput(path, events=events_path or _beside(path, EVENTS_SUFFIX),
                          meta=meta_path or _beside(path, META_SUFFIX))
    report = IngestReport()
    ingest_recording(store, item, report)
    contact_ids = report.new + report.existing
    if not contact_ids:
        return AnalyzeResult(bad_input=report.errors[0].message)
    contact_id = contact_ids[0]
    outcomes = process_contact(store, contact_id, settings)
    transcript = store.catalog.transcript(contact_id)
    features = {fs.name: dict(fs.values) for fs in store.catalog.feature_sets(contact_id)}
    problems = [e.message for e in report.errors] + [o.error for o in outcomes if not o.ok]
    problems += [e.message for e in store.catalog.errors(contact_id) if e.message not in problems]
    turns = [turn_document(t) for t in transcript.turns] if transcript else []
    document = {"contact_id": contact_id, "features": features.get("call", {}), "turns": turns,
                "problems": problems}
    lines = [f"contact {contact_id}  {path.name}  ({len(turns)} turns)"]
    lines += format_turns(turns)
    if features.get("call"):
        lines += ["", _feature_table(features["call"])]
    lines += [f"! {p}" for p in problems]
    if speakers_given and not any(o.stage == "call" for o in outcomes):
        note = "this recording was analysed before; its stored turns are shown, --speakers did not apply"
        lines.append(f"note: {note}")
        document["notes"] = [note]
    failed = any(not o.ok for o in outcomes) or not features.get("call")
    return AnalyzeResult(document=document, text="\n".join(lines), failed=failed)


def analyze_chat(settings: Settings, path: Path, *, meta_path: Path | None, language: str | None = None) -> AnalyzeResult:
    """Ingest and process every chat in ``path``; the document holds the first chat (the file's only one, usually)."""
    from pipeline.chats.ingest import ChatInput, ingest_chat
    from pipeline.chats.stage import stored_messages
    from pipeline.store import open_store
    from pipeline.store.intake import IngestReport

    store = open_store(settings)
    beside = path.with_name(path.stem + META_SUFFIX)
    report = IngestReport()
    ingest_chat(store, ChatInput(path, meta=meta_path or (beside if beside.is_file() else None)), report, settings,
                language=language)
    contact_ids = report.new + report.existing
    if not contact_ids:
        return AnalyzeResult(bad_input=report.errors[0].message if report.errors else f"{path.name}: no messages")
    outcomes = [o for contact_id in contact_ids for o in process_contact(store, contact_id, settings)]
    problems = [e.message for e in report.errors] + [o.error for o in outcomes if not o.ok]
    documents, lines = [], []
    for contact_id in contact_ids:
        contact = store.catalog.get_contact(contact_id)
        features = {fs.name: dict(fs.values) for fs in store.catalog.feature_sets(contact_id)}.get("chat", {})
        transcript = store.catalog.transcript(contact_id)
        turns = transcript.turns if transcript else ()
        messages = [
            {"ts": m.sent_at.isoformat(), "t_s": t.start_s, "role": m.role, "author": m.author, "text": m.text,
             "sentiment": t.sentiment, "tags": list(t.tags)}
            for m, t in zip(stored_messages(store, contact), turns)
        ]
        documents.append({"contact_id": contact_id, "features": features, "messages": messages})
        lines.append(f"contact {contact_id}  {redacted_name(Path(contact.source).name)}  ({len(messages)} messages, {contact.language})")
        lines += [f"  {m['ts'][11:19]}  {m['role']:<8}  {' '.join(m['text'].split())}{turn_annotations(m)}"
                  for m in messages]
        if features:
            lines += ["", _feature_table(features), ""]
    lines += [f"! {p}" for p in problems]
    document = {**documents[0], "problems": problems}
    if len(documents) > 1:
        document["chats"] = documents
    failed = any(not o.ok for o in outcomes) or not all(d["features"] for d in documents)
    return AnalyzeResult(document=document, text="\n".join(lines), failed=failed)
