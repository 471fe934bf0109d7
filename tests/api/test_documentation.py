"""The documentation built from the route table: OBP's resource docs and Swagger of every version,
the versions list, the /v1 OpenAPI 3.1 document and the Swagger UI pages that show them."""
import hashlib
import json
import re

import pytest
from openapi_spec_validator import validate

from chalicelib.api import routing
from chalicelib.api.docs import pages
from scripts.vendor_swagger_ui import FILES, package_static_dir


def _get(api, path):
    r = api.client.http.get(path)
    return r.status_code, r.headers, r.body.decode()


def _swagger_path(route: str, version: str) -> str:
    path = route.replace("{version}", f"v{version}")
    return re.sub(r"\{([a-z0-9_]+)\}", lambda m: "{" + m.group(1).upper() + "}", path)


@pytest.mark.parametrize("version", routing.VERSIONS)
def test_the_swagger_of_every_version_is_valid_and_lists_every_route_served_there(api, version):
    # resource-docs is OBP's since v1.4.0: older versions' documents are read under its prefix
    prefix = version if routing.version_key(version) >= routing.version_key("1.4.0") else "1.4.0"
    status, headers, text = _get(api, f"/obp/v{prefix}/resource-docs/v{version}/swagger")
    assert status == 200 and headers["Content-Type"] == "application/json"
    doc = json.loads(text)
    validate(doc)  # openapi-spec-validator: Swagger 2.0's schema, $refs resolve, operation ids unique
    assert doc["swagger"] == "2.0" and doc["info"]["version"] == f"v{version}"
    served = {
        (method.lower(), _swagger_path(route, version))
        for (route, method), endpoints in routing.route_table().items()
        if route.startswith("/obp/{version}/") and any(e.since and e.serves(version) for e in endpoints)
    }
    listed = {(method, path) for path, operations in doc["paths"].items() for method in operations}
    assert served and served == listed
    # One model per OBP definition name: two different shapes under one name would be qualified by module.
    assert [name for name in doc["definitions"] if "__" in name] == []


def test_swagger_operations_name_the_version_that_implements_them(api):
    doc = json.loads(_get(api, "/obp/v5.1.0/resource-docs/v5.1.0/swagger")[2])
    create = doc["paths"]["/obp/v5.1.0/banks/{BANK_ID}/customers"]["post"]
    assert create["operationId"] == "OBPv5.0.0-createCustomer"
    assert create["summary"] == "Create Customer" and create["tags"] == ["Customer", "Person"]
    body = create["parameters"][0]
    assert body["in"] == "body" and body["schema"] == {"$ref": "#/definitions/PostCustomerJsonV500"}
    assert {"name": "BANK_ID", "in": "path", "required": True, "type": "string", "description": "The bank id"} \
        in create["parameters"]
    assert create["responses"]["201"]["schema"] == {"$ref": "#/definitions/CustomerJsonV310"}
    assert "OBP-20006" in create["responses"]["403"]["description"]
    assert create["security"] == [{"directLogin": []}, {"consentJwt": []}]
    assert set(doc["definitions"]["CustomerJsonV310"]["properties"]) >= {"customer_id", "legal_name", "face_image"}
    # An older version documents its own implementation under its own prefix.
    old = json.loads(_get(api, "/obp/v3.1.0/resource-docs/v3.1.0/swagger")[2])
    assert old["paths"]["/obp/v3.1.0/banks/{BANK_ID}/customers"]["post"]["operationId"] == "OBPv3.1.0-createCustomer"
    # Products are public: no credentials needed.
    assert doc["paths"]["/obp/v5.1.0/banks/{BANK_ID}/products"]["get"]["security"] == [{}, {"directLogin": []}]


def test_resource_docs_in_obp_shape(api):
    status, _, text = _get(api, "/obp/v5.1.0/resource-docs/v5.1.0/obp")
    assert status == 200
    body = json.loads(text)
    assert body["meta"]["count"] == len(body["resource_docs"]) > 100
    docs = {(d["request_verb"], d["specified_url"]): d for d in body["resource_docs"]}
    create = docs[("POST", "/obp/v5.1.0/banks/BANK_ID/customers")]
    assert set(create) == {
        "operation_id", "implemented_by", "request_verb", "request_url", "summary", "description",
        "description_markdown", "example_request_body", "success_response_body", "error_response_bodies", "tags",
        "typed_request_body", "typed_success_response_body", "roles", "is_featured", "special_instructions",
        "specified_url", "connector_methods",
    }
    assert create["operation_id"] == "OBPv5.0.0-createCustomer"
    assert create["implemented_by"] == {"version": "OBPv5.0.0", "function": "createCustomer"}
    assert create["request_url"] == "/obp/v5.0.0/banks/BANK_ID/customers"
    assert create["roles"] == [{"role": "CanCreateCustomer", "requires_bank_id": True},
                               {"role": "CanCreateCustomerAtAnyBank", "requires_bank_id": False}]
    assert "OBP-20001: User not logged in. Authentication is required!" in create["error_response_bodies"]
    assert create["error_response_bodies"][-1].startswith("OBP-50000")
    # Examples come from the models: every required field, OBP-like values.
    assert create["example_request_body"]["legal_name"] == "Eveline Tripman"
    assert create["example_request_body"]["mobile_phone_number"] == "+44 07972 444 876"
    assert create["success_response_body"]["customer_id"] and create["success_response_body"]["face_image"]["url"]
    assert create["typed_request_body"]["required"] == ["legal_name", "mobile_phone_number"]
    assert create["typed_success_response_body"]["properties"]["face_image"]["properties"]["url"] == {
        "title": "Url", "type": "string"}
    assert "Authentication is Mandatory" in create["description"]


def test_resource_docs_filters_and_version_errors(api):
    by_tag = json.loads(_get(api, "/obp/v5.1.0/resource-docs/v5.1.0/obp?tags=KYC")[2])["resource_docs"]
    assert by_tag and all("KYC" in d["tags"] for d in by_tag)
    by_function = json.loads(_get(api, "/obp/v4.0.0/resource-docs/v5.1.0/obp?functions=getBanks,createBank")[2])
    assert sorted(d["operation_id"] for d in by_function["resource_docs"]) == ["OBPv1.2.1-getBanks", "OBPv5.0.0-createBank"]
    status, _, text = _get(api, "/obp/v5.1.0/resource-docs/v9.9.9/swagger")
    assert (status, json.loads(text)["message"]) == (
        400, "OBP-00027: Invalid API Version string. We could not find the version specified. Current Version is v9.9.9")


def test_api_versions(api):
    r = api.get("/obp/v5.1.0/api/versions")
    assert r.status == 200
    assert {"urlPrefix": "obp", "apiStandard": "obp", "apiShortVersion": "v5.1.0", "API_VERSION": "v5.1.0"} \
        in r.body["scanned_api_versions"]
    assert [v["API_VERSION"] for v in r.body["scanned_api_versions"]] == [f"v{v}" for v in routing.VERSIONS]
    assert api.get("/obp/v3.1.0/api/versions").code == "OBP-10404"  # OBP added it in 4.0.0


def test_enterprise_openapi_is_valid_and_lists_every_v1_route(api):
    status, _, text = _get(api, "/v1/openapi.json")
    assert status == 200
    doc = json.loads(text)
    validate(doc)  # OpenAPI 3.1
    assert doc["openapi"] == "3.1.0"
    served = {(method.lower(), route) for (route, method) in routing.route_table() if route.startswith("/v1/")}
    listed = {(method, path) for path, operations in doc["paths"].items() for method in operations}
    assert served == listed
    customers = doc["paths"]["/v1/profiles/{profile_id}/customers"]
    assert customers["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CustomerPage"}
    assert customers["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CustomerIn"}
    assert customers["get"]["security"] == [{"bearer": []}]
    token = doc["paths"]["/v1/oauth/token"]["post"]
    assert "application/x-www-form-urlencoded" in token["requestBody"]["content"]
    assert doc["components"]["schemas"]["Error"]["required"] == ["error", "error_description"]


def _local_references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r'"url": "([^"]+)"', html)


@pytest.mark.parametrize("page, documents", [("/docs", len(routing.VERSIONS)), ("/v1/docs", 1)])
def test_docs_pages_load_nothing_from_the_internet(api, page, documents):
    status, headers, html = _get(api, page)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "SwaggerUIBundle" in html
    references = _local_references(html)
    assert len([r for r in references if r.endswith(("swagger", "openapi.json"))]) == documents
    assert not [r for r in references if re.match(r"^(https?:)?//", r)], references
    base = page.rsplit("/", 1)[0] + "/"
    for reference in references:  # each one answers, under the page's own prefix
        target = reference if reference.startswith("data:") else "/" + re.sub(
            r"[^/]+/\.\./", "", (base + reference).lstrip("/"))
        if reference.startswith("data:"):
            continue
        assert api.client.http.get(target).status_code == 200, target


def test_the_viewer_files_are_those_of_the_pinned_package(api):
    source = package_static_dir()
    for name in FILES:
        shipped = (pages.STATIC_DIR / name).read_bytes()
        assert hashlib.sha256(shipped).digest() == hashlib.sha256((source / name).read_bytes()).digest(), name
    status, headers, text = _get(api, "/docs/static/swagger-ui-bundle.js")
    assert status == 200 and headers["Content-Type"] == "application/javascript; charset=utf-8"
    assert text.encode() == (pages.STATIC_DIR / "swagger-ui-bundle.js").read_bytes()
    assert _get(api, "/docs/static/swagger-ui.css")[1]["Content-Type"] == "text/css; charset=utf-8"
    assert api.get("/docs/static/..%2Fapp.py").code == "OBP-10404"
    assert api.get("/docs/static/index.html").code == "OBP-10404"


def test_enterprise_openapi_documents_payments_refunds_and_provider_accounts(api):
    doc = json.loads(_get(api, "/v1/openapi.json")[2])
    paths, schemas = doc["paths"], doc["components"]["schemas"]

    def success(path: str, method: str, status: str = "200"):
        return paths[path][method]["responses"][status]["content"]["application/json"]["schema"]

    payments = "/v1/profiles/{profile_id}/payments"
    payment = payments + "/{payment_id}"
    assert success(payments, "post", "201") == success(payment, "get") == {"$ref": "#/components/schemas/Payment"}
    assert paths[payments]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaymentIn"}
    assert success(payments, "get") == {"$ref": "#/components/schemas/PaymentPage"}
    assert [(p["name"], p["in"]) for p in paths[payments]["get"]["parameters"]] == [
        ("profile_id", "path"), ("page", "query"), ("size", "query"), ("state", "query"), ("customer_id", "query")]
    assert success(payment + "/refunds", "post", "201") == success(payment + "/refunds/{refund_id}", "get") == {
        "$ref": "#/components/schemas/Refund"}
    assert success(payment + "/refunds", "get") == {"$ref": "#/components/schemas/Refunds"}
    for path in ("/v1/provider-accounts", "/v1/provider-accounts/{bank_id}/{currency}"):
        [method] = paths[path]
        assert paths[path][method]["security"] == [{"directLogin": []}]
        assert success(path, method, "201" if method == "post" else "200") == {
            "$ref": "#/components/schemas/ProviderAccounts"}
    # The request schema carries the rules (minor units, at least 1) and the required fields.
    assert schemas["PaymentIn"]["properties"]["amount"] == {"minimum": 1, "title": "Amount", "type": "integer"}
    assert set(schemas["PaymentIn"]["required"]) == {"method", "amount", "currency"}  # session: unless payment_method
    assert schemas["Payment"]["properties"]["state"]["description"].startswith("created, processing")
    assert {"payout_account"} <= set(schemas["Profile"]["properties"])
    assert paths[payments]["post"]["tags"] == ["Payments"] and paths[payment + "/refunds"]["post"]["tags"] == ["Refunds"]
    assert "409" in paths[payments]["post"]["responses"] and "409" not in paths[payment]["get"]["responses"]
    # The hosted payment page is HTML for people, not API: not in the document.
    assert not [p for p in paths if not p.startswith("/v1/")]


def test_every_endpoint_has_its_metadata():
    """scripts.docs_coverage: a response model (or produces= for a page or a file), a summary, tags."""
    from scripts import docs_coverage

    assert docs_coverage.missing() == []
    checkout = [e for (route, _), endpoints in routing._TABLE.items() if route.startswith("/checkout/")
                for e in endpoints]
    assert len(checkout) == 8 and all(e.produces in ("text/html", "text/css") and e.tags for e in checkout)
