"""``POST /v1/events``: network touch panels and wireless hubs post their presses here.

A request carries one event or ``{"events": [...]}``; each event is ``{event_id, device_id, ts,
kind, value, operator_id}`` (``ts`` ISO 8601 with a zone; ``kind`` "press" when absent; ``device_id``
the token's device when absent). Checks in order: body size (413), bearer token (401, the same
answer for an unknown device and a wrong token), HMAC signature for a device with a secret (401),
rate limit (429 with ``Retry-After``), JSON (400), each event's fields and clock skew (422 for that
event; the batch's good events still go in). An accepted event is in the spool, fsync'd, before
the reply; an ``event_id`` seen before answers ``"duplicate": true`` and is not appended again.
Requests that arrive together share one spool append (one fsync), which is what lets a burst through.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hardware.http_auth import (
    SIGNATURE_HEADER,
    DeviceCredentials,
    DevicePlace,
    RateLimiter,
    device_for_token,
    retry_after_header,
    signature_ok,
)
from pipeline.personal_data import redacted
from pipeline.records import DeviceEvent

log = logging.getLogger(__name__)
RejectCallback = Callable[[str, bytes, "str | None"], None]
_KEPT_FROM_STRANGERS = 4096
_MAX_TEXT = {"event_id": 128, "device_id": 128, "kind": 64, "value": 256, "operator_id": 128}


class EventSink(Protocol):
    """Where accepted events go: ``hardware.spool.Spool`` (append-only, fsync'd before it returns)."""

    def append(self, events: Sequence[DeviceEvent]) -> object: ...


@dataclass(frozen=True, slots=True)
class EndpointLimits:
    """Rate limit per device (requests), body size, allowed clock skew, replay memory."""

    rate_per_s: float = 50.0
    burst: int = 200
    max_body_bytes: int = 1 << 20
    max_skew_s: float = 300.0
    recent_ids: int = 200_000


class EventRejected(ValueError):
    """One event of a request is not acceptable; the message says why, personal data tagged."""


def event_from_json(item: Any, *, device_id: str, now: datetime, max_skew_s: float) -> DeviceEvent:
    """The :class:`DeviceEvent` one posted JSON object stands for, or :class:`EventRejected`.

    >>> now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    >>> event_from_json({"event_id": "e1", "ts": "2026-12-03T14:59:00+03:00", "value": 3},
    ...                 device_id="p1", now=now, max_skew_s=300).value
    '3'
    >>> event_from_json({"ts": "2026-12-03T12:00:00"}, device_id="p1", now=now, max_skew_s=300)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    hardware.http_endpoint.EventRejected: ts '2026-12-03T12:00:00' has no time zone; expected e.g. ...
    """
    if not isinstance(item, dict):
        raise EventRejected(f"an event must be a JSON object, got {type(item).__name__}")
    fields: dict[str, str | None] = {}
    for name, limit in _MAX_TEXT.items():
        value = item.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and name == "value":
            value = str(value)
        if value is not None and (not isinstance(value, str) or not value or len(value) > limit):
            raise EventRejected(f"{name}: expected a non-empty string of at most {limit} characters")
        fields[name] = value
    if fields["device_id"] not in (None, device_id):
        raise EventRejected(redacted(f"device_id {fields['device_id']!r} is not the device of this token"))
    stamp = item.get("ts")
    if not isinstance(stamp, str):
        raise EventRejected("ts: expected an ISO 8601 time with a zone, e.g. 2026-12-03T12:00:00+03:00")
    try:
        at = datetime.fromisoformat(stamp)
    except ValueError:
        raise EventRejected(redacted(f"ts {stamp[:64]!r} is not ISO 8601")) from None
    if at.tzinfo is None:
        raise EventRejected(redacted(f"ts {stamp[:64]!r} has no time zone; expected e.g. 2026-12-03T12:00:00+03:00"))
    skew_s = (at - now).total_seconds()
    if abs(skew_s) > max_skew_s:
        raise EventRejected(f"ts {at.isoformat()} is {abs(skew_s):.0f} s {'ahead of' if skew_s > 0 else 'behind'} "
                            f"the server clock ({now.isoformat(timespec='seconds')}); at most {max_skew_s:.0f} s "
                            f"allowed: check the device's clock")
    raw = json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    try:
        return DeviceEvent(device_id=device_id, kind=fields["kind"] or "press", at=at, value=fields["value"],
                           event_id=fields["event_id"] or "", operator_id=fields["operator_id"], raw=raw)
    except ValueError as error:
        raise EventRejected(redacted(str(error))) from None


def placed(event: DeviceEvent, place: DevicePlace) -> DeviceEvent:
    """``event`` at its device's desk and site; the operator the event names, else the desk's."""
    desk_id, site_id, operator_id = place
    return replace(event, desk_id=desk_id, site_id=site_id, operator_id=event.operator_id or operator_id)


class _GroupCommit:
    """Appends the events of requests waiting at the same moment in one sink call, off the event loop."""

    def __init__(self, sink: EventSink) -> None:
        self._sink = sink
        self._queue: list[tuple[list[DeviceEvent], asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    def submit(self, events: list[DeviceEvent]) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        self._queue.append((events, future))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())
        return future

    async def _drain(self) -> None:
        while self._queue:
            waiting, self._queue = self._queue, []
            events = [event for batch, _ in waiting for event in batch]
            try:
                await asyncio.to_thread(self._sink.append, events)
            except Exception as error:  # a full disk or a broken spool: every waiter hears it, none is told "stored"
                log.error("spool append of %d events failed: %s", len(events), type(error).__name__)
                outcome: BaseException | None = error
            else:
                outcome = None
            for _, future in waiting:
                if future.done():
                    continue
                if outcome is None:
                    future.set_result(None)
                else:
                    future.set_exception(outcome)


class _Replay:
    """Event ids stored lately (bounded, oldest forgotten first) and those being stored right now."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._stored: OrderedDict[str, None] = OrderedDict()
        self.in_flight: dict[str, asyncio.Future[None]] = {}

    def seen(self, event_id: str) -> bool:
        return event_id in self._stored

    def remember(self, event_ids: Sequence[str]) -> None:
        for event_id in event_ids:
            self._stored[event_id] = None
        while len(self._stored) > self._size:
            self._stored.popitem(last=False)


def create_app(credentials: Mapping[str, DeviceCredentials], sink: EventSink, *,
               places: Mapping[str, DevicePlace] | None = None,
               on_reject: RejectCallback | None = None, limits: EndpointLimits = EndpointLimits(),
               clock: Callable[[], datetime] = lambda: datetime.now(UTC),
               monotonic: Callable[[], float] = time.monotonic) -> FastAPI:
    """The ASGI app; serve it with uvicorn (``cxmon devices serve``). ``places`` (from the device
    registry) gives each device's desk, site and operator to its events."""
    app = FastAPI(title="cxmon device events", docs_url=None, redoc_url=None, openapi_url=None)
    limiter = RateLimiter(rate_per_s=limits.rate_per_s, burst=limits.burst, clock=monotonic)
    commit = _GroupCommit(sink)
    replay = _Replay(limits.recent_ids)

    def reject(status: int, message: str, raw: bytes, device_id: str | None,
               headers: dict[str, str] | None = None, record: bool = True) -> JSONResponse:
        if record:
            log.warning("rejected a device request (%d) from %s: %s", status, device_id or "unknown", message)
            if on_reject is not None:
                on_reject(message, raw, device_id)
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    @app.post("/v1/events")
    async def post_events(request: Request) -> JSONResponse:
        body = await _body_within(request, limits.max_body_bytes)
        if body is None:
            return reject(413, f"body over {limits.max_body_bytes} bytes; send fewer events per request", b"", None)
        device_id = device_for_token(credentials, request.headers.get("authorization"))
        if device_id is None:
            # anyone can knock: keep the start of what they sent, not a mebibyte per request
            return reject(401, "unauthorized", body[:_KEPT_FROM_STRANGERS], None, {"WWW-Authenticate": "Bearer"})
        secret = credentials[device_id].secret
        if secret is not None and not signature_ok(secret, body, request.headers.get(SIGNATURE_HEADER)):
            return reject(401, "unauthorized: missing or wrong X-Cxmon-Signature", body, device_id)
        wait_s = limiter.wait_s(device_id)
        if wait_s > 0:
            return reject(429, f"rate limit {limits.rate_per_s:g}/s (burst {limits.burst}); retry later", body,
                          device_id, {"Retry-After": retry_after_header(wait_s)}, record=False)
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            return reject(400, f"body is not JSON: {_json_problem(error)}", body, device_id)
        single = not (isinstance(payload, dict) and "events" in payload)
        items = [payload] if single else payload["events"]
        if not isinstance(items, list) or not items:
            return reject(400, "'events' must be a non-empty list of event objects", body, device_id)
        now = clock()
        results: list[dict[str, Any]] = []
        fresh: dict[str, DeviceEvent] = {}
        waits: set[asyncio.Future[None]] = set()
        for index, item in enumerate(items):
            try:
                event = event_from_json(item, device_id=device_id, now=now, max_skew_s=limits.max_skew_s)
                if places and device_id in places:
                    event = placed(event, places[device_id])
            except EventRejected as error:
                where = "" if single else f"events[{index}]: "
                reject(422, where + str(error), _item_bytes(item), device_id)
                results.append({"status": "rejected", "error": where + str(error)})
                continue
            duplicate = replay.seen(event.event_id) or event.event_id in fresh or event.event_id in replay.in_flight
            if event.event_id in replay.in_flight:
                waits.add(replay.in_flight[event.event_id])
            if not duplicate:
                fresh[event.event_id] = event
            results.append({"event_id": event.event_id, "status": "duplicate" if duplicate else "accepted",
                            "duplicate": duplicate})
        try:
            if fresh:
                future = commit.submit(list(fresh.values()))
                for event_id in fresh:
                    replay.in_flight[event_id] = future
                try:
                    await asyncio.shield(future)
                finally:
                    for event_id in fresh:
                        replay.in_flight.pop(event_id, None)
                replay.remember(list(fresh))
            for future in waits:  # the same id posted a moment ago: answer once that copy is stored
                await asyncio.shield(future)
        except Exception:  # already logged once by the committer
            return JSONResponse({"error": "events not stored (spool unavailable); retry later"},
                                status_code=503, headers={"Retry-After": "5"})
        if single:
            only = results[0]
            if only["status"] == "rejected":
                return JSONResponse({"error": only["error"]}, status_code=422)
            return JSONResponse({"event_id": only["event_id"], "duplicate": only["duplicate"]})
        counts = {status: sum(r["status"] == status for r in results) for status in ("accepted", "duplicate",
                                                                                      "rejected")}
        return JSONResponse({**counts, "results": results}, status_code=422 if counts["rejected"] == len(results)
                            else 200)

    return app


async def _body_within(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _json_problem(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno} column {error.colno}"
    return "not UTF-8 text"


def _item_bytes(item: Any) -> bytes:
    return json.dumps(item, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogatepass")


class JsonlRejectLog:
    """An ``on_reject`` that appends one JSON line per rejected request or event, fsync'd:
    ``{"at", "device_id", "reason", "raw"}`` (``raw`` as text when it is UTF-8, else ``raw_hex``)."""

    def __init__(self, path) -> None:  # noqa: ANN001 - a str or Path
        self.path = path

    def __call__(self, reason: str, raw: bytes, device_id: str | None) -> None:
        import os

        record: dict[str, Any] = {"at": datetime.now(UTC).isoformat(), "device_id": device_id, "reason": reason}
        try:
            record["raw"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            record["raw_hex"] = raw.hex()
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
