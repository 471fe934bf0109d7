"""Transactions read through a view (moderated, paged) and their comments and tags, gated by the
view's permissions."""
import pytest

from chalicelib.store import metadata as metadata_store
from tests.support import banking_world, transfer  # noqa: F401



@pytest.fixture
def paid(admin):
    """alice paid bob three times; bob holds the auditor and ReadTransactionsBasic views on alice's account."""
    w = banking_world(admin)
    ids = [transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, amount).body["transaction_ids"][0]
           for amount in ("10", "20", "30")]
    for view in ("auditor", "ReadTransactionsBasic"):
        w.alice.post(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/account-access/grant",
                     {"user_id": w.bob.user_id, "view_id": view})
    return w, ids


def test_comments_and_tags_through_owner_and_refused_without_permission(paid, api):
    w, ids = paid
    base = w.account_path(w.alice_account, version="1.4.0") + f"/transactions/{ids[0]}/metadata"
    r = w.alice.post(base + "/comments", {"value": "rent for May"})
    assert r.status == 201
    comment = r.body
    assert comment == {"id": comment["id"], "value": "rent for May", "date": comment["date"],
                       "user": {"id": w.alice.user_id, "provider": "http://127.0.0.1:8000",
                                "display_name": w.alice.me["username"]}}
    tag = w.alice.post(base + "/tags", {"value": "housing"})
    assert tag.status == 201 and tag.body["value"] == "housing"
    assert w.alice.get(base + "/comments").body == {"comments": [comment]}
    assert [t["value"] for t in w.alice.get(base + "/tags").body["tags"]] == ["housing"]

    auditor = base.replace("/owner/", "/auditor/")
    r = w.bob.post(auditor + "/comments", {"value": "audited"})
    assert (r.status, r.message) == (400, "OBP-30022: The current view does not have the permission: "
                                          "can_see_owner_comment. Current ViewId(auditor)")
    r = w.bob.post(auditor + "/tags", {"value": "audited"})
    assert (r.status, r.code) == (400, "OBP-30022")
    # Metadata belongs to the view it was posted through: the auditor sees none of the owner's.
    assert w.bob.get(auditor + "/comments").body == {"comments": []}
    r = w.bob.delete(auditor + f"/comments/{comment['id']}")
    assert (r.status, r.message) == (400, "OBP-30022: The current view does not have the permission: "
                                          "can_delete_comment. Current ViewId(auditor)")
    basic = base.replace("/owner/", "/ReadTransactionsBasic/")
    assert w.bob.get(basic + "/comments").code == "OBP-30022"
    # bob through owner: he does not hold it.
    assert w.bob.post(base + "/comments", {"value": "x"}).code == "OBP-20017"
    assert api.post(base + "/comments", {"value": "x"}).code == "OBP-20001"
    assert w.alice.post(base + "/comments", {}).code == "OBP-10001"
    missing = base.replace(ids[0], "01a20000-0000-7000-8000-000000000000")
    assert w.alice.post(missing + "/comments", {"value": "x"}).code == "OBP-30067"
    assert w.alice.post(base.replace(w.alice_account, "no-such") + "/comments", {"value": "x"}).code == "OBP-30018"
    assert w.alice.post(base.replace("/owner/", "/nosuchview/") + "/comments", {"value": "x"}).code == "OBP-30005"
    # An account the caller holds does not open another account's transactions.
    other = base.replace(w.alice_account, w.bob_account)
    assert w.bob.post(other + "/comments", {"value": "x"}).code == "OBP-30067"
    assert len(metadata_store.of_transaction("COMMENT", w.bank_id, w.alice_account, ids[0])) == 1

    assert w.alice.delete(base + f"/comments/{comment['id']}").status == 204
    assert w.alice.delete(base + f"/tags/{tag.body['id']}").status == 204
    assert w.alice.get(base + "/comments").body == {"comments": []}
    assert w.alice.get(base + "/tags").body == {"tags": []}
    assert w.alice.delete(base + f"/comments/{comment['id']}").code == "OBP-50005"


def test_transactions_through_views_are_moderated_and_paged(paid, dynamo_calls):
    w, ids = paid
    owner = w.account_path(w.alice_account) + "/transactions"
    w.alice.post(w.account_path(w.alice_account, version="1.4.0") + f"/transactions/{ids[2]}/metadata/comments",
                 {"value": "last one"})
    dynamo_calls.reset()
    r = w.alice.get(owner)
    assert r.status == 200
    # token + consumer, user and bank at once; account+access; transactions; their metadata:
    # independent of the page size
    assert dynamo_calls.round_trips() == 4
    assert sorted(dynamo_calls.operations()) == ["BatchGetItem", "BatchGetItem", "GetItem", "Query", "Query", "Query"]
    listed = r.body["transactions"]
    assert [t["id"] for t in listed] == list(reversed(ids))  # newest first
    newest = listed[0]
    assert newest["details"]["value"] == {"currency": "EUR", "amount": "-30"}
    assert newest["details"]["new_balance"] == {"currency": "EUR", "amount": "-60"}
    assert newest["details"]["description"] == "test transfer" and newest["details"]["type"] == "ACCOUNT"
    assert newest["other_account"]["id"] == w.bob_account
    assert [c["value"] for c in newest["metadata"]["comments"]] == ["last one"]
    assert listed[1]["metadata"]["comments"] == []

    r = w.alice.get(owner + "?limit=1&offset=1&sort_direction=ASC")
    assert [t["id"] for t in r.body["transactions"]] == [ids[1]]
    for query, code in (("limit=0", "OBP-10025"), ("offset=-1", "OBP-10024"), ("sort_direction=UP", "OBP-10023")):
        r = w.alice.get(f"{owner}?{query}")
        assert (r.status, r.code) == (400, "OBP-10016") and code in r.message

    basic = w.bob.get(w.account_path(w.alice_account, "ReadTransactionsBasic") + "/transactions").body["transactions"][0]
    assert basic["details"]["value"] == {"currency": "EUR", "amount": "-30"}
    assert basic["details"]["description"] is None and basic["details"]["new_balance"]["amount"] == ""
    assert basic["other_account"] is None and basic["metadata"] is None
    auditor = w.bob.get(w.account_path(w.alice_account, "auditor") + "/transactions").body["transactions"][0]
    assert auditor["details"]["description"] == "test transfer" and auditor["metadata"]["comments"] == []
    assert w.bob.get(owner).code == "OBP-20017"

    one = w.alice.get(w.account_path(w.alice_account) + f"/transactions/{ids[2]}/transaction")
    assert one.status == 200 and one.body == newest
    assert w.alice.get(w.account_path(w.alice_account) + "/transactions/nope/transaction").code == "OBP-30067"
