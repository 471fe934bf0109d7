"""Every setting of the service, typed, in one place: read from the environment once.

Three pydantic-settings models: `Settings`, what the application reads in every stage
(`get_settings()`); `BootstrapSettings`, the first super admin and consumer (`scripts/bootstrap.py`,
`make run`); `LocalStackSettings`, the ports and demo data of `make run`. Each field names its
environment variable, its type, default and meaning; README's settings table is generated from
them (`python -m scripts.settings_table`, checked by tests/unit/test_settings.py). A bad value
stops start-up with a `SettingsError` naming the variable, the value and what is expected.

Stage values come from `.chalice/config.json` (on Lambda and in the local stack) or from the
test fixtures. Defaults are the safe, production ones; conveniences that only make sense on a
developer's machine (a fixed data key, webhooks to loopback, readable console logs) switch on only
when OBP_STAGE is `local` (or `test` for the test suite).

Names of AWS resources derive from OBP_RESOURCE_PREFIX (one per deployed stage, so dev and prod
share an account); infra/resources.yaml uses the same fields, see scripts/aws_resources.py.
On AWS the data key is an SSM SecureString named by OBP_DATA_KEY_PARAMETER, read at first use
(import stays free of network calls); OBP_DATA_KEY itself is for the local stage and tests.

Adding a setting: a field with `setting(ENV_NAME, default, "meaning")` and a type (constraints
such as `gt=0` are checked at start-up), then `make readme`.

The models are pydantic-settings' `BaseSettings`, reading environment variables only (no
`.env` file, secrets directory or command line: nothing reads a file); an empty or blank variable
counts as unset. `load` turns a bad value into `SettingsError`. Importing pydantic-settings costs
a cold start about 26-42 ms of CPU (it loads all its sources; measured in issue 12), within the
budget of `make bench`.
"""
from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AliasChoices, BaseModel, ConfigDict, Field, Json, ValidationError, field_validator, model_validator,
)
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

LOCAL_STAGES = frozenset({"local", "test"})

# Only for local and test stages: a fixed, public key so a developer needs no set-up.
_DEV_DATA_KEY = base64.b64encode(hashlib.sha256(b"obp-serverless local development key").digest()).decode()

_LOCAL_HOSTNAME = "http://127.0.0.1:8000"


class SettingsError(ValueError):
    """A setting's value is not what the service expects; the message says which, and why."""


def setting(env: str | tuple[str, ...], default: Any, meaning: str, *, shown_default: str | None = None,
            expected: str | None = None, secret: bool = False, **constraints: Any) -> Any:
    """A field read from the environment variable `env` (the first set of several).

    `shown_default` is how README shows a default that is derived from other settings;
    `expected` overrides the description of valid values derived from the type; a `secret`'s
    value is never echoed in an error."""
    extra = {"shown_default": shown_default, "expected": expected, "secret": secret or None}
    alias = AliasChoices(*env) if isinstance(env, tuple) else env
    return Field(default, validation_alias=alias, description=meaning,
                 json_schema_extra={k: v for k, v in extra.items() if v is not None}, **constraints)


def _comma_separated(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


CommaSeparated = tuple[str, ...]
CommaSeparatedSeconds = tuple[Annotated[int, Field(ge=0)], ...]
Url = Annotated[str, Field(pattern=r"^https?://[^\s/]+\S*$")]


class _FeePart(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    fixed: int = Field(ge=0, le=100_000)  # minor units of the item's currency
    basis_points: int = Field(ge=0, le=10_000)  # of the item's amount (1 bp = 0.01 %)


class FeeSchedule(BaseModel):
    """OBP_DEFAULT_FEE_SCHEDULE's shape: services/enterprise/fees.py documents it and checks a
    profile's own schedule with the same limits (tests/unit/test_settings.py holds them together)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    openbanking: _FeePart
    creditcard: _FeePart
    refund: _FeePart


class _Environment(EnvSettingsSource):
    """Environment variables, by their exact names; a blank one counts as unset (so an
    `AWS_REGION=" "` leaves `AWS_DEFAULT_REGION` to decide)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.env_vars = {name: value for name, value in self.env_vars.items() if value is not None and value.strip()}


class _EnvironmentModel(BaseSettings):
    """Fields named by their environment variables (`validation_alias`), read from the
    environment alone; see `load`."""

    # case_sensitive: the variables as written; no populate_by_name, which would also read a
    # variable named like the field ("port"); enable_decoding=False: a comma-separated value is
    # ours to split (pydantic-settings would parse a tuple's variable as JSON).
    model_config = SettingsConfigDict(frozen=True, str_strip_whitespace=True, extra="ignore", case_sensitive=True,
                                      enable_decoding=False)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments given to the constructor, then the environment; no dotenv or secrets files."""
        return init_settings, _Environment(settings_cls)


class Settings(_EnvironmentModel):
    stage: str = setting("OBP_STAGE", "prod", "the stage: `local` (`make run`), `test` (the tests) or a deployed "
                         "stage such as `dev`, `prod`; local conveniences switch on only in `local` and `test`",
                         min_length=1)
    region: str = setting(("AWS_REGION", "AWS_DEFAULT_REGION"), "us-east-1", "the AWS region")
    resource_prefix: str = setting("OBP_RESOURCE_PREFIX", "obp", "the prefix of every AWS resource's name (one per "
                                   "deployed stage)", min_length=1)
    table_name: str = setting("OBP_TABLE_NAME", "", "the DynamoDB table", shown_default="OBP_RESOURCE_PREFIX")
    email_queue: str = setting("OBP_EMAIL_QUEUE", "", "the SQS queue of e-mails to send",
                               shown_default="`<prefix>-email`")
    sms_queue: str = setting("OBP_SMS_QUEUE", "", "the SQS queue of SMS to send", shown_default="`<prefix>-sms`")
    webhook_queue: str = setting("OBP_WEBHOOK_QUEUE", "", "the SQS queue of webhook events and delivery attempts",
                                 shown_default="`<prefix>-webhooks`")
    hostname: Url = setting("OBP_HOSTNAME", _LOCAL_HOSTNAME, "the public base URL (users' provider, the Enterprise "
                            "token endpoint's audience `OBP_HOSTNAME/v1/oauth/token`)",
                            shown_default="`http://127.0.0.1:PORT`")
    data_key_b64: str = setting("OBP_DATA_KEY", "", "the 32-byte data key, base64 (local stage and tests; deployed "
                                "stages use OBP_DATA_KEY_PARAMETER)", secret=True, repr=False,
                                expected="32 bytes, base64-encoded",
                                shown_default="a fixed development key in `local` and `test`, else none")
    data_key_parameter: str = setting("OBP_DATA_KEY_PARAMETER", "", "the SSM SecureString holding the data key, "
                                      "read at first use", shown_default="(none)")
    token_ttl_seconds: int = setting("OBP_TOKEN_TTL_SECONDS", 4 * 7 * 24 * 3600, "lifetime of a DirectLogin token",
                                     gt=0)
    max_bad_login_attempts: int = setting("OBP_MAX_BAD_LOGIN_ATTEMPTS", 5, "consecutive bad passwords that lock a "
                                          "user", gt=0)
    super_admin_user_ids: CommaSeparated = setting("OBP_SUPER_ADMIN_USER_IDS", (), "more super admins, by user id "
                                                   "(OBP's `super_admin_user_ids`)", shown_default="(none)")
    outbox_dir: str = setting("OUTBOX_DIR", ".local/outbox", "where the local stage writes e-mails and SMS, one "
                              "JSON file each")
    email_sender: str = setting("OBP_EMAIL_SENDER", "no-reply@obp.local", "the From address of e-mails (SES)")
    sms_type: Literal["Transactional", "Promotional"] = setting("OBP_SMS_TYPE", "Transactional", "SNS SMS type")
    git_commit: str = setting("OBP_GIT_COMMIT", "unknown", "the commit `GET /root` reports",
                              shown_default="the checkout's commit under `make run`")
    hosted_by_organisation: str = setting("OBP_HOSTED_BY_ORGANISATION", "OBP Serverless", "`hosted_by` of "
                                          "`GET /root`: organisation")
    hosted_by_email: str = setting("OBP_HOSTED_BY_EMAIL", "contact@obp.local", "`hosted_by`: e-mail")
    hosted_by_phone: str = setting("OBP_HOSTED_BY_PHONE", "", "`hosted_by`: phone", shown_default="(none)")
    hosted_by_website: str = setting("OBP_HOSTED_BY_WEBSITE", "", "`hosted_by`: website", shown_default="(none)")
    # Money movement and challenges (OBP props of the same meaning).
    challenge_threshold: Decimal = setting("OBP_CHALLENGE_THRESHOLD", Decimal("1000"), "transfers of this amount "
                                           "or more need a challenge (an OTP)", ge=0)
    challenge_currency: str = setting("OBP_CHALLENGE_CURRENCY", "EUR", "the currency of the challenge threshold",
                                      pattern=r"^[A-Z]{3}$", expected="an ISO 4217 code such as EUR")
    challenge_ttl_seconds: int = setting("OBP_CHALLENGE_TTL_SECONDS", 600, "lifetime of a transfer's challenge",
                                         gt=0)
    challenge_allowed_attempts: int = setting("OBP_CHALLENGE_ALLOWED_ATTEMPTS", 3, "wrong answers a challenge "
                                              "takes before it fails", gt=0)
    otp_transport: Literal["SMS", "EMAIL", "DUMMY"] = setting("OBP_OTP_TRANSPORT", "SMS", "how a transfer's OTP "
                                                               "reaches the user (DUMMY, a fixed answer, only in "
                                                               "the local stage)")
    otp_email_fallback: bool = setting("OBP_OTP_EMAIL_FALLBACK", False, "send a challenge's OTP by e-mail when the "
                                       "SMS transport has no mobile number for the user (else the request fails "
                                       "at once with OBP-35010)", shown_default="on in `local` and `test`, else off")
    # Consents.
    consent_max_ttl_seconds: int = setting("OBP_CONSENT_MAX_TTL_SECONDS", 3600, "longest consent `time_to_live` "
                                           "(else OBP-35020)", gt=0)
    consent_otp_ttl_seconds: int = setting("OBP_CONSENT_OTP_TTL_SECONDS", 600, "lifetime of a consent's OTP", gt=0)
    # Per user: each challenge sends an e-mail or SMS (OWASP API4 pumping).
    consent_challenges_per_day: int = setting("OBP_CONSENT_CHALLENGES_PER_DAY", 20, "consent challenges (e-mails, "
                                              "SMS) one user's consents may send a day (429 OBP-10018 after)", gt=0)
    # scrypt work factor for new password hashes (each hash records its own, so it can change).
    password_scrypt_n: int = setting("OBP_PASSWORD_SCRYPT_N", 2**14, "scrypt work factor of new password hashes",
                                     ge=2, expected="a power of two, at least 2")
    # Set per SQS-triggered function from its queue's redrive policy (0: unknown).
    max_receive_count: int = setting("OBP_MAX_RECEIVE_COUNT", 0, "the queue's maxReceiveCount (set per delivery "
                                     "function by the template; 0: unknown)", ge=0)
    # User invitations: the web page the invitation link opens (OBP's portal), and how long it is valid.
    portal_url: Url = setting("OBP_PORTAL_URL", "", "the page user-invitation links open "
                              "(`<url>/user-invitation?id=<secret>`)", shown_default="OBP_HOSTNAME")
    user_invitation_ttl_seconds: int = setting("OBP_USER_INVITATION_TTL_SECONDS", 24 * 3600, "lifetime of a user "
                                               "invitation", gt=0)
    # Payments (OBP's transactionRequests_payment_limit) and Idempotency-Key retention.
    payment_limit: Decimal = setting("OBP_PAYMENT_LIMIT", Decimal("100000"), "the largest single payment "
                                     "(OBP's `transactionRequests_payment_limit`)", gt=0)
    idempotency_ttl_seconds: int = setting("OBP_IDEMPOTENCY_TTL_SECONDS", 24 * 3600, "how long an Idempotency-Key "
                                           "and its response are kept", gt=0)
    # How far below zero an account may go when its product sets no OVERDRAFT_LIMIT; None is no
    # limit (OBP's sandbox: the local stage's default); deployed stages and the tests default to 0.
    default_overdraft_limit: Decimal | None = setting(
        "OBP_DEFAULT_OVERDRAFT_LIMIT", Decimal("0"), "how far below zero an account may go when its product sets no "
        "`OVERDRAFT_LIMIT` attribute: an amount in the account's currency, or `unlimited` (OBP's sandbox)",
        shown_default="`unlimited` in `local`, else `0`", expected="`unlimited` or an amount of 0 or more", ge=0)
    # Webhook delivery (Standard Webhooks; Svix's schedule). The schedule lists the delays before
    # attempts 2, 3, ...; each delay gets +/- jitter_percent of random jitter.
    webhook_retry_schedule: CommaSeparatedSeconds = setting(
        "OBP_WEBHOOK_RETRY_SCHEDULE", (5, 300, 1800, 7200, 18000, 36000, 36000),
        "seconds before webhook delivery attempts 2, 3, ...", min_length=1,
        expected="comma-separated whole numbers of seconds, 0 or more, e.g. 5,300,1800")
    webhook_retry_jitter_percent: int = setting("OBP_WEBHOOK_RETRY_JITTER_PERCENT", 10, "random jitter of each "
                                                "retry delay, +/- percent", ge=0, le=100)
    webhook_timeout_seconds: int = setting("OBP_WEBHOOK_TIMEOUT_SECONDS", 15, "how long a receiver has to answer",
                                           gt=0)
    webhook_max_response_bytes: int = setting("OBP_WEBHOOK_MAX_RESPONSE_BYTES", 64 * 1024, "the most of a "
                                              "receiver's answer that is read", gt=0)
    webhook_disable_after_hours: int = setting("OBP_WEBHOOK_DISABLE_AFTER_HOURS", 120, "a webhook failing every "
                                               "attempt this long is disabled", gt=0)
    webhook_delivery_retention_days: int = setting("OBP_WEBHOOK_DELIVERY_RETENTION_DAYS", 30, "how long deliveries "
                                                   "and attempts are kept", gt=0)
    webhook_secret_overlap_seconds: int = setting("OBP_WEBHOOK_SECRET_OVERLAP_SECONDS", 24 * 3600, "how long a "
                                                  "rotated webhook secret keeps signing by default", ge=0)
    # Enterprise API (/v1): lifetime of the bearer access tokens of POST /v1/oauth/token.
    enterprise_token_ttl_seconds: int = setting("OBP_ENTERPRISE_TOKEN_TTL_SECONDS", 3600, "lifetime of an "
                                                "Enterprise API access token", gt=0)
    # Enterprise payments: how long a payer has, how many sign-ins the hosted page takes, and when
    # the payments sweeper finishes what a crash left half done.
    payment_expiry_seconds: int = setting("OBP_PAYMENT_EXPIRY_SECONDS", 1800, "a payment nobody finished on the "
                                          "hosted page this long after its creation is `expired` (by the payments "
                                          "sweeper, or on read); also the page session's lifetime", ge=60)
    checkout_sign_in_attempts: int = setting("OBP_CHECKOUT_SIGN_IN_ATTEMPTS", 5, "sign-in attempts the hosted "
                                             "payment page takes for one payment before refusing more (the payer's "
                                             "own bad-login count and lock apply as well)", gt=0)
    payment_resume_after_seconds: int = setting("OBP_PAYMENT_RESUME_AFTER_SECONDS", 120, "a payment left "
                                                "`processing` or a refund left `pending` this long is finished by "
                                                "the payments sweeper", gt=0)
    # Recurring payment methods and settlements (issue 16).
    mandate_max_days: int = setting("OBP_MANDATE_MAX_DAYS", 1830, "the longest a recurring payment method's mandate "
                                    "(the payer's VRP consent) lives; also the life of one without an `end_date`",
                                    gt=0)
    default_fee_schedule: Json[FeeSchedule] | None = setting(
        "OBP_DEFAULT_FEE_SCHEDULE", None, "the fees settlements charge profiles without a fee schedule of their own",
        expected='a fee schedule in JSON, e.g. {"openbanking": {"fixed": 10, "basis_points": 50}, "creditcard": '
                 '{"fixed": 25, "basis_points": 140}, "refund": {"fixed": 0, "basis_points": 0}} (minor units, '
                 '1/100 %)', shown_default="the example's values (services/enterprise/fees.py)")
    # Console output: lines for people in the local stage; JSON (CloudWatch, metrics) elsewhere.
    log_format: Literal["text", "json"] = setting("OBP_LOG_FORMAT", "json", "`text`: one readable line per request "
                                                  "and delivery, no metrics; `json`: structured logs and "
                                                  "CloudWatch metrics", shown_default="`text` in `local`, else `json`")

    @model_validator(mode="before")
    @classmethod
    def _derived_defaults(cls, data: Any) -> Any:
        """Defaults computed from other settings (keys are variable names, as in the environment)."""
        data = dict(data)
        stage = str(data.get("OBP_STAGE") or "prod").strip()
        prefix = str(data.get("OBP_RESOURCE_PREFIX") or "obp").strip()
        data.setdefault("OBP_TABLE_NAME", prefix)
        for variable, suffix in (("OBP_EMAIL_QUEUE", "email"), ("OBP_SMS_QUEUE", "sms"),
                                 ("OBP_WEBHOOK_QUEUE", "webhooks")):
            data.setdefault(variable, f"{prefix}-{suffix}")
        data.setdefault("OBP_PORTAL_URL", data.get("OBP_HOSTNAME") or _LOCAL_HOSTNAME)
        if stage in LOCAL_STAGES:
            data.setdefault("OBP_DATA_KEY", _DEV_DATA_KEY)
            data.setdefault("OBP_OTP_EMAIL_FALLBACK", True)
        if stage == "local":
            data.setdefault("OBP_LOG_FORMAT", "text")
            data.setdefault("OBP_DEFAULT_OVERDRAFT_LIMIT", "unlimited")
        return data

    @field_validator("super_admin_user_ids", "webhook_retry_schedule", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _comma_separated(value)

    @field_validator("default_overdraft_limit", mode="before")
    @classmethod
    def _unlimited(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip().lower() == "unlimited" else value

    @field_validator("otp_transport", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("password_scrypt_n")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError("not a power of two")
        return value

    @field_validator("data_key_b64")
    @classmethod
    def _thirty_two_bytes(cls, value: str) -> str:
        if value:
            try:
                key = base64.b64decode(value, validate=True)
            except binascii.Error:
                raise ValueError("not base64") from None
            if len(key) != 32:
                raise ValueError(f"decodes to {len(key)} bytes, not 32")
        return value

    @property
    def webhook_dead_letter_queue(self) -> str:
        """infra/resources.yaml names every dead-letter queue after its queue."""
        return f"{self.webhook_queue}-dlq"

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


class BootstrapSettings(_EnvironmentModel):
    """The first super admin and consumer: `make run` creates them, and `python -m scripts.bootstrap`
    once after a deploy."""

    admin_username: str = setting("OBP_ADMIN_USERNAME", "admin", "the bootstrap super admin's username")
    admin_password: str = setting("OBP_ADMIN_PASSWORD", "Admin-Passw0rd!", "the bootstrap super admin's password",
                                  secret=True)
    admin_email: str = setting("OBP_ADMIN_EMAIL", "admin@example.com", "the bootstrap super admin's e-mail")
    consumer_key: str = setting("OBP_CONSUMER_KEY", "obplocaldevconsumerkey", "the bootstrap consumer's key",
                                secret=True)


class LocalStackSettings(_EnvironmentModel):
    """`make run` only."""

    port: int = setting("PORT", 8000, "port of the API", gt=0, lt=65536, expected="a TCP port, 1-65535")
    moto_port: int = setting("MOTO_PORT", 5055, "port of the embedded local AWS (moto; its dashboard is "
                             "`/moto-api/`)", gt=0, lt=65536, expected="a TCP port, 1-65535")
    demo: bool = setting("DEMO", False, "start with the demo data of `make demo` (a bank, two customers with funded "
                         "accounts, a third-party app, an Enterprise partner and a payment)",
                         expected="1 or 0 (also true/false, yes/no, on/off)")
    demo_dir: str = setting("DEMO_DIR", ".local/demo", "where `make demo` writes the Enterprise partner's key files")
    schedule_dir: str = setting("LOCAL_SCHEDULE_DIR", ".local/schedule", "where a file `<function>.json` asks "
                                "the local stack to run that scheduled function (README, Recurring payment "
                                "methods and settlements)")


Model = TypeVar("Model", bound=_EnvironmentModel)


def load(model: type[Model]) -> Model:
    """The model read from the environment: each field from the first of its variables that is
    set; an empty or blank variable counts as unset. A bad value raises SettingsError."""
    try:
        return model()
    except ValidationError as error:
        raise SettingsError(describe_errors(model, error)) from None


def describe_errors(model: type[_EnvironmentModel], error: ValidationError) -> str:
    """One line per bad variable: its name, its value (unless secret), what it takes and why not.
    A derived default that fails only because another variable is bad is not listed."""
    environ = os.environ
    fields = {name: f for f in model.model_fields.values() for name in variable_names(f)}
    lines = []
    for problem in error.errors(include_url=False):
        variable = str(problem["loc"][0]) if problem["loc"] else ""
        field = fields.get(variable)
        if field is None:
            lines.append(f"  {problem['msg'].removeprefix('Value error, ')}")
            continue
        given = next(((n, environ[n]) for n in variable_names(field) if environ.get(n, "").strip()), None)
        if given is None and len(error.errors()) > 1:
            continue
        name, value = given or (variable, problem.get("input"))
        shown = "(hidden)" if (field.json_schema_extra or {}).get("secret") else repr(value)
        reason = problem["msg"].removeprefix("Value error, ")
        line = f"  {name}={shown}: expected {expected_value(field)} ({reason})"
        if line not in lines:
            lines.append(line)
    return "bad setting" + ("s" if len(lines) > 1 else "") + ":\n" + "\n".join(lines)


def variable_name(field) -> str:
    alias = field.validation_alias
    return alias.choices[0] if isinstance(alias, AliasChoices) else str(alias)


def variable_names(field) -> list[str]:
    alias = field.validation_alias
    return [str(c) for c in alias.choices] if isinstance(alias, AliasChoices) else [str(alias)]


def expected_value(field) -> str:
    """What a field takes, in words: its own `expected`, or its type's with its limits."""
    extra = field.json_schema_extra or {}
    if extra.get("expected"):
        return str(extra["expected"])
    annotation = field.annotation
    limits = []
    for constraint in field.metadata:
        for attr, word in (("gt", "greater than"), ("ge", "at least"), ("lt", "less than"), ("le", "at most")):
            if getattr(constraint, attr, None) is not None:
                limits.append(f"{word} {getattr(constraint, attr)}")
    suffix = (" " + " and ".join(limits)) if limits else ""
    if getattr(annotation, "__origin__", None) is Literal:
        return "one of " + ", ".join(str(a) for a in annotation.__args__)
    if annotation is bool:
        return "true or false"
    if annotation is int:
        unit = next((u for u in ("seconds", "hours", "days", "bytes", "percent") if field.alias is None
                     and variable_name(field).endswith("_" + u.upper())), None)
        return (f"a whole number of {unit}" if unit else "a whole number") + suffix
    if annotation is Decimal:
        return "a decimal number (such as 1000.00)" + ("," + suffix if suffix else "")
    for constraint in field.metadata:
        if getattr(constraint, "pattern", None) == r"^https?://[^\s/]+\S*$":
            return "an http(s) URL such as https://api.bank.example"
    if annotation == tuple[str, ...] or "tuple" in str(annotation):
        return "comma-separated values"
    return "text"


def shown_default(field) -> str:
    extra = field.json_schema_extra or {}
    if extra.get("shown_default"):
        return str(extra["shown_default"])
    default = field.default
    if isinstance(default, tuple):
        return "`" + ",".join(str(v) for v in default) + "`" if default else "(none)"
    if isinstance(default, bool):
        return "`1`" if default else "`0`"
    return f"`{default}`" if default != "" else "(none)"


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load(Settings)


def reload_settings() -> Settings:
    """Forget the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
    return get_settings()
