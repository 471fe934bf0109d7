"""Versioned routing, OBP-10404, CORS, content types, and the 500 for unexpected failures."""
import logging

import pytest

NOT_FOUND = ("OBP-10404: 404 Not Found. The server could not find the requested URI. Please double check your URL, "
             "headers and body. Note: When you are making a POST or PUT request, the Content-Type header MUST be "
             "`application/json`. Note: OBP only supports JSON formatted bodies.")


@pytest.mark.parametrize("method,path", [
    ("GET", "/obp/v5.1.0/no-such-thing"),
    ("GET", "/obp/v5.1.0/banks/b/no/such/path/at/all"),
    ("GET", "/nothing"),
    ("GET", "/obp/v9.9.9/banks"),           # unknown version
    ("GET", "/obp/5.1.0/banks"),            # no v
    ("POST", "/obp/v1.4.0/users"),          # createUser exists only from 2.0.0
    ("GET", "/obp/v2.0.0/my/entitlements"),  # from 3.0.0
    ("PUT", "/obp/v5.1.0/banks"),           # known path, unsupported method
    ("DELETE", "/obp/v5.1.0/root"),
    ("PUT", "/obp/v5.1.0/users/someone/lock-status"),  # v3.1.0 unlockUser is excluded from 5.1.0
])
def test_unknown_routes_are_obp_10404(api, method, path):
    r = api.call(method, path)
    assert r.status == 404
    assert r.body == {"code": 404, "message": NOT_FOUND}


def test_an_endpoint_answers_under_its_version_and_every_later_one(api):
    assert [api.get(f"/obp/v{v}/banks").status for v in ("1.4.0", "3.1.0", "4.0.0", "5.0.0", "5.1.0")] == [200] * 5


def test_the_route_follows_the_version_it_was_called_under(admin):
    v310 = admin.put("/obp/v3.1.0/users/nobody-at-all/lock-status")
    assert v310.status == 404 and v310.code == "OBP-20027"  # served: the user is unknown (OBP's code)


def test_cors_on_every_response_and_preflight(api):
    r = api.get("/obp/v5.1.0/root")
    assert r.headers["access-control-allow-origin"] == "*"
    pre = api.call("OPTIONS", "/obp/v5.1.0/banks/any/thing")
    assert pre.status == 204
    assert pre.headers["access-control-allow-origin"] == "*"
    assert pre.headers["access-control-allow-methods"] == "GET, POST, OPTIONS, PUT, PATCH, DELETE"
    assert pre.headers["access-control-allow-headers"] == "*"
    assert pre.headers["access-control-allow-credentials"] == "true"
    assert pre.headers["access-control-max-age"] == "1728000"


def test_a_body_that_is_not_json_is_obp_10404(api):
    r = api.post("/obp/v5.1.0/users", raw=b"username=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (r.status, r.code) == (404, "OBP-10404")


def test_wrong_field_type_is_400_10001_and_changes_nothing(api, admin):
    before = api.get("/obp/v5.1.0/banks").body["banks"]
    r = admin.post("/obp/v5.1.0/banks", {"id": "typed", "bank_code": "TYPED", "bank_routings": "not a list"})
    assert (r.status, r.code) == (400, "OBP-10001")
    assert "PostBankJson500" in r.message
    assert api.get("/obp/v5.1.0/banks").body["banks"] == before


def test_unexpected_exception_is_a_clean_500_with_one_log_line(api, monkeypatch, caplog):
    from chalicelib.services import banks

    def explode():
        raise RuntimeError("database on fire: secret detail")

    monkeypatch.setattr(banks, "list_banks", explode)
    with caplog.at_level(logging.ERROR, logger="chalicelib.api.routing"):
        r = api.get("/obp/v5.1.0/banks")
    assert r.status == 500
    assert r.body == {"code": 500, "message": "OBP-50000: Unknown Error."}
    lines = [rec for rec in caplog.records if rec.name == "chalicelib.api.routing"]
    assert len(lines) == 1 and "request_id=" in lines[0].getMessage() and "/obp/v5.1.0/banks" in lines[0].getMessage()


def test_float_amounts_arrive_as_decimal():
    from decimal import Decimal

    from chalicelib.api.routing import to_json

    assert to_json({"amount": Decimal("10.10")}) == '{"amount":"10.10"}'


def test_a_static_segment_wins_over_a_variable_and_a_missing_method_falls_through(admin):
    bank_id = admin.create_bank()
    admin.grant(admin.user_id, "CanGetCustomer", bank_id)
    # /banks/{bank_id}/customers/customer-number (POST) is a static route beside
    # /banks/{bank_id}/customers/{customer_id} (GET): each method finds its own.
    static = admin.post(f"/obp/v5.1.0/banks/{bank_id}/customers/customer-number", {"customer_number": "nope"})
    assert static.code != "OBP-10404"
    variable = admin.get(f"/obp/v5.1.0/banks/{bank_id}/customers/customer-number")
    assert (variable.status, variable.code) == (404, "OBP-30046")  # taken as a CUSTOMER_ID
