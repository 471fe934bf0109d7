"""Amounts, currencies and the sandbox's static FX rates. Decimal end to end, never float.

OBP's sandbox converts between currencies with fixed rates (the challenge threshold is 1000 EUR
"converted", and a transfer may credit an account in another currency). The rates below are
static, as OBP's are: they value one unit of each currency in EUR.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from chalicelib.errors import ApiError

# ISO 4217 active codes (the list of 2026-01-01: XCG replaced ANG, Bulgaria uses EUR).
ISO_4217 = frozenset("""
AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD
KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO
NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD
SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV
WST XAD XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG
""".split())

# ISO 4217 minor units (the exponent): 2 unless listed here. tests/unit/test_money.py checks this
# table against the `iso4217` package (not imported here: it parses an XML table at import).
_ZERO_DECIMALS = frozenset("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split())
_THREE_DECIMALS = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
_FOUR_DECIMALS = frozenset("CLF UYW".split())
# Codes ISO 4217 gives no minor unit ("N.A."): precious metals, bond-market units, the SDR, the
# testing and the no-currency codes. Amounts in minor units cannot be expressed in them.
NO_MINOR_UNIT = frozenset("XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX".split())

# Value of one unit in EUR (static sandbox rates).
_EUR_VALUE = {
    "EUR": Decimal("1"),
    "GBP": Decimal("1.16"),
    "USD": Decimal("0.92"),
    "CHF": Decimal("1.04"),
    "JPY": Decimal("0.0062"),
    "AUD": Decimal("0.61"),
    "CAD": Decimal("0.68"),
    "SEK": Decimal("0.087"),
    "NOK": Decimal("0.086"),
    "DKK": Decimal("0.134"),
    "PLN": Decimal("0.23"),
    "INR": Decimal("0.011"),
    "HKD": Decimal("0.118"),
    "SGD": Decimal("0.69"),
    "XAF": Decimal("0.0015"),
    "JOD": Decimal("1.30"),
}

_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def is_iso_currency(code: str) -> bool:
    return code in ISO_4217


def minor_units(currency: str) -> int:
    """The ISO 4217 exponent: EUR 2, JPY 0, BHD 3, CLF 4."""
    if currency in _ZERO_DECIMALS:
        return 0
    if currency in _FOUR_DECIMALS:
        return 4
    return 3 if currency in _THREE_DECIMALS else 2


def has_minor_units(currency: str) -> bool:
    """An active ISO 4217 code with a defined exponent: amounts can be counted in its minor units."""
    return currency in ISO_4217 and currency not in NO_MINOR_UNIT


def from_minor_units(amount: int, currency: str) -> Decimal:
    """Integer minor units to the Decimal amount, exactly: (8230, EUR) -> 82.30, (8230, JPY) -> 8230."""
    return Decimal(int(amount)).scaleb(-minor_units(currency))


def to_minor_units(amount: Decimal, currency: str) -> int:
    """The Decimal amount in integer minor units, exactly; ValueError if it has finer digits."""
    scaled = amount.scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more decimal places than {currency} has")
    return int(scaled)


def parse_plain_number(text: str) -> Decimal | None:
    """A decimal written plainly ("10", "-3.50"); None for anything else (no exponents, NaN, ...)."""
    if not isinstance(text, str) or not _PLAIN_NUMBER.match(text.strip()):
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def fits_currency(amount: Decimal, currency: str) -> bool:
    """No more (significant) decimal places than the currency has."""
    return amount.normalize().as_tuple().exponent >= -minor_units(currency)


def render(amount: Decimal) -> str:
    """OBP's amount string: the plain decimal, never an exponent."""
    return format(amount, "f")


def render_with_currency(amount: Decimal, currency: str) -> str:
    """"50.00 EUR": in the currency's precision (OBP's webhook payloads)."""
    return f"{quantize(amount, currency):f} {currency}"


def quantize(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_EVEN)


def convert(amount: Decimal, from_currency: str, to_currency: str) -> Decimal:
    """Static-rate conversion, rounded to the target currency; OBP-10004 for an unknown pair."""
    if from_currency == to_currency:
        return amount
    if from_currency not in _EUR_VALUE or to_currency not in _EUR_VALUE:
        raise ApiError("OBP-10004", f"Current FROM_CURRENCY_CODE is {from_currency} and TO_CURRENCY_CODE is {to_currency}")
    return quantize(amount * _EUR_VALUE[from_currency] / _EUR_VALUE[to_currency], to_currency)


def transaction_charge(amount: Decimal, charge_level: Decimal = Decimal("0.0001")) -> str:
    """OBP's sandbox charge: amount x level, clamped to [2, 50], rendered as OBP does."""
    charge = amount * charge_level
    if charge < 2:
        return "2.0"
    if charge > 50:
        return "50"
    return f"{charge.quantize(Decimal('1E-10')):f}"
