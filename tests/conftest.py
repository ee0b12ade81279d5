"""Shared fixtures: isolated settings, the store backends every store test runs against, and a
Prefect server that stops before pytest closes its output.

S3 and PostgreSQL tests need the live servers that ``scripts/services.sh start`` runs; they
skip without them, and fail instead when ``CXMON_TEST_REQUIRE_SERVICES=1`` (as in CI).
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def require(condition: bool, reason: str) -> None:
    """Skip the test when ``condition`` is false, or fail when services are required."""
    if condition:
        return
    if os.environ.get("CXMON_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (CXMON_TEST_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def require_shared(*paths: Path) -> None:
    """Skip the test when any of ``paths`` (under ../shared/data) is absent; fail instead in CI
    (``CXMON_TEST_REQUIRE_SERVICES=1``), where a missing data set must not pass unseen."""
    missing = [str(p) for p in paths if not p.exists()]
    require(not missing, f"{', '.join(missing)} absent (../shared/data, see its README)")


def pytest_runtest_setup(item):
    """``@pytest.mark.shared_data(PATH, ...)``: the test reads these paths of ../shared/data."""
    for marker in item.iter_markers("shared_data"):
        require_shared(*(Path(p) for p in marker.args))


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test sees the developer's CXMON_* settings or cxmon.toml."""
    for name in list(os.environ):
        if name.startswith("CXMON_") and not name.startswith("CXMON_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session", autouse=True)
def _prefect_server_stopped_before_pytest_output_closes():
    """Stop the temporary Prefect API server at the end of the session, not at interpreter exit.

    A flow run in-process outside ``prefect_test_harness`` (``cxmon model train csi`` through
    CliRunner) starts Prefect's temporary server, which stops itself with ``atexit``. By then pytest
    has closed the capture stream that Prefect's console log handler took as ``sys.stderr`` at
    import, and "Stopping temporary server" ends the run with a ``--- Logging error ---``
    traceback. Here, as the harness does, the API log and event workers are drained first, then
    the server is stopped while that stream is still open.
    """
    yield
    if "prefect.server.api.server" not in sys.modules:
        return  # no test ran a flow: do not import Prefect just to find nothing running
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.server.api.server import SubprocessASGIServer

    APILogWorker.drain_all()
    EventsWorker.drain_all()
    SubprocessASGIServer().stop()  # the ephemeral server, when one runs; a no-op otherwise


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("CXMON_HOME", str(path))
    return path


@pytest.fixture(params=["local", "s3"])
def object_store(request, tmp_path):
    if request.param == "local":
        from pipeline.store import LocalObjectStore

        yield LocalObjectStore(tmp_path / "objects")
        return
    endpoint = os.environ.get("CXMON_TEST_S3_ENDPOINT")
    require(bool(endpoint), "no S3 server: run `eval \"$(bash scripts/services.sh start)\"`")
    from pipeline.store.s3 import S3ObjectStore

    store = S3ObjectStore(
        endpoint,
        os.environ["CXMON_TEST_S3_ACCESS_KEY"],
        os.environ["CXMON_TEST_S3_SECRET_KEY"],
        f"cxmon-test-{uuid.uuid4().hex[:12]}",
    )
    yield store
    for key in store.list():
        store.delete(key)
    store._client.remove_bucket(store.bucket)


@contextmanager
def postgres_database():
    """A new, empty database on the live PostgreSQL server; yields its URL, drops it after."""
    admin_url = os.environ.get("CXMON_TEST_POSTGRES_URL")
    require(bool(admin_url), "no PostgreSQL server: run `eval \"$(bash scripts/services.sh start)\"`")
    import sqlalchemy as sa

    name = f"cxmon_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
        return
    with postgres_database() as url:
        yield url


@pytest.fixture
def store(object_store, catalog_url):
    from pipeline.catalog import Catalog
    from pipeline.store import Store

    catalog = Catalog(catalog_url)
    yield Store(objects=object_store, catalog=catalog)
    catalog.close()


def tone(seconds: float, *, rate_hz: int, freq_hz: float = 440.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(round(seconds * rate_hz))) / rate_hz
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def write_audio(path: Path, samples: np.ndarray, rate_hz: int, **kwargs) -> Path:
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, rate_hz, **kwargs)
    return path


def stereo_call(path: Path, *, seconds: float = 3.0, rate_hz: int = 8000, **kwargs) -> Path:
    """Agent tone on the left, a quieter customer tone on the right."""
    left = tone(seconds, rate_hz=rate_hz, freq_hz=300.0, amplitude=0.5)
    right = tone(seconds, rate_hz=rate_hz, freq_hz=500.0, amplitude=0.25)
    return write_audio(path, np.stack([left, right], axis=1), rate_hz, **kwargs)


def has_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


def has_festival_ru() -> bool:
    """Festival with its Russian voice (Debian: festival festvox-ru), for Russian speech Whisper can hear."""
    from pipeline.speech.synth import festival_ru_available

    return festival_ru_available()
