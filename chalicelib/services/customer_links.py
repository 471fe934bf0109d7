"""The seam to the customers capability (issue 3): which customers a user is linked to at a bank.

Money movement needs two answers from it and asks them only here:
  * `related_entities` — OBP's OnCreateTransaction webhook payload lists, for every account holder
    linked to at least one customer at the bank, {"user_id", "customer_ids"};
  * `mobile_phone_numbers` — where an SMS one-time password for a transaction request goes (OBP
    texts the phone numbers of the customers linked to the user; none -> nothing is sent, the
    challenge still exists).
Both return empty results until the user-customer link store exists; wiring them to it is the
whole change needed when it does.
"""
from __future__ import annotations


def related_entities(bank_id: str, holder_user_ids: list[str]) -> list[dict]:
    """[{"user_id": u, "customer_ids": [...]}] for each holder with >= 1 customer link at the bank."""
    return []


def mobile_phone_numbers(bank_id: str, user_id: str) -> list[str]:
    """The mobile phone numbers of the customers linked to the user at the bank."""
    return []
