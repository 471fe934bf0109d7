"""Every endpoint with BANK_ID in its path: a malformed BANK_ID is 400 OBP-30111 and an unknown
bank is 404 OBP-30001 (reference §1.1 and issue 2), for a caller who may otherwise do anything."""
import re

import pytest

from chalicelib import roles
from chalicelib.api import routing


def _bank_routes():
    seen = set()
    for (route, method), endpoints in sorted(routing.route_table().items()):
        # OBP's endpoints; /v1 (the Enterprise API) answers in its own error shape (test_refunds.py)
        if "{bank_id}" in route and route.startswith("/obp/") and method != "OPTIONS":
            newest = max(e.since or "0" for e in endpoints)
            key = (route, method)
            if key not in seen:
                seen.add(key)
                yield route, method, newest


BANK_ROUTES = list(_bank_routes())


def _path(route: str, version: str, bank_id: str) -> str:
    path = route.replace("{version}", f"v{version}").replace("{bank_id}", bank_id)
    return re.sub(r"\{[a-z_]+\}", "x1", path)


@pytest.fixture
def almighty(admin):
    """A user holding every system role (bank roles cannot be granted at a bank that does not exist)."""
    session = admin.new_user_session()
    for role, scope in roles.catalogue().items():
        if scope == "system":
            admin.grant(session.user_id, role)
    return session


def test_there_are_many_bank_scoped_endpoints():
    assert len(BANK_ROUTES) > 40


def test_unknown_and_malformed_banks_everywhere(almighty):
    failures = []
    for route, method, version in BANK_ROUTES:
        for bank_id, expected in (("no-such-bank", (404, "OBP-30001")), ("bad$bank", (400, "OBP-30111"))):
            r = almighty.call(method, _path(route, version or "5.1.0", bank_id), body={})
            if (r.status, r.code) != expected:
                failures.append(f"{method} {route}: {bank_id} -> {r.status} {r.message[:90]}")
    assert failures == [], "\n".join(failures)
