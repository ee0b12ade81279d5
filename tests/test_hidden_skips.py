"""Tests that cannot hide: in CI a missing data set fails the test that needs it instead of skipping it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA, require_shared


def test_missing_shared_data_skips_on_a_laptop(monkeypatch, tmp_path):
    monkeypatch.delenv("CXMON_TEST_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="nothing-here.wav absent"):
        require_shared(tmp_path / "nothing-here.wav")


def test_missing_shared_data_fails_in_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CXMON_TEST_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="nothing-here.wav absent"):
        require_shared(tmp_path / "nothing-here.wav", Path(__file__))


def test_present_data_passes(monkeypatch):
    monkeypatch.setenv("CXMON_TEST_REQUIRE_SERVICES", "1")
    require_shared(Path(__file__))


def test_shared_data_is_here_in_ci():
    # CI lays ../shared beside the clone; the accuracy tests read it.
    require_shared(SHARED_DATA / "README.md")


def test_xfail_is_strict(pytestconfig):
    assert pytestconfig.getini("xfail_strict") is True
