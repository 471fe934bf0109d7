"""One immutable settings object, read from the environment once.

Stage values come from `.chalice/config.json` (on Lambda and under `chalice local`) or from the
local stack / test fixtures. Defaults are the safe, production ones; conveniences that only make
sense on a developer's machine (a fixed OTP answer, webhooks to loopback, a built-in data key)
switch on only when OBP_STAGE is `local` (or `test` for the test suite).

Names of AWS resources derive from OBP_RESOURCE_PREFIX (one per deployed stage, so dev and prod
share an account); infra/resources.yaml uses the same fields, see scripts/aws_resources.py.
On AWS the data key is an SSM SecureString named by OBP_DATA_KEY_PARAMETER, read at first use
(import stays free of network calls); OBP_DATA_KEY itself is for the local stage and tests.
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


def _env_seconds_list(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    values = _env_list(name)
    if not values:
        return default
    seconds = tuple(int(v) for v in values)
    if any(s < 0 for s in seconds):
        raise ValueError(f"{name} must list non-negative seconds")
    return seconds


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    resource_prefix: str
    table_name: str
    email_queue: str
    sms_queue: str
    webhook_queue: str
    hostname: str
    data_key_b64: str = field(repr=False)
    data_key_parameter: str
    token_ttl_seconds: int
    max_bad_login_attempts: int
    super_admin_user_ids: tuple[str, ...]
    outbox_dir: str
    email_sender: str
    sms_type: str
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
    consent_challenges_per_day: int  # per user: each sends an e-mail or SMS (OWASP API4 pumping)
    # scrypt work factor for new password hashes (each hash records its own, so it can change).
    password_scrypt_n: int
    # Set per SQS-triggered function from its queue's redrive policy (0: unknown).
    max_receive_count: int
    # User invitations: the web page the invitation link opens (OBP's portal), and how long it is valid.
    portal_url: str
    user_invitation_ttl_seconds: int
    # Payments (OBP's transactionRequests_payment_limit) and Idempotency-Key retention.
    payment_limit: Decimal
    idempotency_ttl_seconds: int
    # Webhook delivery (Standard Webhooks; Svix's schedule). The schedule lists the delays before
    # attempts 2, 3, ...; each delay gets +/- jitter_percent of random jitter.
    webhook_retry_schedule: tuple[int, ...]
    webhook_retry_jitter_percent: int
    webhook_timeout_seconds: int
    webhook_max_response_bytes: int
    webhook_disable_after_hours: int
    webhook_delivery_retention_days: int
    webhook_secret_overlap_seconds: int

    @property
    def webhook_dead_letter_queue(self) -> str:
        """infra/resources.yaml names every dead-letter queue after its queue."""
        return f"{self.webhook_queue}-dlq"
    # Enterprise API (/v1): lifetime of the bearer access tokens of POST /v1/oauth/token.
    enterprise_token_ttl_seconds: int
    # Enterprise payments: created -> expired after this long; the hosted page allows this many
    # sign-in attempts; a payment left processing (or a refund pending) this long is resumed.
    payment_expiry_seconds: int = 1800
    checkout_sign_in_attempts: int = 5
    payment_resume_after_seconds: int = 120
    # Recurring payment methods: the longest a mandate (the payer's VRP consent) lives without an
    # end_date. Settlements: the fee schedule of profiles without their own (JSON, see
    # services/enterprise/fees.py; empty: that module's documented default).
    mandate_max_days: int = 1830
    default_fee_schedule: str = ""

    @property
    def is_local(self) -> bool:
        return self.stage in LOCAL_STAGES

    @property
    def data_key(self) -> bytes:
        encoded = self.data_key_b64
        if not encoded and self.data_key_parameter:
            from chalicelib import aws  # on first use only: it may call SSM

            encoded = aws.secure_parameter(self.data_key_parameter)
        if not encoded:
            raise RuntimeError("neither OBP_DATA_KEY nor OBP_DATA_KEY_PARAMETER is set; one is required outside the local stage")
        key = base64.b64decode(encoded)
        if len(key) != 32:
            raise RuntimeError("OBP_DATA_KEY must be 32 bytes, base64-encoded")
        return key


def _load() -> Settings:
    stage = _env("OBP_STAGE", "prod")
    local = stage in LOCAL_STAGES
    prefix = _env("OBP_RESOURCE_PREFIX", "obp")
    return Settings(
        stage=stage,
        region=_env("AWS_REGION") or _env("AWS_DEFAULT_REGION", "us-east-1"),
        resource_prefix=prefix,
        table_name=_env("OBP_TABLE_NAME", prefix),
        email_queue=_env("OBP_EMAIL_QUEUE", f"{prefix}-email"),
        sms_queue=_env("OBP_SMS_QUEUE", f"{prefix}-sms"),
        webhook_queue=_env("OBP_WEBHOOK_QUEUE", f"{prefix}-webhooks"),
        hostname=_env("OBP_HOSTNAME", "http://127.0.0.1:8000"),
        data_key_b64=_env("OBP_DATA_KEY", _DEV_DATA_KEY if local else ""),
        data_key_parameter=_env("OBP_DATA_KEY_PARAMETER"),
        token_ttl_seconds=_env_int("OBP_TOKEN_TTL_SECONDS", 4 * 7 * 24 * 3600),
        max_bad_login_attempts=_env_int("OBP_MAX_BAD_LOGIN_ATTEMPTS", 5),
        super_admin_user_ids=_env_list("OBP_SUPER_ADMIN_USER_IDS"),
        outbox_dir=_env("OUTBOX_DIR", ".local/outbox"),
        email_sender=_env("OBP_EMAIL_SENDER", "no-reply@obp.local"),
        sms_type=_env("OBP_SMS_TYPE", "Transactional"),
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
        consent_challenges_per_day=_env_int("OBP_CONSENT_CHALLENGES_PER_DAY", 20),
        password_scrypt_n=_env_int("OBP_PASSWORD_SCRYPT_N", 2**14),
        max_receive_count=_env_int("OBP_MAX_RECEIVE_COUNT", 0),
        portal_url=_env("OBP_PORTAL_URL") or _env("OBP_HOSTNAME", "http://127.0.0.1:8000"),
        user_invitation_ttl_seconds=_env_int("OBP_USER_INVITATION_TTL_SECONDS", 24 * 3600),
        payment_limit=Decimal(_env("OBP_PAYMENT_LIMIT", "100000")),
        idempotency_ttl_seconds=_env_int("OBP_IDEMPOTENCY_TTL_SECONDS", 24 * 3600),
        webhook_retry_schedule=_env_seconds_list(
            "OBP_WEBHOOK_RETRY_SCHEDULE", (5, 300, 1800, 7200, 18000, 36000, 36000)
        ),
        webhook_retry_jitter_percent=_env_int("OBP_WEBHOOK_RETRY_JITTER_PERCENT", 10),
        webhook_timeout_seconds=_env_int("OBP_WEBHOOK_TIMEOUT_SECONDS", 15),
        webhook_max_response_bytes=_env_int("OBP_WEBHOOK_MAX_RESPONSE_BYTES", 64 * 1024),
        webhook_disable_after_hours=_env_int("OBP_WEBHOOK_DISABLE_AFTER_HOURS", 120),
        webhook_delivery_retention_days=_env_int("OBP_WEBHOOK_DELIVERY_RETENTION_DAYS", 30),
        webhook_secret_overlap_seconds=_env_int("OBP_WEBHOOK_SECRET_OVERLAP_SECONDS", 24 * 3600),
        enterprise_token_ttl_seconds=_env_int("OBP_ENTERPRISE_TOKEN_TTL_SECONDS", 3600),
        payment_expiry_seconds=_env_int("OBP_PAYMENT_EXPIRY_SECONDS", 1800),
        checkout_sign_in_attempts=_env_int("OBP_CHECKOUT_SIGN_IN_ATTEMPTS", 5),
        payment_resume_after_seconds=_env_int("OBP_PAYMENT_RESUME_AFTER_SECONDS", 120),
        mandate_max_days=_env_int("OBP_MANDATE_MAX_DAYS", 1830),
        default_fee_schedule=_env("OBP_DEFAULT_FEE_SCHEDULE"),
    )


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return _load()


def reload_settings() -> Settings:
    """Forget the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
    return get_settings()
