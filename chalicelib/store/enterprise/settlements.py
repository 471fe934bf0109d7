"""Settlements: a profile's succeeded payments and refunds, closed per currency (and clearing bank)
and paid out.

Keys:
  SETTLEMENT#<settlement_id> / SETTLEMENT      a settlement: its totals (ADDed as items are claimed),
      the fee schedule it charges, the accounts it pays from and to, its state and its ledger ids;
      gsi1 SETTLEMENTS#<profile_id> / <number, 12 digits> once paid (the profile's list, newest
      first: the number is the profile's `settlement_count` + 1, given in the paying transaction);
      gsi2 SETTLEMENTS_UNPAID / <opened iso>#<id> until then (what a run resumes first)
  PROFILE#<profile_id> / SETTLING#<currency>#<bank_id>    the settlement open for that group (at
      most one: written with attribute_not_exists, deleted when it is paid)
  PROFILE#<profile_id> / SETTLECARRY#<currency>#<bank_id> what the profile owes the next settlement
      of the group (a negative net carried over), and the settlement that last set it
The items: a succeeded payment or refund carries gsi3 UNSETTLED#… (store/enterprise/payments.py)
until a settlement claims it: `settlement_id` set, gsi3 removed, under `settlement_id` absent and
`state = succeeded`, in the transaction that ADDs it to the settlement's totals under `state = open`.

The profile's settlements are a list without gaps (store/positions.py, the profile item its head):
a settlement joins it when paid, numbered in that transaction on condition that the profile's
`settlement_count` is still the one read, and is never deleted; page p is one Query of gsi1.
"""
from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store import positions
from chalicelib.store.base import Entity, get_item, get_many
from chalicelib.store.enterprise.payments import PaymentRecord, RefundRecord, unsettled_group
from chalicelib.store.enterprise.profiles import ProfileRecord, profile_pk, seq_key

OPEN, CHARGED, PAID = "open", "charged", "paid"
KINDS = ("openbanking", "creditcard", "refund")


class SettlementRecord(Entity, discriminator="EnterpriseSettlement"):
    settlement_id = UnicodeAttribute()
    profile_id = UnicodeAttribute()
    client_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    state = UnicodeAttribute()  # open -> charged (fees paid, totals frozen) -> paid
    scheduled = UTCDateTimeAttribute()  # the cutoff: items completed before it
    opened_at = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute(null=True)  # when it was paid out
    seq = NumberAttribute(null=True)  # its number in the profile's list, given when it was paid out
    fee_schedule = UnicodeAttribute()  # JSON, as the profile's was when it opened
    clearing_bank_id = UnicodeAttribute()
    clearing_account_id = UnicodeAttribute()
    fee_account_id = UnicodeAttribute()
    payout_bank_id = UnicodeAttribute()
    payout_account_id = UnicodeAttribute()
    payments_count = NumberAttribute(default=0)
    payments_sum = NumberAttribute(default=0)  # minor units
    refunds_count = NumberAttribute(default=0)
    refunds_sum = NumberAttribute(default=0)
    charges_openbanking = NumberAttribute(default=0)
    charges_creditcard = NumberAttribute(default=0)
    charges_refund = NumberAttribute(default=0)
    carried_in = NumberAttribute(default=0)  # owed from the group's previous settlement
    carry_from = UnicodeAttribute(default="")  # the settlement that left it ("" none)
    amount = NumberAttribute(null=True)  # paid out to the payout account
    carried_out = NumberAttribute(null=True)  # owed to the next settlement
    charges_transaction_request_id = UnicodeAttribute(null=True)
    payout_transaction_request_id = UnicodeAttribute(null=True)

    @property
    def charges_total(self) -> int:
        return sum(int(getattr(self, f"charges_{kind}")) for kind in KINDS)


class SettlingPointer(Entity, discriminator="EnterpriseSettling"):
    settlement_id = UnicodeAttribute()


class SettlementCarry(Entity, discriminator="EnterpriseSettlementCarry"):
    debt = NumberAttribute(default=0)
    settlement_id = UnicodeAttribute(default="")


def settlement_key(settlement_id: str) -> tuple[str, str]:
    return f"SETTLEMENT#{settlement_id}", "SETTLEMENT"


def _group(currency: str, bank_id: str) -> str:
    return f"{currency}#{bank_id}"


def pointer_key(profile_id: str, currency: str, bank_id: str) -> tuple[str, str]:
    return profile_pk(profile_id), f"SETTLING#{_group(currency, bank_id)}"


def carry_key(profile_id: str, currency: str, bank_id: str) -> tuple[str, str]:
    return profile_pk(profile_id), f"SETTLECARRY#{_group(currency, bank_id)}"


def _list_name(profile_id: str) -> str:
    return f"SETTLEMENTS#{profile_id}"


def list_fields(profile_id: str, number: int) -> dict:
    """A paid settlement's number and its place in the profile's list."""
    return {"seq": number, "gsi1pk": _list_name(profile_id), "gsi1sk": seq_key(number)}


def unpaid_keys(opened: datetime, settlement_id: str) -> dict:
    return {"gsi2pk": _UNPAID, "gsi2sk": f"{opened.isoformat()}#{settlement_id}"}


_UNPAID = "SETTLEMENTS_UNPAID"


# --- reads ----------------------------------------------------------------------------------------

def get_settlement(settlement_id: str) -> SettlementRecord | None:
    return get_item(SettlementRecord, *settlement_key(settlement_id))


def group_state(profile_id: str, currency: str, bank_id: str) -> tuple[SettlingPointer | None, SettlementCarry | None]:
    """The group's open settlement pointer and its carry, in one BatchGetItem."""
    keys = [pointer_key(profile_id, currency, bank_id), carry_key(profile_id, currency, bank_id)]
    found = get_many(keys)
    pointer, carry = found.get(keys[0]), found.get(keys[1])
    return (pointer if isinstance(pointer, SettlingPointer) else None,
            carry if isinstance(carry, SettlementCarry) else None)


def settlements_page(profile_id: str, count: int, offset: int, limit: int) -> list[SettlementRecord]:
    """The profile's paid settlements of ranks offset..offset+limit-1, newest first (`count`: the
    profile's settlement_count): one Query of gsi1 of at most `limit` items, eventually consistent."""
    return positions.read_from(SettlementRecord.gsi1, SettlementRecord.gsi1sk, _list_name(profile_id),
                               positions.Head(last=count, live=count), None, offset=offset, limit=limit,
                               descending=True, key_of=seq_key)


def unpaid(limit: int) -> list[SettlementRecord]:
    """Settlements opened and not paid yet, oldest first (gsi2: a run resumes them first)."""
    return list(SettlementRecord.gsi2.query(_UNPAID, limit=limit))


def first_unsettled_after(shard_pk: str, after: str) -> Entity | None:
    """The first item on a shard of the settlements' to-do list whose sort key is above `after`."""
    found = list(Entity.gsi3.query(shard_pk, Entity.gsi3sk > after if after else None, limit=1))
    return found[0] if found else None


def unsettled(profile_id: str, currency: str, bank_id: str, cutoff: datetime, after: str, limit: int) -> list[Entity]:
    """A group's unsettled payments and refunds completed before `cutoff`, in key order from just
    after `after` (a sort key; "" from the start). gsi3 is eventually consistent: each claim is
    conditioned on the item itself."""
    pk, prefix = unsettled_group(profile_id, currency, bank_id)
    low = max(after, prefix)
    items = Entity.gsi3.query(pk, Entity.gsi3sk.between(low, f"{prefix}{cutoff.isoformat()}"), limit=limit + 1)
    return [i for i in items if i.gsi3sk > after and isinstance(i, (PaymentRecord, RefundRecord))][:limit]


# --- staged writes --------------------------------------------------------------------------------

def stage_open(tx, settlement: SettlementRecord) -> None:
    """The new settlement and the group's pointer to it (the transaction fails when one is open)."""
    tx.save(settlement, condition=SettlementRecord.pk.does_not_exist())
    pk, sk = pointer_key(settlement.profile_id, settlement.currency, settlement.clearing_bank_id)
    tx.save(SettlingPointer(pk=pk, sk=sk, settlement_id=settlement.settlement_id),
            condition=SettlingPointer.pk.does_not_exist())


def stage_claim(tx, settlement_id: str, item: PaymentRecord | RefundRecord) -> None:
    """The item joins the settlement, once: only a succeeded item no settlement has claimed."""
    model = type(item)
    tx.update(model(pk=item.pk, sk=item.sk),
              actions=[model.settlement_id.set(settlement_id), model.gsi3pk.remove(), model.gsi3sk.remove()],
              condition=model.settlement_id.does_not_exist() & (model.state == "succeeded"))


def stage_totals(tx, settlement: SettlementRecord, totals: dict[str, int]) -> None:
    """ADD the claimed items' counts, sums and charges, while the settlement is still open."""
    actions = [getattr(SettlementRecord, name).add(value) for name, value in totals.items() if value]
    if not actions:
        return
    tx.update(SettlementRecord(pk=settlement.pk, sk=settlement.sk), actions=actions,
              condition=SettlementRecord.state == OPEN)


def stage_state(tx, settlement: SettlementRecord, to_state: str, from_state: str, fields: dict | None = None) -> None:
    """from_state -> to_state (paid: off the unpaid list), setting `fields`, once."""
    actions = [SettlementRecord.state.set(to_state)]
    actions += [getattr(SettlementRecord, name).set(value) for name, value in (fields or {}).items()]
    if to_state == PAID:
        actions += [SettlementRecord.gsi2pk.remove(), SettlementRecord.gsi2sk.remove()]
    tx.update(SettlementRecord(pk=settlement.pk, sk=settlement.sk), actions=actions,
              condition=SettlementRecord.state == from_state)


def stage_number(tx, profile_id: str, number: int) -> None:
    """The profile's settlement_count becomes `number`, on condition that it is number - 1: the
    paying transaction fails when another settlement of the profile took that number first."""
    count = ProfileRecord.settlement_count
    taken = (count == number - 1) if number > 1 else (count.does_not_exist() | (count == 0))
    tx.update(ProfileRecord(pk=profile_pk(profile_id), sk="PROFILE"), actions=[count.set(number)],
              condition=ProfileRecord.pk.exists() & taken)


def stage_close_group(tx, settlement: SettlementRecord, carried_out: int) -> None:
    """The group's pointer removed and its carry set to what this settlement leaves owing, on
    condition that the carry is still the one the settlement took over."""
    pk, sk = pointer_key(settlement.profile_id, settlement.currency, settlement.clearing_bank_id)
    tx.delete(SettlingPointer(pk=pk, sk=sk), condition=SettlingPointer.settlement_id == settlement.settlement_id)
    pk, sk = carry_key(settlement.profile_id, settlement.currency, settlement.clearing_bank_id)
    taken = settlement.carry_from
    tx.save(SettlementCarry(pk=pk, sk=sk, debt=carried_out, settlement_id=settlement.settlement_id),
            condition=(SettlementCarry.settlement_id == taken) if taken else SettlementCarry.pk.does_not_exist())


def stage_discard(tx, settlement: SettlementRecord) -> None:
    """An open settlement that claimed nothing goes, with its pointer."""
    tx.delete(SettlementRecord(pk=settlement.pk, sk=settlement.sk), condition=SettlementRecord.state == OPEN)
    pk, sk = pointer_key(settlement.profile_id, settlement.currency, settlement.clearing_bank_id)
    tx.delete(SettlingPointer(pk=pk, sk=sk), condition=SettlingPointer.settlement_id == settlement.settlement_id)
