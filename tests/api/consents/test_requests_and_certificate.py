"""Consent requests (an application asks without a user; the user makes the consent from the
request) and the client certificate of a call."""
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from chalicelib.errors import ApiError
from chalicelib.services import consent_requests, directlogin
from chalicelib.store import consents as consent_store
from tests.api.consents.conftest import claims_of, otp_from_outbox
from tests.support import serialized_aws_calls

_REQUESTS = "/obp/v5.0.0/consumer/consent-requests"


def _request_body(cw, **fields) -> dict:
    return {"everything": False, "bank_id": cw.bank_id,
            "account_access": [{"account_routing": {"scheme": "OBP", "address": cw.w.alice_account}, "view_id": "owner"}],
            "email": "alice@example.com", "time_to_live": 3600, **fields}


def test_an_application_files_a_request_kept_exactly_as_sent(cw):
    app = cw.as_application()
    raw = ('{ "everything": false, "bank_id": "%s", "account_access": [{"account_routing": {"scheme": "OBP", '
           '"address": "%s"}, "view_id": "owner"}], "phone_number": "+44 07972 444 876", "time_to_live": 3600, '
           '"x_note": 1.50}') % (cw.bank_id, cw.w.alice_account)
    r = app.post(_REQUESTS, raw=raw.encode())
    assert r.status == 201
    assert set(r.body) == {"consent_request_id", "payload", "consumer_id"}
    assert r.body["consumer_id"] == cw.tpp["consumer_id"]
    assert r.body["payload"] == json.loads(raw, parse_float=__import__("decimal").Decimal)
    assert consent_store.get_request(r.body["consent_request_id"]).payload == raw.strip()

    got = app.get(f"{_REQUESTS}/{r.body['consent_request_id']}")
    assert (got.status, got.body) == (200, r.body)


def test_who_may_file_and_read_requests(cw, admin):
    assert cw.anonymous.post(_REQUESTS, _request_body(cw)).message == "OBP-20200: The application cannot be identified. "
    assert cw.as_application(secret="wrong").post(_REQUESTS, _request_body(cw)).status == 401
    assert cw.as_application(key="nokey").post(_REQUESTS, _request_body(cw)).status == 401
    made = cw.w.alice.post(_REQUESTS, _request_body(cw))  # a user's app may file one too
    assert made.status == 201 and made.body["consumer_id"] != cw.tpp["consumer_id"]
    # Another application never sees it.
    r = cw.as_application().get(f"{_REQUESTS}/{made.body['consent_request_id']}")
    assert (r.status, r.code) == (400, "OBP-35028")
    assert cw.as_application().post(_REQUESTS, _request_body(cw, time_to_live=4000)).code == "OBP-35020"
    assert cw.as_application().post(_REQUESTS, {"everything": "no"}).code == "OBP-10001"
    assert cw.as_application().get(f"{_REQUESTS}/{uuid.uuid4()}").code == "OBP-35028"


def test_the_user_makes_the_consent_from_the_request_once(cw):
    w = cw.w
    request_id = cw.as_application().post(_REQUESTS, _request_body(cw)).body["consent_request_id"]
    r = w.alice.post(f"{_REQUESTS}/{request_id}/EMAIL/consents", {})
    assert r.status == 201
    assert set(r.body) == {"consent_id", "jwt", "status", "consent_request_id"}
    assert (r.body["status"], r.body["consent_request_id"]) == ("INITIATED", request_id)
    claims = claims_of(r.body["jwt"])
    assert claims["aud"] == cw.tpp["consumer_id"] and claims["views"] == [cw.owner_view()]

    again = w.alice.post(f"{_REQUESTS}/{request_id}/SMS/consents", {})
    assert (again.status, again.message) == (400, "OBP-35029: The CONSENT_REQUEST_ID is invalid. ")
    assert w.alice.post(f"{_REQUESTS}/{uuid.uuid4()}/EMAIL/consents", {}).code == "OBP-35028"

    done = cw.answer(w.alice, r.body["consent_id"], otp_from_outbox())
    assert done.body["status"] == "ACCEPTED"
    # The application fetches the consent by its request; so does the user; nobody else.
    by_app = cw.as_application().get(f"{_REQUESTS}/{request_id}/consents")
    assert (by_app.status, by_app.body["consent_id"], by_app.body["status"]) == (200, r.body["consent_id"], "ACCEPTED")
    assert w.alice.get(f"{_REQUESTS}/{request_id}/consents").status == 200
    assert w.bob.get(f"{_REQUESTS}/{request_id}/consents").code == "OBP-35001"
    assert cw.as_tpp(by_app.body["jwt"]).get(
        f"/obp/v5.1.0/banks/{cw.bank_id}/accounts/{w.alice_account}/owner/account").status == 200


def test_a_request_for_what_the_user_does_not_hold_makes_no_consent(cw):
    w = cw.w
    app = cw.as_application()
    for fields, code in (
        ({"account_access": [{"account_routing": {"scheme": "OBP", "address": w.bob_account}, "view_id": "owner"}]}, "OBP-35014"),
        ({"account_access": [{"account_routing": {"scheme": "IBAN", "address": "nowhere"}, "view_id": "owner"}]}, "OBP-10033"),
        ({"account_access": [{"account_routing": {"scheme": "IBAN", "address": "GB82WEST12345698765432"}, "view_id": "owner"}]},
         "OBP-30018"),
        ({"entitlements": [{"bank_id": "", "role_name": "CanCreateEntitlementAtAnyBank"}]}, "OBP-35033"),
        ({"entitlements": [{"bank_id": "", "role_name": "CanGetAnyUser"}]}, "OBP-35013"),
    ):
        request_id = app.post(_REQUESTS, _request_body(cw, **fields)).body["consent_request_id"]
        assert w.alice.post(f"{_REQUESTS}/{request_id}/EMAIL/consents", {}).code == code
        assert consent_store.get_request(request_id).consent_id is None
    request_id = app.post(_REQUESTS, _request_body(cw)).body["consent_request_id"]
    assert w.alice.post(f"{_REQUESTS}/{request_id}/PUSH/consents", {}).code == "OBP-35009"
    assert cw.anonymous.post(f"{_REQUESTS}/{request_id}/EMAIL/consents", {}).code == "OBP-20001"


def test_two_users_racing_for_one_request_make_one_consent(cw):
    request_id = cw.as_application().post(
        _REQUESTS, _request_body(cw, account_access=[], everything=True)).body["consent_request_id"]
    callers = [directlogin.authenticate(f"token={s.token}", None) for s in (cw.w.alice, cw.w.bob)]

    def make(caller):
        try:
            return consent_requests.create_consent(caller, request_id, "IMPLICIT").consent_id
        except ApiError as err:
            return err.code

    with serialized_aws_calls(), ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(make, callers))
    assert sorted(o == "OBP-35029" for o in outcomes) == [False, True]
    made = next(o for o in outcomes if o != "OBP-35029")
    assert consent_store.get_request(request_id).consent_id == made


# --- the client certificate of a call --------------------------------------------------------------

def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    length = bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + content


def _oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytes([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return _der(0x06, out)


def _seq(*parts: bytes) -> bytes:
    return _der(0x30, b"".join(parts))


def _utf8(text: str) -> bytes:
    return _der(0x0C, text.encode())


def _certificate(roles: list[str] | None) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TESOBE"),
        x509.NameAttribute(NameOID.COMMON_NAME, "TESOBE CA"), x509.NameAttribute(NameOID.EMAIL_ADDRESS, "admin@tesobe.com"),
        x509.NameAttribute(x509.ObjectIdentifier("2.5.4.41"), "VPN"),
    ])
    issuer = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"), x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    start = datetime(2022, 4, 1, 10, 13, tzinfo=timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(7).not_valid_before(start).not_valid_after(start + timedelta(days=3653)))
    if roles is not None:
        psd2 = _seq(_seq(*[_seq(_oid(f"0.4.0.19495.1.{i + 1}"), _utf8(r)) for i, r in enumerate(roles)]),
                    _utf8("Federal Financial Supervisory Authority"), _utf8("DE-BAFIN"))
        statements = _seq(_seq(_oid("0.4.0.1862.1.1")), _seq(_oid("0.4.0.19495.2"), psd2))
        builder = builder.add_extension(
            x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3"), statements), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_the_certificate_of_the_call_is_described(cw):
    path = "/obp/v5.1.0/my/mtls/certificate/current"
    alice = cw.w.alice
    pem = _certificate(None)
    r = alice.get(path, headers={"PSD2-CERT": pem.replace("\n", " ")})
    assert (r.status, r.body) == (200, {
        "subject_domain_name": "OID.2.5.4.41=VPN, EMAILADDRESS=admin@tesobe.com, CN=TESOBE CA, O=TESOBE, C=DE",
        "issuer_domain_name": "CN=localhost, C=DE",
        "not_before": "2022-04-01T10:13:00.000Z", "not_after": "2032-04-01T10:13:00.000Z",
        "roles_info": "PEM Encoded Certificate does not contain PSD2 roles.",
    })
    with_roles = alice.get(path, headers={"PSD2-CERT": _certificate(["PSP_AI", "PSP_PI"]).replace("\n", "\\n")})
    assert with_roles.body["roles"] == ["PSP_AI", "PSP_PI"] and "roles_info" not in with_roles.body

    assert alice.get(path).message == "OBP-20306: PEM Encoded Certificate cannot be found at request header."
    assert (alice.get(path, headers={"PSD2-CERT": "not a certificate"}).code,
            alice.get(path, headers={"PSD2-CERT": "-----BEGIN CERTIFICATE-----AAAA-----END CERTIFICATE-----"}).code) == (
        "OBP-20300", "OBP-20300")
    assert cw.anonymous.get(path, headers={"PSD2-CERT": pem.replace("\n", " ")}).code == "OBP-20001"
