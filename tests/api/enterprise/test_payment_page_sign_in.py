"""The payer's sign-in on the hosted page follows DirectLogin's rules (issue 11), and the signed-in
payer is checked on every later request of the page as a DirectLogin token's user is: a locked or
deleted user cannot sign in; one locked or deleted after signing in is out at once (their accounts
are not listed, no money moves, the payment fails); values DirectLogin refuses are a failed
sign-in without a look-up; the account step reads the payer and their access in one round trip."""
from __future__ import annotations

from decimal import Decimal

from chalicelib.store import users as user_store
from tests.payments_support import Browser, balance, new_payer, outbox_messages, to_the_code, webhook_events

_LOCKED = "This user is locked. Contact your bank."
_GONE = "You are no longer signed in to your bank. The payment cannot continue here."


def _at_sign_in(shop, api) -> tuple[dict, Browser]:
    payment = shop.create(100).body
    page = Browser(api.client, payment["next"]["redirect"]).open()
    page.submit("bank", bank_id=shop.bank_id)
    assert 'id="username"' in page.html
    return payment, page


def _lock(admin, username: str) -> None:
    r = admin.post(f"/obp/v4.0.0/users/{username}/locks")
    assert r.status == 200, r.body


def _delete(admin, user_id: str) -> None:
    r = admin.delete(f"/obp/v4.0.0/users/{user_id}")
    assert r.status == 200, r.body


def test_a_user_an_administrator_locked_cannot_sign_in_on_the_page(shop, api, admin):
    payer = new_payer(shop.world)
    _lock(admin, payer.username)
    payment, page = _at_sign_in(shop, api)
    page.submit("sign-in", username=payer.username, password=payer.password)
    assert page.status == 400 and page.text_of("error") == _LOCKED and 'id="username"' in page.html
    assert shop.payment(payment["id"])["state"] == "created"
    # Unlocked, the same payer signs in on the same page.
    assert admin.put(f"/obp/v3.1.0/users/{payer.username}/lock-status").status == 200
    page.submit("sign-in", username=payer.username, password=payer.password)
    assert page.options("account_id") == payer.accounts


def test_a_deleted_user_cannot_sign_in_on_the_page(shop, api, admin):
    payer = new_payer(shop.world)
    _delete(admin, payer.user_id)
    payment, page = _at_sign_in(shop, api)
    page.submit("sign-in", username=payer.username, password=payer.password)
    assert page.status == 400 and page.text_of("error") == "Wrong username or password. 4 attempts left."
    assert shop.payment(payment["id"])["state"] == "created"


def test_values_directlogin_refuses_are_a_failed_sign_in_that_never_reaches_the_user(shop, api):
    payer = new_payer(shop.world)
    payment, page = _at_sign_in(shop, api)
    # A password DirectLogin refuses (not printable ASCII), a username it refuses (too long).
    page.submit("sign-in", username=payer.username, password="Str0ng-Passw0rd!\u00e9")
    assert page.status == 400 and page.text_of("error") == "Wrong username or password. 4 attempts left."
    page.submit("sign-in", username="u" * 600, password=payer.password)
    assert page.text_of("error") == "Wrong username or password. 3 attempts left."
    # The payer's own bad-login count never moved: these values were never checked against them.
    assert int(user_store.get_user(payer.user_id).bad_login_attempts or 0) == 0


def test_a_payer_locked_after_signing_in_is_out_at_once_and_the_payment_fails(shop, api, admin):
    payer = new_payer(shop.world)
    payment, page = _at_sign_in(shop, api)
    page.submit("sign-in", username=payer.username, password=payer.password)
    assert page.options("account_id") == payer.accounts
    webhook_events()  # what came so far
    _lock(admin, payer.username)

    page.open()  # the accounts are not listed any more
    assert page.status == 403 and page.text_of("error") == _LOCKED and not page.options("account_id")
    got = shop.payment(payment["id"])
    assert (got["state"], got["failure_reason"]) == ("failed", "refused_by_the_bank")
    assert [(t, b["id"]) for t, b in webhook_events()] == [("payment.failed", payment["id"])]
    # The page now shows the result, with the way back to the merchant.
    page.open()
    assert page.status == 200 and page.text_of("state") == "Payment failed"
    assert page.text_of("reason") == "Your bank refused the payment." and page.return_link


def test_a_payer_deleted_before_confirming_moves_no_money(shop, api, admin):
    payer = new_payer(shop.world, funds="50")
    payment = shop.create(1000).body
    page = to_the_code(api.client, payment, payer, shop.bank_id)
    assert 'id="code"' in page.html
    code = next(m["body"][:6] for m in outbox_messages() if m["to"] == payer.email)
    _delete(admin, payer.user_id)

    page.submit("confirm", code=code)
    assert page.status == 403 and page.text_of("error") == _GONE
    got = shop.payment(payment["id"])
    assert (got["state"], got["failure_reason"]) == ("failed", "refused_by_the_bank")
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("50")


def test_the_account_step_reads_the_payer_and_their_access_in_one_round_trip(shop, api, dynamo_calls):
    payer = new_payer(shop.world)
    payment, page = _at_sign_in(shop, api)
    page.submit("sign-in", username=payer.username, password=payer.password, follow=False)
    assert page.status == 303
    dynamo_calls.reset()
    page.open()
    assert page.options("account_id") == payer.accounts
    # The payment and its page session (one BatchGetItem); the payer (GetItem) with their access at
    # the bank (Query), sent together; the accounts (BatchGetItem). The owner view is a system view.
    assert sorted(dynamo_calls.operations()) == ["BatchGetItem", "BatchGetItem", "GetItem", "Query"]
    assert dynamo_calls.round_trips() == 3
