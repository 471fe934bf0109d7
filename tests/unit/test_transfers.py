"""Posting a transfer: the bounded retry on a lost race, and the money helpers it relies on."""
from decimal import Decimal

import pytest

from chalicelib.errors import ApiError
from chalicelib.services import money, transfers
from chalicelib.store import ledger
from chalicelib.store.accounts import get_account
from tests.support import banking_world


def _transfer(w, amount="5"):
    return transfers.Transfer((w.bank_id, w.alice_account), (w.bank_id, w.bob_account), Decimal(amount), "EUR", "d",
                              "ACCOUNT", "tr-1")


def test_a_transaction_conflict_is_retried_from_fresh_balances(admin, monkeypatch):
    w = banking_world(admin)
    real_commit, attempts = ledger.commit, []

    def conflict_once(steps):
        attempts.append(len(steps))
        if len(attempts) == 1:
            raise ledger.CommitRejected(set(), conflict=True)
        return real_commit(steps)

    monkeypatch.setattr(ledger, "commit", conflict_once)
    posted = transfers.post(_transfer(w), lambda debit_id, completed: [])
    assert len(attempts) == 2
    assert get_account(w.bank_id, w.alice_account).balance == Decimal("-5")
    assert ledger.get_transaction(w.bank_id, w.alice_account, posted.debit_id).amount == Decimal("-5")


def test_retries_are_bounded_and_leave_nothing_behind(admin, monkeypatch):
    w = banking_world(admin)
    monkeypatch.setattr(ledger, "commit", lambda steps: (_ for _ in ()).throw(ledger.CommitRejected({"debit_balance"}, False)))
    monkeypatch.setattr(transfers.time, "sleep", lambda seconds: None)
    with pytest.raises(ApiError) as busy:
        transfers.post(_transfer(w), lambda debit_id, completed: [])
    assert (busy.value.status, busy.value.code) == (503, "OBP-60003")
    assert get_account(w.bank_id, w.alice_account).balance == 0


def test_a_failed_condition_of_the_callers_own_step_is_not_retried(admin, monkeypatch):
    w = banking_world(admin)
    calls = []
    monkeypatch.setattr(ledger, "commit", lambda steps: calls.append(1) or (_ for _ in ()).throw(
        ledger.CommitRejected({"idempotency"}, False)))
    with pytest.raises(ledger.CommitRejected):
        transfers.post(_transfer(w), lambda debit_id, completed: [])
    assert calls == [1]


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
