"""The real app (``cxmon serve`` in a subprocess, on a free 127.0.0.1 port, over a fresh home with a
SQLite catalog and a local object store) and Debian's chromium driven by Playwright.

Playwright's own browser download is not used: the tests launch ``/usr/bin/chromium``. Without it (or
without the playwright package) they skip, and fail instead in CI (``CXMON_TEST_REQUIRE_SERVICES=1``).
Screenshots go to a folder the run prints (``CXMON_TEST_SCREENSHOTS``, else a temporary one).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import require

CHROMIUM = Path(os.environ.get("CXMON_TEST_CHROMIUM", "/usr/bin/chromium"))
"""Debian's chromium; ``CXMON_TEST_CHROMIUM`` names another build of it."""
REPO = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium():
    """A headless chromium (Debian's) that may play audio without a user gesture."""
    require(importlib.util.find_spec("playwright") is not None, "playwright not installed (pip install cxmon[web])")
    require(CHROMIUM.exists(), f"{CHROMIUM} absent: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--autoplay-policy=no-user-gesture-required", "--mute-audio"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``(base_url, home, tokens)``: the app serving a seeded store (see ``seed.py``)."""
    from pipeline.settings import Settings
    from pipeline.store import open_store
    from tests.web.browser.seed import seed

    home = tmp_path_factory.mktemp("cxmon-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXMON_") or k.startswith("CXMON_TEST_")}
    env["CXMON_HOME"] = str(home)
    store = open_store(Settings(home=home))
    tokens = seed(store)
    store.catalog.close()
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--host", "127.0.0.1", "--port",
                                str(port)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/signin", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read().decode(errors="replace")
                pytest.fail(f"cxmon serve did not start on port {port}:\n{output[-3000:]}")
            time.sleep(0.2)
    yield base, home, tokens
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("CXMON_TEST_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture
def page(chromium, server):
    context = chromium.new_context(base_url=server[0], viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page, name: str, password: str | None = None) -> None:
    from tests.web.browser.seed import PASSWORD

    page.goto("/signin")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password or PASSWORD)
    page.click("button[type=submit]")
