"""What knowing the caller costs, per credential, in sequential DynamoDB round trips (issue 12):
the reads of one step go out together (tests/support.py DynamoCalls.round_trips counts a group of
parallel reads as one), and every check (token, consumer, user lock and deletion, roles) is made
on every call, with no cache."""
from urllib.parse import quote


def _account_path(cw, view_id: str = "owner") -> str:
    return f"/obp/v5.1.0/banks/{cw.bank_id}/accounts/{cw.w.alice_account}/{view_id}/account"


def _cost(dynamo_calls, call) -> tuple[int, list[str]]:
    dynamo_calls.reset()
    r = call()
    assert r.status == 200, r.body
    return dynamo_calls.round_trips(), sorted(dynamo_calls.operations())


def test_an_account_read_costs_two_round_trips_with_a_token_or_a_consent_jwt(cw, dynamo_calls):
    alice = cw.w.alice
    # 1: token + consumer, user with roles, the bank; 2: account + access, the user's views on it
    assert _cost(dynamo_calls, lambda: alice.get(_account_path(cw))) == (
        2, ["BatchGetItem", "BatchGetItem", "GetItem", "Query", "Query"])

    consent = cw.accepted()
    jwt = cw.as_tpp(consent["jwt"])
    jwt.get(_account_path(cw))  # the first use records the usage (a write at most once a minute)
    # 1: consent + consumer, user with roles, the bank; 2: account + access, the user's views on it
    assert _cost(dynamo_calls, lambda: jwt.get(_account_path(cw))) == (
        2, ["BatchGetItem", "BatchGetItem", "GetItem", "Query", "Query"])

    by_id = cw.as_tpp(consent["consent_id"], header="Consent-Id")
    # 1: the consent and the bank; 2: its consumer and user; 3: the account
    assert _cost(dynamo_calls, lambda: by_id.get(_account_path(cw)))[0] == 3


def test_the_account_checked_before_the_body_goes_with_the_credential(cw, dynamo_calls):
    """At an endpoint that checks the account and the view before its body (v4.0.0 and later), the
    account and the caller's access to the view are read with the credential and the bank when
    the credential names its user (a token, a consent JWT), else with the user (a consent id)."""
    w = cw.w
    core = f"/obp/v5.1.0/banks/{cw.bank_id}/accounts/{w.alice_account}/views/owner"
    # 1: token + consumer, user with roles, the bank, account + access; 2: the user's views on it
    assert _cost(dynamo_calls, lambda: w.alice.get(core)) == (
        2, ["BatchGetItem", "BatchGetItem", "GetItem", "Query", "Query"])
    consent = cw.accepted()
    jwt = cw.as_tpp(consent["jwt"])
    jwt.get(core)  # the first use records the usage
    assert _cost(dynamo_calls, lambda: jwt.get(core)) == (2, ["BatchGetItem", "BatchGetItem", "GetItem", "Query", "Query"])
    by_id = cw.as_tpp(consent["consent_id"], header="Consent-Id")
    # 1: the consent and the bank; 2: its consumer, its user, account + access; 3: the views
    assert _cost(dynamo_calls, lambda: by_id.get(core)) == (
        3, ["BatchGetItem", "GetItem", "GetItem", "GetItem", "Query", "Query"])

    # A view the caller may not use is refused in that first round trip.
    dynamo_calls.reset()
    r = w.bob.get(core)
    assert (r.status, r.code) == (403, "OBP-20017")
    assert (dynamo_calls.round_trips(), sorted(dynamo_calls.operations())) == (1, ["BatchGetItem", "BatchGetItem",
                                                                                  "GetItem", "Query"])
    # ... and an unknown bank still answers before the account, whatever was read alongside.
    r = w.alice.get(f"/obp/v5.1.0/banks/no-such-bank/accounts/{w.alice_account}/views/owner")
    assert (r.status, r.code) == (404, "OBP-30001")


def test_a_locked_users_refusal_costs_the_same_round_trip(api, cw, dynamo_calls):
    alice = cw.w.alice
    me = alice.me
    assert cw.w.admin.post(f"/obp/v5.1.0/users/{quote(me['provider'], safe='')}/{me['username']}/locks").status == 200
    dynamo_calls.reset()
    assert alice.get(_account_path(cw)).code == "OBP-20013"
    assert dynamo_calls.round_trips() == 1


def test_an_application_reading_a_consent_with_basic_credentials(cw, dynamo_calls):
    consent = cw.accepted()
    application = cw.as_application()
    path = f"/obp/v5.1.0/consumer/current/consents/{consent['consent_id']}"
    # 1: the key's guard; 2: the consumer (secret, enabled); 3: the consent
    assert _cost(dynamo_calls, lambda: application.get(path)) == (3, ["GetItem", "GetItem", "GetItem"])
