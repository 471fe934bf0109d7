"""The hosted payment page's rules: the steps a payer takes, without HTML (chalicelib/api/checkout.py
renders them). The page is reached only through next.redirect, `/checkout/<payment_id>/<secret>`:
256 random bits, stored as a SHA-256 hash on the payment's session record, compared in constant
time. The session is bound to that one payment and lives until the payment's deadline (the result
stays readable an hour longer).

openbanking   bank -> sign in (the payer's own OBP username and password) -> account (one the payer
              may pay from, in the payment's currency) -> one-time password -> processing -> result
creditcard    card (sandbox acquirer) [-> 3-D Secure one-time password] -> processing -> result
mandate       bank -> sign in -> account -> the consent's one-time password -> result: a recurring
              payment method's mandate, the payer's OBP VRP consent (services/enterprise/mandates.py),
              whose challenge OBP sends and evaluates once (a wrong code rejects the consent)
Cancel (any step before processing) -> failed.

Protection. Every form carries a CSRF token: a keyed hash of the payment and the browser's own
random id (an HttpOnly, SameSite=Lax cookie the page sets), checked on every POST. Signing in (or
entering a card) binds the session to that browser: later steps from another browser are refused.
Sign-in attempts are counted before the password is checked (checkout_sign_in_attempts, then the
payment fails; each failure also counts towards OBP's own user lock). The payer signs in under
DirectLogin's rules (directlogin.check_credentials: the same value checks, a deleted user is
unknown, a locked one refused), and like a DirectLogin token's user the signed-in payer is checked
again on every later request of the page (users.refuse_if_inactive): a payer deleted or locked
since signing in is out at once, before their accounts are listed, money moves or a mandate's
consent is asked or answered. The page has no
application of its own to check (the payment's link is its credential). The one-time password is a
transaction-request challenge of the ledger (store/ledger.py: keyed hash, challenge_ttl_seconds,
challenge_allowed_attempts counted atomically before comparing, used once), sent through the
outbox: SMS to the mobile numbers of the customers linked to the payer at the bank, else e-mail
(for a card: SMS to the billing phone, else the billing e-mail). Its request is written only when
the payment completes, so OBP's own challenge endpoint can never answer it. Neither password nor
card number is stored or logged; of a card only bin, last4, expiry, holder and scheme are kept.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from chalicelib import crypto, outbox
from chalicelib.errors import ApiError
from chalicelib.services import consents, customer_links, directlogin
from chalicelib.services import users as user_service
from chalicelib.services import views as view_service
from chalicelib.services.access import Caller
from chalicelib.services.enterprise import acquirer, mandates, payment_methods, payments, recurring
from chalicelib.services.enterprise.common import write_once
from chalicelib.services.money import from_minor_units, quantize
from chalicelib.services.validation import is_valid_id
from chalicelib.settings import get_settings
from chalicelib.store import access as access_store
from chalicelib.store import accounts as account_store
from chalicelib.store import banks as bank_store
from chalicelib.store import consents as consent_store
from chalicelib.store import ledger
from chalicelib.store import users as user_store
from chalicelib.store.enterprise import payment_methods as pm_store
from chalicelib.store.enterprise import payments as store
from chalicelib.store.parallel import together

logger = logging.getLogger(__name__)

BANK, SIGN_IN, ACCOUNT, CARD, OTP, RESULT = "bank", "sign_in", "account", "card", "otp", "result"
RESULT_VISIBLE = timedelta(hours=1)
_OTP_PURPOSE = "payment-challenge"
_CSRF_PURPOSE = "checkout-csrf"
_BROWSER_PURPOSE = "checkout-browser"
_PAY_PERMISSION = "can_add_transaction_request_to_any_account"


class PageError(Exception):
    """Shown to the payer on the page: a form mistake (400), a refused request (403), an unknown
    (404) or expired (410) link, a step that no longer applies (409)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Session:
    payment: store.PaymentRecord | pm_store.PaymentMethodRecord  # what the page completes: a payment,
    # or a recurring payment method whose mandate the payer authorises (`is_mandate`)
    checkout: store.CheckoutRecord
    secret: str  # of the link it was opened with (never stored: the record keeps its hash)
    # The signed-in payer as checked on this request (check_payer), and their access records at
    # the chosen bank when the step lists their accounts (read with the user, in one round trip).
    payer: Caller | None = None
    payer_access: list | None = None

    @property
    def is_mandate(self) -> bool:
        return isinstance(self.payment, pm_store.PaymentMethodRecord)

    @property
    def subject_id(self) -> str:
        return self.payment.payment_method_id if self.is_mandate else self.payment.payment_id

    @property
    def step(self) -> str:
        c = self.checkout
        if self.payment.state != payments.CREATED:
            return RESULT
        if c.challenge_id or c.consent_id:
            return OTP
        if not self.is_mandate and self.payment.method == payments.CREDITCARD:
            return CARD
        if not c.bank_id:
            return BANK
        return SIGN_IN if not c.payer_user_id else ACCOUNT

    @property
    def amount_text(self) -> str:
        p = self.payment
        return f"{quantize(from_minor_units(int(p.amount), p.currency), p.currency):,f} {p.currency}"

    @property
    def schedule_text(self) -> str:
        """A mandate's schedule in words: "monthly on day 15, from 2025-03-15 until 2025-12-31"."""
        r = mandates.recurring_of(self.payment)
        on = {"daily": "", "weekly": f" on {date(2024, 1, r.day).strftime('%A')}s",
              "monthly": f" on day {r.day}", "quarterly": f" on day {r.day} of month {r.month} of each quarter",
              "yearly": f" on {date(2024, r.month, 1).strftime('%B')} {r.day}"}[r.frequency]
        until = f" until {r.end_date.isoformat()}" if r.end_date else ""
        return f"{r.frequency}{on}, from {r.start_date.isoformat()}{until}"


# --- opening the page -----------------------------------------------------------------------------

def open_session(subject_id: str, secret: str) -> Session:
    """The session of a next.redirect link (a payment's or a payment method's); 404 for any link
    that is not one, 410 once expired."""
    mandate = payment_methods.is_method_id(subject_id)
    if not (mandate or payments.is_payment_id(subject_id)) or not 20 <= len(secret) <= 100:
        raise PageError("This payment link is not valid.", 404)
    found, checkout = (pm_store.get_method_and_checkout if mandate else store.get_payment_and_checkout)(subject_id)
    if found is None or checkout is None or not crypto.equals(crypto.hash_token(secret), checkout.token_hash):
        raise PageError("This payment link is not valid.", 404)
    if payments.now() > checkout.valid_until + RESULT_VISIBLE:
        raise PageError("This payment page has expired.", 410)
    return Session(payment_methods.current(found) if mandate else payments.expire_if_due(found), checkout, secret)


def csrf_token(session: Session, browser_id: str) -> str:
    return crypto.keyed_hash(_CSRF_PURPOSE, session.subject_id, browser_id)


def _browser_hash(session: Session, browser_id: str) -> str:
    return crypto.keyed_hash(_BROWSER_PURPOSE, session.subject_id, browser_id)


def _fail(session: Session, reason: str, fields: dict | None = None) -> None:
    if session.is_mandate:
        payment_methods.fail(session.payment, reason)
    else:
        payments.fail(session.payment, reason, fields=fields)


def check_browser(session: Session, browser_id: str | None) -> None:
    """Once the payer signed in (or entered a card), only that browser sees the steps (their
    accounts, the code form); the result may be shown to the link's holder."""
    bound = session.checkout.browser_hash
    if bound and session.step != RESULT and not (browser_id and crypto.equals(bound, _browser_hash(session, browser_id))):
        raise PageError("This payment is being completed in another browser.", 403)


_LOCKED = "This user is locked. Contact your bank."
_SIGNED_OUT = "You are no longer signed in to your bank. The payment cannot continue here."


def check_payer(session: Session) -> None:
    """A payer who signed in, on every later request before the result: the user read again
    (strongly consistent) and refused when deleted or locked since, as every DirectLogin call
    refuses them (users.refuse_if_inactive). Their bank has refused the payment (or the mandate)
    then: it fails at once (`refused_by_the_bank`; the merchant learns no more), and the page says
    why; a mandate's consent is never answered, so it is never ACCEPTED. At the
    account step the payer's access records at the bank come in the same round trip."""
    c = session.checkout
    if not c.payer_user_id or session.step == RESULT:
        return
    read_access = (lambda: access_store.list_user_access(c.payer_user_id, c.bank_id)) if session.step == ACCOUNT else None
    user, access = together(lambda: user_store.get_user(c.payer_user_id), read_access)
    try:
        if user is None:
            raise ApiError("OBP-20064", status=401)
        user_service.refuse_if_inactive(user)
    except ApiError as err:
        _fail(session, "refused_by_the_bank")
        raise PageError(_LOCKED if err.code == "OBP-20013" else _SIGNED_OUT, 403) from None
    session.payer, session.payer_access = Caller(user=user), access


def check_visit(session: Session, browser_id: str | None) -> None:
    """Every request of the page: the browser the session is bound to, then the payer."""
    check_browser(session, browser_id)
    check_payer(session)


def _check_form(session: Session, browser_id: str | None, csrf: str | None, *steps: str) -> None:
    """Every POST: the CSRF token of this browser, the browser the session is bound to, a step
    that still applies, the signed-in payer still active."""
    if not browser_id or not csrf or not crypto.equals(csrf_token(session, browser_id), csrf):
        raise PageError("This form has expired or did not come from this page. Reload the page and try again.", 403)
    check_browser(session, browser_id)
    if session.step not in steps:
        raise PageError("This step no longer applies to the payment.", 409)
    check_payer(session)


def _update(session: Session, values: dict, also=None) -> Session:
    """Change the session if nobody else did since it was read (another tab, a double submit)."""
    def build(tx):
        store.stage_checkout_update(tx, session.checkout, values)
        if also is not None:
            also(tx)

    if write_once(build) != "done":
        raise PageError("The payment page changed in another window. Reload the page.", 409)
    checkout = (pm_store.get_checkout if session.is_mandate else store.get_checkout)(session.subject_id)
    return Session(session.payment, checkout, session.secret)


def _reloaded(session: Session) -> Session:
    load = pm_store.get_method_and_checkout if session.is_mandate else store.get_payment_and_checkout
    payment, checkout = load(session.subject_id)
    return Session(payment, checkout, session.secret)


# --- openbanking ----------------------------------------------------------------------------------

def banks() -> list:
    """Our banks, for the payer to pick theirs."""
    return sorted(bank_store.list_banks(), key=lambda b: (b.full_name or b.bank_id).lower())


def choose_bank(session: Session, browser_id, csrf, bank_id: str) -> Session:
    _check_form(session, browser_id, csrf, BANK)
    if not is_valid_id(bank_id, 254) or bank_store.get_bank(bank_id) is None:
        raise PageError("Choose one of the banks listed.")
    return _update(session, {"bank_id": bank_id})


def sign_in(session: Session, browser_id, csrf, username: str, password: str) -> Session:
    """The payer's own OBP credentials; counted before they are checked."""
    _check_form(session, browser_id, csrf, SIGN_IN)
    allowed = get_settings().checkout_sign_in_attempts
    attempts = store.count_sign_in(session.checkout, allowed)
    if attempts is None:
        _fail(session, "too_many_sign_in_attempts")
        return _reloaded(session)
    try:
        user = directlogin.check_credentials(username.strip(), password) if directlogin.acceptable_credentials(
            username.strip(), password) else None
    except ApiError as err:
        user = None
        if err.code == "OBP-20013":
            raise PageError(_LOCKED) from None
    if user is None:
        if attempts >= allowed:
            _fail(session, "too_many_sign_in_attempts")
            return _reloaded(session)
        left = allowed - attempts
        raise PageError(f"Wrong username or password. {left} attempt{'s' if left != 1 else ''} left.")
    return _update(session, {"payer_user_id": user.user_id, "browser_hash": _browser_hash(session, browser_id)})


def payer_accounts(session: Session) -> list:
    """The payer's accounts at the chosen bank that may pay, in the payment's currency (after
    check_payer, which read the payer and their access records)."""
    c = session.checkout
    if session.payer is None or not c.bank_id:
        return []
    views = view_service.usable_views_at_bank(session.payer, c.bank_id, accesses=session.payer_access)
    payable = [a for a, found in views.items() if any(v.allows(_PAY_PERMISSION) for v in found)]
    accounts = account_store.get_accounts([(c.bank_id, a) for a in payable])
    return sorted((a for a in accounts.values() if a.currency == session.payment.currency), key=lambda a: a.account_id)


def choose_account(session: Session, browser_id, csrf, account_id: str) -> Session:
    """The account to pay from; the one-time password goes out now."""
    _check_form(session, browser_id, csrf, ACCOUNT)
    account = next((a for a in payer_accounts(session) if a.account_id == account_id), None)
    if account is None:
        raise PageError("Choose one of your accounts listed.")
    user = session.payer.user
    if session.is_mandate:
        return _ask_consent(session, user, account.account_id)
    numbers = customer_links.mobile_phone_numbers(session.checkout.bank_id, user.user_id)
    destinations = [("sms", n) for n in numbers] or ([("email", user.email)] if user.email else [])
    if not destinations:
        raise PageError("Your bank has no phone number or e-mail address to send your code to.")
    return _send_challenge(session, user.user_id, destinations, {"payer_account_id": account.account_id})


def _send_challenge(session: Session, user_id: str, destinations: list[tuple[str, str]], values: dict) -> Session:
    """A one-time password as a ledger challenge (keyed hash, expiry, counted attempts), sent
    through the outbox with the session's change, in one transaction."""
    s = get_settings()
    request_id, challenge_id = str(uuid.uuid4()), str(uuid.uuid4())
    code = crypto.numeric_otp(6)
    valid_until = payments.now() + timedelta(seconds=s.challenge_ttl_seconds)
    challenge = ledger.new_challenge(
        request_id, challenge_id, expected_user_id=user_id, answer_hash=crypto.keyed_hash(_OTP_PURPOSE, challenge_id, code),
        attempts=0, successful=False, valid_until=valid_until, expires_at=valid_until + timedelta(days=1),
    )
    p = session.payment
    text = (f"{code} is your code to pay {session.amount_text} to {p.merchant_name}. "
            f"It is valid for {s.challenge_ttl_seconds // 60} minutes. Never share it.")
    messages = [outbox.sms(to, text) if kind == "sms" else outbox.email(to, f"Your code to pay {p.merchant_name}", text)
                for kind, to in destinations]

    def also(tx):
        ledger.put_new(tx, challenge)
        outbox.stage(tx, *messages)

    shown = ", ".join(_masked(kind, to) for kind, to in destinations)
    updated = _update(session, {**values, "transaction_request_id": request_id, "challenge_id": challenge_id,
                                "otp_sent_to": shown}, also)
    outbox.dispatch(*messages)
    return updated


def _masked(kind: str, destination: str) -> str:
    if kind == "sms":
        return f"the phone number ending in {destination[-3:]}"
    name, _, domain = destination.partition("@")
    return f"{name[:1]}***@{domain}"


def confirm(session: Session, browser_id, csrf, code: str) -> Session:
    """The one-time password: the payment is authorised, then paid (a mandate: authorised)."""
    _check_form(session, browser_id, csrf, OTP)
    if session.is_mandate:
        return _answer_consent(session, code)
    c = session.checkout
    challenge = ledger.load_request(c.transaction_request_id).challenges.get(c.challenge_id)
    allowed = get_settings().challenge_allowed_attempts
    counted = ledger.count_attempt(challenge, allowed) if challenge is not None else None
    if counted is None:
        payments.fail(session.payment, "authentication_failed")
        return _reloaded(session)
    expected = crypto.keyed_hash(_OTP_PURPOSE, challenge.challenge_id, code.strip())
    if challenge.valid_until <= payments.now():
        payments.fail(session.payment, "authentication_failed")
        return _reloaded(session)
    if challenge.expected_user_id != (c.payer_user_id or "") or not crypto.equals(expected, challenge.answer_hash):
        left = allowed - int(counted.attempts)
        if left <= 0:
            payments.fail(session.payment, "authentication_failed")
            return _reloaded(session)
        raise PageError(f"That code is not right. {left} attempt{'s' if left != 1 else ''} left.")
    if session.payment.method == payments.OPENBANKING:
        fields = {"payer_bank_id": c.bank_id, "payer_account_id": c.payer_account_id, "payer_user_id": c.payer_user_id,
                  "challenge_id": c.challenge_id, "transaction_request_id": c.transaction_request_id}
    else:
        fields = {**_card_fields(c), "transaction_request_id": c.transaction_request_id}
    return _authorised(session, fields, lambda tx: ledger.complete_challenge(tx, challenge))


def _authorised(session: Session, fields: dict, also=None) -> Session:
    """created -> processing -> (the ledger) succeeded or failed."""
    processing = payments.start_processing(session.payment, fields, also)
    if processing is None:
        return _reloaded(session)  # expired, cancelled or authorised meanwhile: the page shows which
    payments.execute(processing)
    return _reloaded(session)


# --- a mandate: the payer's VRP consent ----------------------------------------------------------------

def _ask_consent(session: Session, user, account_id: str) -> Session:
    """The payer's VRP consent with the mandate's limits; its challenge (OBP's, 8 digits) goes out
    and the session moves to the code step, in the consent's own transaction."""
    c = session.checkout

    def also(tx, consent_id: str, sent_to: str):
        store.stage_checkout_update(tx, c, {"payer_account_id": account_id, "consent_id": consent_id,
                                            "otp_sent_to": sent_to})

    try:
        mandates.ask(session.payment, user, c.bank_id, account_id, also)
    except consent_store.WritesRejected:
        raise PageError("The payment page changed in another window. Reload the page.", 409) from None
    except ApiError as err:
        logger.info("mandate %s: the consent was refused: %s", session.subject_id, err.code)
        raise PageError("Your bank refused the mandate for this account: " + _consent_refusal(err)) from None
    return _reloaded(session)


def _consent_refusal(err: ApiError) -> str:
    if err.code == "OBP-10018":
        return "too many codes were sent today. Try again tomorrow."
    if err.code == "OBP-35014":
        return "you may not make payments from it."
    return "choose another account or try again later."


def _answer_consent(session: Session, code: str) -> Session:
    """The consent's answer commits with the mandate's outcome: ACCEPTED -> the payment method
    succeeded (its first charge date on the due list), REJECTED (a wrong or late code; OBP allows
    one answer) -> failed."""
    c, method, user = session.checkout, session.payment, session.payer.user  # checked by _check_form
    consent = consent_store.get_consent(c.consent_id)
    if consent is None:
        raise PageError("This mandate can no longer be authorised.", 409)
    first = recurring.first_execution(mandates.recurring_of(method))

    def also(tx, status: str):
        if status == consents.ACCEPTED:
            payment_methods.stage_authorisation(tx, method, c, consent, first)
        else:
            payment_methods.stage_refusal(tx, method, c, "authentication_failed")

    try:
        mandates.answer(user, consent.consent_id, code, also)
    except ApiError as err:
        if err.code != "OBP-20211":  # 20211: the code had expired, the consent is rejected with the method
            raise PageError("This mandate can no longer be authorised.", 409) from None
    updated = _reloaded(session)
    if updated.payment.state != payments.CREATED:
        payment_methods.dispatch_event_of(updated.payment)
    return updated


# --- creditcard -----------------------------------------------------------------------------------

def check_card(number: str, expiry: str, cvc: str, holder: str) -> acquirer.CardDetails:
    """The card form's values; PageError naming what is wrong. Nothing of it is logged."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if not acquirer.luhn_valid(digits) or any(ch not in "0123456789 -" for ch in number):
        raise PageError("The card number is not valid.")
    month, _, year = expiry.strip().partition("/")
    if not (month.strip().isdigit() and year.strip().isdigit() and 1 <= int(month) <= 12 and len(year.strip()) in (2, 4)):
        raise PageError("Enter the expiry date as MM/YY.")
    full_year = int(year) + (2000 if len(year.strip()) == 2 else 0)
    if acquirer.expired(int(month), full_year, date.today()):
        raise PageError("The card has expired.")
    if not (cvc.strip().isdigit() and len(cvc.strip()) in (3, 4)):
        raise PageError("The security code is the 3 or 4 digits on the card.")
    if not holder.strip() or len(holder.strip()) > 100:
        raise PageError("Enter the name on the card.")
    return acquirer.CardDetails(digits, int(month), full_year, cvc.strip(), holder.strip())


def _card_fields(source) -> dict:
    return {name: getattr(source, name) for name in
            ("card_bin", "card_last4", "card_expiry", "card_holder", "card_scheme", "acquirer_reference")}


def pay_by_card(session: Session, browser_id, csrf, number: str, expiry: str, cvc: str, holder: str) -> Session:
    _check_form(session, browser_id, csrf, CARD)
    card = check_card(number, expiry, cvc, holder)
    p = session.payment
    decision = acquirer.ACQUIRER.authorise(card, int(p.amount), p.currency)
    summary = acquirer.summary(card)
    fields = {"card_bin": summary.bin, "card_last4": summary.last4, "card_expiry": summary.expiry,
              "card_holder": summary.holder, "card_scheme": summary.scheme, "acquirer_reference": decision.reference}
    logger.info("payment %s: card %s…%s %s", p.payment_id, summary.bin, summary.last4, decision.status)
    if decision.status == acquirer.DECLINED:
        _fail(session, decision.reason or "card_declined", fields=fields)
        return _reloaded(session)
    if decision.status == acquirer.APPROVED:
        return _authorised(session, {**fields, "transaction_request_id": str(uuid.uuid4())})
    destinations = _cardholder_destinations(p)
    if not destinations:
        _fail(session, "authentication_unavailable", fields=fields)
        return _reloaded(session)
    return _send_challenge(session, "", destinations, {**fields, "browser_hash": _browser_hash(session, browser_id)})


def _cardholder_destinations(payment) -> list[tuple[str, str]]:
    billing = payment.billing
    if billing is not None and billing.phone:
        return [("sms", billing.phone)]
    return [("email", billing.email)] if billing is not None and billing.email else []


# --- cancel and return ----------------------------------------------------------------------------

def cancel(session: Session, browser_id, csrf) -> Session:
    _check_form(session, browser_id, csrf, BANK, SIGN_IN, ACCOUNT, CARD, OTP)
    _fail(session, "cancelled_by_the_payer")
    return _reloaded(session)


def return_url(session: Session) -> str:
    """session.redirect_url with the payment's id added (`payment_id`; a payment method's:
    `payment_method_id`)."""
    parts = urlsplit(session.payment.redirect_url)
    name = "payment_method_id" if session.is_mandate else "payment_id"
    query = parse_qsl(parts.query, keep_blank_values=True) + [(name, session.subject_id)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
