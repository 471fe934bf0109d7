"""The SQL LIKE translation of the phone search and OBP's paging parameters, without AWS."""
import pytest

from chalicelib.errors import ApiError
from chalicelib.services.customers import like_pattern
from chalicelib.services.paging import MAX_LIMIT, Page, parse_page


@pytest.mark.parametrize("pattern, prefix, suffix, matches, misses", [
    ("+49 30 901820", "+49 30 901820", "", ["+49 30 901820"], ["+49 30 9018201", "+49 30 90182"]),
    ("+49%", "+49", "", ["+49", "+49 30 1"], ["+4 9", "0+49"]),
    ("%381%", "", "", ["381", "+44 381 2", "x381"], ["38 1"]),
    ("+4_ 1", "+4", " 1", ["+49 1", "+4x 1"], ["+4 1", "+499 1"]),
    ("(0)%.5", "(0)", ".5", ["(0) 1.5", "(0).5"], ["(0) 1x5", "0 1.5"]),
    ("a*b+c?", "a*b+c?", "", ["a*b+c?"], ["aab+c", "a*b+c"]),
    ("", "", "", [""], ["1"]),
    ("%%_", "", "", ["1", "123"], [""]),
    ("%820 1234", "", "820 1234", ["+49 820 1234", "820 1234"], ["820 12345"]),
])
def test_like_pattern(pattern, prefix, suffix, matches, misses):
    literal_prefix, literal_suffix, regex = like_pattern(pattern)
    assert (literal_prefix, literal_suffix) == (prefix, suffix)
    assert all(regex.fullmatch(m) for m in matches)
    assert not any(regex.fullmatch(m) for m in misses)


def test_paging_defaults_aliases_and_ceiling():
    assert parse_page({}) == Page(limit=50, offset=0, descending=False)
    assert parse_page({"obp_limit": "3", "obp_offset": "2", "obp_sort_direction": "desc"}) == Page(3, 2, True)
    assert parse_page({"limit": "7", "obp_limit": "3"}).limit == 7  # the un-prefixed name wins
    assert parse_page({"limit": str(MAX_LIMIT + 1)}).limit == MAX_LIMIT


@pytest.mark.parametrize("query, code", [
    ({"limit": "0"}, "OBP-10025"), ({"limit": "ten"}, "OBP-10025"), ({"offset": "-1"}, "OBP-10024"),
    ({"offset": "1.5"}, "OBP-10024"), ({"sort_direction": "up"}, "OBP-10023"),
])
def test_paging_errors_name_the_parameter_under_obp_10016(query, code):
    with pytest.raises(ApiError) as err:
        parse_page(query)
    assert err.value.status == 400
    assert err.value.message.startswith("OBP-10016: Incorrect filter Parameters in URL.  <- " + code)
