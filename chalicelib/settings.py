"""One immutable settings object, read from the environment once.

Stage values come from `.chalice/config.json` (on Lambda and under `chalice local`) or from the
local stack / test fixtures. Defaults are the safe, production ones; conveniences that only make
sense on a developer's machine (a fixed OTP answer, webhooks to loopback, a built-in data key)
switch on only when OBP_STAGE is `local` (or `test` for the test suite).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import os
from dataclasses import dataclass, field
from decimal import Decimal

LOCAL_STAGES = frozenset({"local", "test"})

# Only for local and test stages: a fixed, public key so a developer needs no set-up.
_DEV_DATA_KEY = base64.b64encode(hashlib.sha256(b"obp-serverless local development key").digest()).decode()


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    return int(raw) if raw else default


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name).lower()
    if not raw:
        return default
    return raw in ("1", "true", "yes", "on")


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _env(name).split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_name: str
    email_queue: str
    sms_queue: str
    webhook_queue: str
    hostname: str
    data_key_b64: str = field(repr=False)
    token_ttl_seconds: int
    max_bad_login_attempts: int
    super_admin_user_ids: tuple[str, ...]
    outbox_dir: str
    email_sender: str
    git_commit: str
    hosted_by_organisation: str
    hosted_by_email: str
    hosted_by_phone: str
    hosted_by_website: str
    # Money movement and challenges (OBP props of the same meaning).
    challenge_threshold: Decimal
    challenge_currency: str
    challenge_ttl_seconds: int
    challenge_allowed_attempts: int
    otp_transport: str
    # Consents.
    consent_max_ttl_seconds: int
    consent_otp_ttl_seconds: int
    # Enterprise API (/v1): lifetime of the bearer access tokens of POST /v1/oauth/token.
    enterprise_token_ttl_seconds: int

    @property
    def is_local(self) -> bool:
        return self.stage in LOCAL_STAGES

    @property
    def data_key(self) -> bytes:
        if not self.data_key_b64:
            raise RuntimeError("OBP_DATA_KEY is not set; it is required outside the local stage")
        key = base64.b64decode(self.data_key_b64)
        if len(key) != 32:
            raise RuntimeError("OBP_DATA_KEY must be 32 bytes, base64-encoded")
        return key


def _load() -> Settings:
    stage = _env("OBP_STAGE", "prod")
    local = stage in LOCAL_STAGES
    return Settings(
        stage=stage,
        region=_env("AWS_REGION") or _env("AWS_DEFAULT_REGION", "us-east-1"),
        table_name=_env("OBP_TABLE_NAME", "obp"),
        email_queue=_env("OBP_EMAIL_QUEUE", "obp-email"),
        sms_queue=_env("OBP_SMS_QUEUE", "obp-sms"),
        webhook_queue=_env("OBP_WEBHOOK_QUEUE", "obp-webhooks"),
        hostname=_env("OBP_HOSTNAME", "http://127.0.0.1:8000"),
        data_key_b64=_env("OBP_DATA_KEY", _DEV_DATA_KEY if local else ""),
        token_ttl_seconds=_env_int("OBP_TOKEN_TTL_SECONDS", 4 * 7 * 24 * 3600),
        max_bad_login_attempts=_env_int("OBP_MAX_BAD_LOGIN_ATTEMPTS", 5),
        super_admin_user_ids=_env_list("OBP_SUPER_ADMIN_USER_IDS"),
        outbox_dir=_env("OUTBOX_DIR", ".local/outbox"),
        email_sender=_env("OBP_EMAIL_SENDER", "no-reply@obp.local"),
        git_commit=_env("OBP_GIT_COMMIT", "unknown"),
        hosted_by_organisation=_env("OBP_HOSTED_BY_ORGANISATION", "OBP Serverless"),
        hosted_by_email=_env("OBP_HOSTED_BY_EMAIL", "contact@obp.local"),
        hosted_by_phone=_env("OBP_HOSTED_BY_PHONE", ""),
        hosted_by_website=_env("OBP_HOSTED_BY_WEBSITE", ""),
        challenge_threshold=Decimal(_env("OBP_CHALLENGE_THRESHOLD", "1000")),
        challenge_currency=_env("OBP_CHALLENGE_CURRENCY", "EUR"),
        challenge_ttl_seconds=_env_int("OBP_CHALLENGE_TTL_SECONDS", 600),
        challenge_allowed_attempts=_env_int("OBP_CHALLENGE_ALLOWED_ATTEMPTS", 3),
        otp_transport=_env("OBP_OTP_TRANSPORT", "SMS").upper(),
        consent_max_ttl_seconds=_env_int("OBP_CONSENT_MAX_TTL_SECONDS", 3600),
        consent_otp_ttl_seconds=_env_int("OBP_CONSENT_OTP_TTL_SECONDS", 600),
        enterprise_token_ttl_seconds=_env_int("OBP_ENTERPRISE_TOKEN_TTL_SECONDS", 3600),
    )


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return _load()


def reload_settings() -> Settings:
    """Forget the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
    return get_settings()
