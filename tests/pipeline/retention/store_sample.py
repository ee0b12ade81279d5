"""A store holding two customers, every table and object kind of theirs, and generic checks over the schema.

:func:`fill_every_table` writes one row of a contact in every catalog table that has a ``contact_id`` or
``customer_id`` column (and in the tables whose foreign keys point at those), found from the schema, so
a table added later is filled, and then checked, without editing this file.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from pipeline.catalog.schema import metadata
from pipeline.chats.ingest import chat_contact_id
from pipeline.records import Contact, DeviceEvent, Score, Transcript, Turn
from pipeline.records.surveys import ConsentChange
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.store.objects import content_key, put_bytes

OWNER_COLUMNS = ("contact_id", "customer_id")
KEPT = {"audit_log"}
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _value(column: sa.Column, tag: str):
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return True
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.Float):
        return 1.0
    if isinstance(kind, sa.DateTime):
        return T0
    if isinstance(kind, sa.JSON):
        return {"tag": tag}
    text = uuid.uuid4().hex if column.primary_key else f"{tag}-{column.name}"
    length = getattr(kind, "length", None)
    return text[:length] if length else text


def fill_every_table(conn: sa.Connection, contact_id: str, customer_id: str, tag: str) -> dict[str, dict]:
    """One row of ``contact_id`` / ``customer_id`` in every table that holds a contact's or customer's rows,
    and in every table pointing at those by a foreign key (parents made as needed); rows by table."""
    made: dict[str, dict] = {}

    def row_for(table: sa.Table) -> dict:
        if table.name in made:
            return made[table.name]
        if "contact_id" in table.c:  # a row the contact has already (its transcript): use it
            existing = conn.execute(table.select().where(table.c.contact_id == contact_id)).first()
            if existing is not None:
                made[table.name] = dict(existing._mapping)
                return made[table.name]
        if [c.name for c in table.primary_key] == ["customer_id"]:  # one row a customer (campaign_customers)
            existing = conn.execute(table.select().where(table.c.customer_id == customer_id)).first()
            if existing is not None:
                made[table.name] = dict(existing._mapping)
                return made[table.name]
        row = {}
        for column in table.c:
            if column.name == "contact_id":
                row[column.name] = contact_id
            elif column.name == "customer_id":
                row[column.name] = customer_id
            elif column.foreign_keys:
                [fk] = column.foreign_keys
                row[column.name] = row_for(fk.column.table)[fk.column.name]
            else:
                row[column.name] = _value(column, tag)
        conn.execute(table.insert().values(row))
        made[table.name] = row
        return row

    owning = {t.name for t in metadata.sorted_tables if set(OWNER_COLUMNS) & set(t.c.keys())} - KEPT - {"contacts"}
    for table in metadata.sorted_tables:
        points_at_owning = any(fk.column.table.name in owning for fk in table.foreign_keys
                               if fk.parent.name not in OWNER_COLUMNS)
        if table.name in owning or points_at_owning:
            row_for(table)
    return made


@dataclass
class Customer:
    customer_id: str
    contact_ids: list[str] = field(default_factory=list)
    object_keys: list[str] = field(default_factory=list)


def add_customer(store: Store, tmp: Path, settings: Settings, customer_id: str, tag: str, *,
                 ingested_at: datetime = T0, started_at: datetime = T0, visit_s: float = 10.0) -> Customer:
    """A call (transcript, score, unredacted copy, quarantined sidecar), a chat (raw export, document), a
    desk visit (document, device event, a face crop), a STOP, and one row of theirs in every table."""
    from pipeline.desk.images import keep_image
    from pipeline.store.intake import quarantine

    who = Customer(customer_id)
    catalog = store.catalog
    audio = f"RIFF-{tag}-audio".encode()
    call_key = content_key("raw", hashlib.sha256(audio).hexdigest())
    put_bytes(store.objects, call_key, audio)
    call = Contact(contact_id=f"call{tag}", channel="call", source=f"/in/{tag}.wav", object_key=call_key,
                   started_at=started_at, customer_id=customer_id, operator_id="op1", ingested_at=ingested_at)
    export = f"chat export of {tag}\n".encode()
    export_sha = hashlib.sha256(export).hexdigest()
    raw_chat = content_key("raw", export_sha)
    put_bytes(store.objects, raw_chat, export, content_type="text/plain")
    document = json.dumps([{"text": f"hello {tag}"}]).encode()
    chat_key = content_key("chats", hashlib.sha256(document).hexdigest())
    put_bytes(store.objects, chat_key, document)
    chat = Contact(contact_id=chat_contact_id(export_sha, f"chat{tag}"), channel="chat",
                   source=f"/in/chats.txt#chat{tag}", object_key=chat_key, started_at=started_at,
                   customer_id=customer_id, ingested_at=ingested_at)
    visit = {"source": "camera:desk-1", "video_started_at": started_at.isoformat(), "arrive_s": visit_s,
             "leave_s": visit_s + 60.0, "tag": tag}
    visit_bytes = json.dumps(visit).encode()
    desk_key = content_key("desk", hashlib.sha256(visit_bytes).hexdigest())
    put_bytes(store.objects, desk_key, visit_bytes)
    desk = Contact(contact_id=f"desk{tag}", channel="desk", source=f"camera:desk-1#visit-{tag}", object_key=desk_key,
                   started_at=started_at + timedelta(seconds=visit_s), customer_id=customer_id,
                   ingested_at=ingested_at)
    for contact in (call, chat, desk):
        assert catalog.add_contact(contact)
        who.contact_ids.append(contact.contact_id)
    catalog.put_transcript(Transcript(contact_id=call.contact_id, language="ru", model="test", turns=(
        Turn("customer", 0.0, 1.0, f"жалоба {tag}", tags=("complaint",)),)))
    catalog.put_score(Score(contact_id=call.contact_id, name="csi", value=0.5, source="model", reasons={}))
    unredacted = f"unredacted/{call.contact_id}.json"
    put_bytes(store.objects, unredacted, b"[]")
    sidecar = tmp / f"{tag}.events.json"
    sidecar.write_text("{not json")
    error = quarantine(store, sidecar, stage="ingest", message="bad sidecar", contact_id=call.contact_id)
    catalog.add_device_events([DeviceEvent(device_id="btn1", kind="button", at=started_at + timedelta(seconds=visit_s),
                                           value="good", contact_id=desk.contact_id, event_id=f"ev-{tag}")])
    crop = keep_image(store, settings, kind="crop", jpeg_bytes=b"\xff\xd8\xff" + tag.encode(),
                      at=started_at + timedelta(seconds=visit_s + 30), source="camera:desk-1")
    catalog.add_consent_change(ConsentChange(customer_id=customer_id, granted=True, at=started_at, channel="sms"))
    catalog.add_consent_change(ConsentChange(customer_id=customer_id, granted=False, channel="sms",
                                             at=started_at + timedelta(days=1), contact_id=chat.contact_id,
                                             source="reply STOP"))
    with catalog.engine.begin() as conn:
        for contact in (call, chat, desk):
            fill_every_table(conn, contact.contact_id, customer_id, f"{tag}{contact.channel}")
    who.object_keys = sorted({call_key, raw_chat, chat_key, desk_key, unredacted, error.quarantine_key, crop})
    return who


def rows_naming(conn: sa.Connection, contact_ids: list[str], customer_id: str) -> dict[str, int]:
    """Rows of every table with one of ``contact_ids`` in a ``contact_id`` column or ``customer_id`` in a
    ``customer_id`` column, or the customer's id anywhere in a text or JSON column; by table.column."""
    found: dict[str, int] = {}
    needle = f"%{customer_id}%"
    for table in metadata.sorted_tables:
        for column in table.c:
            if column.name == "contact_id" and contact_ids:
                where = column.in_(contact_ids)
            elif column.name == "customer_id":
                where = column == customer_id
            elif isinstance(column.type, (sa.String, sa.Text, sa.JSON)):
                where = sa.cast(column, sa.Text).like(needle)
            else:
                continue
            n = conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
            if n:
                found[f"{table.name}.{column.name}"] = n
    return found


def snapshot(conn: sa.Connection) -> dict[str, list]:
    """Every row of every table, sorted: to compare before and after."""
    return {t.name: sorted((json.dumps(dict(r._mapping), default=str, sort_keys=True)
                            for r in conn.execute(t.select())), key=str) for t in metadata.sorted_tables}
