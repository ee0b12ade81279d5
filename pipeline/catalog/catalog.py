"""The record half of the store: SQLite by default, PostgreSQL by URL, through SQLAlchemy 2."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from pipeline.catalog import migrate
from pipeline.catalog.alarms import AlarmRecords
from pipeline.catalog.checklists import ChecklistRecords
from pipeline.catalog.coaching import CoachingRecords
from pipeline.catalog.complaints import DeskRecords
import pipeline.catalog.employees_schema  # noqa: F401  (employee_answers, migration 0015)
import pipeline.catalog.campaigns_schema  # noqa: F401  (crm_events, campaign_*, migration 0016)
import pipeline.catalog.mystery_schema  # noqa: F401  (mystery_evaluations, migration 0017)
import pipeline.catalog.value_schema  # noqa: F401  (customer_values, survey_answers.kind widened, migration 0018)
import pipeline.catalog.feedback_schema  # noqa: F401  (feedback_items, migration 0019)
from pipeline.catalog.contact_text import write_contact_text
from pipeline.catalog.devices import DeviceRecords
from pipeline.catalog.erasure import ErasureRecords
from pipeline.catalog.pickup import PickupRecords
from pipeline.catalog.reviews import ReviewRecords
from pipeline.catalog.schema import contacts, errors, feature_sets, scores, stage_runs, telephony_events, transcripts
from pipeline.catalog.sql import batches, utc as _utc
from pipeline.catalog.surveys import SurveyRecords
from pipeline.catalog.users import UserRecords
from pipeline.catalog.work import WorkRecords
from pipeline.records import Contact, ErrorRecord, FeatureSet, Score, TelephonyEvent, Transcript, Turn, Word
from pipeline.masking import masked_url


def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 60})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            # WAL lets the CLI read while the process flow writes from several threads.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


class Catalog(SurveyRecords, ChecklistRecords, ReviewRecords, AlarmRecords, WorkRecords, DeviceRecords, DeskRecords,
              UserRecords, CoachingRecords, PickupRecords, ErasureRecords):
    """Contacts, their events, stage results, error records, surveys and consent, checklists, reviews,
    alarms, who works on what and desk device events, in one SQL database (the last six in the mixins of
    their own modules)."""

    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        if url.startswith("sqlite:///"):
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.engine = _engine(url)
        if upgrade:
            migrate.upgrade(self.engine)

    def __repr__(self) -> str:
        return f"Catalog({masked_url(self.engine.url.render_as_string(hide_password=False))!r})"

    def close(self) -> None:
        self.engine.dispose()

    # contacts ---------------------------------------------------------------------------

    def add_contact(self, contact: Contact, events: Sequence[TelephonyEvent] = ()) -> bool:
        """Insert the contact and its events; False (and nothing written) if it is there already."""
        row = {
            "contact_id": contact.contact_id,
            "channel": contact.channel,
            "source": contact.source,
            "object_key": contact.object_key,
            "started_at": _utc(contact.started_at),
            "operator_id": contact.operator_id,
            "customer_id": contact.customer_id,
            "team": contact.team,
            "channel_map": dict(contact.channel_map),
            "ingested_at": _utc(contact.ingested_at) or datetime.now(UTC),
            "language": contact.language,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(contacts.insert().values(row))
                if events:
                    conn.execute(
                        telephony_events.insert(),
                        [
                            {"contact_id": contact.contact_id, "seq": seq, "type": e.type, "t_s": e.t_s,
                             "agent_id": e.agent_id, "exit": e.exit, "extra": dict(e.extra) or None}
                            for seq, e in enumerate(events)
                        ],
                    )
        except sa.exc.IntegrityError:
            if self.get_contact(contact.contact_id) is None:
                raise
            return False
        return True

    @staticmethod
    def _contact(row: sa.Row) -> Contact:
        return Contact(
            contact_id=row.contact_id,
            channel=row.channel,
            source=row.source,
            object_key=row.object_key,
            started_at=_utc(row.started_at),
            operator_id=row.operator_id,
            customer_id=row.customer_id,
            team=row.team,
            channel_map=row.channel_map,
            ingested_at=_utc(row.ingested_at),
            language=row.language,
        )

    def get_contact(self, contact_id: str) -> Contact | None:
        with self.engine.connect() as conn:
            row = conn.execute(contacts.select().where(contacts.c.contact_id == contact_id)).first()
        return self._contact(row) if row else None

    def find_contacts(self, id_prefix: str) -> list[Contact]:
        """Contacts whose id starts with ``id_prefix`` (users type short ids, like git)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                contacts.select().where(contacts.c.contact_id.startswith(id_prefix, autoescape=True))
            ).all()
        return [self._contact(r) for r in rows]

    def contacts(self) -> list[Contact]:
        with self.engine.connect() as conn:
            rows = conn.execute(contacts.select().order_by(contacts.c.ingested_at, contacts.c.contact_id)).all()
        return [self._contact(r) for r in rows]

    def contacts_of(self, customer_ids: Iterable[str]) -> dict[str, list[Contact]]:
        """``{customer_id: [contacts, by started_at]}`` for the customers named that have any contact."""
        found: dict[str, list[Contact]] = {}
        with self.engine.connect() as conn:
            for chunk in batches(customer_ids):
                rows = conn.execute(contacts.select().where(contacts.c.customer_id.in_(chunk))
                                    .order_by(contacts.c.started_at, contacts.c.contact_id)).all()
                for row in rows:
                    found.setdefault(row.customer_id, []).append(self._contact(row))
        return found

    def events(self, contact_id: str) -> list[TelephonyEvent]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                telephony_events.select()
                .where(telephony_events.c.contact_id == contact_id)
                .order_by(telephony_events.c.seq)
            ).all()
        return [TelephonyEvent(type=r.type, t_s=r.t_s, agent_id=r.agent_id, exit=r.exit, extra=r.extra or {})
                for r in rows]

    # errors -----------------------------------------------------------------------------

    def add_error(self, error: ErrorRecord) -> bool:
        """Insert the error record; False if one with the same id is there already."""
        row = {
            "error_id": error.error_id,
            "source": error.source,
            "stage": error.stage,
            "message": error.message,
            "created_at": _utc(error.created_at),
            "quarantine_key": error.quarantine_key,
            "contact_id": error.contact_id,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(errors.insert().values(row))
        except sa.exc.IntegrityError:
            return False
        return True

    def errors(self, contact_id: str | None = None) -> list[ErrorRecord]:
        query = errors.select().order_by(errors.c.created_at, errors.c.error_id)
        if contact_id is not None:
            query = query.where(errors.c.contact_id == contact_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            ErrorRecord(
                error_id=r.error_id, source=r.source, stage=r.stage, message=r.message,
                created_at=_utc(r.created_at), quarantine_key=r.quarantine_key, contact_id=r.contact_id,
            )
            for r in rows
        ]

    # stage results ----------------------------------------------------------------------

    def put_feature_set(self, features: FeatureSet) -> None:
        """Insert or replace the feature set ``features.name`` of its contact."""
        key = (feature_sets.c.contact_id == features.contact_id) & (feature_sets.c.name == features.name)
        with self.engine.begin() as conn:
            conn.execute(feature_sets.delete().where(key))
            conn.execute(
                feature_sets.insert().values(
                    contact_id=features.contact_id, name=features.name, version=features.version,
                    values=dict(features.values), computed_at=datetime.now(UTC),
                )
            )

    def put_score(self, score: Score) -> None:
        """Insert or replace the contact's score ``score.name`` from ``score.source``."""
        key = ((scores.c.contact_id == score.contact_id) & (scores.c.name == score.name)
               & (scores.c.source == score.source))
        with self.engine.begin() as conn:
            conn.execute(scores.delete().where(key))
            conn.execute(scores.insert().values(
                contact_id=score.contact_id, name=score.name, source=score.source, value=score.value,
                reasons=dict(score.reasons), computed_at=datetime.now(UTC),
            ))

    def scores(self, contact_id: str | None = None, *, name: str | None = None) -> list[Score]:
        """Scores of one contact (or of all), optionally only those called ``name``."""
        query = scores.select().order_by(scores.c.contact_id, scores.c.name, scores.c.source)
        if contact_id is not None:
            query = query.where(scores.c.contact_id == contact_id)
        if name is not None:
            query = query.where(scores.c.name == name)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [Score(contact_id=r.contact_id, name=r.name, value=r.value, source=r.source, reasons=r.reasons)
                for r in rows]

    def feature_sets(self, contact_id: str) -> list[FeatureSet]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                feature_sets.select().where(feature_sets.c.contact_id == contact_id).order_by(feature_sets.c.name)
            ).all()
        return [FeatureSet(contact_id=r.contact_id, name=r.name, values=r.values, version=r.version) for r in rows]

    def put_transcript(self, transcript: Transcript) -> None:
        """Insert or replace the contact's transcript."""
        turns = [
            {"speaker": t.speaker, "speaker_id": t.speaker_id, "start_s": t.start_s, "end_s": t.end_s, "text": t.text,
             "words": [[w.text, w.start_s, w.end_s, w.probability] for w in t.words],
             "sentiment": t.sentiment, "tags": list(t.tags),
             "sentiment_proba": None if t.sentiment_proba is None else list(t.sentiment_proba)}
            for t in transcript.turns
        ]
        with self.engine.begin() as conn:
            conn.execute(transcripts.delete().where(transcripts.c.contact_id == transcript.contact_id))
            conn.execute(transcripts.insert().values(
                contact_id=transcript.contact_id, language=transcript.language, model=transcript.model,
                turns=turns, created_at=datetime.now(UTC),
            ))
            write_contact_text(conn, transcript)  # the contact list searches this, not the JSON

    def transcript(self, contact_id: str) -> Transcript | None:
        with self.engine.connect() as conn:
            row = conn.execute(transcripts.select().where(transcripts.c.contact_id == contact_id)).first()
        if row is None:
            return None
        turns = tuple(
            Turn(speaker=t["speaker"], start_s=t["start_s"], end_s=t["end_s"], text=t["text"],
                 words=tuple(Word(text, start, end, probability) for text, start, end, probability in t["words"]),
                 sentiment=t.get("sentiment"), tags=tuple(t.get("tags", ())),
                 sentiment_proba=None if t.get("sentiment_proba") is None else tuple(t["sentiment_proba"]),
                 speaker_id=t.get("speaker_id") or "")  # none before speaker ids: the role
            for t in row.turns
        )
        return Transcript(contact_id=contact_id, language=row.language, turns=turns, model=row.model)

    def record_stage_run(
        self, contact_id: str, stage: str, *, ok: bool, seconds: float, error_id: str | None = None,
        outage: bool = False, attempts_allowed: int = 3,
    ) -> str:
        """Record how a stage ended; returns the status stored: ``ok``, ``failed`` (waits for a person or
        ``retry_failed``), or ``outage`` (a store or network outage: the next run tries again, until
        ``attempts_allowed`` outages in a row make it ``failed``)."""
        key = (stage_runs.c.contact_id == contact_id) & (stage_runs.c.stage == stage)
        with self.engine.begin() as conn:
            before = conn.execute(sa.select(stage_runs.c.status, stage_runs.c.attempts).where(key)).first()
            attempts = before.attempts + 1 if outage and before is not None and before.status == "outage" else 1
            status = "ok" if ok else "outage" if outage and attempts < attempts_allowed else "failed"
            conn.execute(stage_runs.delete().where(key))
            conn.execute(
                stage_runs.insert().values(
                    contact_id=contact_id, stage=stage, status=status, finished_at=datetime.now(UTC),
                    seconds=seconds, error_id=error_id, attempts=attempts,
                )
            )
        return status

    def stage_statuses(self, contact_id: str | None = None) -> dict[str, dict[str, str]]:
        """``{contact_id: {stage: "ok" | "failed" | "outage"}}`` for every stage that has run."""
        query = sa.select(stage_runs.c.contact_id, stage_runs.c.stage, stage_runs.c.status)
        if contact_id is not None:
            query = query.where(stage_runs.c.contact_id == contact_id)
        statuses: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                statuses.setdefault(row.contact_id, {})[row.stage] = row.status
        return statuses

    def contacts_needing(self, stages: Iterable[str] | Mapping[str, Iterable[str]]) -> list[str]:
        """Ids of contacts, oldest first, on which at least one of ``stages`` has not run to ``ok``
        and none has failed (a failed contact waits for a person, not for the next run; a stage that
        met an outage is tried again).

        ``stages`` is a list of stage names for every contact, or a mapping from channel
        (``call``, ``chat``) to the stages of that channel's contacts.
        """
        by_channel = stages if isinstance(stages, Mapping) else None
        everywhere = set() if by_channel is not None else set(stages)
        done = self.stage_statuses()
        needing = []
        for c in self.contacts():
            wanted = set(by_channel.get(c.channel, ())) if by_channel is not None else everywhere
            statuses = done.get(c.contact_id, {})
            finished = {stage for stage, status in statuses.items() if status == "ok"}
            if wanted - finished and "failed" not in statuses.values():
                needing.append(c.contact_id)
        return needing
