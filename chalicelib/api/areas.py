"""Which route module serves which paths, so a request imports only its own area (cold start).

`import app` loads no route module: their routes, schemas and services cost tens of
milliseconds each to import, and a request needs one area's. Before routing matches a path it
imports the modules whose prefixes match the path's leading segments (`modules_for`); once
imported, a module stays (a warm function pays nothing more).

An entry is a module under `chalicelib.api` and the path prefixes of every route it declares,
written like the routes (OBP paths without `/obp/vX`; any `{name}` matches any one segment). A
prefix is matched against the path as OBP's versioned form (after `/obp/vX`) and as it stands
(unversioned routes: DirectLogin, `/v1`), so a module loads for every path one of its routes
could match. A new route module is one line here; tests/api/test_route_areas.py checks this map
against the full route table and fails naming the module and the path prefix to add. Longer
prefixes load less: a prefix that also matches another module's paths loads both.

`PREFIX_ERROR_RENDERERS`: a first path segment whose unknown paths are not OBP's 404 (the
Enterprise API's own error shape under `/v1`), as `module:function`; routing imports it only
for such a 404. The same test checks it against the endpoints' `error_renderer`.

Whatever lists every route (the full table, resource docs) calls `routing.load_all()`.
"""
from __future__ import annotations

ROUTE_MODULES: dict[str, tuple[str, ...]] = {
    "root": ("/root",),
    "directlogin": ("/my/logins",),
    "users": ("/users",),
    "entitlements": ("/my/entitlements", "/users/{user_id}/entitlement", "/users/{user_id}/entitlements"),
    "consumers": ("/management/consumers",),
    "banks": ("/banks",),
    "products": ("/banks/{bank_id}/products",),
    "customers": ("/banks/{bank_id}/customer", "/banks/{bank_id}/customers", "/banks/{bank_id}/search",
                  "/banks/{bank_id}/user_customer_links", "/users/current/customers"),
    "customer_data": ("/banks/{bank_id}/crm-events", "/banks/{bank_id}/customers/{customer_id}/address",
                      "/banks/{bank_id}/customers/{customer_id}/addresses",
                      "/banks/{bank_id}/customers/{customer_id}/attribute",
                      "/banks/{bank_id}/customers/{customer_id}/attributes",
                      "/banks/{bank_id}/customers/{customer_id}/social_media_handles",
                      "/banks/{bank_id}/customers/{customer_id}/tax-residence",
                      "/banks/{bank_id}/customers/{customer_id}/tax-residences",
                      "/banks/{bank_id}/customers/{customer_id}/tax_residencies"),
    "kyc": ("/banks/{bank_id}/customers/{customer_id}/kyc_check", "/banks/{bank_id}/customers/{customer_id}/kyc_documents",
            "/banks/{bank_id}/customers/{customer_id}/kyc_media", "/banks/{bank_id}/customers/{customer_id}/kyc_statuses",
            "/customers"),
    "invitations": ("/banks/{bank_id}/user-invitation", "/banks/{bank_id}/user-invitations"),
    "accounts": ("/banks/{bank_id}/accounts", "/banks/{bank_id}/accounts-held", "/my/accounts", "/my/banks"),
    "account_access": ("/banks/{bank_id}/accounts/{account_id}/account-access",
                       "/banks/{bank_id}/accounts/{account_id}/views/{view_id}/account-access", "/system-views"),
    "counterparties": ("/banks/{bank_id}/accounts/{account_id}/{view_id}/counterparties",
                       "/banks/{bank_id}/accounts/{account_id}/views/{view_id}/counterparties"),
    "transaction_requests": ("/banks/{bank_id}/accounts/{account_id}/{view_id}/transaction-request-types",
                             "/banks/{bank_id}/accounts/{account_id}/{view_id}/transaction-requests"),
    "transaction_metadata": ("/banks/{bank_id}/accounts/{account_id}/{view_id}/transactions/{transaction_id}/metadata",),
    "historical_transactions": ("/banks/{bank_id}/management",),
    "consents": ("/banks/{bank_id}/consents", "/banks/{bank_id}/my", "/consumer/current", "/management/banks/{bank_id}/consents",
                 "/management/consents", "/my/consent", "/my/consents", "/user/current/consents"),
    "consent_requests": ("/consumer/consent-requests", "/consumer/vrp-consent-requests", "/my/mtls"),
    "webhooks": ("/banks/{bank_id}/account-web-hooks", "/banks/{bank_id}/web-hooks",
                 "/management/banks/{bank_id}/account-web-hooks", "/my/web-hooks", "/web-hooks"),
    "enterprise.oauth": ("/v1/oauth",),
    "enterprise.partners": ("/v1/partners",),
    "enterprise.profiles": ("/v1/profiles",),
    "enterprise.customers": ("/v1/profiles/{profile_id}/customers",),
    "enterprise.webhooks": ("/v1/profiles/{profile_id}/webhooks",),
    "enterprise.payments": ("/v1/profiles/{profile_id}/payments",),
    "enterprise.payment_methods": ("/v1/profiles/{profile_id}/customers/{customer_id}/payment-methods",),
    "enterprise.settlements": ("/v1/profiles/{profile_id}/fee-schedule", "/v1/profiles/{profile_id}/settlements"),
    "enterprise.provider_accounts": ("/v1/provider-accounts",),
    "checkout": ("/checkout",),
    "documentation": ("/docs", "/api/versions", "/resource-docs", "/v1/docs", "/v1/openapi.json"),
}

PREFIX_ERROR_RENDERERS: dict[str, str] = {
    "v1": "chalicelib.api.enterprise.http:render_error",
    "checkout": "chalicelib.api.checkout:render_error",
}

PACKAGE = "chalicelib.api"


def module_name(entry: str) -> str:
    return f"{PACKAGE}.{entry}"


def segments_of(path: str) -> tuple[str | None, ...]:
    """`/banks/{bank_id}/accounts` -> ("banks", None, "accounts"): None matches any segment."""
    return tuple(None if part.startswith("{") else part for part in path.strip("/").split("/"))


def _index() -> dict[str, list[tuple[tuple[str | None, ...], str]]]:
    """Prefixes by their first segment (always a static one), each with its module."""
    index: dict[str, list[tuple[tuple[str | None, ...], str]]] = {}
    for entry, prefixes in ROUTE_MODULES.items():
        for prefix in prefixes:
            parts = segments_of(prefix)
            if parts[0] is None:
                raise ValueError(f"{entry}: a prefix starts with a static segment, not {prefix}")
            index.setdefault(parts[0], []).append((parts, module_name(entry)))
    return index


_BY_FIRST_SEGMENT = _index()


def _starts_with(segments: list[str], prefix: tuple[str | None, ...]) -> bool:
    return len(segments) >= len(prefix) and all(want is None or want == got for want, got in zip(prefix, segments))


def modules_for(segments: list[str]) -> list[str]:
    """The route modules with a route that could match this request path (its segments)."""
    forms = [segments]
    if len(segments) > 2 and segments[0] == "obp":
        forms.append(segments[2:])  # after /obp/vX, where OBP's routes start
    found: list[str] = []
    for form in forms:
        for prefix, module in _BY_FIRST_SEGMENT.get(form[0], ()):
            if module not in found and _starts_with(form, prefix):
                found.append(module)
    return found


def all_modules() -> list[str]:
    return [module_name(entry) for entry in ROUTE_MODULES]
