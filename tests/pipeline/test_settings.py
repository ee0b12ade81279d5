from __future__ import annotations

import pytest
from pydantic import ValidationError

from pipeline.settings import Settings


def test_defaults_put_everything_under_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = Settings()
    assert settings.home == tmp_path / ".cxmon"
    assert settings.objects_path() == tmp_path / ".cxmon" / "objects"
    assert settings.catalog_url_value() == f"sqlite:///{tmp_path / '.cxmon' / 'catalog.sqlite3'}"
    assert settings.object_store == "local"


def test_toml_file_then_environment_wins(monkeypatch, tmp_path):
    config = tmp_path / "site.toml"
    config.write_text('object_store = "s3"\ns3_endpoint = "minio.local:9000"\ns3_bucket = "calls"\nworkers = 4\n')
    monkeypatch.setenv("CXMON_CONFIG", str(config))
    monkeypatch.setenv("CXMON_S3_BUCKET", "calls-from-env")
    settings = Settings()
    assert (settings.object_store, settings.s3_endpoint, settings.workers) == ("s3", "minio.local:9000", 4)
    assert settings.s3_bucket == "calls-from-env"


def test_cxmon_toml_in_the_working_directory_is_read(tmp_path):
    (tmp_path / "cxmon.toml").write_text('home = "/srv/cxmon"\n')  # conftest chdirs into tmp_path
    assert str(Settings().home) == "/srv/cxmon"


def test_masked_hides_every_secret(monkeypatch):
    monkeypatch.setenv("CXMON_S3_SECRET_KEY", "s3cr3t-key")
    monkeypatch.setenv("CXMON_CATALOG_URL", "postgresql+psycopg://qa:pg-pass@db:5432/cxmon")
    masked = Settings().masked()
    text = repr(masked)
    assert "s3cr3t-key" not in text and "pg-pass" not in text
    assert masked["s3_secret_key"] == "***"
    assert masked["catalog_url"] == "postgresql+psycopg://qa:***@db:5432/cxmon"


@pytest.mark.parametrize(("name", "value"), [("CXMON_OBJECT_STORE", "ftp"), ("CXMON_WORKERS", "0")])
def test_bad_values_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_missing_config_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("CXMON_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(FileNotFoundError, match="nope.toml: no such file"):
        Settings()
