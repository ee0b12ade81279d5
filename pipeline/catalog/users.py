"""Users of the web app and API, their API tokens, browser sessions and the audit log (migration 0011).

A mixin of :class:`pipeline.catalog.Catalog`: its methods use ``self.engine`` (SQLAlchemy 2). Rows go in
and out as plain dicts: what a user may do is :mod:`pipeline.users`' business, a floor above the store.
Secrets never reach this module in clear: tokens, sessions and passwords arrive hashed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from pipeline.catalog.schema import metadata
from pipeline.catalog.sql import utc as _utc

users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("operator_id", sa.String(128)),
    sa.Column("team", sa.String(128)),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("unredacted", sa.Boolean, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("password_hash", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), sa.ForeignKey("users.user_id"), nullable=False, index=True),
    sa.Column("secret_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("session_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), sa.ForeignKey("users.user_id"), nullable=False, index=True),
    sa.Column("secret_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("audit_id", sa.String(64), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("user_id", sa.String(64), nullable=False, index=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("contact_id", sa.String(64), index=True),
    sa.Column("detail", sa.JSON, nullable=False),
)

_TIMES = ("created_at", "expires_at", "ended_at", "revoked_at", "at")


def _row(row: sa.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    values = dict(row._mapping)
    for name in _TIMES:
        if name in values:
            values[name] = _utc(values[name])
    return values


class UserRecords:
    engine: sa.Engine

    # users ------------------------------------------------------------------------------

    def add_user_row(self, row: Mapping[str, Any]) -> bool:
        """Insert a user; False (and nothing written) when the name or the id is taken."""
        values = {**row, "created_at": _utc(row.get("created_at")) or datetime.now(UTC)}
        with self.engine.begin() as conn:
            taken = conn.execute(sa.select(users.c.user_id).where(
                (users.c.name == values["name"]) | (users.c.user_id == values["user_id"]))).first()
            if taken is not None:
                return False
            conn.execute(users.insert().values(values))
        return True

    def user_row(self, *, user_id: str | None = None, name: str | None = None) -> dict[str, Any] | None:
        """The user with that id (or name), or None."""
        if (user_id is None) == (name is None):
            raise ValueError("user_row: give user_id or name, not both")
        column, wanted = (users.c.user_id, user_id) if user_id is not None else (users.c.name, name)
        with self.engine.connect() as conn:
            return _row(conn.execute(users.select().where(column == wanted)).first())

    def user_rows(self) -> list[dict[str, Any]]:
        """Every user, by name."""
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(users.select().order_by(users.c.name))]

    def set_user_disabled(self, user_id: str, disabled: bool = True) -> None:
        """Disable (or enable again) a user; a disabled user's tokens and sessions are refused."""
        with self.engine.begin() as conn:
            conn.execute(users.update().where(users.c.user_id == user_id).values(disabled=disabled))

    def set_user_password_hash(self, user_id: str, password_hash: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(users.update().where(users.c.user_id == user_id).values(password_hash=password_hash))

    # API tokens -------------------------------------------------------------------------

    def add_api_token(self, token_id: str, user_id: str, secret_hash: str, *, revoke_others: bool = False) -> None:
        """Store a token (its secret hashed); ``revoke_others`` revokes the user's earlier tokens in the
        same transaction."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            if revoke_others:
                conn.execute(api_tokens.update().where(
                    (api_tokens.c.user_id == user_id) & api_tokens.c.revoked_at.is_(None)).values(revoked_at=now))
            conn.execute(api_tokens.insert().values(token_id=token_id, user_id=user_id, secret_hash=secret_hash,
                                                    created_at=now))

    def api_token(self, token_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            return _row(conn.execute(api_tokens.select().where(api_tokens.c.token_id == token_id)).first())

    # browser sessions -------------------------------------------------------------------

    def add_session(self, session_id: str, user_id: str, secret_hash: str, expires_at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(sessions.insert().values(session_id=session_id, user_id=user_id, secret_hash=secret_hash,
                                                  created_at=datetime.now(UTC), expires_at=_utc(expires_at)))

    def session_row(self, session_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            return _row(conn.execute(sessions.select().where(sessions.c.session_id == session_id)).first())

    def end_session(self, session_id: str) -> None:
        """Sign a session out; it is refused from now on (kept for the record)."""
        with self.engine.begin() as conn:
            conn.execute(sessions.update().where(
                (sessions.c.session_id == session_id) & sessions.c.ended_at.is_(None)).values(ended_at=datetime.now(UTC)))

    # audit log --------------------------------------------------------------------------

    def audit(self, user_id: str, action: str, contact_id: str | None = None,
              detail: Mapping[str, Any] | None = None) -> str:
        """Record who did what to which contact, now; the new row's id."""
        audit_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(audit_log.insert().values(audit_id=audit_id, at=datetime.now(UTC), user_id=user_id,
                                                   action=action, contact_id=contact_id, detail=dict(detail or {})))
        return audit_id

    def audit_entries(self, *, since: datetime | None = None, user_id: str | None = None,
                      contact_id: str | None = None, action: str | None = None,
                      limit: int = 100, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Audit rows, newest first, one page of them, and how many match in all."""
        t = audit_log
        where = [c == v for c, v in ((t.c.user_id, user_id), (t.c.contact_id, contact_id), (t.c.action, action))
                 if v is not None]
        if since is not None:
            where.append(t.c.at >= _utc(since))
        with self.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(t).where(*where)).scalar_one()
            rows = conn.execute(t.select().where(*where).order_by(t.c.at.desc(), t.c.audit_id)
                                .limit(limit).offset(offset)).all()
        return [_row(r) for r in rows], total
