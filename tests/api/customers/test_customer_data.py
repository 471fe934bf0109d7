"""Customer attributes, addresses, tax residences, social media handles and CRM events."""
from __future__ import annotations

import uuid

from chalicelib.store import customer_data as data_store
from chalicelib.store import customers as store

ADDRESS = {
    "line_1": "No 1 the Road", "line_2": "The Place", "line_3": "The Hill", "city": "Berlin", "county": "",
    "state": "Brandenburg", "postcode": "13359", "country_code": "DE", "tags": ["mailing", "home"], "status": "OK",
}
NOT_FOUND = "OBP-30046: Customer not found. Please specify a valid value for CUSTOMER_ID.. Current CustomerId({})"


def _missing(role: str, bank: str, wording: str = "single") -> str:
    context = f"{role} at Bank({bank})" if wording == "single" else f"{role} for BankId({bank})."
    return f"OBP-20006: User is missing one or more roles: {context}"


# --- attributes ----------------------------------------------------------------------------------

def test_customer_attributes_create_and_list(world):
    a, b = world.bank_a, world.bank_b
    customer, foreign = world.new_customer(a), world.new_customer(b)
    path = f"/obp/v4.0.0/banks/{a}/customers/{customer['customer_id']}/attribute"
    made = []
    for name, kind, value in (("SPECIAL_TAX_NUMBER", "STRING", "123456789"), ("AGE", "INTEGER", "42"),
                              ("SCORE", "DOUBLE", "12.1234"), ("SINCE", "DATE_WITH_DAY", "2012-04-23")):
        r = world.staff[a].post(path, {"name": name, "type": kind, "value": value})
        assert r.status == 201, r.body
        assert r.body == {"customer_attribute_id": r.body["customer_attribute_id"], "name": name, "type": kind, "value": value}
        made.append(r.body)
    listed = world.staff[a].get(f"/obp/v5.1.0/banks/{a}/customers/{customer['customer_id']}/attributes")
    assert listed.status == 200
    assert sorted(listed.body["customer_attributes"], key=lambda x: x["name"]) == sorted(made, key=lambda x: x["name"])
    page = world.staff[a].get(f"/obp/v4.0.0/banks/{a}/customers/{customer['customer_id']}/attributes?limit=2&offset=1")
    assert page.body["customer_attributes"] == listed.body["customer_attributes"][1:3]

    r = world.staff[a].post(path, {"name": "X", "type": "BLOB", "value": "1"})
    assert (r.status, r.message) == (400, "OBP-10001: Incorrect json format. The `Type` filed can only accept the following field: DOUBLE(12.1234), STRING(TAX_NUMBER), INTEGER(123) and DATE_WITH_DAY(2012-04-23)")
    r = world.staff[a].post(path, {"name": "X", "type": "STRING"})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the CustomerAttributeJsonV400")
    r = world.nobody.post(path, {"name": "X", "type": "STRING", "value": "1"})
    assert (r.status, r.message) == (403, _missing("CanCreateCustomerAttributeAtOneBank", a, "any"))
    r = world.staff[a].post(f"/obp/v4.0.0/banks/{a}/customers/{foreign['customer_id']}/attribute", {"name": "X", "type": "STRING", "value": "1"})
    assert (r.status, r.message) == (404, NOT_FOUND.format(foreign["customer_id"]))
    assert world.api.post(path, {"name": "X", "type": "STRING", "value": "1"}).status == 401
    assert world.staff[a].post(f"/obp/v4.0.0/banks/nowhere/customers/{customer['customer_id']}/attribute",
                               {"name": "X", "type": "STRING", "value": "1"}).code == "OBP-30001"
    assert len(store.list_attributes(customer["customer_id"], limit=100, offset=0)) == 4
    assert store.list_attributes(foreign["customer_id"], limit=100, offset=0) == []

    owner = world.linked_user(a, customer["customer_id"])
    assert owner.get(f"/obp/v4.0.0/banks/{a}/customers/{customer['customer_id']}/attributes").status == 200
    r = world.nobody.get(f"/obp/v4.0.0/banks/{a}/customers/{customer['customer_id']}/attributes")
    assert (r.status, r.message) == (403, _missing("CanGetCustomerAttributesAtOneBank", a, "any"))
    r = world.staff[a].get(f"/obp/v4.0.0/banks/{a}/customers/{foreign['customer_id']}/attributes")
    assert (r.status, r.code) == (404, "OBP-30046")


# --- addresses -----------------------------------------------------------------------------------

def test_customer_addresses_create_list_update_delete(world):
    a = world.bank_a
    staff = world.desk(a, "addresses")
    customer = world.new_customer(a)
    base = f"/obp/v3.1.0/banks/{a}/customers/{customer['customer_id']}"

    r = staff.post(f"{base}/address", ADDRESS)
    assert r.status == 201, r.body
    created = r.body
    assert created == {"customer_address_id": created["customer_address_id"], "customer_id": customer["customer_id"],
                       **ADDRESS, "insert_date": created["insert_date"]}
    assert created["insert_date"].endswith("Z") and len(created["insert_date"]) == 20
    second = staff.post(f"{base}/address", {**ADDRESS, "line_1": "Second"}).body
    listed = staff.get(f"/obp/v5.1.0/banks/{a}/customers/{customer['customer_id']}/addresses").body["addresses"]
    assert sorted(x["customer_address_id"] for x in listed) == sorted([created["customer_address_id"], second["customer_address_id"]])

    r = staff.put(f"{base}/addresses/{created['customer_address_id']}", {**ADDRESS, "city": "Potsdam", "tags": ["work"]})
    assert r.status == 200, r.body
    assert r.body == {**created, "city": "Potsdam", "tags": ["work"]}  # same id and insert date
    assert data_store.get_address(customer["customer_id"], created["customer_address_id"]).city == "Potsdam"

    r = staff.delete(f"{base}/addresses/{created['customer_address_id']}")
    assert (r.status, r.body) == (200, True)
    remaining = staff.get(f"{base}/addresses").body["addresses"]
    assert [x["customer_address_id"] for x in remaining] == [second["customer_address_id"]]
    r = staff.delete(f"{base}/addresses/{created['customer_address_id']}")
    assert (r.status, r.message) == (400, f"OBP-30310: Customer's Address not found by CUSTOMER_ADDRESS_ID. Current CUSTOMER_ADDRESS_ID({created['customer_address_id']})")
    r = staff.put(f"{base}/addresses/no-such-address", ADDRESS)
    assert (r.status, r.code) == (400, "OBP-30310")


def test_customer_address_roles_bodies_and_other_banks(world):
    a, b = world.bank_a, world.bank_b
    customer, other, foreign = world.new_customer(a), world.new_customer(a), world.new_customer(b)
    base = f"/obp/v3.1.0/banks/{a}/customers/{customer['customer_id']}"
    address_id = world.desk(a, "addresses").post(f"{base}/address", ADDRESS).body["customer_address_id"]
    foreign_address = world.desk(b, "addresses").post(f"/obp/v3.1.0/banks/{b}/customers/{foreign['customer_id']}/address", ADDRESS).body

    assert world.api.post(f"{base}/address", ADDRESS).status == 401
    r = world.nobody.post(f"{base}/address", ADDRESS)
    assert (r.status, r.message) == (403, _missing("CanCreateCustomerAddress", a))
    r = world.desk(a, "addresses").post(f"{base}/address", {**ADDRESS, "tags": "home"})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the PostCustomerAddressJsonV310")
    r = world.nobody.get(f"{base}/addresses")
    assert (r.status, r.message) == (403, _missing("CanGetCustomerAddress", a))
    owner = world.linked_user(a, customer["customer_id"])
    assert [x["customer_address_id"] for x in owner.get(f"{base}/addresses").body["addresses"]] == [address_id]
    r = owner.get(f"/obp/v3.1.0/banks/{a}/customers/{other['customer_id']}/addresses")
    assert (r.status, r.code) == (403, "OBP-20006")
    r = world.nobody.put(f"{base}/addresses/{address_id}", ADDRESS)
    assert (r.status, r.message) == (403, _missing("CanCreateCustomer", a))
    r = world.nobody.delete(f"{base}/addresses/{address_id}")
    assert (r.status, r.message) == (403, _missing("CanDeleteCustomerAddress", a))

    # Bank A's staff cannot reach bank B's customer or its address through bank A's paths...
    foreign_base = f"/obp/v3.1.0/banks/{a}/customers/{foreign['customer_id']}"
    for r in (world.desk(a, "addresses").post(f"{foreign_base}/address", ADDRESS), world.desk(a, "addresses").get(f"{foreign_base}/addresses"),
              world.desk(a, "addresses").delete(f"{foreign_base}/addresses/{foreign_address['customer_address_id']}"),
              world.desk(a, "addresses").put(f"{foreign_base}/addresses/{foreign_address['customer_address_id']}", ADDRESS)):
        assert (r.status, r.message) == (404, NOT_FOUND.format(foreign["customer_id"]))
    # ...nor with another customer's path.
    r = world.desk(a, "addresses").delete(f"{base}/addresses/{foreign_address['customer_address_id']}")
    assert (r.status, r.code) == (400, "OBP-30310")
    assert data_store.get_address(foreign["customer_id"], foreign_address["customer_address_id"]).city == "Berlin"
    assert world.desk(a, "addresses").get(f"/obp/v3.1.0/banks/nowhere/customers/{customer['customer_id']}/addresses").status == 404


# --- tax residences ------------------------------------------------------------------------------

def test_tax_residences_create_list_delete_with_roles(world):
    a, b = world.bank_a, world.bank_b
    customer, foreign = world.new_customer(a), world.new_customer(b)
    base = f"/obp/v3.1.0/banks/{a}/customers/{customer['customer_id']}"

    r = world.desk(a, "tax").post(f"{base}/tax-residence", {"domain": "DE", "tax_number": "456"})
    assert r.status == 201, r.body
    assert r.body == {"domain": "DE", "tax_number": "456", "tax_residence_id": r.body["tax_residence_id"]}
    residence = r.body
    r = world.desk(a, "tax").get(f"/obp/v5.1.0/banks/{a}/customers/{customer['customer_id']}/tax-residences")
    assert (r.status, r.body) == (200, {"tax_residence": [residence]})
    r = world.desk(a, "tax").delete(f"{base}/tax_residencies/{residence['tax_residence_id']}")
    assert (r.status, r.body) == (200, True)
    assert world.desk(a, "tax").get(f"{base}/tax-residences").body == {"tax_residence": []}
    r = world.desk(a, "tax").delete(f"{base}/tax_residencies/{residence['tax_residence_id']}")
    assert (r.status, r.message) == (400, f"OBP-30300: Tax Residence not found by TAX_RESIDENCE_ID. Current TAX_RESIDENCE_ID({residence['tax_residence_id']})")

    r = world.desk(a, "tax").post(f"{base}/tax-residence", {"domain": "DE"})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the PostTaxResidenceJsonV310")
    assert world.api.post(f"{base}/tax-residence", {"domain": "DE", "tax_number": "1"}).status == 401
    r = world.nobody.post(f"{base}/tax-residence", {"domain": "DE", "tax_number": "1"})
    assert (r.status, r.message) == (403, _missing("CanCreateTaxResidence", a))
    r = world.nobody.get(f"{base}/tax-residences")
    assert (r.status, r.message) == (403, _missing("CanGetTaxResidence", a))
    r = world.nobody.delete(f"{base}/tax_residencies/x")
    assert (r.status, r.message) == (403, _missing("CanDeleteTaxResidence", a))
    owner = world.linked_user(a, customer["customer_id"])
    assert owner.get(f"{base}/tax-residences").status == 200

    kept = world.desk(b, "tax").post(f"/obp/v3.1.0/banks/{b}/customers/{foreign['customer_id']}/tax-residence",
                               {"domain": "FR", "tax_number": "9"}).body
    foreign_base = f"/obp/v3.1.0/banks/{a}/customers/{foreign['customer_id']}"
    for r in (world.desk(a, "tax").post(f"{foreign_base}/tax-residence", {"domain": "DE", "tax_number": "1"}),
              world.desk(a, "tax").get(f"{foreign_base}/tax-residences"),
              world.desk(a, "tax").delete(f"{foreign_base}/tax_residencies/{kept['tax_residence_id']}")):
        assert (r.status, r.code) == (404, "OBP-30046")
    r = world.desk(a, "tax").delete(f"{base}/tax_residencies/{kept['tax_residence_id']}")
    assert (r.status, r.code) == (400, "OBP-30300")
    assert data_store.list_tax_residences(foreign["customer_id"], limit=10, offset=0)[0].tax_number == "9"


# --- social media handles ------------------------------------------------------------------------

def test_social_media_handles(world):
    a, b = world.bank_a, world.bank_b
    customer, foreign = world.new_customer(a), world.new_customer(b)
    path = f"/obp/v2.0.0/banks/{a}/customers/{customer['customer_id']}/social_media_handles"
    body = {"customer_number": foreign["customer_number"], "type": "twitter", "handle": "@eveline",
            "date_added": "1100-01-01T00:00:00Z", "date_activated": "1100-01-01T00:00:00Z"}

    r = world.desk(a, "social").post(path, body)
    assert (r.status, r.body) == (201, {"success": "Success"})
    r = world.desk(a, "social").get(path)
    # Kept with the customer of the path, whatever number the body names.
    assert (r.status, r.body) == (200, {"checks": [{**body, "customer_number": customer["customer_number"]}]})
    assert data_store.list_social_media_handles(foreign["customer_id"], limit=10, offset=0) == []

    assert world.api.post(path, body).status == 401
    r = world.nobody.post(path, {**body, "date_added": 20170919})  # v2.0.0 reads the body first; a date is a string
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the SocialMediaJSON")
    assert world.desk(a, "social").post(f"/obp/v2.0.0/banks/bad*id/customers/{customer['customer_id']}/social_media_handles", body).code == "OBP-30111"
    assert world.desk(a, "social").post(f"/obp/v2.0.0/banks/nowhere/customers/{customer['customer_id']}/social_media_handles", body).code == "OBP-30001"
    r = world.nobody.post(path, body)
    assert (r.status, r.message) == (403, _missing("CanAddSocialMediaHandle", a))
    r = world.desk(a, "social").post(f"/obp/v2.0.0/banks/{a}/customers/{foreign['customer_id']}/social_media_handles", body)
    assert (r.status, r.message) == (404, NOT_FOUND.format(foreign["customer_id"]))
    r = world.nobody.get(path)
    assert (r.status, r.message) == (403, _missing("CanGetSocialMediaHandles", a))
    owner = world.linked_user(a, customer["customer_id"])
    assert len(owner.get(path).body["checks"]) == 1
    r = world.desk(a, "social").get(f"/obp/v2.0.0/banks/{a}/customers/{foreign['customer_id']}/social_media_handles")
    assert (r.status, r.code) == (404, "OBP-30046")


# --- CRM events ----------------------------------------------------------------------------------

def test_crm_events_are_recorded_with_a_role_and_listed_per_bank(world):
    bank = world.admin.create_bank(f"crm-{uuid.uuid4().hex[:6]}")
    staff = world.new_user(("CanCreateCrmEvent", bank), ("CanCreateCustomer", bank), ("CanGetCustomers", bank),
                           ("CanCreateUserCustomerLink", bank))
    world.staff[bank] = staff
    first, second = world.new_customer(bank), world.new_customer(bank, legal_name="Second Person")
    path = f"/obp/v1.4.0/banks/{bank}/crm-events"

    def record(customer, scheduled):
        r = staff.post(f"/obp/v5.1.0/banks/{bank}/crm-events", {
            "customer_id": customer["customer_id"], "category": "Call", "detail": "Follow up", "channel": "Phone",
            "scheduled_date": scheduled, "actual_date": "2020-01-28T10:00:00Z", "result": "Done"})
        assert r.status == 201, r.body
        return r.body

    r = world.nobody.get(path)  # nothing recorded yet: OBP's 404, its text masked as OBP-50005
    assert (r.status, r.message) == (404, "OBP-50005: An unspecified or internal error occurred.")
    later = record(first, "2020-02-01T00:00:00Z")
    earlier = record(second, "2020-01-27T00:00:00Z")
    assert later == {"id": later["id"], "bank_id": bank, "customer_name": "Eveline Tripman",
                     "customer_number": first["customer_number"], "category": "Call", "detail": "Follow up",
                     "channel": "Phone", "scheduled_date": "2020-02-01T00:00:00Z", "actual_date": "2020-01-28T10:00:00Z",
                     "result": "Done"}
    for version in ("1.4.0", "2.0.0", "5.1.0"):
        r = staff.get(f"/obp/v{version}/banks/{bank}/crm-events")
        assert (r.status, r.body) == (200, {"crm_events": [earlier, later]})
    assert staff.get(f"{path}?limit=1&offset=1").body == {"crm_events": [later]}

    owner = world.linked_user(bank, second["customer_id"])  # no role: its customer's events only
    assert owner.get(path).body == {"crm_events": [earlier]}
    r = world.nobody.get(path)
    assert (r.status, r.code) == (404, "OBP-50005")
    assert world.api.get(path).status == 401
    assert staff.get("/obp/v1.4.0/banks/nowhere/crm-events").code == "OBP-30001"
    assert world.staff[world.bank_a].get(f"/obp/v1.4.0/banks/{world.bank_a}/crm-events").code == "OBP-50005"
    r = world.staff[world.bank_a].get(path)  # its list role is at another bank: none of these events
    assert (r.status, r.code) == (404, "OBP-50005")

    r = world.nobody.post(f"/obp/v1.4.0/banks/{bank}/crm-events", {"customer_id": first["customer_id"]})
    assert (r.status, r.message) == (403, _missing("CanCreateCrmEvent", bank, "any"))
    r = staff.post(f"/obp/v1.4.0/banks/{bank}/crm-events", {"customer_id": first["customer_id"], "category": "Call"})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the PostCrmEventJson")
    foreign = world.new_customer(world.bank_b)
    r = staff.post(f"/obp/v1.4.0/banks/{bank}/crm-events", {
        "customer_id": foreign["customer_id"], "category": "Call", "detail": "", "channel": "Phone",
        "scheduled_date": "2020-01-27T00:00:00Z", "result": ""})
    assert (r.status, r.code) == (404, "OBP-30046")
    assert staff.get(path).body == {"crm_events": [earlier, later]}
