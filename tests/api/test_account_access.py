"""Granting and revoking views: v4.0.0 (any of the caller's views decides, until 5.1.0) and the
v5.1.0 form (the source view in the path decides); system views."""
from chalicelib.store.access import get_access
from tests.support import banking_world


def _grant_v4(session, w, account, user_id, view_id, is_system=True, verb="grant"):
    return session.post(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{account}/account-access/{verb}",
                        {"user_id": user_id, "view": {"view_id": view_id, "is_system": is_system}})


def _grant_v51(session, w, account, source, user_id, view_id, verb="grant"):
    return session.post(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{account}/views/{source}/account-access/{verb}",
                        {"user_id": user_id, "view_id": view_id})


def test_grant_v400_gives_the_view_and_users_current_shows_it(admin, api):
    w = banking_world(admin)
    r = _grant_v4(w.alice, w, w.alice_account, w.bob.user_id, "auditor")
    assert r.status == 201
    assert (r.body["id"], r.body["short_name"], r.body["is_system"], r.body["metadata_view"]) == ("auditor", "Auditor", True, "auditor")
    assert r.body["can_see_transaction_amount"] is True and r.body["can_add_comment"] is False
    assert r.body["can_add_transaction_request_to_any_account"] is False
    assert get_access(w.bob.user_id, w.bank_id, w.alice_account, "auditor") is not None
    views = w.bob.get("/obp/v5.1.0/users/current").body["views"]["list"]
    assert {"bank_id": w.bank_id, "account_id": w.alice_account, "view_id": "auditor"} in views
    assert w.bob.get(w.account_path(w.alice_account, "auditor") + "/account").status == 200
    assert _grant_v4(w.alice, w, w.alice_account, w.bob.user_id, "auditor").status == 201  # idempotent

    # bob's auditor view may grant nothing.
    r = _grant_v4(w.bob, w, w.alice_account, w.bob.user_id, "owner")
    assert (r.status, r.message) == (400, "OBP-20047: If target viewId is system view,  the current "
                                          "view.can_grant_access_to_views does not contains it. Orif target viewId is "
                                          "custom view, the current view.can_grant_access_to_custom_views is false. "
                                          f"Current ViewId(owner) and current UserId({w.bob.user_id})")
    assert get_access(w.bob.user_id, w.bank_id, w.alice_account, "owner") is None
    r = _grant_v4(w.alice, w, w.alice_account, "9ca9a7e4-6d02-40e3-a129-0b2bf89de9b1", "auditor")
    assert (r.status, r.code) == (404, "OBP-20005")
    assert _grant_v4(w.alice, w, w.alice_account, w.bob.user_id, "nosuch").code == "OBP-30252"
    assert _grant_v4(w.alice, w, w.alice_account, w.bob.user_id, "_work", is_system=False).code == "OBP-30005"
    r = w.alice.post(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/account-access/grant",
                     {"user_id": w.bob.user_id, "view": {"view_id": "auditor"}})
    assert (r.status, r.code) == (400, "OBP-10001")
    assert _grant_v4(w.alice, w, "no-such-account", w.bob.user_id, "auditor").code == "OBP-30018"
    assert _grant_v4(api, w, w.alice_account, w.bob.user_id, "auditor").code == "OBP-20001"
    # Served at 5.1.0 too, as seed 002 (a 5.1.0 API Explorer page) lists it.
    r = w.alice.post(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/account-access/grant",
                     {"user_id": w.bob.user_id, "view": {"view_id": "auditor", "is_system": True}})
    assert (r.status, r.body["id"]) == (201, "auditor")
    # ...while the v4.0.0 revoke is not, as in OBP.
    r = w.alice.post(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/account-access/revoke",
                     {"user_id": w.bob.user_id, "view": {"view_id": "auditor", "is_system": True}})
    assert (r.status, r.code) == (404, "OBP-10404")


def test_revoke_v400(admin):
    w = banking_world(admin)
    _grant_v4(w.alice, w, w.alice_account, w.bob.user_id, "auditor")
    r = _grant_v4(w.bob, w, w.alice_account, w.bob.user_id, "auditor", verb="revoke")
    assert (r.status, r.code) == (400, "OBP-20048")
    r = _grant_v4(w.alice, w, w.alice_account, w.bob.user_id, "auditor", verb="revoke")
    assert (r.status, r.body) == (201, {"revoked": True})
    assert get_access(w.bob.user_id, w.bank_id, w.alice_account, "auditor") is None
    assert w.bob.get(w.account_path(w.alice_account, "auditor") + "/account").code == "OBP-20017"
    assert {"bank_id": w.bank_id, "account_id": w.alice_account, "view_id": "auditor"} not in \
        w.bob.get("/obp/v5.1.0/users/current").body["views"]["list"]


def test_grant_and_revoke_v510_through_a_source_view(admin):
    w = banking_world(admin)
    r = _grant_v51(w.alice, w, w.alice_account, "owner", w.bob.user_id, "auditor")
    assert r.status == 201 and r.body["id"] == "auditor"
    assert get_access(w.bob.user_id, w.bank_id, w.alice_account, "auditor") is not None
    # bob's only view on the account (auditor) cannot grant owner: 403 OBP-20084.
    r = _grant_v51(w.bob, w, w.alice_account, "auditor", w.bob.user_id, "owner")
    assert (r.status, r.message) == (403, "OBP-20084: The current source view.can_grant_access_to_views does not "
                                          "contains target view. Current source viewId(auditor) and target viewId (owner)")
    r = _grant_v51(w.bob, w, w.alice_account, "owner", w.bob.user_id, "owner")  # a source view bob does not hold
    assert (r.status, r.code) == (403, "OBP-20017")
    r = _grant_v51(w.alice, w, w.alice_account, "owner", w.bob.user_id, "_work")
    assert (r.status, r.code) == (400, "OBP-30005")
    r = _grant_v51(w.alice, w, w.alice_account, "owner", w.bob.user_id, "nosuch")
    assert (r.status, r.code) == (400, "OBP-30252")
    r = _grant_v51(w.alice, w, w.alice_account, "owner", "9ca9a7e4-6d02-40e3-a129-0b2bf89de9b1", "auditor")
    assert (r.status, r.code) == (404, "OBP-20005")
    assert _grant_v51(w.alice, w, "no-such", "owner", w.bob.user_id, "auditor").code == "OBP-30018"
    assert get_access(w.bob.user_id, w.bank_id, w.alice_account, "owner") is None

    r = _grant_v51(w.bob, w, w.alice_account, "auditor", w.bob.user_id, "auditor", verb="revoke")
    assert (r.status, r.code) == (403, "OBP-20086")
    r = _grant_v51(w.alice, w, w.alice_account, "owner", w.bob.user_id, "auditor", verb="revoke")
    assert (r.status, r.body) == (201, {"revoked": True})
    assert get_access(w.bob.user_id, w.bank_id, w.alice_account, "auditor") is None


def test_a_custom_view_grant_needs_can_grant_access_to_custom_views(admin):
    w = banking_world(admin)
    _grant_v51(w.alice, w, w.alice_account, "owner", w.bob.user_id, "ManageCustomViews")
    # owner cannot grant custom views (OBP-20085); ManageCustomViews can, but no custom view exists (OBP-30005).
    r = _grant_v51(w.alice, w, w.alice_account, "owner", w.bob.user_id, "_team")
    assert r.code == "OBP-30005"
    r = _grant_v51(w.bob, w, w.alice_account, "ManageCustomViews", w.bob.user_id, "owner")
    assert (r.status, r.code) == (403, "OBP-20084")


def test_system_views_need_can_get_system_view(admin):
    user = admin.new_user_session()
    r = user.get("/obp/v5.1.0/system-views/owner")
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanGetSystemView")
    viewer = admin.new_user_session("CanGetSystemView")
    owner = viewer.get("/obp/v5.1.0/system-views/owner").body
    assert owner["id"] == "owner" and all(owner[k] for k in (
        "can_add_comment", "can_add_tag", "can_see_transaction_amount", "can_add_transaction_request_to_any_account"))
    auditor = viewer.get("/obp/v5.1.0/system-views/auditor").body
    assert not any(v for k, v in auditor.items() if k.startswith(("can_add_", "can_delete_", "can_edit_", "can_create_")))
    assert viewer.get("/obp/v5.1.0/system-views/nosuch").code == "OBP-30252"
