"""The seller activity button and sales: exact conversion and visitor coverage per seller and shift.

A seller presses the button when they start working with a visitor: a ``seller_start`` device event
whose ``operator_id`` is the seller (a sale attempt). Sales come from a sales file
(``NAME.sales.csv`` through ``cxmon ingest``) or as ``sale`` device events (``operator_id`` = the
seller, ``value`` = the amount, optional). Per seller and shift:

- ``attempts``: the seller's ``seller_start`` presses in the shift;
- ``sales``: the seller's sales in the shift (``amount``: their sum, over those with an amount);
- ``conversion`` = sales / attempts (exact: every attempt was pressed; None without attempts);
- ``visitors``: desk visits the camera counted in the shift at the desks the seller's presses
  came from (the sites, for a button placed at a site and no desk);
- ``coverage`` = attempts / visitors (None without visitors; above 1 when a visitor was engaged twice
  or a visitor went unseen by the camera).

A shift is a calendar day in the ``timezone`` setting, or one of the shift hours given
(``09:00-15:00``; ``21:00-09:00`` runs past midnight and belongs to the day it starts on).

Sales file: CSV with a header (``,`` or ``;``), UTF-8 or cp1251; columns ``seller`` (or
``operator_id``) and ``ts`` (ISO 8601 with its zone) required, ``amount`` (a number, ``,`` or ``.``
decimal), ``sale_id``, ``desk_id``, ``site_id`` optional. A sale is stored once by its ``sale_id``,
else by seller, time and amount (the second such line of a file is a second sale). A bad line is an
error record naming the file and line (the file quarantined); the good lines are stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path

from pipeline.catalog.complaints import Sale
from pipeline.desk.visit_index import VisitIndex, desk_visits
from pipeline.jsonlines import LineProblem, checked_field, csv_delimiter, csv_rows, decoded_text
from pipeline.records import DeviceEvent
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.store.intake import IngestReport, InputKind, quarantine, quarantine_problems

SALES_SUFFIX = ".sales.csv"
SALES_COLUMNS = ("seller", "operator_id", "ts", "amount", "sale_id", "desk_id", "site_id")
Shift = tuple[time, time]


class SalesFileError(ValueError):
    """The sales file as a whole cannot be read; the message names the file."""


def _sale_id(seller: str, at: datetime, amount: float | None, nth: int) -> str:
    key = "\n".join((seller, at.isoformat(), "" if amount is None else repr(amount), str(nth)))
    return "s-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def amount_of(text: str | None) -> float | None:
    """An amount as a number (``1 234,50`` and ``1234.50`` alike); None when empty; ValueError otherwise.

    >>> amount_of("1 234,50"), amount_of(""), amount_of(None)
    (1234.5, None, None)
    """
    if text is None or not text.strip():
        return None
    try:
        value = float(text.strip().replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        raise ValueError(f"amount {text.strip()[:32]!r}; expected a number such as 1234.50") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"amount {text.strip()[:32]!r}; expected a number >= 0")
    return value


def _when(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"ts {text.strip()[:40]!r} is not ISO 8601; expected e.g. 2026-12-03T12:00:00+03:00") from None
    if at.tzinfo is None:
        raise ValueError(f"ts {text.strip()[:40]!r} has no time zone; expected e.g. 2026-12-03T12:00:00+03:00")
    return at


def parse_sales(name: str, data: bytes) -> tuple[list[Sale], list[LineProblem]]:
    """The sales of a sales file and its bad lines; :class:`SalesFileError` when the file is unusable."""
    try:
        text, _ = decoded_text(data)
    except ValueError as error:
        raise SalesFileError(f"{name}: {error}") from None
    if not text.strip():
        raise SalesFileError(f"{name}: empty file; expected a header row with seller and ts")
    header_line = next(line for line in text.splitlines() if line.strip())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(header_line))
    header = [c.strip().lower() for c in next(row for row in reader if any(c.strip() for c in row))]
    seller_column = next((c for c in ("seller", "operator_id") if c in header), None)
    if seller_column is None or "ts" not in header:
        raise SalesFileError(f"{name}: header {header_line.strip()[:80]!r} lacks "
                             f"{'seller (or operator_id)' if seller_column is None else 'ts'}; expected columns "
                             f"seller, ts, amount (optional) separated by ',' or ';'")
    problems: list[LineProblem] = []
    sales, seen = [], Counter()
    for line, row in csv_rows(reader, header, problems):
        cells = {column: cell.strip() for column, cell in zip(header, row, strict=True)}
        try:
            seller = checked_field("seller", cells[seller_column], max_chars=128)
            if not seller:
                raise ValueError(f"no {seller_column}; expected the seller's operator id")
            at, amount = _when(cells["ts"]), amount_of(cells.get("amount"))
            extra = {c: checked_field(c, cells.get(c) or "", max_chars=128) or None for c in ("sale_id", "desk_id",
                                                                                              "site_id")}
        except ValueError as error:
            problems.append(LineProblem(line, str(error)))
            continue
        key = (seller, at, amount)
        seen[key] += 1
        sales.append(Sale(sale_id=extra["sale_id"] or _sale_id(seller, at, amount, seen[key]), seller_id=seller,
                          at=at, amount=amount, desk_id=extra["desk_id"], site_id=extra["site_id"], source=name))
    return sales, problems


def ingest_sales_file(store: Store, path: Path, report: IngestReport, settings: Settings | None = None) -> None:
    """Ingest one ``.sales.csv`` file, adding what happened to ``report``."""
    try:
        sales, problems = parse_sales(path.name, path.read_bytes())
    except SalesFileError as error:
        report.errors.append(quarantine(store, path, stage="ingest", message=str(error)))
        return
    quarantine_problems(store, path, problems, report)
    report.added["sales"] = report.added.get("sales", 0) + store.catalog.add_sales(sales)


SALES_FILES = InputKind(
    name="sales",
    noun="sales file",
    expected=f"a sales file ({SALES_SUFFIX})",
    suffixes=(SALES_SUFFIX,),
    input_of=lambda path, sidecars: path,
    ingest=ingest_sales_file,
)


def sale_of(event: DeviceEvent) -> Sale:
    """The sale a ``sale`` device event is (``operator_id`` the seller, ``value`` the amount or none)."""
    if not event.operator_id:
        raise ValueError("no operator_id; expected the seller's operator id on a sale event")
    return Sale(sale_id=event.event_id, seller_id=event.operator_id, at=event.at, amount=amount_of(event.value),
                desk_id=event.desk_id, site_id=event.site_id, source=f"device:{event.device_id}")


# the report -------------------------------------------------------------------------------------

def parse_shifts(text: str) -> tuple[Shift, ...]:
    """``"09:00-15:00,15:00-21:00"`` as shift hours; ValueError naming the bad part.

    >>> parse_shifts("09:00-15:00, 21:00-09:00")
    ((datetime.time(9, 0), datetime.time(15, 0)), (datetime.time(21, 0), datetime.time(9, 0)))
    """
    shifts = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            start, end = (time.fromisoformat(x.strip()) for x in part.split("-"))
        except ValueError:
            raise ValueError(f"shift {part!r}; expected HH:MM-HH:MM, e.g. 09:00-15:00") from None
        if start == end:
            raise ValueError(f"shift {part!r} is empty; expected a start and a different end")
        shifts.append((start, end))
    return tuple(shifts)


def shift_of(at: datetime, tz: tzinfo, shifts: Sequence[Shift] = ()) -> tuple[str, datetime, datetime] | None:
    """``(label, since, until)`` of the shift ``at`` falls in: its local day without ``shifts``, else the
    first shift that holds it; None when none does."""
    local = at.astimezone(tz)
    if not shifts:
        start = datetime.combine(local.date(), time(0), tz)
        return local.date().isoformat(), start, datetime.combine(local.date() + timedelta(days=1), time(0), tz)
    for day in (local.date() - timedelta(days=1), local.date()):
        for begin, end in shifts:
            since = datetime.combine(day, begin, tz)
            until = datetime.combine(day if end > begin else day + timedelta(days=1), end, tz)
            if since <= local < until:
                return f"{day.isoformat()} {begin:%H:%M}-{end:%H:%M}", since, until
    return None


@dataclass(frozen=True, slots=True)
class SellerShift:
    seller_id: str
    shift: str
    since: datetime
    until: datetime
    desks: tuple[str, ...]
    sites: tuple[str, ...]
    attempts: int
    sales: int
    amount: float
    visitors: int

    @property
    def conversion(self) -> float | None:
        """Sales / attempts: the exact conversion (None without attempts)."""
        return self.sales / self.attempts if self.attempts else None

    @property
    def coverage(self) -> float | None:
        """Attempts / visitors counted by the camera (None without visitors)."""
        return self.attempts / self.visitors if self.visitors else None


def seller_shifts(attempts: Iterable[DeviceEvent], sales: Iterable[Sale], visits: VisitIndex, *, tz: tzinfo,
                  shifts: Sequence[Shift] = ()) -> list[SellerShift]:
    """One row per seller and shift with attempts or sales, by shift then seller (no I/O)."""
    groups: dict[tuple[str, str], dict] = defaultdict(lambda: {"attempts": 0, "sales": 0, "amount": 0.0,
                                                               "desks": set(), "sites": set()})
    windows: dict[str, tuple[datetime, datetime]] = {}
    for seller, at, desk, site, is_sale, amount in (
            [(e.operator_id, e.at, e.desk_id, e.site_id, False, None) for e in attempts if e.operator_id]
            + [(s.seller_id, s.at, s.desk_id, s.site_id, True, s.amount) for s in sales]):
        found = shift_of(at, tz, shifts)
        if found is None:
            continue
        label, since, until = found
        windows[label] = (since, until)
        group = groups[(label, seller)]
        group["sales" if is_sale else "attempts"] += 1
        group["amount"] += amount or 0.0
        if desk:
            group["desks"].add(desk)
        elif site:
            group["sites"].add(site)
    rows = []
    for (label, seller), g in sorted(groups.items(), key=lambda item: (windows[item[0][0]][0], item[0][1])):
        since, until = windows[label]
        rows.append(SellerShift(seller_id=seller, shift=label, since=since, until=until,
                                desks=tuple(sorted(g["desks"])), sites=tuple(sorted(g["sites"])),
                                attempts=g["attempts"], sales=g["sales"], amount=round(g["amount"], 2),
                                visitors=visits.count(since, until, desks=g["desks"], sites=g["sites"])))
    return rows


def seller_report(store: Store, settings: Settings, *, since: datetime | None = None, until: datetime | None = None,
                  shifts: Sequence[Shift] = ()) -> list[SellerShift]:
    """:func:`seller_shifts` over the catalog's ``seller_start`` events and sales in ``[since, until)``."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(settings.timezone)
    attempts = store.catalog.device_events(kind="seller_start", since=since, until=until)
    sales = store.catalog.sales(since=since, until=until)
    moments = [e.at for e in attempts] + [s.at for s in sales]
    spans = [found[1:] for at in moments if (found := shift_of(at, tz, shifts)) is not None]
    visits = VisitIndex(desk_visits(store, min(s for s, _ in spans), max(u for _, u in spans)) if spans else ())
    return seller_shifts(attempts, sales, visits, tz=tz, shifts=shifts)


def row_json(row: SellerShift) -> dict:
    return {"seller_id": row.seller_id, "shift": row.shift, "since": row.since.isoformat(),
            "until": row.until.isoformat(), "desks": list(row.desks), "sites": list(row.sites),
            "attempts": row.attempts, "sales": row.sales, "amount": row.amount,
            "conversion": None if row.conversion is None else round(row.conversion, 4), "visitors": row.visitors,
            "coverage": None if row.coverage is None else round(row.coverage, 4)}
