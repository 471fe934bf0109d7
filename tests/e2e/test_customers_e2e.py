"""Issue 3's end-to-end walk over HTTP against the stack `make run` starts: a bank's staff onboard
a customer (seed 000's v2.0.0 body), link a user, record KYC and personal data; the user reads
its customer; staff read the overviews and search by phone; an invitation email reaches the local
outbox and its secret opens the invitation."""
import re
import uuid

import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "Str0ng-Passw0rd!"
STAFF_ROLES = [
    "CanCreateCustomer", "CanCreateUserCustomerLink", "CanCreateCustomerAddress", "CanCreateTaxResidence",
    "CanCreateCustomerAttributeAtOneBank", "CanAddKycCheck", "CanAddKycDocument", "CanAddKycMedia",
    "CanAddKycStatus", "CanGetCustomerOverview", "CanGetCustomerOverviewFlat", "CanGetCustomers",
    "CanCreateUserInvitation",
]


def _user(admin, prefix: str) -> dict:
    username = f"{prefix}-{uuid.uuid4().hex[:8]}"
    r = admin.post("/obp/v5.1.0/users", {"email": f"{username}@example.com", "username": username, "password": PASSWORD,
                                         "first_name": prefix.title(), "last_name": "E2E"})
    assert r.status == 201, r.body
    return r.body


def test_customer_onboarding_kyc_overview_search_and_invitation(stack):
    http = stack.http()
    consumer_key = stack.info["consumer_key"]
    admin = http.login(stack.info["admin_username"], stack.info["admin_password"], consumer_key)

    # Admin creates the bank and the staff member, and grants the roles.
    bank = f"e2e-{uuid.uuid4().hex[:6]}"
    assert admin.post("/obp/v5.1.0/banks", {"id": bank, "bank_code": "E2E", "full_name": "E2E Bank"}).status == 201
    staff_user, holder, family = _user(admin, "staff"), _user(admin, "holder"), _user(admin, "family")
    for role in STAFF_ROLES:
        r = admin.post(f"/obp/v5.1.0/users/{staff_user['user_id']}/entitlements", {"bank_id": bank, "role_name": role})
        assert r.status == 201, r.body
    r = admin.post(f"/obp/v5.1.0/users/{staff_user['user_id']}/entitlements", {"bank_id": "", "role_name": "CanGetAnyKycStatuses"})
    assert r.status == 201, r.body
    staff = http.login(staff_user["username"], PASSWORD, consumer_key)

    # Staff create the customer with seed 000's v2.0.0 body; it is linked to its user.
    number = f"5987953{uuid.uuid4().int % 10**6:06d}"
    phone = f"+49 30 {uuid.uuid4().int % 10**6:06d}"
    r = staff.post(f"/obp/v2.0.0/banks/{bank}/customers", {
        "branchId": "branchId", "customer_number": number, "date_of_birth": "2018-03-09", "dependants": 1,
        "dob_of_dependants": ["2019-09-08", "2017-07-12"], "email": "felixsmith@example.com",
        "employment_status": "worker", "face_image": {"url": "http://www.example.com/id-docs/123/image.png", "date": "2020-01-27"},
        "highest_education_attained": "Master", "kyc_status": False, "last_ok_date": "2024-02-12T21:00:30.010Z",
        "legal_name": "Eveline Tripman", "mobile_phone_number": phone, "nameSuffix": "nameSuffix",
        "relationship_status": "single", "title": "Dr.", "user_id": holder["user_id"],
    })
    assert r.status == 201, r.body
    customer_id = r.body["customer_id"]
    assert (r.body["customer_number"], r.body["legal_name"], r.body["kyc_status"]) == (number, "Eveline Tripman", False)

    # ...and link a second user to it.
    r = staff.post(f"/obp/v4.0.0/banks/{bank}/user_customer_links", {"user_id": family["user_id"], "customer_id": customer_id})
    assert (r.status, r.body["customer_id"], r.body["is_active"]) == (201, customer_id, True)

    # Address, tax residence, attribute, and the KYC check, document, media and status.
    base = f"/obp/v5.1.0/banks/{bank}/customers/{customer_id}"
    r = staff.post(f"{base}/address", {"line_1": "No 1 the Road", "line_2": "The Place", "line_3": "The Hill",
                                       "city": "Berlin", "county": "", "state": "Brandenburg", "postcode": "13359",
                                       "country_code": "DE", "tags": ["mailing", "home"], "status": "OK"})
    assert (r.status, r.body["city"]) == (201, "Berlin")
    r = staff.post(f"{base}/tax-residence", {"domain": "DE", "tax_number": "456"})
    assert (r.status, r.body["tax_number"]) == (201, "456")
    r = staff.post(f"{base}/attribute", {"name": "SPECIAL_TAX_NUMBER", "type": "STRING", "value": "123456789"})
    assert r.status == 201, r.body
    attribute = r.body
    r = staff.put(f"{base}/kyc_check/check-1", {"customer_number": number, "date": "2024-01-02T10:00:00Z", "how": "online_meeting",
                                                "staff_user_id": staff_user["user_id"], "staff_name": "Simon", "satisfied": True,
                                                "comments": "Video call"})
    assert (r.status, r.body["id"], r.body["satisfied"]) == (201, "check-1", True)
    r = staff.put(f"{base}/kyc_documents/doc-1", {"customer_number": number, "type": "passport", "number": "C01X00T47",
                                                  "issue_date": "2019-05-01T00:00:00Z", "issue_place": "Berlin",
                                                  "expiry_date": "2029-04-30T00:00:00Z"})
    assert (r.status, r.body["type"]) == (201, "passport")
    r = staff.put(f"{base}/kyc_media/media-1", {"customer_number": number, "type": "image", "url": "https://example.com/p.png",
                                                "date": "2024-01-02T10:05:00Z", "relates_to_kyc_document_id": "doc-1",
                                                "relates_to_kyc_check_id": "check-1"})
    assert (r.status, r.body["relates_to_kyc_document_id"]) == (201, "doc-1")
    r = staff.put(f"{base}/kyc_statuses", {"customer_number": number, "ok": True, "date": "2024-01-03T00:00:00Z"})
    assert (r.status, r.body["ok"]) == (201, True)
    statuses = staff.get(f"/obp/v2.0.0/customers/{customer_id}/kyc_statuses")
    assert [s["ok"] for s in statuses.body["statuses"]] == [True]

    # The linked user reads its customer (the v1.4.0 endpoint at the v2.0.0 prefix); KYC made it ok.
    user = http.login(family["username"], PASSWORD, consumer_key)
    r = user.get(f"/obp/v2.0.0/banks/{bank}/customer")
    assert r.status == 200, r.body
    assert (r.body["customer_id"], r.body["customer_number"], r.body["kyc_status"]) == (customer_id, number, True)

    # Overview and flat overview by customer number.
    r = staff.post(f"/obp/v5.0.0/banks/{bank}/customers/customer-number-query/overview", {"customer_number": number})
    assert r.status == 200, r.body
    assert (r.body["customer_id"], r.body["customer_attributes"], r.body["accounts"]) == (customer_id, [attribute], [])
    assert r.body["title"] == "Dr."
    r = staff.post(f"/obp/v5.1.0/banks/{bank}/customers/customer-number-query/overview-flat", {"customer_number": number})
    assert r.status == 200, r.body
    assert list(r.body) == ["bank_id", "customer_id", "customer_number", "legal_name", "mobile_phone_number", "email",
                            "date_of_birth", "title", "branch_id", "name_suffix", "customer_attributes", "accounts"]

    # Phone search with % and _.
    for pattern in (phone[:6] + "%", phone[:-1] + "_", "%" + phone[-4:], "+49 3_ %"):
        r = staff.post(f"/obp/v4.0.0/banks/{bank}/search/customers/mobile-phone-number", {"mobile_phone_number": pattern})
        assert r.status == 201, r.body
        assert customer_id in [c["customer_id"] for c in r.body["customers"]], pattern

    # An invitation email lands in the local outbox; its secret opens the invitation.
    invitee = f"invitee-{uuid.uuid4().hex[:8]}@example.com"
    r = staff.post(f"/obp/v4.0.0/banks/{bank}/user-invitation", {"first_name": "Tom", "last_name": "Smith", "email": invitee,
                                                                 "company": "Tesobe GmbH", "country": "Germany",
                                                                 "purpose": "CUSTOMER"})
    assert (r.status, r.body["status"]) == (201, "CREATED")
    assert "secret" not in str(r.body).lower()
    mail = stack.wait_for_outbox(lambda doc: doc["channel"] == "email" and doc["to"] == invitee)
    secret = int(re.search(r"/user-invitation\?id=(\d+)", mail["body"]).group(1))
    r = http.post(f"/obp/v4.0.0/banks/{bank}/user-invitations", {"secret_key": secret})
    assert (r.status, r.body["email"], r.body["purpose"]) == (201, invitee, "CUSTOMER")
    username = f"invited-{uuid.uuid4().hex[:6]}"
    r = http.post(f"/obp/v4.0.0/banks/{bank}/user-invitations/users", {"secret_key": secret, "username": username, "password": PASSWORD})
    assert (r.status, r.body["email"]) == (201, invitee)
    assert http.login(username, PASSWORD, consumer_key).get("/obp/v5.1.0/users/current").body["username"] == username
    r = http.post(f"/obp/v4.0.0/banks/{bank}/user-invitations", {"secret_key": secret})
    assert (r.status, r.body["message"]) == (404, "OBP-37883: Cannot find user invitation.")
