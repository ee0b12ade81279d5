"""Open the QA workspace over a filled store (after ``cxmon demo``) the way its users do, over real HTTP.

    CXMON_HOME=~/.cxmon .venv/bin/python scripts/check_workspace.py

Adds a reviewer, an operator (of the store's first operator's contacts) and a supervisor, starts
``cxmon serve`` on a free port, and checks: the reviewer's token lists the contacts, opens one with its
transcript, plays the recording with a Range; the queue, contact, dashboard, calibration, disputes and
coaching pages answer 200 with their content; the operator's own page shows, and another operator's
contact is 404 for them. Exit 1 with what failed; the server's output is shown then.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CXMON = [sys.executable, "-m", "pipeline.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def _add_user(name: str, role: str, *extra: str) -> str:
    made = subprocess.run([*CXMON, "users", "add", name, "--role", role, *extra, "--json"], cwd=REPO,
                          capture_output=True, text=True, check=True)
    return json.loads(made.stdout)["token"]


def check(base: str, failures: list[str]) -> None:
    def expect(ok: bool, what: str) -> None:
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    suffix = uuid.uuid4().hex[:6]
    reviewer = _add_user(f"check-reviewer-{suffix}", "reviewer", "--language", "en")
    status, body, _ = _get(f"{base}/api/contacts?limit=500", reviewer)
    items = json.loads(body)["items"] if status == 200 else []
    expect(status == 200 and len(items) > 0, f"GET /api/contacts: {status}, {len(items)} contacts")
    if not items:
        return
    calls = [c for c in items if c["channel"] == "call"]
    first = (calls or items)[0]
    status, body, _ = _get(f"{base}/api/contacts/{first['contact_id']}", reviewer)
    detail = json.loads(body) if status == 200 else {}
    turns = detail.get("transcript") or []
    expect(status == 200 and len(turns) > 0, f"GET /api/contacts/{first['contact_id']}: {status}, {len(turns)} turns")
    if calls:
        status, body, headers = _get(f"{base}/api/contacts/{first['contact_id']}/audio", reviewer,
                                     {"Range": "bytes=0-1023"})
        expect(status == 206 and len(body) == 1024, f"audio Range 0-1023: {status}, {len(body)} bytes")
    pages = {"/queue": 'id="counts"', f"/contacts/{first['contact_id']}": "transcript", "/contacts": "<table",
             "/dashboard": "<svg", "/calibration": "<h1", "/disputes": "<h1", "/coaching": "<h1"}
    for path, needle in pages.items():
        status, body, _ = _get(f"{base}{path}?lang=en", reviewer)
        expect(status == 200 and needle.encode() in body.lower(), f"GET {path}: {status}, {len(body):,} bytes")
    operators = sorted({c["operator_id"] for c in items if c["operator_id"]})
    if operators:
        mine = operators[0]
        operator = _add_user(f"check-operator-{suffix}", "operator", "--operator-id", mine, "--language", "en")
        status, body, _ = _get(f"{base}/me?lang=en", operator)
        expect(status == 200 and b"<svg" in body, f"GET /me as operator {mine}: {status}")
        own = sum(c["operator_id"] == mine for c in items)
        status, body, _ = _get(f"{base}/api/me/summary", operator)
        counted = json.loads(body)["totals"]["contacts"] if status == 200 else None
        expect(counted == own, f"GET /api/me/summary as {mine}: {counted} contacts, {own} in the list")
        theirs = [c for c in items if c["operator_id"] not in (None, mine)]
        if theirs:
            status, _, _ = _get(f"{base}/contacts/{theirs[0]['contact_id']}", operator)
            expect(status == 404, f"another operator's contact as {mine}: {status}")
            status, _, _ = _get(f"{base}/api/contacts/{theirs[0]['contact_id']}/audio", operator)
            expect(status == 404, f"another operator's audio as {mine}: {status}")
        status, body, _ = _get(f"{base}/api/contacts", operator)
        seen = {c["operator_id"] for c in json.loads(body)["items"]} if status == 200 else set()
        expect(status == 200 and seen <= {mine}, f"GET /api/contacts as {mine}: only their own ({sorted(seen)})")


def main() -> int:
    port = _free_port()
    server = subprocess.Popen([*CXMON, "serve", "--port", str(port)], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    failures: list[str] = []
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/signin", timeout=1).close()
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        check(base, failures)
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    if failures:
        print(f"check_workspace: {len(failures)} failed (CXMON_HOME={os.environ.get('CXMON_HOME', '~/.cxmon')}); "
              f"cxmon serve said:\n{output[-3000:]}", file=sys.stderr)
        return 1
    print("check_workspace: the workspace works over this store")
    return 0


if __name__ == "__main__":
    sys.exit(main())
