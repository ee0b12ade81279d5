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


def test_a_settings_problem_names_the_setting_and_never_the_value(monkeypatch):
    from pipeline.settings_problems import settings_problems

    # pydantic's own message echoes every input: here the webhook secret and an author's name and phone
    for name, value in [("CXMON_ALARM_WEBHOOK_SECRET", "s3cr3t"), ("CXMON_TIMEZONE", "Mars/Olympus"),
                        ("CXMON_WORKERS", "many"), ("CXMON_SPEAKERS", "0"),
                        ("CXMON_CHAT_ROLES", '{"Иван Петров +7 916 123-45-67": "boss"}'),
                        ("CXMON_CHECKLISTS", '["a.yaml", 5]')]:
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    problems = settings_problems(caught.value)
    assert problems == [
        "workers (CXMON_WORKERS): Input should be a valid integer, unable to parse string as an integer",
        "speakers (CXMON_SPEAKERS): expected a whole number >= 1",
        "chat_roles (one entry, CXMON_CHAT_ROLES): Input should be 'agent', 'customer' or 'bot'",
        "timezone (CXMON_TIMEZONE): not a known time zone; expected an IANA name such as Europe/Moscow",
        "checklists[1] (CXMON_CHECKLISTS): Input is not a valid path for <class 'pathlib.Path'>",
    ]
    text = "\n".join(problems)
    for value in ("s3cr3t", "Mars", "many", "Иван", "916", "boss"):
        assert value not in text
    # pydantic's own text too, for the flows that build Settings() without the CLI
    assert not any(value in str(caught.value) for value in ("s3cr3t", "Mars", "many", "boss"))


def test_a_settings_file_problem_names_the_file_and_the_key(monkeypatch, tmp_path):
    config = tmp_path / "site.toml"
    config.write_text('wrokers = 3\ntimezone = "../../etc/passwd"\n')
    monkeypatch.setenv("CXMON_CONFIG", str(config))
    from pipeline.settings_problems import settings_problems

    with pytest.raises(ValidationError) as caught:
        Settings()
    assert settings_problems(caught.value) == [
        f"timezone (in {config}): not a known time zone; expected an IANA name such as Europe/Moscow",
        f"wrokers (in {config}): unknown setting; `cxmon config` lists the known ones"]


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql+psycopg://qa:pg-pass@db:5432/cxmon", "postgresql+psycopg://qa:***@db:5432/cxmon"),
    ("postgresql+psycopg://qa@db/cxmon?password=pg-pass&sslmode=require",
     "postgresql+psycopg://qa@db/cxmon?password=***&sslmode=require"),
    ("postgresql://db/cxmon?sslmode=verify-full&SSLPassword=pg-pass;application_name=cxmon",
     "postgresql://db/cxmon?sslmode=verify-full&SSLPassword=***;application_name=cxmon"),
    ("https://hooks.internal/cxmon?TOKEN=pg-pass&team=qa#access_token=pg-pass",
     "https://hooks.internal/cxmon?TOKEN=***&team=qa#access_token=***"),
    ("https://hooks.internal/x?api_key=pg-pass&Secret=pg-pass&key=pg-pass&X-Amz-Signature=pg-pass&n=1",
     "https://hooks.internal/x?api_key=***&Secret=***&key=***&X-Amz-Signature=***&n=1"),
    ("https://qa:pg/p@ss@hooks.internal:8443/x?y=1", "https://qa:***@hooks.internal:8443/x?y=1"),
    ("postgresql://qa:pg?pass@db/cxmon", "postgresql://qa:***@db/cxmon"),
    ("admin:pg-pass@minio.internal:9000", "admin:***@minio.internal:9000"),
    ("host=db user=qa password=pg-pass dbname=cxmon", "host=db user=qa password=*** dbname=cxmon"),
    ("mail.internal:25: 'mailer:pg-pass@mail.internal' refused",
     "mail.internal:25: 'mailer:***@mail.internal' refused"),
    ("refused: https://a:pg-pass@x/ and https://b:pg-pass@y/?token=pg-pass",
     "refused: https://a:***@x/ and https://b:***@y/?token=***"),
    # nothing secret: unchanged
    ("sqlite:////srv/cxmon/catalog.sqlite3", "sqlite:////srv/cxmon/catalog.sqlite3"),
    ("minio.internal:9000", "minio.internal:9000"),
    ("https://qa@hooks.internal/x?password=", "https://qa@hooks.internal/x?password="),
    ("http://[::1]:8080/x?to=qa@bank.example", "http://[::1]:8080/x?to=qa@bank.example"),
])
def test_masked_url_masks_every_secret_form(url, shown):
    from pipeline.masking import masked_url

    assert masked_url(url) == shown


def test_masked_masks_secrets_written_into_any_url_setting(monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", "postgresql+psycopg://qa@db/cxmon?sslmode=require&Password=pg-pass")
    monkeypatch.setenv("CXMON_S3_ENDPOINT", "admin:s3-pass@minio.internal:9000")
    monkeypatch.setenv("CXMON_ALARM_WEBHOOK_URL", "https://bot:hook-pass@hooks.internal/cxmon?token=hook-token")
    monkeypatch.setenv("CXMON_SMTP_HOST", "mailer:smtp-pass@mail.internal")
    masked = Settings().masked()
    assert masked["catalog_url"] == "postgresql+psycopg://qa@db/cxmon?sslmode=require&Password=***"
    assert masked["s3_endpoint"] == "admin:***@minio.internal:9000"
    assert masked["alarm_webhook_url"] == "https://bot:***@hooks.internal/cxmon?token=***"
    assert masked["smtp_host"] == "mailer:***@mail.internal"
    assert not any(s in repr(masked) for s in ("pg-pass", "s3-pass", "hook-pass", "hook-token", "smtp-pass"))


@pytest.mark.parametrize("url", ["", "foo", "mysql://root@h/db", "sqlite:///x y"])
def test_a_catalog_url_that_is_no_database_url_is_named_not_shown(monkeypatch, url):
    from pydantic import ValidationError

    from pipeline.settings_problems import settings_problems

    monkeypatch.setenv("CXMON_CATALOG_URL", url)
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert settings_problems(caught.value) == [
        "catalog_url (CXMON_CATALOG_URL): not a database URL; expected e.g. postgresql+psycopg://user@host/cxmon "
        "or sqlite:///path"]
