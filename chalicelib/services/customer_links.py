"""Which customers a user is linked to at a bank, as money movement needs it:
  * `related_entities` — OBP's OnCreateTransaction webhook payload lists, for every account holder
    linked to at least one customer at the bank, {"user_id", "customer_ids"};
  * `mobile_phone_numbers` — where an SMS one-time password for a transaction request goes (OBP
    texts the phone numbers of the customers linked to the user; none -> nothing is sent, the
    challenge still exists).
"""
from __future__ import annotations

from chalicelib.store import customers as customer_store
from chalicelib.store.base import get_many
from chalicelib.store.parallel import together

# More links than this for one user at one bank is not a person but a data problem; bounded reads.
_MAX_LINKS = 100


def _linked_customer_ids(bank_id: str, user_id: str) -> list[str]:
    links = customer_store.list_user_customer_links(user_id, bank_id, limit=_MAX_LINKS)
    return [link.customer_id for link in links if link.is_active]


def related_entities(bank_id: str, holder_user_ids: list[str]) -> list[dict]:
    """[{"user_id": u, "customer_ids": [...]}] for each holder with >= 1 customer link at the bank:
    one Query per holder, sent together."""
    holders = list(dict.fromkeys(holder_user_ids))
    found = together(*[lambda u=u: _linked_customer_ids(bank_id, u) for u in holders])
    return [{"user_id": u, "customer_ids": ids} for u, ids in zip(holders, found) if ids]


def mobile_phone_numbers(bank_id: str, user_id: str) -> list[str]:
    """The mobile phone numbers of the customers linked to the user at the bank: one Query and
    one BatchGetItem."""
    keys = [(customer_store.customer_pk(c), customer_store.PROFILE) for c in _linked_customer_ids(bank_id, user_id)]
    numbers = [getattr(record, "mobile_phone_number", "") for record in get_many(keys).values()]
    return list(dict.fromkeys(n for n in numbers if n))
