"""Reading, listing, revoking and managing consents: OBP's shapes, the owner-only rules, the
management roles, and what a bank's staff can reach."""
import uuid
from datetime import datetime, timezone

from chalicelib.services import consents as consent_service
from chalicelib.store import consents as consent_store
from tests.api.consents.conftest import claims_of, otp_from_outbox
from tests.support import Api


def test_get_a_consent_by_id_as_its_user_or_its_application(cw, admin):
    w = cw.w
    admin.grant(w.alice.user_id, "CanGetCustomer", w.bank_id)
    consent = cw.accepted(entitlements=[{"bank_id": w.bank_id, "role_name": "CanGetCustomer"}])
    r = w.alice.get(f"/obp/v5.1.0/user/current/consents/{consent['consent_id']}")
    assert (r.status, r.body) == (200, {
        "consent_id": consent["consent_id"], "jwt": consent["jwt"], "status": "ACCEPTED",
        "scopes": [{"role_name": "CanGetCustomer", "bank_id": w.bank_id}], "consumer_id": cw.tpp["consumer_id"],
    })
    r = w.bob.get(f"/obp/v5.1.0/user/current/consents/{consent['consent_id']}")
    assert (r.status, r.message) == (404, f"OBP-35001: Consent not found by CONSENT_ID. ({consent['consent_id']})")

    # Through the consumer: the TPP itself, or alice logged in through the TPP's app; not another
    # user of that app (the JWT is a credential), not another application.
    via_tpp = f"/obp/v5.1.0/consumer/current/consents/{consent['consent_id']}"
    assert cw.as_application().get(via_tpp).body["consent_id"] == consent["consent_id"]
    alice_via_tpp = cw.anonymous.login(w.alice.me["username"], "Str0ng-Passw0rd!", cw.tpp["key"])
    assert alice_via_tpp.get(via_tpp).body["jwt"] == consent["jwt"]
    mallory_via_tpp = admin.new_user_session(consumer_key=cw.tpp["key"])
    assert (mallory_via_tpp.get(via_tpp).status, mallory_via_tpp.get(via_tpp).code) == (404, "OBP-35001")
    assert w.bob.get(via_tpp).status == 404
    assert w.alice.get(via_tpp).status == 404  # alice through her own app: not the consent's application
    assert w.alice.get(f"/obp/v5.0.0/user/current/consents/{consent['consent_id']}").code == "OBP-10404"


def test_my_consents_in_each_versions_shape(cw, admin):
    w = cw.w
    mine = cw.accepted()
    far = cw.accepted(views=[cw.alice_view_elsewhere(admin)])
    cw.accepted(session=w.bob, views=[cw.owner_view(w.bob_account)])  # bob's never show up

    v310 = w.alice.get(f"/obp/v3.1.0/banks/{w.bank_id}/my/consents").body["consents"]
    assert v310 == [{"consent_id": c["consent_id"], "jwt": c["jwt"], "status": "ACCEPTED"} for c in (far, mine)]
    v400 = w.alice.get(f"/obp/v4.0.0/banks/{w.bank_id}/my/consents").body["consents"]
    assert [set(c) for c in v400] == [{"consent_id", "jwt", "status", "api_standard", "api_version"}] * 2
    assert v400[0]["api_standard"] == "obp"

    at_bank = w.alice.get(f"/obp/v5.1.0/banks/{w.bank_id}/my/consents").body["consents"]
    assert [c["consent_id"] for c in at_bank] == [mine["consent_id"]]
    item = at_bank[0]
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    assert item == {
        "consent_reference_id": mine["consent_id"], "consent_id": mine["consent_id"], "consumer_id": cw.tpp["consumer_id"],
        "created_by_user_id": w.alice.user_id, "status": "ACCEPTED", "last_action_date": today, "last_usage_date": None,
        "jwt": mine["jwt"], "jwt_payload": claims_of(mine["jwt"]), "api_standard": "obp", "api_version": "",
    }
    everywhere = w.alice.get("/obp/v5.1.0/my/consents").body["consents"]
    assert [c["consent_id"] for c in everywhere] == [far["consent_id"], mine["consent_id"]]

    infos = w.alice.get(f"/obp/v4.0.0/banks/{w.bank_id}/my/consent-infos").body["consents"]
    assert infos == [{
        "consent_id": mine["consent_id"], "consumer_id": cw.tpp["consumer_id"], "created_by_user_id": w.alice.user_id,
        "last_action_date": today, "last_usage_date": None, "status": "ACCEPTED", "api_standard": "obp", "api_version": "",
    }]
    assert w.alice.get("/obp/v5.1.0/my/consents?limit=1&offset=1").body["consents"][0]["consent_id"] == mine["consent_id"]
    assert w.alice.get("/obp/v5.1.0/my/consents?limit=0").code == "OBP-10016"


def test_revoke_in_every_form(cw):
    w = cw.w
    first, second, third = cw.accepted(), cw.accepted(), cw.accepted()

    path = f"/obp/v3.1.0/banks/{w.bank_id}/my/consents/{first['consent_id']}/revoke"
    assert w.bob.get(path).message == f"OBP-35001: Consent not found by CONSENT_ID. ({first['consent_id']})"
    r = w.alice.get(path)
    assert (r.status, r.body) == (200, {"consent_id": first["consent_id"], "jwt": first["jwt"], "status": "REVOKED"})
    again = w.alice.get(path)
    assert (again.status, again.message) == (
        400, "OBP-50200: Connector cannot return the data we requested. <- OBP-35012: Consent is already revoked. ")

    mine = f"/obp/v5.1.0/my/consents/{second['consent_id']}"
    assert w.bob.delete(mine).status == 400
    assert w.alice.delete(f"/obp/v5.1.0/my/consents/{uuid.uuid4()}").status == 404
    assert (w.alice.delete(mine).status, consent_store.get_consent(second["consent_id"]).status) == (200, "REVOKED")

    # The consent of the current call revokes itself; the next call under it is refused.
    tpp = cw.as_tpp(third["jwt"])
    r = tpp.delete("/obp/v5.1.0/my/consent/current")
    assert (r.status, r.body["status"]) == (200, "REVOKED")
    assert tpp.get("/obp/v5.1.0/users/current").code == "OBP-35005"
    assert w.alice.delete("/obp/v5.1.0/my/consent/current").status == 404


def test_revoke_at_bank_needs_the_role_and_reaches_only_the_banks_consents(cw, admin):
    w = cw.w
    consent = cw.accepted()
    path = f"/obp/v5.1.0/banks/{w.bank_id}/consents/{consent['consent_id']}"
    staff = admin.new_user_session()
    r = staff.delete(path)
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanRevokeConsentAtBank for BankId({w.bank_id}).")
    other_bank = admin.create_bank()
    elsewhere_staff = admin.new_user_session(("CanRevokeConsentAtBank", other_bank))
    assert elsewhere_staff.delete(f"/obp/v5.1.0/banks/{other_bank}/consents/{consent['consent_id']}").code == "OBP-35001"
    admin.grant(staff.user_id, "CanRevokeConsentAtBank", w.bank_id)
    r = staff.delete(path)
    assert (r.status, r.body["status"]) == (200, "REVOKED")


def test_management_lists_need_their_roles_and_filter(cw, admin):
    w = cw.w
    a1, a2 = cw.accepted(), cw.accepted()
    pending = cw.create(w.alice).body
    otp_from_outbox()
    b1 = cw.accepted(session=w.bob, views=[cw.owner_view(w.bob_account)])
    other_bank = admin.create_bank()

    path = f"/obp/v5.1.0/management/consents/banks/{w.bank_id}"
    plain = admin.new_user_session()
    assert plain.get(path).message == (
        f"OBP-20006: User is missing one or more roles: CanGetConsentsAtOneBank or CanGetConsentsAtAnyBank for BankId({w.bank_id}).")
    staff = admin.new_user_session(("CanGetConsentsAtOneBank", w.bank_id))
    r = staff.get(path)
    assert r.status == 200 and r.body["number_of_rows"] == 4
    ids = [c["consent_reference_id"] for c in r.body["consents"]]
    assert ids == [b1["consent_id"], pending["consent_id"], a2["consent_id"], a1["consent_id"]]  # newest first
    item = r.body["consents"][0]
    assert set(item) == {"consent_reference_id", "consumer_id", "created_by_user_id", "status", "last_action_date",
                         "last_usage_date", "jwt_payload", "api_standard", "api_version", "note"}
    assert staff.get(path + f"?user_id={w.bob.user_id}").body["consents"][0]["consent_reference_id"] == b1["consent_id"]
    assert [c["status"] for c in staff.get(path + "?status=INITIATED").body["consents"]] == ["INITIATED"]
    assert len(staff.get(path + "?limit=2&offset=1").body["consents"]) == 2
    assert staff.get(path + f"?consumer_id={cw.tpp['consumer_id']}").body["number_of_rows"] == 4
    assert staff.get(f"/obp/v5.1.0/management/consents/banks/{other_bank}").status == 403
    admin.grant(admin.user_id, "CanGetConsentsAtAnyBank")
    assert admin.get(f"/obp/v5.1.0/management/consents/banks/{other_bank}").body["consents"] == []

    assert staff.get("/obp/v5.1.0/management/consents").message == (
        "OBP-20006: User is missing one or more roles: CanGetConsentsAtAnyBank")
    everywhere = admin.get("/obp/v5.1.0/management/consents?limit=100").body["consents"]
    assert {c["consent_reference_id"] for c in everywhere} >= {a1["consent_id"], a2["consent_id"], b1["consent_id"]}
    by_user = admin.get(f"/obp/v5.1.0/management/consents?user_id={w.bob.user_id}").body["consents"]
    assert [c["consent_reference_id"] for c in by_user] == [b1["consent_id"]]
    by_consumer = admin.get(f"/obp/v5.1.0/management/consents?consumer_id={cw.tpp['consumer_id']}&status=ACCEPTED").body
    assert by_consumer["number_of_rows"] == 3


def test_update_status_v400_keeps_the_consent_as_it_is(cw):
    w = cw.w
    made = cw.create(w.alice).body
    path = f"/obp/v4.0.0/banks/{w.bank_id}/consents/{made['consent_id']}"
    r = w.alice.put(path, {"status": "ACCEPTED"})
    assert (r.status, r.body["status"]) == (202, "INITIATED")
    assert consent_store.get_consent(made["consent_id"]).status == "INITIATED"
    assert w.alice.put(path, {"status": "DONE"}).code == "OBP-10001"
    assert w.bob.put(path, {"status": "ACCEPTED"}).message.startswith("OBP-50200")


def test_update_status_by_management(cw, admin):
    w = cw.w
    consent = cw.accepted()
    path = f"/obp/v5.1.0/management/banks/{w.bank_id}/consents/{consent['consent_id']}"
    plain = admin.new_user_session()
    r = plain.put(path, {"status": "REVOKED"})
    assert (r.status, r.message) == (403, (
        "OBP-20006: User is missing one or more roles: CanUpdateConsentStatusAtOneBank or "
        f"CanUpdateConsentStatusAtAnyBank for BankId({w.bank_id})."))
    assert plain.put(path, {"bad": 1}).status == 403  # the role before the body
    staff = admin.new_user_session(("CanUpdateConsentStatusAtOneBank", w.bank_id))
    assert staff.put(path, {"status": "NOPE"}).code == "OBP-10001"
    unknown = staff.put(f"/obp/v5.1.0/management/banks/{w.bank_id}/consents/{uuid.uuid4()}", {"status": "REVOKED"})
    assert (unknown.status, unknown.code) == (404, "OBP-35001")
    r = staff.put(path, {"status": "REVOKEDBYPSU"})
    assert (r.status, r.body["status"]) == (200, "REVOKEDBYPSU")
    assert cw.as_tpp(consent["jwt"]).get("/obp/v5.1.0/users/current").code == "OBP-35005"

    other_bank = admin.create_bank()
    elsewhere = admin.new_user_session(("CanUpdateConsentStatusAtOneBank", other_bank))
    assert elsewhere.put(f"/obp/v5.1.0/management/banks/{other_bank}/consents/{consent['consent_id']}",
                         {"status": "ACCEPTED"}).status == 404


def _userless_consent(cw) -> str:
    """A consent without a user, as a TPP creates one before the PSU is known (no endpoint of
    ours makes one: every consent we create belongs to its creator)."""
    consent_id = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    record = consent_store.new_consent(
        consent_id, user_id="", consumer_id=cw.tpp["consumer_id"], created_at=now, status="ACCEPTED",
        claims=consent_service.with_claims({"createdByUserId": "", "jti": consent_id, "iat": 0, "nbf": 0,
                                            "exp": 4102444800, "entitlements": [], "views": []}),
        secret_sealed=consent_service.crypto.seal(b"k" * 32, "consent-secret"), banks=[cw.bank_id],
    )
    consent_store.create(record)
    return consent_id


def test_add_user_to_a_consent_only_when_it_has_none(cw, admin, api):
    w = cw.w
    consent = cw.accepted()
    path = f"/obp/v4.0.0/banks/{w.bank_id}/consents/{consent['consent_id']}/user-update-request"
    r = w.alice.put(path, {"user_id": w.bob.user_id})
    assert (r.status, r.message) == (400, "OBP-35024: The Consent's User is already added.")
    assert consent_store.get_consent(consent["consent_id"]).user_id == w.alice.user_id

    userless = _userless_consent(cw)
    path = f"/obp/v4.0.0/banks/{w.bank_id}/consents/{userless}/user-update-request"
    bob = cw.w.admin.create_user()
    bob_via_the_tpp = Api(api.client).login(bob["username"], bob["password"], cw.tpp["key"])
    r = bob_via_the_tpp.put(path, {"user_id": "no-such-user"})
    assert r.message == "OBP-20057: User not found by userId. Current UserId(no-such-user)"
    r = bob_via_the_tpp.put(path, {"user_id": bob["user_id"]})
    assert r.status == 200 and claims_of(r.body["jwt"])["createdByUserId"] == bob["user_id"]
    assert consent_store.get_consent(userless).user_id == bob["user_id"]
    assert bob_via_the_tpp.put(path, {"user_id": w.alice.user_id}).code == "OBP-35024"  # a second user is refused


def test_add_user_answers_a_caller_who_cannot_reach_the_consent_as_if_it_did_not_exist(cw, admin):
    """No existence oracle: the answer for someone else's consent (with or without a user) is the
    answer for a consent id nobody has, through every credential."""
    w = cw.w
    alices, userless, missing = cw.accepted()["consent_id"], _userless_consent(cw), str(uuid.uuid4())

    def answer(session, consent_id):
        r = session.put(f"/obp/v4.0.0/banks/{w.bank_id}/consents/{consent_id}/user-update-request",
                        {"user_id": w.bob.user_id})
        return r.status, r.message.replace(consent_id, "<id>")

    nobody = answer(w.bob, missing)
    assert nobody == (400, "OBP-50200: Connector cannot return the data we requested. <- OBP-35001: "
                           "Consent not found by CONSENT_ID. (<id>)")
    assert answer(w.bob, alices) == answer(w.bob, userless) == nobody  # bob, through another application
    other_bank_staff = admin.new_user_session(("CanUpdateConsentUserAtOneBank", admin.create_bank()))
    assert answer(other_bank_staff, alices) == answer(other_bank_staff, userless) == nobody
    assert consent_store.get_consent(userless).user_id == ""
    for session in (cw.as_tpp(cw.accepted()["jwt"]), cw.as_application()):  # a consent or an application alone
        assert answer(session, alices) == answer(session, missing) == (
            401, "OBP-20001: User not logged in. Authentication is required!"
            + (" A consent does not open this endpoint: it needs the user's own login." if session.default_headers.get("Consent-JWT") else ""))


def test_management_sets_the_user_of_a_userless_consent(cw, admin):
    w = cw.w
    userless = _userless_consent(cw)
    path = f"/obp/v5.1.0/management/banks/{w.bank_id}/consents/{userless}/created-by-user"
    assert w.bob.put(path, {"user_id": w.bob.user_id}).status == 403
    staff = admin.new_user_session(("CanUpdateConsentUserAtOneBank", w.bank_id))
    r = staff.put(path, {"user_id": w.bob.user_id})
    assert (r.status, claims_of(r.body["jwt"])["createdByUserId"]) == (200, w.bob.user_id)
    assert staff.put(path, {"user_id": w.alice.user_id}).code == "OBP-35024"


def test_management_updates_account_access_with_berlin_group_views(cw, admin):
    w = cw.w
    r = w.alice.put(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/alice-iban", {
        "label": "IBAN account", "product_code": w.product, "balance": {"currency": "EUR", "amount": "0"},
        "account_routings": [{"scheme": "IBAN", "address": "DE89370400440532013000"}]})
    assert r.status == 201
    consent = cw.accepted()
    path = f"/obp/v5.1.0/management/banks/{w.bank_id}/consents/{consent['consent_id']}/account-access"
    body = {"access": {"accounts": [{"iban": "DE89 3704 0044 0532 0130 00"}], "balances": [{"iban": "DE89370400440532013000"}]}}
    assert w.alice.put(path, body).status == 403
    staff = admin.new_user_session(("CanUpdateConsentAccountAccessAtOneBank", w.bank_id))
    assert staff.put(path, {"access": {}}).code == "OBP-10001"
    assert staff.put(path, {"access": {"accounts": [{"iban": "XX00"}]}}).code == "OBP-10033"
    assert staff.put(path, {"access": {"accounts": [{"iban": "GB82 WEST 1234 5698 7654 32"}]}}).code == "OBP-30018"
    r = staff.put(path, body)
    assert r.status == 200 and r.body["status"] == "ACCEPTED"
    claims = claims_of(r.body["jwt"])
    assert claims["views"] == [
        {"bank_id": w.bank_id, "account_id": "alice-iban", "view_id": "ReadAccountsBerlinGroup"},
        {"bank_id": w.bank_id, "account_id": "alice-iban", "view_id": "ReadBalancesBerlinGroup"},
    ]
    assert claims["access"] == {"accounts": [{"iban": "DE89370400440532013000"}],
                                "balances": [{"iban": "DE89370400440532013000"}]}  # one form of the IBAN
    # The old JWT is stale; the new one reads the account through a Berlin Group view only.
    assert cw.as_tpp(consent["jwt"]).get("/obp/v5.1.0/users/current").code == "OBP-35004"
    tpp = cw.as_tpp(r.body["jwt"])
    assert tpp.get(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/alice-iban/ReadAccountsBerlinGroup/account").status == 200
    assert tpp.get(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/account").status == 403

    bobs = cw.accepted(session=w.bob, views=[cw.owner_view(w.bob_account)])
    r = staff.put(f"/obp/v5.1.0/management/banks/{w.bank_id}/consents/{bobs['consent_id']}/account-access", body)
    assert r.code == "OBP-35014"  # bob does not hold alice's account


def test_every_consent_endpoint_wants_a_caller(cw):
    """Without credentials: 401 OBP-20001, or OBP-20200 where an application may call alone."""
    from chalicelib.api import consent_requests as request_routes
    from chalicelib.api import consents as consent_routes
    from chalicelib.api import routing

    application_only = {request_routes.create_consent_request, request_routes.create_vrp_consent_request,
                        request_routes.get_consent_request, request_routes.get_consent_by_consent_request_id,
                        consent_routes.get_consent_by_consent_id_via_consumer}
    checked = 0
    for (route, method), endpoints in routing.route_table().items():
        for e in endpoints:
            if e.handler.__module__ not in (consent_routes.__name__, request_routes.__name__):
                continue
            path = route.replace("{version}", f"v{e.since}").replace("{bank_id}", cw.bank_id)
            path = path.replace("{sca_method}", "EMAIL").replace("{consent_id}", str(uuid.uuid4()))
            path = path.replace("{consent_request_id}", str(uuid.uuid4()))
            r = cw.anonymous.call(method, path, body={})
            expected = ("OBP-20200" if e.handler in application_only else "OBP-20001")
            assert (r.status, r.code) == (401, expected), (method, path, r.body)
            checked += 1
    assert checked == 27  # every consent, consent-request and certificate endpoint
