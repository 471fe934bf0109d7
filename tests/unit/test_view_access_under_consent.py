"""The single view-access rule honours a consent: the caller may use only the (bank, account,
view) tuples the consent lists, whatever else the user holds. Callers are built by hand here, as
the consents capability will build them."""
import pytest

from chalicelib.errors import ApiError
from chalicelib.services import accounts, transaction_requests, users, views
from chalicelib.services.access import Caller
from chalicelib.store.users import get_user
from tests.support import banking_world, open_account


def test_a_consent_limits_the_caller_to_its_views(admin):
    w = banking_world(admin)
    second = open_account(w.alice, w.bank_id, w.product)
    w.alice.post(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/account-access/grant",
                 {"user_id": w.alice.user_id, "view_id": "auditor"})
    user = get_user(w.alice.user_id)
    unlimited = Caller(user=user)
    consented = Caller(user=user, consent=object(), views=[(w.bank_id, w.alice_account, "auditor")])

    assert views.usable_view(unlimited, w.bank_id, w.alice_account, "owner") is not None
    assert views.usable_view(consented, w.bank_id, w.alice_account, "owner") is None
    assert views.usable_view(consented, w.bank_id, w.alice_account, "auditor").view_id == "auditor"
    assert views.usable_view(consented, w.bank_id, second, "owner") is None
    with pytest.raises(ApiError) as refused:
        accounts.open_account(consented, w.bank_id, w.alice_account, "owner")
    assert (refused.value.status, refused.value.code) == (403, "OBP-20017")
    account, view = accounts.open_account(consented, w.bank_id, w.alice_account, "auditor")
    assert (account.account_id, view.view_id) == (w.alice_account, "auditor")

    assert {a.account.account_id for a in accounts.accounts_at_bank(unlimited, w.bank_id)} == {w.alice_account, second}
    [only] = accounts.accounts_at_bank(consented, w.bank_id)
    assert (only.account.account_id, [v.view_id for v in only.views]) == (w.alice_account, ["auditor"])
    assert [a.account_id for a in accounts.accounts_held(consented, w.bank_id)] == [w.alice_account]
    assert users.account_views(consented) == [{"bank_id": w.bank_id, "account_id": w.alice_account, "view_id": "auditor"}]

    # A payment through owner is refused under the consent (auditor may not pay), allowed without it.
    order = transaction_requests.TransferOrder(w.bank_id, w.bob_account, "EUR", "5", "x")
    with pytest.raises(ApiError) as refused:
        transaction_requests.create(consented, w.bank_id, w.alice_account, "owner", "ACCOUNT", order)
    assert refused.value.code == "OBP-40002"
    assert transaction_requests.create(unlimited, w.bank_id, w.alice_account, "owner", "ACCOUNT", order).status == 201


def test_a_consent_naming_a_view_the_user_no_longer_holds_opens_nothing(admin):
    w = banking_world(admin)
    consented = Caller(user=get_user(w.bob.user_id), consent=object(), views=[(w.bank_id, w.alice_account, "owner")])
    assert views.usable_view(consented, w.bank_id, w.alice_account, "owner") is None
    assert accounts.accounts_at_bank(consented, w.bank_id) == []
