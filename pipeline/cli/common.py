"""What every ``cxmon`` command shares: exit statuses, settings and store, JSON output, dates, contact ids.

A problem with what the user typed (bad settings, an unknown contact, a malformed date) is a
:class:`click.UsageError`: its reason on stderr, exit status 2.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.records import Contact
    from pipeline.store import Store

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def load_settings() -> Settings:
    """The effective settings; a bad settings file or variable is a usage error."""
    from pydantic import ValidationError

    try:
        return Settings()
    except (ValidationError, FileNotFoundError) as error:
        raise click.UsageError(f"bad settings: {error}") from None


def open_configured_store() -> Store:
    """The store the effective settings name."""
    from pipeline.store import open_store

    return open_store(load_settings())


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def parse_when(value: str | None, option: str, settings: Settings) -> datetime | None:
    """An ISO 8601 date or time from the command line; without an offset it is in the `timezone` setting."""
    from zoneinfo import ZoneInfo

    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.UsageError(f"{option} {value!r}: expected an ISO 8601 date or time, e.g. 2026-11-20") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(settings.timezone))


def find_one_contact(store: Store, contact_id: str) -> Contact:
    """The one contact whose id starts with ``contact_id``; none or several is a usage error."""
    matches = store.catalog.find_contacts(contact_id)
    if len(matches) != 1:
        problem = "no contact" if not matches else f"{len(matches)} contacts"
        raise click.UsageError(f"{problem} with id {contact_id!r}; `cxmon ls` lists them")
    return matches[0]
