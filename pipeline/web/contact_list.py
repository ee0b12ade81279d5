"""The contact list as the API and the pages show it: :func:`pipeline.catalog.contact_query.contacts_page`
(filters, scope, paging and search in SQL) with each row's time as ISO 8601 text.

``ContactListQuery`` is the catalog's ``ContactFilter`` under the name the pages import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.catalog.contact_query import ContactFilter
from pipeline.catalog.contact_query import contacts_page as _contacts_page
from pipeline.users import ContactScope
from pipeline.web.export import MAX_EXPORT_ROWS

if TYPE_CHECKING:
    from pipeline.catalog import Catalog

ContactListQuery = ContactFilter
EXPORT_COLUMNS = ("contact_id", "channel", "operator_id", "team", "started_at", "csi", "checklist", "alarms",
                  "sentiment", "negative_share")
"""The columns of an exported contact list, in order."""


def contacts_page(catalog: Catalog, query: ContactFilter, scope: ContactScope, *, limit: int, offset: int,
                  sort: str = "-started_at") -> tuple[list[dict[str, Any]], int]:
    """One page of the contacts ``scope`` may see that pass ``query``, and how many pass in all: rows with
    ``contact_id``, ``channel``, ``operator_id``, ``team``, ``started_at`` (ISO text or None), ``csi``,
    ``checklist`` (the lowest checklist score), ``alarms`` (count), ``sentiment`` and ``negative_share``
    (the customer's). ValueError names a bad filter, sort, limit or offset."""
    rows, total = _contacts_page(catalog, query, scope, limit=limit, offset=offset, sort=sort)
    return [{**row, "started_at": row["started_at"].isoformat() if row["started_at"] else None} for row in rows], total


def all_contacts(catalog: Catalog, query: ContactFilter, scope: ContactScope, *, sort: str = "-started_at",
                 max_rows: int | None = None) -> list[dict[str, Any]]:
    """Every contact ``scope`` may see that passes ``query`` (the rows of :func:`contacts_page`, all pages),
    for an export. ValueError when more than ``max_rows`` (default :data:`MAX_EXPORT_ROWS`) pass, or a filter
    is bad."""
    max_rows = MAX_EXPORT_ROWS if max_rows is None else max_rows
    rows, total = _contacts_page(catalog, query, scope, limit=max_rows, offset=0, sort=sort, max_limit=max_rows)
    if total > max_rows:
        raise ValueError(f"{total} contacts pass these filters; an export holds at most {max_rows}: "
                         f"narrow the filters (a shorter period, a channel, an operator, a team)")
    return [{**row, "started_at": row["started_at"].isoformat() if row["started_at"] else None} for row in rows]
