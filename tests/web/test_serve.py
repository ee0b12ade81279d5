"""``cxmon serve`` on uvicorn, over real HTTP: a token made by ``cxmon users add --json`` opens the API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_answers_the_contract_over_http(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXMON_") or k.startswith("CXMON_TEST_")}
    env["CXMON_HOME"] = str(tmp_path / "home")
    cxmon = [sys.executable, "-m", "pipeline.cli"]
    added = subprocess.run([*cxmon, "users", "add", "rita", "--role", "reviewer", "--json"], env=env, cwd=REPO,
                           capture_output=True, text=True, check=True)
    token = json.loads(added.stdout)["token"]
    port = _free_port()
    server = subprocess.Popen([*cxmon, "serve", "--port", str(port)], env=env, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/openapi.json", timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                time.sleep(0.1)
        assert _get(f"{base}/api/contacts")[0] == 401
        assert _get(f"{base}/api/contacts", token[:-2])[0] == 401
        assert _get(f"{base}/api/contacts", token) == (200, {"items": [], "total": 0, "limit": 50, "offset": 0})
        assert _get(f"{base}/api/contacts/nope", token)[0] == 404
    finally:
        server.terminate()
        server.wait(timeout=10)


def _post_signin(base: str, name: str, forwarded_for: str) -> int:
    body = json.dumps({"name": name, "password": "wrong"}).encode()
    request = urllib.request.Request(f"{base}/signin", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Forwarded-For": forwarded_for})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_the_one_limited(tmp_path):
    """20 failed sign-ins from one client behind the proxy lock that client out, not everyone behind it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXMON_") or k.startswith("CXMON_TEST_")}
    env["CXMON_HOME"] = str(tmp_path / "home")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--port", str(port),
                               "--trusted-proxy", "127.0.0.1"], env=env, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/openapi.json", timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                time.sleep(0.1)
        statuses = [_post_signin(base, f"guess-{i}", "203.0.113.7") for i in range(20)]
        assert statuses == [401] * 20
        assert _post_signin(base, "guess-20", "203.0.113.7") == 429
        assert _post_signin(base, "guess-21", "203.0.113.8") == 401  # another client behind the same proxy
    finally:
        server.terminate()
        server.wait(timeout=10)
