"""Secrets handling, the error catalogue's status rules, and safe settings defaults."""
import pytest

from chalicelib import crypto
from chalicelib.errors import ApiError, message_text, status_for
from chalicelib.settings import reload_settings


def test_production_password_hash_uses_scrypt_with_16_mib(monkeypatch):
    monkeypatch.delenv("OBP_PASSWORD_SCRYPT_N")
    reload_settings()
    stored = crypto.hash_password("Correct-Horse-1")
    scheme, n, r, p, _salt, _digest = stored.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**14, 8, 1)
    assert crypto.verify_password("Correct-Horse-1", stored)
    assert not crypto.verify_password("Correct-Horse-2", stored)
    assert crypto.hash_password("Correct-Horse-1") != stored  # salted


def test_seal_round_trip_and_tamper_detection():
    sealed = crypto.seal(b"otp 123456", "outbox")
    assert b"123456" not in sealed.encode()
    assert crypto.unseal(sealed, "outbox") == b"otp 123456"
    with pytest.raises(Exception):
        crypto.unseal(sealed, "another-purpose")
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(Exception):
        crypto.unseal(tampered, "outbox")


def test_keyed_hash_depends_on_key_purpose_and_value(monkeypatch):
    a = crypto.keyed_hash("otp", "consent-1", "123456")
    assert a == crypto.keyed_hash("otp", "consent-1", "123456")
    assert a != crypto.keyed_hash("otp", "consent-1", "123457")
    assert a != crypto.keyed_hash("other", "consent-1", "123456")
    monkeypatch.setenv("OBP_DATA_KEY", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=")
    reload_settings()
    assert a != crypto.keyed_hash("otp", "consent-1", "123456")


def test_otps_have_the_digits_asked_for():
    otps = {crypto.numeric_otp(6) for _ in range(200)}
    assert all(len(o) == 6 and o.isdigit() for o in otps) and len(otps) > 150


def test_outside_local_stages_a_data_key_is_required(monkeypatch):
    monkeypatch.setenv("OBP_STAGE", "prod")
    monkeypatch.delenv("OBP_DATA_KEY", raising=False)
    settings = reload_settings()
    assert not settings.is_local
    with pytest.raises(RuntimeError, match="OBP_DATA_KEY"):
        _ = settings.data_key


def test_default_stage_is_production(monkeypatch):
    monkeypatch.delenv("OBP_STAGE")
    assert reload_settings().stage == "prod"


@pytest.mark.parametrize("code,site_status,expected", [
    ("OBP-20001", 400, 401), ("OBP-20006", 400, 403), ("OBP-20017", None, 403), ("OBP-30001", None, 404),
    ("OBP-30001", 400, 400), ("OBP-20004", None, 401), ("OBP-10001", None, 400), ("OBP-50000", None, 500),
])
def test_status_rules(code, site_status, expected):
    assert status_for(code, site_status) == expected


def test_messages_are_the_catalogue_text_plus_context():
    assert ApiError("OBP-30001", "Current BankId is b").message == \
        "OBP-30001: Bank not found. Please specify a valid value for BANK_ID. Current BankId is b"
    assert ApiError("OBP-30046", ". Current CustomerId(c)").message == \
        "OBP-30046: Customer not found. Please specify a valid value for CUSTOMER_ID.. Current CustomerId(c)"
    assert ApiError("OBP-20006", "CanX").message == "OBP-20006: User is missing one or more roles: CanX"
    assert message_text("OBP-20002") == "OBP-20002: These DirectLogin parameters are missing:"


def test_role_catalogue_has_every_obp_role_with_its_scope():
    from chalicelib import roles

    catalogue = roles.catalogue()
    assert len(catalogue) == 314 + len(roles.OWN_ROLES)
    assert roles.requires_bank_id("CanCreateCustomer") and not roles.requires_bank_id("CanCreateBank")
