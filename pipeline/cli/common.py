"""What every ``cxmon`` command shares: exit statuses, settings and store, JSON output, dates, contact ids.

A problem with what the user typed (bad settings, an unknown contact, a malformed date) is a
:class:`click.UsageError`: its reason on stderr, exit status 2.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.records import Contact
    from pipeline.store import Store

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def load_settings() -> Settings:
    """The effective settings; a bad settings file or variable is a usage error naming the setting.

    The message never quotes a value: pydantic's own would echo a secret or a personal value.
    """
    import re
    import tomllib

    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from pipeline.settings import config_file
    from pipeline.settings_problems import settings_problems

    try:
        return Settings()
    except ValidationError as error:
        raise click.UsageError("bad settings: " + "; ".join(settings_problems(error))) from None
    except FileNotFoundError as error:
        raise click.UsageError(f"bad settings: {error}") from None
    except tomllib.TOMLDecodeError as error:  # its message gives the line and column, never the text
        raise click.UsageError(f"bad settings: {config_file()}: not valid TOML: {error}") from None
    except SettingsError as error:  # a list or table variable that is not JSON
        named = re.search(r'field "(\w+)"', str(error))
        where = f"{named[1]} (CXMON_{named[1].upper()})" if named else "a list or table variable"
        raise click.UsageError(f'bad settings: {where}: expected JSON, e.g. ["a", "b"] for a list or '
                               f'{{"key": "value"}} for a table') from None


def open_configured_store() -> Store:
    """The store the effective settings name; a store that cannot be reached is a clear error (exit 1)."""
    from pipeline.masking import masked_url
    from pipeline.store import open_store
    from pipeline.store.outages import is_outage

    settings = load_settings()
    try:
        return open_store(settings)
    except Exception as error:
        if isinstance(error, OSError) and not is_outage(error):  # a data folder that cannot be made or written
            from pipeline.store.intake import describe_os_error, display_text

            named = f" ({display_text(str(error.filename))})" if error.filename else ""
            raise click.ClickException(f"the store cannot be opened: {describe_os_error(error)}{named}; check "
                                       "CXMON_HOME (or objects_dir) and its permissions") from None
        if not is_outage(error):
            raise
        where = masked_url(settings.catalog_url_value())
        raise click.ClickException(f"the store could not be reached ({where}: {type(error).__name__}); "
                                   "nothing was done, try again when it is back") from None


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def parse_when(value: str | None, option: str, settings: Settings) -> datetime | None:
    """An ISO 8601 date or time from the command line; without an offset it is in the `timezone` setting."""
    from zoneinfo import ZoneInfo

    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
        moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(settings.timezone))
        moment.astimezone(UTC)  # the store compares in UTC: the calendar's first and last hours cannot be
    except ValueError:
        raise click.UsageError(f"{option} {value!r}: expected an ISO 8601 date or time, e.g. 2026-11-20") from None
    except OverflowError:
        raise click.UsageError(f"{option} {value!r} is out of range; expected a time within years 2..9998") from None
    return moment


def find_one_contact(store: Store, contact_id: str) -> Contact:
    """The one contact whose id starts with ``contact_id``; none or several is a usage error."""
    matches = store.catalog.find_contacts(contact_id)
    if len(matches) != 1:
        problem = "no contact" if not matches else f"{len(matches)} contacts"
        raise click.UsageError(f"{problem} with id {contact_id!r}; `cxmon ls` lists them")
    return matches[0]
