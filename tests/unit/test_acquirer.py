"""The sandbox acquirer: Luhn, schemes, the test cards' decisions, and a card that never prints."""
from datetime import date

from chalicelib.services.enterprise import acquirer


def test_luhn_and_schemes():
    for number in ("4242424242424242", "5555555555554444", "4000000000003220", "378282246310005", "2223003122003222"):
        assert acquirer.luhn_valid(number), number
    for number in ("4242424242424241", "1234", "42424242424242424242", "4242-4242-4242-4242", ""):
        assert not acquirer.luhn_valid(number), number
    assert [acquirer.scheme_of(n) for n in ("4242424242424242", "5555555555554444", "2223003122003222",
                                            "378282246310005", "6011111111111117")] == [
        "visa", "mastercard", "mastercard", "amex", "unknown"]


def test_the_test_cards_decide_and_any_other_card_is_declined():
    def decide(number: str) -> tuple[str, str]:
        result = acquirer.SandboxAcquirer().authorise(acquirer.CardDetails(number, 12, 2039, "123", "A"), 100, "EUR")
        assert result.reference.startswith("sandbox_")
        return result.status, result.reason

    assert decide("4242424242424242") == ("approved", "")
    assert decide("5555555555554444") == ("approved", "")
    assert decide("4000000000003220") == ("challenge", "")
    assert decide("4000000000000002") == ("declined", "card_declined")
    assert decide("4000000000009995") == ("declined", "insufficient_funds")
    assert decide("4000000000000069") == ("declined", "expired_card")
    assert decide("4111111111111111") == ("declined", "not_a_test_card")


def test_only_the_summary_of_a_card_is_kept_and_the_card_never_prints():
    card = acquirer.CardDetails("4242424242424242", 3, 2031, "999", "Ann Payer")
    assert acquirer.summary(card) == acquirer.CardSummary("424242", "4242", "03/31", "Ann Payer", "visa")
    assert "4242424242424242" not in repr(card) and "999" not in repr(card) and "4242424242424242" not in f"{card}"
    assert acquirer.expired(12, 2020, date(2021, 1, 1)) and not acquirer.expired(1, 2021, date(2021, 1, 31))
