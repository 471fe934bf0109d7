"""Pages of an account's transactions and transaction requests read at most `limit` items plus a
constant, whatever the offset (positions handed out by booking; store.base.query_positions),
shown at 10,000 of each."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from chalicelib.store import ledger
from chalicelib.store.accounts import AccountRecord, account_key, get_account
from chalicelib.store.base import position_key
from tests.support import banking_world, items_read, transfer

MANY = 10_000


def _put_straight_into_moto(records) -> None:
    """Seed many records fast: into moto's table directly, as PynamoDB would have written them."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.settings import get_settings

    settings = get_settings()
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][settings.region]
    for record in records:
        backend.put_item(settings.table_name, record.serialize())


def _seed_booked_transactions(w, account_id: str, count: int) -> None:
    """`count` booked transactions of 1 EUR each (positions 1..count), written straight to the store."""
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    _put_straight_into_moto(ledger.TransactionRecord(
        pk=account_key(w.bank_id, account_id)[0], sk=f"TXNSEQ#{position_key(n)}", transaction_id=f"seeded-{n}",
        bank_id=w.bank_id, account_id=account_id, currency="EUR", amount=Decimal("1"), new_balance=Decimal(n),
        sequence=n, posted=start + timedelta(seconds=n), completed=start + timedelta(seconds=n),
        transaction_type="ACCOUNT", other_bank_id=w.bank_id, other_account_id=w.bob_account,
    ) for n in range(1, count + 1))
    AccountRecord(*account_key(w.bank_id, account_id)).update(actions=[
        AccountRecord.transaction_count.set(count), AccountRecord.balance.set(Decimal(count)),
        AccountRecord.booked_balance.set(Decimal(count))])


def _seed_requests(w, account_id: str, count: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def request(n: int):
        made = ledger.new_transaction_request(
            f"seeded-{n}", from_bank_id=w.bank_id, from_account_id=account_id, start_date=start, end_date=start,
            request_type="ACCOUNT", to_bank_id=w.bank_id, to_account_id=w.bob_account, currency="EUR",
            amount=Decimal("1"), status="COMPLETED", transaction_id=f"seeded-{n}", view_id="owner")
        made.gsi1pk, made.gsi1sk = f"TRS#{w.bank_id}#{account_id}", position_key(n)
        return made

    _put_straight_into_moto(request(n) for n in range(1, count + 1))
    AccountRecord(*account_key(w.bank_id, account_id)).update(actions=[AccountRecord.request_count.set(count)])


def _page(session, path: str):
    with items_read() as reads:
        r = session.get(path)
    assert r.status == 200, r.body
    return r.body, reads


def test_a_page_of_transactions_reads_its_limit_plus_a_constant_at_10000(admin):
    w = banking_world(admin)
    _seed_booked_transactions(w, w.alice_account, MANY)
    base = w.account_path(w.alice_account) + "/transactions"

    first, first_reads = _page(w.alice, f"{base}?limit=50")
    deep, deep_reads = _page(w.alice, f"{base}?limit=50&offset=9950")
    oldest, oldest_reads = _page(w.alice, f"{base}?limit=50&offset=20&sort_direction=ASC")

    # Newest first: positions 10000..9951, then (offset 9950) 50..1; ASC from position 21.
    balances = lambda page: [Decimal(t["details"]["new_balance"]["amount"]) for t in page["transactions"]]  # noqa: E731
    assert balances(first) == [Decimal(n) for n in range(MANY, MANY - 50, -1)]
    assert balances(deep) == [Decimal(n) for n in range(50, 0, -1)]
    assert balances(oldest) == [Decimal(n) for n in range(21, 71)]
    assert first_reads.items == deep_reads.items == oldest_reads.items <= 50 + 20
    assert _page(w.alice, f"{base}?limit=50&offset={MANY}")[0]["transactions"] == []


def test_a_page_of_transaction_requests_reads_its_limit_plus_a_constant_at_10000(admin):
    w = banking_world(admin)
    _seed_requests(w, w.alice_account, MANY)
    base = w.account_path(w.alice_account) + "/transaction-requests"

    first, first_reads = _page(w.alice, f"{base}?limit=50")
    deep, deep_reads = _page(w.alice, f"{base}?limit=50&offset=9950&sort_direction=DESC")

    ids = lambda page: [tr["id"] for tr in page["transaction_requests_with_charges"]]  # noqa: E731
    assert ids(first) == [f"seeded-{n}" for n in range(1, 51)]  # oldest first, as made
    assert ids(deep) == [f"seeded-{n}" for n in range(50, 0, -1)]
    assert first_reads.items == deep_reads.items <= 50 + 20
    # The default page is 500 (OBP's endpoint has no paging; a page is still bounded).
    default, default_reads = _page(w.alice, base)
    assert len(ids(default)) == 500 and default_reads.items <= 500 + 20


def test_new_transactions_and_requests_take_the_next_positions(admin):
    """What a transfer books lands after the seeded ones, and a challenged request is listed too."""
    w = banking_world(admin)
    _seed_booked_transactions(w, w.alice_account, 3)
    done = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "2").body
    challenged = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "2000").body
    assert challenged["status"] == "INITIATED"
    page = w.alice.get(w.account_path(w.alice_account) + "/transactions?limit=2").body["transactions"]
    assert [(t["id"], t["details"]["new_balance"]["amount"]) for t in page] == [
        (done["transaction_ids"][0], "1"), ("seeded-3", "3")]
    listed = w.alice.get(w.account_path(w.alice_account) + "/transaction-requests").body
    assert [tr["id"] for tr in listed["transaction_requests_with_charges"]] == [done["id"], challenged["id"]]
    account = get_account(w.bank_id, w.alice_account)
    assert (int(account.transaction_count), int(account.request_count)) == (4, 2)
