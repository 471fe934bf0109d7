"""Posting a transfer: the funds condition on the stored balance, a commit cancelled by a
concurrent transaction sent again, booking (running balances, positions, events, the sweeper),
and the money helpers it relies on."""
from decimal import Decimal

import pytest

from chalicelib.errors import ApiError
from chalicelib.services import booking, money, transfers
from chalicelib.store import ledger
from chalicelib.store.accounts import get_account, get_accounts
from chalicelib.store.outbox import OutboxRecord
from tests.support import banking_world


def _transfer(w, amount="5", source=None, target=None):
    return transfers.Transfer((w.bank_id, source or w.alice_account), (w.bank_id, target or w.bob_account),
                              Decimal(amount), "EUR", "d", "ACCOUNT", "tr-1")


def _no_steps(debit_id, completed):
    return []


def _booked(w, account_id) -> list:
    """The account's booked transactions in booking order."""
    return ledger.transactions_page(get_account(w.bank_id, account_id), offset=0, limit=1000, descending=False)


def test_a_commit_cancelled_by_a_concurrent_transaction_is_sent_again(admin, monkeypatch):
    w = banking_world(admin)
    real_commit, attempts = ledger.commit, []

    def conflict_once(steps):
        attempts.append(len(steps))
        if len(attempts) == 1:
            raise ledger.CommitRejected(set(), conflict=True)
        return real_commit(steps)

    monkeypatch.setattr(ledger, "commit", conflict_once)
    posted = transfers.post(_transfer(w), _no_steps)
    assert attempts[:2] == [3, 3]  # the same transfer twice (debit, two legs); then the booking
    assert get_account(w.bank_id, w.alice_account).balance == Decimal("-5")
    assert ledger.get_transaction(w.bank_id, w.alice_account, posted.debit_id).new_balance == Decimal("-5")


def test_conflicts_are_sent_again_until_the_transfer_commits_never_refused_as_busy(admin, monkeypatch):
    """However many times concurrent transactions cancel the commit, the transfer is sent again
    (each cancelled attempt wrote nothing) and commits once: no 503, no "too busy"."""
    w = banking_world(admin)
    real_commit, attempts, pauses = ledger.commit, [], []

    def conflict_forty_times(steps):
        attempts.append(len(steps))
        if len(attempts) <= 40:
            raise ledger.CommitRejected(set(), conflict=True)
        return real_commit(steps)

    monkeypatch.setattr(ledger, "commit", conflict_forty_times)
    monkeypatch.setattr(transfers.time, "sleep", pauses.append)
    posted = transfers.post(_transfer(w), _no_steps)
    assert attempts[:41] == [3] * 41  # the same transfer 41 times; then the booking
    assert len(pauses) == 40 and max(pauses) <= transfers.LONGEST_CONFLICT_PAUSE
    assert get_account(w.bank_id, w.alice_account).balance == Decimal("-5")  # debited once
    assert [t.transaction_id for t in _booked(w, w.alice_account)] == [posted.debit_id]


def test_a_failed_condition_of_the_callers_own_step_is_not_sent_again(admin, monkeypatch):
    w = banking_world(admin)
    calls = []
    monkeypatch.setattr(ledger, "commit", lambda steps: calls.append(1) or (_ for _ in ()).throw(
        ledger.CommitRejected({"idempotency"}, False)))
    with pytest.raises(ledger.CommitRejected):
        transfers.post(_transfer(w), _no_steps)
    assert calls == [1]


def test_the_funds_check_is_a_condition_on_the_stored_balance(admin):
    """A transfer that read a balance that has since gone is refused by the stored balance, not by
    a version: nothing is written."""
    w = banking_world(admin, attributes={"OVERDRAFT_LIMIT": ("DOUBLE", "10")})
    stale = get_accounts([(w.bank_id, w.alice_account), (w.bank_id, w.bob_account)])
    transfers.post(_transfer(w, "8"), _no_steps)  # leaves -8: 2 more may go
    with pytest.raises(transfers.InsufficientFunds):
        transfers.post(_transfer(w, "8"), _no_steps, preloaded=stale)  # read 0: the early check passes
    transfers.post(_transfer(w, "2"), _no_steps, preloaded=stale)  # down to the floor exactly
    assert get_account(w.bank_id, w.alice_account).balance == Decimal("-10")
    assert [t.amount for t in _booked(w, w.alice_account)] == [Decimal("-8"), Decimal("-2")]


def test_without_an_overdraft_limit_the_setting_decides(admin, monkeypatch):
    """OVERDRAFT_LIMIT absent: the stage's default_overdraft_limit, 0 outside the local stage and
    none at all (OBP's sandbox) where it says 'unlimited'."""
    from chalicelib.settings import reload_settings

    w = banking_world(admin, attributes={})
    with pytest.raises(transfers.InsufficientFunds):
        transfers.post(_transfer(w, "0.01"), _no_steps)
    monkeypatch.setenv("OBP_DEFAULT_OVERDRAFT_LIMIT", "unlimited")
    reload_settings()
    try:
        transfers.post(_transfer(w, "250000"), _no_steps)
        assert get_account(w.bank_id, w.alice_account).balance == Decimal("-250000")
    finally:
        monkeypatch.undo()
        reload_settings()


def test_the_default_overdraft_is_unlimited_in_the_local_stage_and_zero_when_deployed(monkeypatch):
    from chalicelib.settings import reload_settings

    try:
        monkeypatch.setenv("OBP_STAGE", "local")
        assert reload_settings().default_overdraft_limit is None
        monkeypatch.setenv("OBP_STAGE", "prod")
        monkeypatch.setenv("OBP_DATA_KEY_PARAMETER", "/obp-prod/data-key")
        assert reload_settings().default_overdraft_limit == Decimal("0")
        monkeypatch.setenv("OBP_DEFAULT_OVERDRAFT_LIMIT", "250.50")
        assert reload_settings().default_overdraft_limit == Decimal("250.50")
        monkeypatch.setenv("OBP_DEFAULT_OVERDRAFT_LIMIT", "-1")
        with pytest.raises(ValueError):
            reload_settings()
    finally:
        monkeypatch.undo()
        reload_settings()


def test_a_transfer_whose_request_died_before_booking_is_booked_by_the_sweeper(admin, monkeypatch):
    w = banking_world(admin)
    monkeypatch.setattr(booking, "book", lambda *accounts, awaited=(): None)  # the request dies after its commit
    posted = transfers.post(_transfer(w, "30"), _no_steps)
    monkeypatch.undo()
    # Committed: the debit left the balance at once; the credit waits for its booking.
    assert get_account(w.bank_id, w.alice_account).balance == Decimal("-30")
    assert get_account(w.bank_id, w.bob_account).balance == 0
    pending = ledger.get_transaction(w.bank_id, w.bob_account, posted.credit_id)
    assert (pending.amount, pending.new_balance) == (Decimal("30"), None)
    assert _booked(w, w.bob_account) == [] and list(OutboxRecord.gsi1.query("OUTBOX")) == []
    assert booking.sweep(min_age_seconds=60) == 0  # too young to be left over

    assert booking.sweep(min_age_seconds=0) == 2
    assert get_account(w.bank_id, w.bob_account).balance == Decimal("30")
    credit = ledger.get_transaction(w.bank_id, w.bob_account, posted.credit_id)
    assert (credit.amount, credit.new_balance, credit.sequence) == (Decimal("30"), Decimal("30"), 1)
    assert [t.transaction_id for t in _booked(w, w.alice_account)] == [posted.debit_id]
    assert len(list(OutboxRecord.gsi1.query("OUTBOX"))) == 0  # the six events went out (dispatched, cleared)
    assert booking.sweep(min_age_seconds=0) == 0


class _VirtualClock:
    """time for services/booking.py: sleeping moves the clock on at once."""

    def __init__(self):
        self.now, self.slept = 1000.0, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_request_waits_for_the_booking_under_way_and_takes_over_when_there_is_none(admin, monkeypatch):
    w = banking_world(admin)
    monkeypatch.setattr(booking, "book", lambda *accounts, awaited=(): None)
    transfers.post(_transfer(w, "1"), _no_steps)  # its request dies before booking
    monkeypatch.undo()
    clock = _VirtualClock()
    monkeypatch.setattr(booking, "time", clock)
    # The dead request's items come first in both accounts: in each, the next request waits for a
    # booking of them, and once the account's counts have not moved for TAKEOVER_AFTER it books
    # them with its own.
    transfers.post(_transfer(w, "2"), _no_steps)
    assert booking.TAKEOVER_AFTER <= sum(clock.slept) <= 2 * (booking.TAKEOVER_AFTER + booking.LONGEST_WAIT)
    assert [(t.amount, t.new_balance) for t in _booked(w, w.bob_account)] == [
        (Decimal("1"), Decimal("1")), (Decimal("2"), Decimal("3"))]
    assert [t.new_balance for t in _booked(w, w.alice_account)] == [Decimal("-1"), Decimal("-3")]
    assert get_account(w.bank_id, w.bob_account).balance == Decimal("3")


def test_booking_many_pending_transactions_takes_batches_with_exact_running_balances(admin, monkeypatch):
    w = banking_world(admin)
    monkeypatch.setattr(booking, "book", lambda *accounts, awaited=(): None)
    amounts = [Decimal(n) / 4 for n in range(1, 36)]  # 35 credits: more than one transaction's 100 writes hold
    for amount in amounts:
        transfers.post(_transfer(w, str(amount)), _no_steps)
    monkeypatch.undo()
    assert len(ledger.unbooked(w.bank_id, w.bob_account, 100).transactions) == 35
    booking.book((w.bank_id, w.bob_account))
    booked = _booked(w, w.bob_account)
    assert [t.sequence for t in booked] == list(range(1, 36))
    running = Decimal("0")
    for txn in booked:
        running += txn.amount
        assert txn.new_balance == running
    assert running == sum(amounts) == get_account(w.bank_id, w.bob_account).balance
    bob = get_account(w.bank_id, w.bob_account)
    assert (int(bob.transaction_count), bob.booked_balance) == (35, running)
    assert ledger.unbooked(w.bank_id, w.bob_account, 100).transactions == []


def test_money_helpers():
    assert money.parse_plain_number("10.50") == Decimal("10.50")
    assert [money.parse_plain_number(t) for t in ("1e3", "NaN", "", "1.", " ", "0x10")] == [None] * 6
    assert money.fits_currency(Decimal("10.10"), "EUR") and money.fits_currency(Decimal("10.100"), "EUR")
    assert not money.fits_currency(Decimal("10.101"), "EUR") and not money.fits_currency(Decimal("1.5"), "JPY")
    assert money.convert(Decimal("100"), "EUR", "GBP") == Decimal("86.21")
    assert money.convert(Decimal("1000"), "EUR", "JPY") == Decimal("161290")
    assert money.render_with_currency(Decimal("-50"), "EUR") == "-50.00 EUR"
    assert money.render(Decimal("0.10") + Decimal("0.20")) == "0.30"
    assert [money.transaction_charge(Decimal(a)) for a in ("50", "300000", "900000")] == ["2.0", "30.0000000000", "50"]
    with pytest.raises(ApiError) as unsupported:
        money.convert(Decimal("1"), "EUR", "NZD")
    assert unsupported.value.code == "OBP-10004"
    assert len(transfers.new_transaction_id()) == 36 and transfers.new_transaction_id()[14] == "7"
