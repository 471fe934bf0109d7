"""KYC checks, documents, media and the status timeline: the four PUTs and the four GETs."""
from __future__ import annotations

import pytest
from pynamodb.exceptions import PutError

from chalicelib.store import kyc as kyc_store
from chalicelib.store import positions
from chalicelib.store import users as user_store

CHECK = {"customer_number": "5987953", "date": "1100-01-01T00:00:00Z", "how": "online_meeting", "staff_user_id": "67876",
         "staff_name": "Simon", "satisfied": True, "comments": "String"}
DOCUMENT = {"customer_number": "5987953", "type": "passport", "number": "12345", "issue_date": "1100-01-01T00:00:00Z",
            "issue_place": "Berlin", "expiry_date": "1100-01-01T00:00:00Z"}
MEDIA = {"customer_number": "5987953", "type": "image", "url": "http://www.example.com/id-docs/123/image.png",
         "date": "1100-01-01T00:00:00Z", "relates_to_kyc_document_id": "123", "relates_to_kyc_check_id": "123"}
# kind: (PUT path segment, body, OBP body class, GET segment, GET wrapper key, add role, read role)
KINDS = {
    "check": ("kyc_check/chk-1", CHECK, "PostKycCheckJSON", "kyc_checks", "checks", "CanAddKycCheck", "CanGetAnyKycChecks"),
    "document": ("kyc_documents/doc-1", DOCUMENT, "PostKycDocumentJSON", "kyc_documents", "documents", "CanAddKycDocument", "CanGetAnyKycDocuments"),
    "media": ("kyc_media/med-1", MEDIA, "PostKycMediaJSON", "kyc_media", "medias", "CanAddKycMedia", "CanGetAnyKycMedia"),
    "status": ("kyc_statuses", {"customer_number": "5987953", "ok": True, "date": "1100-01-01T00:00:00Z"}, "PostKycStatusJSON",
               "kyc_statuses", "statuses", "CanAddKycStatus", "CanGetAnyKycStatuses"),
}

STORE_KINDS = {"check": kyc_store.CHECK, "document": kyc_store.DOCUMENT, "media": kyc_store.MEDIA, "status": kyc_store.STATUS}


def expected(kind: str, customer: dict, body: dict, record_id: str) -> dict:
    common = {"bank_id": customer["bank_id"], "customer_id": customer["customer_id"], "id": record_id,
              "customer_number": customer["customer_number"]}
    if kind == "status":
        return {"customer_id": customer["customer_id"], "customer_number": customer["customer_number"],
                "ok": body["ok"], "date": body["date"]}
    rest = {k: v for k, v in body.items() if k != "customer_number"}
    return {**common, **rest}


@pytest.mark.parametrize("kind", ["check", "document", "media"])
def test_put_creates_or_replaces_by_id_and_get_lists(world, kind):
    segment, body, _, get_segment, key, _, read_role = KINDS[kind]
    bank = world.bank_a
    customer = world.new_customer(bank)
    path = f"/obp/v2.0.0/banks/{bank}/customers/{customer['customer_id']}/{segment}"
    record_id = segment.split("/")[1]

    r = world.desk(bank, "kyc").put(path, body)
    assert r.status == 201, r.body
    assert r.body == expected(kind, customer, body, record_id)  # the customer's own number, not the body's
    changed = {**body, "issue_place": "Paris"} if kind == "document" else {**body, "url": "http://x/y.png"} \
        if kind == "media" else {**body, "satisfied": False}
    r = world.desk(bank, "kyc").put(path.replace("v2.0.0", "v5.1.0"), changed)
    assert r.status == 201, r.body
    reader = world.new_user(read_role)
    for version in ("2.0.0", "5.1.0"):
        listed = reader.get(f"/obp/v{version}/customers/{customer['customer_id']}/{get_segment}")
        assert listed.status == 200, listed.body
        assert listed.body == {key: [expected(kind, customer, changed, record_id)]}


def test_status_is_a_timeline_whose_newest_entry_is_the_current_status(world):
    bank = world.bank_a
    customer = world.new_customer(bank, kyc_status=False)
    path = f"/obp/v2.0.0/banks/{bank}/customers/{customer['customer_id']}/kyc_statuses"

    def add(ok, date):
        r = world.desk(bank, "kyc").put(path, {"customer_number": customer["customer_number"], "ok": ok, "date": date})
        assert r.status == 201, r.body
        return r.body

    def current():
        return world.desk(bank, "kyc").get(f"/obp/v3.1.0/banks/{bank}/customers/{customer['customer_id']}").body["kyc_status"]

    january = add(False, "2020-01-01T00:00:00Z")
    assert current() is False
    next_year = add(True, "2021-01-01T00:00:00Z")
    assert current() is True
    back_dated = add(False, "2019-06-01T00:00:00Z")  # older than the newest: history only
    assert current() is True
    reader = world.new_user("CanGetAnyKycStatuses")
    statuses = reader.get(f"/obp/v2.0.0/customers/{customer['customer_id']}/kyc_statuses").body["statuses"]
    assert statuses == [next_year, january, back_dated]  # newest first: the first is the current one
    latest = add(False, "2022-03-04T05:06:07Z")
    assert current() is False
    assert reader.get(f"/obp/v2.0.0/customers/{customer['customer_id']}/kyc_statuses?limit=1").body["statuses"] == [latest]


@pytest.mark.parametrize("kind", list(KINDS))
def test_add_errors_in_obp_order(world, kind, monkeypatch):
    segment, body, body_class, _, _, add_role, _ = KINDS[kind]
    a, b = world.bank_a, world.bank_b
    customer, foreign = world.new_customer(a), world.new_customer(b)

    def path(bank, customer_id):
        return f"/obp/v2.0.0/banks/{bank}/customers/{customer_id}/{segment}"

    assert world.api.put(path(a, customer["customer_id"]), body).status == 401
    r = world.nobody.put(path("nowhere", customer["customer_id"]), body)  # the bank comes before the role
    assert (r.status, r.code) == (404, "OBP-30001")
    r = world.nobody.put(path(a, customer["customer_id"]), body)
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: {add_role} at Bank({a})")
    odd = world.new_user()
    for bank_id in ("nowhere", "bad*id"):  # a role held at banks that do not exist (or cannot)
        user_store.add_entitlement(user_store.new_entitlement(f"e-{bank_id}", odd.user_id, bank_id, add_role))
    r = odd.put(path("nowhere", customer["customer_id"]), body)
    assert (r.status, r.message) == (404, "OBP-30001: Bank not found. Please specify a valid value for BANK_ID. Current BankId is nowhere")
    assert odd.put(path("bad*id", customer["customer_id"]), body).code == "OBP-30111"
    r = world.desk(a, "kyc").put(path(a, "no-such-customer"), body)
    assert (r.status, r.code) == (404, "OBP-30046")
    r = world.desk(a, "kyc").put(path(a, foreign["customer_id"]), body)  # bank B's customer under bank A
    assert (r.status, r.code) == (404, "OBP-30046")
    r = world.desk(a, "kyc").put(path(a, customer["customer_id"]), {k: v for k, v in body.items() if k != "customer_number"})
    assert r.status == 400 and r.message.startswith(f"OBP-10001: Incorrect json format. The Json body should be the {body_class}")
    assert kyc_store.list_records(STORE_KINDS[kind], customer["customer_id"], limit=10, offset=0) == []

    def failing_save(self, *args, **kwargs):
        raise PutError("the KYC store is unavailable")

    monkeypatch.setattr(kyc_store.Entity, "save", failing_save)
    monkeypatch.setattr(positions, "transaction", _failing_transaction)
    r = world.desk(a, "kyc").put(path(a, customer["customer_id"]), body)
    if kind == "document":  # OBP's text without a code, masked as OBP does by default
        assert (r.status, r.message) == (400, "OBP-50005: An unspecified or internal error occurred.")
    else:
        assert (r.status, r.message) == (400, "OBP-00004: Server error: could not add message")


def _failing_transaction():
    from botocore.exceptions import ClientError
    from pynamodb.exceptions import TransactWriteError

    raise TransactWriteError("unavailable", cause=ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}},
                                                              "TransactWriteItems"))


def test_kyc_ids_in_the_path_are_checked(world):
    bank = world.bank_a
    customer = world.new_customer(bank)
    r = world.desk(bank, "kyc").put(f"/obp/v2.0.0/banks/{bank}/customers/{customer['customer_id']}/kyc_check/{'x' * 37}", CHECK)
    assert (r.status, r.code) == (400, "OBP-10001")


@pytest.mark.parametrize("kind", list(KINDS))
def test_reads_need_the_system_role_or_the_callers_own_customer(world, kind):
    segment, body, _, get_segment, key, _, read_role = KINDS[kind]
    a, b = world.bank_a, world.bank_b
    customer, foreign = world.new_customer(a), world.new_customer(b)
    assert world.desk(b, "kyc").put(f"/obp/v2.0.0/banks/{b}/customers/{foreign['customer_id']}/{segment}", body).status == 201

    reader = world.new_user(read_role)  # system role: every bank's customers
    assert len(reader.get(f"/obp/v2.0.0/customers/{foreign['customer_id']}/{get_segment}").body[key]) == 1
    assert reader.get(f"/obp/v2.0.0/customers/{customer['customer_id']}/{get_segment}").body == {key: []}
    r = reader.get(f"/obp/v2.0.0/customers/no-such-customer/{get_segment}")
    assert (r.status, r.message) == (404, "OBP-30046: Customer not found. Please specify a valid value for CUSTOMER_ID.. Current CustomerId(no-such-customer)")
    # Bank A's staff hold bank roles only: bank B's customer's KYC stays out of reach.
    r = world.staff[a].get(f"/obp/v2.0.0/customers/{foreign['customer_id']}/{get_segment}")
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: {read_role}")
    r = world.nobody.get(f"/obp/v2.0.0/customers/no-such-customer/{get_segment}")
    assert (r.status, r.code) == (403, "OBP-20006")
    owner = world.linked_user(b, foreign["customer_id"])
    assert len(owner.get(f"/obp/v2.0.0/customers/{foreign['customer_id']}/{get_segment}").body[key]) == 1
    r = owner.get(f"/obp/v2.0.0/customers/{customer['customer_id']}/{get_segment}")
    assert (r.status, r.code) == (403, "OBP-20006")
    assert world.api.get(f"/obp/v2.0.0/customers/{customer['customer_id']}/{get_segment}").status == 401
