"""One settings object for the whole system: defaults < TOML file < ``CXMON_*`` environment.

The TOML file is ``$CXMON_CONFIG`` if set, else ``./cxmon.toml`` if it exists. Its keys are the
field names below (``object_store = "s3"``, ``s3_endpoint = "minio:9000"``, ...).
"""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from typing import Any, Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

DEFAULT_CONFIG_FILE = Path("cxmon.toml")


def config_file() -> Path | None:
    """The TOML file in force, or None when there is none."""
    named = os.environ.get("CXMON_CONFIG")
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"CXMON_CONFIG={named}: no such file")
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CXMON_", extra="forbid")

    home: Path = Path("~/.cxmon")
    """Where the embedded store keeps its files (objects/ and catalog.sqlite3)."""

    object_store: Literal["local", "s3"] = "local"
    objects_dir: Path | None = None
    """Directory of the local object store; default ``{home}/objects``."""

    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = ""
    s3_secret_key: SecretStr = SecretStr("")
    s3_bucket: str = "cxmon"
    s3_secure: bool = False
    s3_region: str | None = None

    catalog_url: SecretStr | None = None
    """SQLAlchemy URL; default ``sqlite:///{home}/catalog.sqlite3``. PostgreSQL:
    ``postgresql+psycopg://user:password@host:5432/cxmon``."""

    workers: int = 2
    """Contacts processed at once by the process flow."""

    language: Literal["ru", "en"] = "ru"
    """Language of calls, passed to Whisper explicitly (auto-detection is weak on short Russian audio)."""

    whisper_model: str = "base"
    """``base``: the multilingual model the ``speech`` extra ships; or a CTranslate2 model directory."""

    whisper_compute_type: str = "int8"

    diarization_pipeline: Path | None = None
    """A local pyannote.audio pipeline (its config.yaml, with the weights it names beside it) for
    mono calls; default: the built-in VAD + speaker-embedding clustering, which needs no download."""

    speakers: int = 2
    """Speakers expected in a mono call (agent and customer)."""

    pii_redaction: bool = True
    """Tag phone numbers, e-mails, card and passport numbers in stored transcripts."""

    keep_unredacted: bool = False
    """Also keep the originals: the unredacted call transcript as an object under ``unredacted/``, and
    a chat export's raw bytes under ``raw/`` (restrict access to both)."""

    chat_roles: dict[str, Literal["agent", "customer", "bot"]] = {}
    """Author names in messenger exports (Telegram, WhatsApp) and their roles, e.g.
    ``{"Анна Поддержка" = "agent"}``; a chat's ``.meta.json`` ``roles`` add to these."""

    phrase_dictionaries: dict[Literal["ru", "en"], Path] = {}
    """Your own phrase-tag dictionaries (TOML, as ``pipeline/text/phrases_ru.toml``) by language,
    used instead of the shipped ones, e.g. ``{ru = "/etc/cxmon/phrases_ru.toml"}``."""

    csi_model_dir: Path | None = None
    """A CSI model retrained on this site's surveyed contacts (``cxmon model train csi``); default:
    the model shipped in ``models/csi`` (trained on the USS dialogues)."""

    average_check: float | None = None
    """Money one customer brings on average; the survey report's ``money_at_risk`` = detractors x this."""

    survey_answer_window_days: float = 7
    """Days a customer has to answer a survey before the invitation counts as ignored."""

    timezone: str = "UTC"
    """IANA time zone of times written without an offset (WhatsApp exports), e.g. ``Europe/Moscow``."""

    checklists: list[Path] = []
    """QA checklists (YAML, as ``pipeline/checklists/examples/*.yaml``) scored on every contact they
    apply to, instead of the shipped examples."""

    alarm_rules: list[Path] = []
    """Alarm rule files (YAML, as ``pipeline/alarms/default_rules.yaml``), instead of the shipped rules."""

    alarm_webhook_url: str | None = None
    """Where the ``webhook`` sink POSTs each alarm as JSON, e.g. ``https://hooks.internal/cxmon``."""

    alarm_webhook_secret: SecretStr = SecretStr("")
    """Key of the HMAC-SHA256 signature in the ``X-Cxmon-Signature`` header; the webhook sink needs one."""

    alarm_webhook_timeout_s: float = 5.0
    """Seconds to wait for the webhook receiver (then one retry)."""

    smtp_host: str | None = None
    """SMTP server of the ``email`` sink."""

    smtp_port: int = 25
    smtp_from: str = "cxmon@localhost"
    smtp_user: str = ""
    """Login name, when the SMTP server wants one (with ``smtp_password``)."""

    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    """Switch to TLS with STARTTLS before logging in."""

    alarm_email_to: list[str] = []
    """Who the ``email`` sink writes to."""

    @model_validator(mode="after")
    def _expand_home(self) -> "Settings":
        self.home = self.home.expanduser()
        if self.objects_dir is not None:
            self.objects_dir = self.objects_dir.expanduser()
        if self.workers < 1:
            raise ValueError(f"workers={self.workers}; expected >= 1")
        if self.speakers < 1:
            raise ValueError(f"speakers={self.speakers}; expected >= 1")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone={self.timezone!r}; expected an IANA name such as Europe/Moscow") from None
        if self.diarization_pipeline is not None:
            self.diarization_pipeline = self.diarization_pipeline.expanduser()
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_path = config_file()
        if toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    def objects_path(self) -> Path:
        return self.objects_dir or self.home / "objects"

    def catalog_url_value(self) -> str:
        if self.catalog_url is not None:
            return self.catalog_url.get_secret_value()
        return f"sqlite:///{self.home / 'catalog.sqlite3'}"

    def masked(self) -> dict[str, Any]:
        """The effective settings as plain values, with every secret replaced by ``***``."""
        from sqlalchemy.engine import make_url

        values = self.model_dump(mode="json")
        values["s3_secret_key"] = "***" if self.s3_secret_key.get_secret_value() else ""
        values["alarm_webhook_secret"] = "***" if self.alarm_webhook_secret.get_secret_value() else ""
        values["smtp_password"] = "***" if self.smtp_password.get_secret_value() else ""
        values["catalog_url"] = make_url(self.catalog_url_value()).render_as_string(hide_password=True)
        values["objects_dir"] = str(self.objects_path())
        values["config_file"] = str(config_file()) if config_file() else None
        return values
