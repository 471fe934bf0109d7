"""The card acquirer behind `creditcard` payments: one small interface, and the sandbox acquirer
that implements it. A real acquirer replaces `SandboxAcquirer` (set `ACQUIRER`), nothing else.

The card number and CVC reach `authorise` and go no further: what may be kept is `CardSummary`
(bin, last4, expiry, holder, scheme). The sandbox decides by the card number; its test cards
(README, "Enterprise payments"):

  4242 4242 4242 4242   Visa        approved
  5555 5555 5555 4444   Mastercard  approved
  4000 0000 0000 3220   Visa        3-D Secure: approved after the cardholder's one-time password
  4000 0000 0000 0002   Visa        declined: card_declined
  4000 0000 0000 9995   Visa        declined: insufficient_funds
  4000 0000 0000 0069   Visa        declined: expired_card
Any other number that passes the Luhn check is declined (not_a_test_card): a sandbox takes no
real card.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Protocol

APPROVED, DECLINED, CHALLENGE = "approved", "declined", "challenge"


@dataclass(frozen=True)
class CardDetails:
    """What the payer typed; never stored, never logged."""

    number: str  # digits only
    expiry_month: int
    expiry_year: int  # four digits
    cvc: str
    holder: str

    def __repr__(self) -> str:  # a stray log line shows nothing of the card
        return "CardDetails(<redacted>)"


@dataclass(frozen=True)
class CardSummary:
    """The only card data ever stored."""

    bin: str
    last4: str
    expiry: str  # MM/YY
    holder: str
    scheme: str


@dataclass(frozen=True)
class Authorisation:
    status: str  # APPROVED | DECLINED | CHALLENGE
    reference: str  # the acquirer's id of this authorisation
    reason: str = ""  # why it was declined


class Acquirer(Protocol):
    name: str

    def authorise(self, card: CardDetails, amount_minor: int, currency: str) -> Authorisation:
        """Decide on a payment. CHALLENGE: the cardholder must pass 3-D Secure first."""

    def refund(self, reference: str, amount_minor: int, currency: str) -> bool:
        """Give (part of) an authorised amount back to the card; False when refused."""


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(number)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def scheme_of(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4] or 0) <= 2720:
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "unknown"


def expired(month: int, year: int, today: date) -> bool:
    return (year, month) < (today.year, today.month)


def summary(card: CardDetails) -> CardSummary:
    return CardSummary(card.number[:6], card.number[-4:], f"{card.expiry_month:02d}/{card.expiry_year % 100:02d}",
                       card.holder, scheme_of(card.number))


class SandboxAcquirer:
    name = "sandbox"
    _DECISIONS = {
        "4242424242424242": (APPROVED, ""),
        "5555555555554444": (APPROVED, ""),
        "4000000000003220": (CHALLENGE, ""),
        "4000000000000002": (DECLINED, "card_declined"),
        "4000000000009995": (DECLINED, "insufficient_funds"),
        "4000000000000069": (DECLINED, "expired_card"),
    }

    def authorise(self, card: CardDetails, amount_minor: int, currency: str) -> Authorisation:
        status, reason = self._DECISIONS.get(card.number, (DECLINED, "not_a_test_card"))
        return Authorisation(status, f"sandbox_{secrets.token_hex(12)}", reason)

    def refund(self, reference: str, amount_minor: int, currency: str) -> bool:
        return reference.startswith("sandbox_")


ACQUIRER: Acquirer = SandboxAcquirer()
