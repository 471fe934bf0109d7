"""Settlements (seed 003 "Settlements", reference §2.7): a profile's succeeded payments and refunds
closed into one settlement per currency, charged the profile's fees (services/enterprise/fees.py)
and paid out on the ledger. The scheduled function `run` (daily) settles every profile with
something to settle; tests and operators call it directly.

A settlement of a group (profile, currency, clearing bank: the same bank unless the profile moved
its payout account) goes through three steps, each one transaction conditioned on the step before,
so a run killed anywhere and run again continues where it stopped and never pays twice:

  1. open     the settlement record (state open, the fee schedule and the accounts of the moment,
              what the previous settlement left owing) with the group's pointer to it, written
              only if no settlement of the group is open; a run finding one open resumes it.
  2. claim    the group's unsettled items completed before the cutoff, in chunks of CHUNK: per
              chunk ONE transaction sets each item's settlement_id (only if it has none and is
              succeeded) and ADDs their counts, sums and charges to the settlement (only while it
              is open). Claims are exact, whatever the size: an item is in exactly one settlement
              and its totals are the sum of its items; a chunk either commits whole or not at all.
  3. pay      open -> charged: the charges move clearing -> the provider's fee account, in the
              ledger's transaction with the state change (which freezes the totals);
              charged -> paid: the net (payments - refunds - charges - what was owed) moves clearing
              -> the profile's payout account in the ledger's transaction with the state change,
              the settlement's number in the profile's list, the group's pointer removed, its
              carry set, and the settlement.created event.
              A negative net pays nothing and is carried over to the group's next settlement.

The two money moves are two ledger transactions (transfers.post moves one amount between two
accounts), each atomic with the settlement's state change, which is what makes them happen once.
"""
from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timezone

from chalicelib import outbox
from chalicelib.errors import ApiError
from chalicelib.services import transfers, webhooks
from chalicelib.services.enterprise import fees, profiles, provider_accounts
from chalicelib.services.enterprise.common import check_paging, write_once
from chalicelib.services.enterprise.errors import not_found
from chalicelib.services.enterprise.oauth import Partner
from chalicelib.services.money import from_minor_units
from chalicelib.store import ledger
from chalicelib.store.enterprise import payments as payment_store
from chalicelib.store.enterprise import profiles as profile_store
from chalicelib.store.enterprise import settlements as store

logger = logging.getLogger(__name__)

EVENTS = ("settlement.created",)
REQUEST_TYPE = "SETTLEMENT"  # the ledger's transaction requests of a settlement's two money moves
NUMBER_ATTEMPTS = 20  # rounds a payout may lose its list number to another settlement of the profile
CHUNK = 90  # items per claim transaction: one write each, plus the totals (a transaction holds at most 100)
_ID_HEX = 32
_EVENT_NAMESPACE = uuid.UUID("9b2e6f4a-7c1d-4e8b-a3f5-0d6c2b1e8f47")


def now() -> datetime:
    return datetime.now(timezone.utc)


def is_settlement_id(value: str) -> bool:
    tail = value[len("settlement_"):] if isinstance(value, str) and value.startswith("settlement_") else ""
    return len(tail) == _ID_HEX and all(c in "0123456789abcdef" for c in tail)


def event(settlement) -> outbox.Message:
    body = {"type": "settlement.created", "id": settlement.settlement_id, "profile_id": settlement.profile_id}
    event_id = str(uuid.uuid5(_EVENT_NAMESPACE, settlement.settlement_id))
    return webhooks.event_message("settlement.created", [webhooks.profile_scope(settlement.profile_id)], body, event_id)


# --- reads ----------------------------------------------------------------------------------------

def list_settlements(partner: Partner, profile_id: str, page: int, size: int) -> list:
    """The profile's settlements, newest first (an array, as the provider's)."""
    check_paging(page, size)
    profile = profiles.get_profile(partner, profile_id)
    return store.settlements_page(profile_id, int(profile.settlement_count or 0), page * size, size)


def get_settlement(partner: Partner, profile_id: str, settlement_id: str):
    found = store.get_settlement(settlement_id) if is_settlement_id(settlement_id) else None
    if (found is None or found.client_id != partner.client_id or found.profile_id != profile_id
            or found.state != store.PAID):
        raise not_found()
    return found


# --- the run --------------------------------------------------------------------------------------

def run(at: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Settle every group with unsettled items completed before `at` (now). Settlements a killed
    run left unpaid are finished first (with their own cutoff); then each shard of the to-do list
    is walked group by group, so the reads follow the work, never the profiles."""
    cutoff = at or now()
    done = {"settlements": 0, "items": 0, "pending": 0}
    for unpaid in store.unpaid(limit):
        try:
            settle_group(unpaid.profile_id, unpaid.currency, unpaid.clearing_bank_id, unpaid.scheduled, done)
        except Exception:  # noqa: BLE001 - see below
            logger.exception("settlement %s failed again; it resumes on the next run", unpaid.settlement_id)
            done["pending"] += 1
    for shard in range(payment_store.UNSETTLED_SHARDS):
        after = ""
        while True:
            item = store.first_unsettled_after(f"UNSETTLED#{shard}", after)
            if item is None:
                break
            profile_id, currency, bank_id = item.gsi3sk.split("#")[:3]
            after = f"{profile_id}#{currency}#{bank_id}#~"  # past every item of the group
            try:
                settle_group(profile_id, currency, bank_id, cutoff, done)
            except Exception:  # noqa: BLE001 - one group must not stop the others; it is resumed next run
                logger.exception("settlement of %s %s at %s failed; it resumes on the next run", profile_id,
                                 currency, bank_id)
                done["pending"] += 1
    return done


def settle_group(profile_id: str, currency: str, bank_id: str, cutoff: datetime, done: dict | None = None):
    """Open (or resume) the group's settlement, claim its items, pay it out. The paid settlement,
    or None when there was nothing to settle (or it could not be paid yet)."""
    done = done if done is not None else {"settlements": 0, "items": 0, "pending": 0}
    settlement = _open_or_resume(profile_id, currency, bank_id, cutoff)
    if settlement is None:
        return None
    if settlement.state == store.OPEN:
        done["items"] += _claim_all(settlement)
    settlement, paid_here = _pay(settlement.settlement_id)
    if paid_here:
        done["settlements"] += 1
    elif settlement is not None and settlement.state != store.PAID:
        done["pending"] += 1
    return settlement if settlement is not None and settlement.state == store.PAID else None


def _open_or_resume(profile_id: str, currency: str, bank_id: str, cutoff: datetime):
    pointer, carry = store.group_state(profile_id, currency, bank_id)
    if pointer is not None:
        return store.get_settlement(pointer.settlement_id)
    if not store.unsettled(profile_id, currency, bank_id, cutoff, "", 1):
        return None
    profile = profile_store.get_profile(profile_id)
    accounts = provider_accounts.for_bank(bank_id, currency)
    if profile is None or not profile.payout_account_id:
        logger.warning("settlement of %s: the profile has no payout account; nothing is settled", profile_id)
        return None
    opened = now()
    settlement_id = f"settlement_{uuid.uuid4().hex}"
    pk, sk = store.settlement_key(settlement_id)
    settlement = store.SettlementRecord(
        pk=pk, sk=sk, **store.unpaid_keys(opened, settlement_id), settlement_id=settlement_id, profile_id=profile_id, client_id=profile.client_id,
        currency=currency, state=store.OPEN, scheduled=cutoff, opened_at=opened,
        fee_schedule=json.dumps(fees.schedule_of(profile), separators=(",", ":")), clearing_bank_id=bank_id,
        clearing_account_id=accounts.clearing_account_id, fee_account_id=accounts.fee_account_id,
        payout_bank_id=profile.payout_bank_id, payout_account_id=profile.payout_account_id,
        carried_in=int(carry.debt) if carry is not None else 0,
        carry_from=carry.settlement_id if carry is not None else "",
    )
    if write_once(lambda tx: store.stage_open(tx, settlement)) == "done":
        logger.info("settlement %s opened for %s %s at %s", settlement_id, profile_id, currency, bank_id)
        return settlement
    pointer, _ = store.group_state(profile_id, currency, bank_id)  # another run opened one first
    return store.get_settlement(pointer.settlement_id) if pointer is not None else None


def _charge_of(schedule: dict, item) -> tuple[str, int]:
    if isinstance(item, payment_store.RefundRecord):
        return "refund", fees.charge(schedule, "refund", int(item.amount))
    return item.method, fees.charge(schedule, item.method, int(item.amount))


def _claim_all(settlement) -> int:
    """Claim the group's items before the cutoff, chunk by chunk; how many were claimed."""
    schedule = json.loads(settlement.fee_schedule)
    claimed, after = 0, ""
    while True:
        items = store.unsettled(settlement.profile_id, settlement.currency, settlement.clearing_bank_id,
                                settlement.scheduled, after, CHUNK)
        if not items:
            return claimed
        after = items[-1].gsi3sk
        count = _claim_chunk(settlement, schedule, items)
        if count is None:
            return claimed  # the settlement is no longer open (another run moved it on)
        claimed += count


def _claim_chunk(settlement, schedule: dict, items: list) -> int | None:
    """One transaction: the items that are still unclaimed join the settlement with their totals.
    An item another settlement (or this one, read stale) took is left out and the rest retried."""
    pending = list(items)
    while pending:
        totals = {"payments_count": 0, "payments_sum": 0, "refunds_count": 0, "refunds_sum": 0,
                  "charges_openbanking": 0, "charges_creditcard": 0, "charges_refund": 0}
        for item in pending:
            kind, charge = _charge_of(schedule, item)
            prefix = "refunds" if kind == "refund" else "payments"
            totals[f"{prefix}_count"] += 1
            totals[f"{prefix}_sum"] += int(item.amount)
            totals[f"charges_{kind}"] += charge

        def build(tx, pending=pending, totals=totals):
            store.stage_totals(tx, settlement, totals)

        def claims(tx, pending=pending):
            for item in pending:
                store.stage_claim(tx, settlement.settlement_id, item)

        outcome = write_once(build, claims)
        if outcome == "done":
            return len(pending)
        if outcome == "stale":
            return None  # the settlement's own condition: it is no longer open
        taken = _taken(pending)
        if not taken:
            raise RuntimeError(f"settlement {settlement.settlement_id}: a claim failed on no unclaimable item")
        pending = [i for i in pending if (i.pk, i.sk) not in taken]
    return 0


def _taken(items: list) -> set[tuple[str, str]]:
    """Of items a claim failed on, those no longer claimable (claimed already, or not succeeded)."""
    from chalicelib.store.base import get_many

    found = get_many((i.pk, i.sk) for i in items)
    return {(i.pk, i.sk) for i in items
            if (i.pk, i.sk) not in found or found[(i.pk, i.sk)].settlement_id
            or found[(i.pk, i.sk)].state != "succeeded"}


def _pay(settlement_id: str):
    """open -> charged -> paid, each money move in the ledger's transaction with its state change.
    Returns (the settlement as it stands, whether this call paid it out)."""
    settlement = store.get_settlement(settlement_id)
    if settlement is None:
        return None, False
    if settlement.state == store.OPEN:
        if not settlement.payments_count and not settlement.refunds_count:
            write_once(lambda tx: store.stage_discard(tx, settlement))
            return None, False
        _charge(settlement)
        settlement = store.get_settlement(settlement_id)
    paid_here = False
    if settlement.state == store.CHARGED:
        paid_here = _pay_out(settlement)
        settlement = store.get_settlement(settlement_id)
    return settlement, paid_here


def _move(settlement, to_key: tuple[str, str], amount: int, what: str, steps) -> bool:
    """One transfer out of clearing with `steps`; False when the ledger cannot make it now."""
    request_id = str(uuid.uuid4())
    started = now()
    transfer = transfers.Transfer(
        from_key=(settlement.clearing_bank_id, settlement.clearing_account_id), to_key=to_key,
        amount=from_minor_units(amount, settlement.currency), currency=settlement.currency,
        description=f"Settlement {settlement.settlement_id}: {what}", transaction_type=REQUEST_TYPE,
        transaction_request_id=request_id,
    )

    def all_steps(debit_id: str, completed: datetime):
        request = ledger.new_transaction_request(
            request_id, from_bank_id=transfer.from_key[0], from_account_id=transfer.from_key[1], start_date=started,
            end_date=completed, request_type=REQUEST_TYPE, to_bank_id=to_key[0], to_account_id=to_key[1],
            currency=transfer.currency, amount=transfer.amount, description=transfer.description,
            status="COMPLETED", transaction_id=debit_id)
        return [("request", lambda tx: ledger.stage_new_request(tx, request))] + steps(request_id, completed)

    try:
        transfers.post(transfer, all_steps)
    except ledger.CommitRejected as rejected:
        if "settlement" in rejected.failed:
            return False  # another run moved the settlement on first: nothing was paid here
        raise
    except ApiError as err:
        logger.warning("settlement %s: %s not paid now (%s %s); the next run retries", settlement.settlement_id, what,
                       err.code, err.message)
        return False
    return True


def _charge(settlement) -> None:
    """open -> charged: the charges to the provider's fee account (the totals are final from here)."""
    total = settlement.charges_total

    def steps(request_id: str | None, completed: datetime):
        fields = {"charges_transaction_request_id": request_id} if request_id else {}
        return [("settlement", lambda tx: store.stage_state(tx, settlement, store.CHARGED, store.OPEN, fields))]

    if total > 0:
        _move(settlement, (settlement.clearing_bank_id, settlement.fee_account_id), total, "charges", steps)
    else:
        write_once(lambda tx: [stage(tx) for _, stage in steps(None, now())])


def _pay_out(settlement) -> bool:
    """charged -> paid: the net to the payout account, the settlement numbered in the profile's
    list, the group closed, the event. True when this call paid it. The number is the profile's
    settlement_count read + 1: when another settlement of the profile took it first, nothing was
    written and the count is read again."""
    net = (int(settlement.payments_sum) - int(settlement.refunds_sum) - settlement.charges_total
           - int(settlement.carried_in))
    amount, carried_out = max(net, 0), max(-net, 0)
    message = event(settlement)
    for _ in range(NUMBER_ATTEMPTS):
        profile = profile_store.get_profile(settlement.profile_id)
        number = int(profile.settlement_count or 0) + 1 if profile is not None else 1
        paid = _pay_out_as(settlement, number, amount, carried_out, message)
        if paid is not None:
            break
    else:
        raise RuntimeError(f"settlement {settlement.settlement_id}: the profile's settlement numbers kept moving")
    if paid:
        outbox.dispatch(message)
        logger.info("settlement %s paid: %s %s to %s, charges %s, carried over %s", settlement.settlement_id, amount,
                    settlement.currency, settlement.payout_account_id, settlement.charges_total, carried_out)
    return paid


def _pay_out_as(settlement, number: int, amount: int, carried_out: int, message) -> bool | None:
    """One attempt at paying the settlement out as the profile's settlement `number`: True paid,
    False not (another run paid it, or the ledger cannot now), None the number was taken."""

    def steps(request_id: str | None, completed: datetime):
        fields = {"amount": amount, "carried_out": carried_out, "created_at": completed,
                  **store.list_fields(settlement.profile_id, number)}
        if request_id:
            fields["payout_transaction_request_id"] = request_id
        return [
            ("settlement", lambda tx: store.stage_state(tx, settlement, store.PAID, store.CHARGED, fields)),
            ("number", lambda tx: store.stage_number(tx, settlement.profile_id, number)),
            ("group", lambda tx: store.stage_close_group(tx, settlement, carried_out)),
            ("outbox", lambda tx: outbox.stage(tx, message)),
        ]

    if amount > 0:
        try:
            return _move(settlement, (settlement.payout_bank_id, settlement.payout_account_id), amount, "payout", steps)
        except ledger.CommitRejected as rejected:
            if rejected.failed == {"number"}:
                return None
            raise
    own = steps(None, now())
    outcome = write_once(lambda tx: [stage(tx) for name, stage in own if name == "settlement"],
                         lambda tx: [stage(tx) for name, stage in own if name != "settlement"])
    if outcome == "lost" and _number_taken(settlement.profile_id, number):
        return None
    return outcome == "done"


def _number_taken(profile_id: str, number: int) -> bool:
    profile = profile_store.get_profile(profile_id)
    return profile is not None and int(profile.settlement_count or 0) >= number
