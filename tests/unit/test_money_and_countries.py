"""Minor units and country codes, checked against the reference packages (iso4217, iso3166)."""
from decimal import Decimal

import iso4217
import pytest

from chalicelib.services import countries, money


def test_the_currency_table_is_iso_4217_with_its_exponents():
    reference = {c.code: c.exponent for c in iso4217.Currency}
    assert money.ISO_4217 == set(reference)
    for code, exponent in reference.items():
        if exponent is None:
            assert code in money.NO_MINOR_UNIT and not money.has_minor_units(code), code
        else:
            assert money.minor_units(code) == exponent and money.has_minor_units(code), code
    assert (money.minor_units("EUR"), money.minor_units("JPY"), money.minor_units("BHD")) == (2, 0, 3)
    assert (money.minor_units("CLF"), money.minor_units("UYW")) == (4, 4)


@pytest.mark.parametrize("minor, currency, amount", [
    (8230, "EUR", "82.30"), (1, "EUR", "0.01"), (8230, "JPY", "8230"), (8230, "BHD", "8.230"),
    (12345, "CLF", "1.2345"), (1, "UYW", "0.0001"), (999_999_999_999_999, "EUR", "9999999999999.99"),
])
def test_minor_units_convert_exactly_both_ways(minor, currency, amount):
    converted = money.from_minor_units(minor, currency)
    assert converted == Decimal(amount) and str(converted) == amount
    assert money.to_minor_units(Decimal(amount), currency) == minor


def test_an_amount_finer_than_the_currency_has_no_minor_units():
    with pytest.raises(ValueError):
        money.to_minor_units(Decimal("0.001"), "EUR")
    with pytest.raises(ValueError):
        money.to_minor_units(Decimal("1.5"), "JPY")


def test_country_codes_are_the_assigned_iso_3166_1_alpha2_codes():
    import iso3166

    assert all(countries.is_alpha2(code) for code in iso3166.countries_by_alpha2)
    for code in ("ZZ", "XX", "AA", "QM", "EU", "UK", "nl", "NLD", "", None, 528):
        assert not countries.is_alpha2(code), code
