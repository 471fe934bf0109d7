"""Canonical account routings (services/routings.py): ISO 13616 IBANs, ISO 9362 BICs, the rest trimmed."""
import pytest

from chalicelib.errors import ApiError
from chalicelib.services.routings import canonical


@pytest.mark.parametrize("written,stored", [
    ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
    ("nl91abna0417164300", "NL91ABNA0417164300"),
    ("FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),
    ("NO93 8601 1117 947", "NO9386011117947"),  # the shortest (15)
    ("MT84 MALT 0110 0001 2345 MTLC AST0 01S", "MT84MALT011000012345MTLCAST001S"),  # 31
    ("DE89\u00a03704\t0044 0532 0130 00", "DE89370400440532013000"),  # any white space
])
def test_an_iban_is_stored_in_its_electronic_form(written, stored):
    assert canonical("iban", written) == ("IBAN", stored)


@pytest.mark.parametrize("written", [
    "DE88370400440532013000",  # one digit off: the check digits fail
    "DE89370400440532031000",  # two digits swapped
    "DE89 3704 0044 0532 0130 0",  # one character short
    "1E89370400440532013000", "DEXX370400440532013000", "DE89-3704-0044-0532-0130-00", "", "DE89",
])
def test_an_invalid_iban_is_obp_10033(written):
    with pytest.raises(ApiError) as refused:
        canonical("IBAN", written)
    assert (refused.value.status, refused.value.code) == (400, "OBP-10033")


def test_other_schemes():
    assert canonical(" bic ", "deut de ff 500") == ("BIC", "DEUTDEFF500")
    assert canonical("OBP", " acc-1 ") == ("OBP", "acc-1")
    assert canonical(" AccountNumber", " 12 34 ") == ("AccountNumber", "12 34")  # no standard to fold by
