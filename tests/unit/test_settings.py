"""Settings are one typed model: a bad value stops start-up naming the variable, the value and what it
takes; defaults derive as documented; nothing else in the application reads the environment."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.settings import (
    _DEV_DATA_KEY,
    BootstrapSettings,
    LocalStackSettings,
    Settings,
    SettingsError,
    load,
    reload_settings,
    variable_names,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def environment(monkeypatch):
    """The process environment with no OBP_ variable but the stage's."""
    import os

    for name in [n for n in os.environ if n.startswith("OBP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("OBP_STAGE", "test")
    yield monkeypatch
    monkeypatch.undo()
    reload_settings()


def test_a_bad_value_names_the_variable_the_value_and_what_it_takes(environment):
    environment.setenv("OBP_CONSENT_MAX_TTL_SECONDS", "1h")
    with pytest.raises(SettingsError) as raised:
        reload_settings()
    assert str(raised.value) == (
        "bad setting:\n  OBP_CONSENT_MAX_TTL_SECONDS='1h': expected a whole number of seconds greater than 0 "
        "(Input should be a valid integer, unable to parse string as an integer)")


def test_every_bad_value_is_listed_once_and_a_secret_is_not_shown(environment):
    environment.setenv("OBP_DATA_KEY", "c2hvcnQ=")  # base64 of 5 bytes
    environment.setenv("OBP_WEBHOOK_RETRY_SCHEDULE", "5, 300, -1")
    environment.setenv("OBP_HOSTNAME", "bank.example")  # OBP_PORTAL_URL defaults to it: not listed again
    environment.setenv("OBP_OTP_TRANSPORT", "pigeon")
    environment.setenv("OBP_CONSENT_OTP_TTL_SECONDS", "0")
    with pytest.raises(SettingsError) as raised:
        reload_settings()
    lines = str(raised.value).splitlines()
    assert lines[0] == "bad settings:"
    assert [line.split("=", 1)[0].strip() for line in lines[1:]] == [
        "OBP_HOSTNAME", "OBP_DATA_KEY", "OBP_OTP_TRANSPORT", "OBP_CONSENT_OTP_TTL_SECONDS", "OBP_WEBHOOK_RETRY_SCHEDULE"]
    assert "  OBP_DATA_KEY=(hidden): expected 32 bytes, base64-encoded (decodes to 5 bytes, not 32)" in lines
    assert "c2hvcnQ" not in str(raised.value)
    assert any(line.startswith("  OBP_OTP_TRANSPORT='pigeon': expected one of SMS, EMAIL, DUMMY (") for line in lines)
    assert any(line.startswith("  OBP_WEBHOOK_RETRY_SCHEDULE='5, 300, -1': expected comma-separated") for line in lines)
    assert any(line.startswith("  OBP_CONSENT_OTP_TTL_SECONDS='0': expected a whole number of seconds greater than 0")
               for line in lines)


def test_values_are_parsed_and_defaults_derived(environment):
    environment.setenv("OBP_RESOURCE_PREFIX", "obp-dev")
    environment.setenv("OBP_SUPER_ADMIN_USER_IDS", " a , b,,")
    environment.setenv("OBP_WEBHOOK_RETRY_SCHEDULE", "2, 2")
    environment.setenv("OBP_OTP_TRANSPORT", "email")
    environment.setenv("OBP_CHALLENGE_THRESHOLD", "250.50")
    environment.setenv("OBP_HOSTNAME", "https://api.bank.example")
    environment.setenv("OBP_TOKEN_TTL_SECONDS", "")  # empty is unset
    s = reload_settings()
    assert (s.table_name, s.email_queue, s.sms_queue, s.webhook_queue, s.webhook_dead_letter_queue) == (
        "obp-dev", "obp-dev-email", "obp-dev-sms", "obp-dev-webhooks", "obp-dev-webhooks-dlq")
    assert (s.super_admin_user_ids, s.webhook_retry_schedule, s.otp_transport) == (("a", "b"), (2, 2), "EMAIL")
    assert str(s.challenge_threshold) == "250.50" and s.portal_url == "https://api.bank.example"
    assert s.token_ttl_seconds == 4 * 7 * 24 * 3600
    assert (s.is_local, s.data_key_b64, s.log_format) == (True, _DEV_DATA_KEY, "json")
    with pytest.raises(Exception):
        s.stage = "prod"  # frozen


def test_the_local_stage_prints_for_people_and_a_deployed_one_has_no_built_in_key(environment):
    environment.setenv("OBP_STAGE", "local")
    assert reload_settings().log_format == "text"
    environment.setenv("OBP_STAGE", "prod")
    s = reload_settings()
    assert (s.is_local, s.data_key_b64, s.log_format) == (False, "", "json")
    assert "data_key_b64" not in repr(s)


def test_the_local_stack_and_bootstrap_variables(environment):
    environment.setenv("PORT", "9000")
    environment.setenv("DEMO", "yes")
    local = load(LocalStackSettings)
    assert (local.port, local.moto_port, local.demo) == (9000, 5055, True)
    environment.setenv("MOTO_PORT", "70000")
    with pytest.raises(SettingsError, match=r"MOTO_PORT='70000': expected a TCP port, 1-65535"):
        load(LocalStackSettings)
    environment.setenv("OBP_ADMIN_PASSWORD", "x")
    assert load(BootstrapSettings).admin_password == "x"


def test_only_the_settings_module_reads_the_environment():
    readers = [str(p.relative_to(ROOT)) for p in (ROOT / "chalicelib").rglob("*.py")
               if re.search(r"os\.environ|getenv\(", p.read_text()) and p.name != "settings.py"]
    assert readers == []


def test_every_variable_has_a_meaning_and_one_owner():
    names = [n for model in (Settings, BootstrapSettings, LocalStackSettings)
             for f in model.model_fields.values() for n in variable_names(f)]
    assert len(names) == len(set(names))
    assert all(f.description for model in (Settings, BootstrapSettings, LocalStackSettings)
               for f in model.model_fields.values())
