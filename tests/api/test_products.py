"""Products: create/update (v3.1.0, v4.0.0, v5.0.0), read, typed attributes, fees."""
from chalicelib.store import products as product_store


def _bank_with_product_roles(admin):
    bank = admin.create_bank()
    admin.grant(admin.user_id, "CanCreateProduct", bank)
    admin.grant(admin.user_id, "CanCreateProductAttribute", bank)
    admin.grant(admin.user_id, "CanCreateProductFee", bank)
    return bank


def test_create_product_in_each_version_with_parent_and_read_it_back(admin, api):
    bank = _bank_with_product_roles(admin)
    r = admin.put(f"/obp/v5.1.0/banks/{bank}/products/PARENT1", {"parent_product_code": "", "name": "Parent"})
    assert r.status == 201
    assert r.body == {
        "bank_id": bank, "product_code": "PARENT1", "parent_product_code": "", "name": "Parent", "more_info_url": "",
        "terms_and_conditions_url": "", "description": "", "meta": {"license": {"id": "", "name": ""}},
    }
    v400 = {"parent_product_code": "PARENT1", "name": "Deposit Account 1", "more_info_url": "www.example.com/abc",
            "terms_and_conditions_url": "www.example.com/xyz", "description": "d",
            "meta": {"license": {"id": "ODbL-1.0", "name": "Open Database License"}}}
    r = admin.put(f"/obp/v4.0.0/banks/{bank}/products/1234BW", v400)
    assert r.status == 201 and r.body == {"bank_id": bank, "product_code": "1234BW", **v400}
    v310 = {"name": "product name", "parent_product_code": "", "category": "category", "family": "family",
            "super_family": "super family", "more_info_url": "www.example.com/prod1", "details": "Details",
            "description": "Description", "meta": {"license": {"id": "ODbL-1.0", "name": "Open Database License"}}}
    r = admin.put(f"/obp/v3.1.0/banks/{bank}/products/OLD1", v310)
    assert r.status == 201 and r.body == {"bank_id": bank, "code": "OLD1", **v310}

    # PUT again updates in place; attributes stay.
    admin.post(f"/obp/v5.1.0/banks/{bank}/products/1234BW/attribute", {"name": "TIER", "type": "STRING", "value": "gold"})
    r = admin.put(f"/obp/v5.1.0/banks/{bank}/products/1234BW", {"parent_product_code": "PARENT1", "name": "Renamed"})
    assert r.status == 201 and r.body["name"] == "Renamed"
    got = api.get(f"/obp/v5.1.0/banks/{bank}/products/1234BW")  # products are public
    assert got.status == 200
    assert got.body["name"] == "Renamed" and got.body["parent_product_code"] == "PARENT1"
    assert [(a["name"], a["type"], a["value"]) for a in got.body["attributes"]] == [("TIER", "STRING", "gold")]
    assert got.body["fees"] == []
    old = api.get(f"/obp/v3.1.0/banks/{bank}/products/1234BW")
    assert old.body["code"] == "1234BW" and old.body["product_attributes"][0]["name"] == "TIER"
    listed = api.get(f"/obp/v4.0.0/banks/{bank}/products")
    assert [p["product_code"] for p in listed.body["products"]] == ["1234BW", "OLD1", "PARENT1"]


def test_create_product_errors(admin, api):
    bank = _bank_with_product_roles(admin)
    body = {"parent_product_code": "", "name": "P"}
    assert api.put(f"/obp/v5.1.0/banks/{bank}/products/P1", body).code == "OBP-20001"
    user = admin.new_user_session()
    r = user.put(f"/obp/v5.1.0/banks/{bank}/products/P1", body)
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanCreateProduct or "
                                          f"CanCreateProductAtAnyBank for BankId({bank}).")
    r = user.put(f"/obp/v3.1.0/banks/{bank}/products/P1", {**body, "category": "", "family": "", "super_family": "",
                                                             "more_info_url": "", "details": "", "description": "",
                                                             "meta": {"license": {"id": "", "name": ""}}})
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanCreateProduct or "
                                          "CanCreateProductAtAnyBank")
    r = admin.put("/obp/v5.1.0/banks/no-such-bank/products/P1", body)
    assert (r.status, r.message) == (404, "OBP-30001: Bank not found. Please specify a valid value for BANK_ID. "
                                          "Current BankId is no-such-bank")
    r = admin.put(f"/obp/v5.1.0/banks/{bank}/products/P1", {"parent_product_code": "MISSING", "name": "P"})
    assert (r.status, r.code) == (400, "OBP-30062")
    r = admin.put(f"/obp/v4.0.0/banks/{bank}/products/P1", body)  # v4.0.0 needs every field
    assert (r.status, r.code) == (400, "OBP-10001") and "PutProductJsonV400" in r.message
    assert product_store.get_product(bank, "P1") is None  # nothing was written
    # A system-wide role is enough too.
    anywhere = admin.new_user_session("CanCreateProductAtAnyBank")
    assert anywhere.put(f"/obp/v5.1.0/banks/{bank}/products/P1", body).status == 201
    r = api.get(f"/obp/v5.1.0/banks/{bank}/products/NOPE")
    assert (r.status, r.code) == (404, "OBP-30011")


def test_product_attributes_are_typed_and_checked(admin):
    bank = _bank_with_product_roles(admin)
    admin.put(f"/obp/v5.1.0/banks/{bank}/products/P1", {"parent_product_code": "", "name": "P"})
    url = f"/obp/v5.1.0/banks/{bank}/products/P1/attribute"
    r = admin.post(url, {"name": "OVERDRAFT_START_DATE", "type": "DATE_WITH_DAY", "value": "2012-04-23", "is_active": True})
    assert r.status == 201
    assert r.body == {"bank_id": bank, "product_code": "P1", "product_attribute_id": r.body["product_attribute_id"],
                      "name": "OVERDRAFT_START_DATE", "type": "DATE_WITH_DAY", "value": "2012-04-23", "is_active": True}
    for kind, value in (("INTEGER", "123"), ("DOUBLE", "12.1234"), ("STRING", "TAX_NUMBER")):
        assert admin.post(url, {"name": f"A_{kind}", "type": kind, "value": value}).status == 201
    r = admin.post(f"/obp/v3.1.0/banks/{bank}/products/P1/attribute", {"name": "V310", "type": "STRING", "value": "x"})
    assert r.status == 201 and set(r.body) == {"product_code", "product_attribute_id", "name", "type", "value"}

    r = admin.post(url, {"name": "X", "type": "BOOLEAN", "value": "true"})
    assert (r.status, r.message) == (400, "OBP-10001: Incorrect json format. The `Type` field can only accept the "
                                          "following field: DOUBLE(12.1234), STRING(TAX_NUMBER), INTEGER(123) and "
                                          "DATE_WITH_DAY(2012-04-23)")
    for kind, value in (("INTEGER", "12.5"), ("DOUBLE", "abc"), ("DATE_WITH_DAY", "2012-13-01"), ("DATE_WITH_DAY", "23/04/2012")):
        r = admin.post(url, {"name": "BAD", "type": kind, "value": value})
        assert (r.status, r.code) == (400, "OBP-10001"), (kind, value)
    r = admin.post(f"/obp/v5.1.0/banks/{bank}/products/NOPE/attribute", {"name": "X", "type": "STRING", "value": "x"})
    assert (r.status, r.message) == (400, "OBP-30011: Product not found. Please specify a valid value for PRODUCT_CODE. {NOPE}")
    user = admin.new_user_session()
    r = user.post(url, {"name": "X", "type": "STRING", "value": "x"})
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanCreateProductAttribute for BankId({bank}).")
    r = user.post(f"/obp/v3.1.0/banks/{bank}/products/P1/attribute", {"name": "X", "type": "STRING", "value": "x"})
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanCreateProductAttribute at Bank({bank})")
    stored = product_store.get_product(bank, "P1")
    assert sorted(a.name for a in stored.attributes) == ["A_DOUBLE", "A_INTEGER", "A_STRING", "OVERDRAFT_START_DATE", "V310"]


def test_product_fees(admin, api):
    bank = _bank_with_product_roles(admin)
    admin.put(f"/obp/v5.1.0/banks/{bank}/products/P1", {"parent_product_code": "", "name": "P"})
    url = f"/obp/v5.1.0/banks/{bank}/products/P1/fee"
    fee = {"product_fee_id": "696hlAHLFKUHE37469287634", "name": "ACCOUNT_MANAGEMENT_FEE", "is_active": True,
           "more_info": "More information about this fee",
           "value": {"currency": "EUR", "amount": 10.12, "frequency": "DAILY", "type": ""}}
    r = admin.post(url, fee)
    assert r.status == 201
    assert r.body == {"bank_id": bank, "product_code": "P1", "product_fee_id": "696hlAHLFKUHE37469287634",
                      "name": "ACCOUNT_MANAGEMENT_FEE", "is_active": True, "more_info": "More information about this fee",
                      "value": {"currency": "EUR", "amount": "10.12", "frequency": "DAILY", "type": ""}}
    assert admin.post(url, fee).code == "OBP-30118"  # the client's fee id is taken
    generated = admin.post(url, {**fee, "product_fee_id": None, "value": {**fee["value"], "amount": "0.50"}})
    assert generated.status == 201 and generated.body["product_fee_id"] != fee["product_fee_id"]
    got = api.get(f"/obp/v5.1.0/banks/{bank}/products/P1")
    assert sorted(f["value"]["amount"] for f in got.body["fees"]) == ["0.50", "10.12"]

    assert admin.post(f"/obp/v5.1.0/banks/{bank}/products/NOPE/fee", fee).status == 404
    assert admin.post(url, {**fee, "value": {**fee["value"], "currency": "EURO"}}).code == "OBP-10003"
    assert admin.post(url, {**fee, "value": {**fee["value"], "amount": -1}}).code == "OBP-10001"
    assert admin.post(url, {**fee, "is_active": "yes"}).code == "OBP-10001"
    r = admin.new_user_session().post(url, fee)
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanCreateProductFee for BankId({bank}).")
    assert api.post(url, fee).code == "OBP-20001"
    assert len(product_store.get_product(bank, "P1").fees) == 2
