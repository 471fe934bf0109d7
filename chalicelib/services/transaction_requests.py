"""Transaction requests of types ACCOUNT and COUNTERPARTY (OBP v4.0.0) and their challenges
(reference §6).

COUNTERPARTY pays a beneficiary of the from-account (store/counterparties.py; VRP consents make
them): the counterparty's routings name an account here, and its limits (single amount, per
month, per year, in total, and the numbers of payments) are checked in the payment's own
transaction, so payments racing each other cannot pass a limit together. A custom view (a VRP
consent's) may pay only its own counterparty; it never makes ACCOUNT transfers.

Below the challenge threshold (settings: 1000 EUR, converted at the static rates) a request
completes at once: the transfer and the request commit together. At or above it the request is
INITIATED with one challenge per required user (REQUIRED_CHALLENGE_ANSWERS account attribute,
default 1); the one-time password goes out through the outbox (SMS or EMAIL by setting; DUMMY,
answer "123", only in the local stage) and is stored only as a keyed hash. Each answer is
counted atomically before it is compared (3 attempts), a challenge lives 600 s and is used once,
and the last correct answer commits the transfer with the request's completion.

An Idempotency-Key (scoped to the caller) is written in the same transaction as the request it
names, so a retry with the same key and body gets the first response and creates nothing.
"""
from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from chalicelib import crypto, outbox
from chalicelib.errors import ApiError, message_text
from chalicelib.schemas.transactions import (
    CHALLENGE_TYPE,
    CHARGE_SUMMARY,
    transaction_request_json_400,
)
from chalicelib.services import booking, customer_links, idempotency, transfers
from chalicelib.services import views as view_service
from chalicelib.services.access import Caller
from chalicelib.services.accounts import load_account, open_account
from chalicelib.services.money import (
    convert,
    fits_currency,
    is_iso_currency,
    minor_units,
    parse_plain_number,
    transaction_charge,
)
from chalicelib.services.paging import parse_page
from chalicelib.services.validation import is_valid_id
from chalicelib.settings import get_settings
from chalicelib.store import access as access_store
from chalicelib.store import consents as consent_store
from chalicelib.store import counterparties as counterparty_store
from chalicelib.store import ledger
from chalicelib.store.accounts import account_key
from chalicelib.store.base import get_many
from chalicelib.store.users import UserRecord, user_pk

logger = logging.getLogger(__name__)

ACCOUNT, COUNTERPARTY = "ACCOUNT", "COUNTERPARTY"
INITIATED, NEXT_CHALLENGE_PENDING, COMPLETED, REJECTED, FAILED = (
    "INITIATED", "NEXT_CHALLENGE_PENDING", "COMPLETED", "REJECTED", "FAILED",
)
ANSWERABLE = (INITIATED, NEXT_CHALLENGE_PENDING)
REQUIRED_ANSWERS_ATTRIBUTE = "REQUIRED_CHALLENGE_ANSWERS"
_TRANSFER_PERMISSIONS = ("can_add_transaction_request_to_any_account", "can_add_transaction_request_to_beneficiary")
_LIMIT_STEPS = {"limit_total": "total", "limit_year": "yearly", "limit_month": "monthly"}
_OTP_PURPOSE = "transaction-request-challenge"
DEFAULT_REQUESTS_PAGE = 500
DUMMY_ANSWER = "123"


@dataclass(frozen=True)
class TransferOrder:
    to_bank_id: str
    to_account_id: str
    currency: str
    amount: str
    description: str
    counterparty_id: str = ""  # COUNTERPARTY requests name the beneficiary instead of an account


@dataclass(frozen=True)
class Outcome:
    """A response as first given: what an Idempotency-Key replay returns again."""

    status: int
    body: dict


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _authorise(caller: Caller, bank_id: str, account_id: str, view_id: str, holds_view: bool, request_type: str,
               paid_through_view: str | None = None) -> None:
    """CanCreateAnyTransactionRequest at the bank, or a usable view allowing transfers (OBP-40002).
    A custom view pays only COUNTERPARTY requests of its own (`paid_through_view`: the view the
    counterparty or request belongs to)."""
    if caller.has_role("CanCreateAnyTransactionRequest", bank_id):
        return
    view = view_service.usable_view(caller, bank_id, account_id, view_id, held=holds_view)
    allowed = view is not None and any(view.allows(p) for p in _TRANSFER_PERMISSIONS)
    if view is not None and not view.is_system:
        allowed = allowed and request_type == COUNTERPARTY and paid_through_view == view_id
    if not allowed:
        raise ApiError(
            "OBP-40002",
            f"Current ViewId({view_id}),current UserId({caller.user_id})current ConsumerId({caller.consumer_id})",
            status=400,
        )


def _check_type(request_type: str) -> None:
    if request_type not in (ACCOUNT, COUNTERPARTY):
        raise ApiError("OBP-40001", text=f"{message_text('OBP-40001')}: '{request_type}'. Current Sandbox does not support it. ",
                       status=400)


def _amount(order: TransferOrder, source) -> Decimal:
    amount = parse_plain_number(order.amount)
    if amount is None:
        raise ApiError("OBP-10002", f" Current input is  {order.amount} ", status=400)
    if amount <= 0:
        raise ApiError("OBP-40008", f" Current input is: '{order.amount}'", status=400)
    if not is_iso_currency(order.currency):
        raise ApiError("OBP-10003", f"Current input is: '{order.currency}'", status=400)
    if order.currency != source.currency:
        raise ApiError("OBP-40003", f"Current from account currency is {source.currency}", status=400)
    if not fits_currency(amount, order.currency):
        raise ApiError("OBP-10035", f"{order.currency} amounts have at most {minor_units(order.currency)} decimal places.",
                       status=400)
    limit = get_settings().payment_limit
    if amount > limit:
        raise ApiError("OBP-10035", f"the payment amount is over the payment limit({limit})", status=400)
    return amount


def _challenge_threshold(currency: str) -> Decimal:
    s = get_settings()
    try:
        return convert(s.challenge_threshold, s.challenge_currency, currency)
    except ApiError:
        return s.challenge_threshold  # no static rate for this currency: the threshold counts in it


# --- Idempotency-Key ----------------------------------------------------------------------------

def _begin_idempotency(caller: Caller, key: str | None, request: dict) -> idempotency.Claim | Outcome | None:
    """None without a key; the first response when the key was used before; else the claim the
    request's transaction completes (services/idempotency.py)."""
    if key is None:
        return None
    if not idempotency.valid_key(key):
        raise ApiError("OBP-10035", "The Idempotency-Key header must be 1 to 255 printable ASCII characters.", status=400)
    try:
        began = idempotency.begin(caller.user_id, key, idempotency.fingerprint("transaction-request", request),
                                  201, lambda outcome: outcome.body)
    except idempotency.KeyReused:
        raise ApiError("OBP-10035", "This Idempotency-Key was already used with a different request.", status=422) from None
    except idempotency.InFlight:
        raise ApiError("OBP-10035", "A request with this Idempotency-Key is still in progress.", status=409) from None
    if isinstance(began, idempotency.Replay):
        return Outcome(began.status, began.body)
    return began


def _idempotency_step(claim: idempotency.Claim, outcome: Outcome):
    return "idempotency", lambda tx: claim.stage(tx, outcome)


# --- create -----------------------------------------------------------------------------------

def _counterparty_of(order: TransferOrder, bank_id: str, account_id: str):
    """The from-account's counterparty the order names (404 OBP-30017 for any other)."""
    found = counterparty_store.get_counterparty(order.counterparty_id) if is_valid_id(order.counterparty_id) else None
    if found is None or (found.this_bank_id, found.this_account_id) != (bank_id, account_id):
        raise ApiError("OBP-30017", f"Current COUNTERPARTY_ID({order.counterparty_id})", status=404)
    if not found.is_beneficiary:
        raise ApiError("OBP-30013", status=400)
    if not found.other_account_id:
        raise ApiError("OBP-30003", f"The routings of counterparty {found.counterparty_id} name no account at this "
                                    "server; only counterparties of accounts here can be paid.")
    return found


def create(caller: Caller, bank_id: str, account_id: str, view_id: str, request_type: str, order: TransferOrder,
           idempotency_key: str | None = None) -> Outcome:
    """POST .../VIEW_ID/transaction-request-types/{ACCOUNT,COUNTERPARTY}/transaction-requests."""
    _check_type(request_type)
    counterparty = _counterparty_of(order, bank_id, account_id) if request_type == COUNTERPARTY else None
    to_key = (counterparty.other_bank_id, counterparty.other_account_id) if counterparty else (order.to_bank_id, order.to_account_id)
    extra = [account_key(*to_key)] if is_valid_id(to_key[0], 254) and is_valid_id(to_key[1]) else []
    source, holds_view, records = load_account(caller, bank_id, account_id, view_id, extra_keys=extra)
    _authorise(caller, bank_id, account_id, view_id, holds_view, request_type,
               counterparty.this_view_id if counterparty else None)
    idem = _begin_idempotency(caller, idempotency_key, {
        "bank_id": bank_id, "account_id": account_id, "view_id": view_id, "type": request_type, **order.__dict__,
    })
    if isinstance(idem, Outcome):
        return idem
    try:
        return _create(caller, bank_id, account_id, view_id, order, source, records, to_key, extra, idem, counterparty)
    except BaseException:
        if idem is not None:
            idempotency.release(idem)  # a no-op once the request committed; else a retry may run
        raise


def _create(caller, bank_id, account_id, view_id, order, source, records, to_key, extra, idem, counterparty) -> Outcome:
    amount = _amount(order, source)
    if counterparty is not None:
        _check_limits_allow(counterparty, amount)
    target = records.get(account_key(*to_key)) if extra else None
    if target is None:
        raise ApiError("OBP-30003", f"Current to BankId({to_key[0]}) and AccountId({to_key[1]})")
    if target.pk == source.pk:
        raise ApiError("OBP-10035", "The to account must not be the from account.", status=400)
    convert(amount, source.currency, target.currency)  # OBP-10004 before anything is written

    now = _now()
    request = ledger.new_transaction_request(
        str(uuid.uuid4()), from_bank_id=bank_id, from_account_id=account_id, start_date=now, end_date=now,
        request_type=COUNTERPARTY if counterparty else ACCOUNT, to_bank_id=target.bank_id,
        to_account_id=target.account_id, currency=order.currency, amount=amount, description=order.description,
        status=INITIATED, charge_summary=CHARGE_SUMMARY, charge_currency=order.currency,
        charge_amount=transaction_charge(amount), created_by_user_id=caller.user_id, view_id=view_id,
        counterparty_id=counterparty.counterparty_id if counterparty else "",
    )
    if amount < _challenge_threshold(order.currency):
        return _complete_at_once(request, source, target, view_id, idem, counterparty)
    return _initiate_with_challenges(caller, request, source, view_id, idem)


def _complete_at_once(request, source, target, view_id: str, idem: idempotency.Claim | None,
                      counterparty) -> Outcome:
    outcome: dict = {}

    def request_steps(debit_id: str, completed: datetime):
        request.status, request.transaction_id, request.end_date = COMPLETED, debit_id, completed
        outcome["value"] = Outcome(201, transaction_request_json_400(request, view_id))
        steps = [("request", lambda tx: ledger.stage_new_request(tx, request))]
        if idem is not None:
            steps.append(_idempotency_step(idem, outcome["value"]))
        return steps + _limit_steps(counterparty, request.amount, completed)

    with _limits_named(counterparty):
        transfers.post(
            _transfer_of(request), request_steps,
            preloaded={(source.bank_id, source.account_id): source, (target.bank_id, target.account_id): target},
        )
    return outcome["value"]


# --- payments under a VRP consent, without a challenge -------------------------------------------

def pay_counterparty(caller: Caller, counterparty, amount: Decimal, description: str, transaction_request_id: str,
                     extra_steps: transfers.ExtraSteps, *, start_date: datetime | None = None) -> transfers.Posted:
    """A COUNTERPARTY payment made by the application holding the payer's VRP consent (`caller`
    acts under it: services/consent_use.caller_of) through the counterparty's own view, within its
    limits, with the caller's `extra_steps` in the ledger's transaction. No challenge: the payer's
    strong authentication was the consent's (OBP's VRP; UK Open Banking VRPs likewise pay without
    one), and the payment commits only while the consent is still ACCEPTED (a condition in the
    ledger's transaction: a revocation racing the payment wins or loses whole). Raises OBP-40002
    when the view no longer pays, OBP-35005 when the consent ended meanwhile, LimitExceeded,
    InsufficientFunds, the transfer's errors, or ledger.CommitRejected when a condition of
    `extra_steps` failed."""
    bank_id, account_id, view_id = counterparty.this_bank_id, counterparty.this_account_id, counterparty.this_view_id
    holds = access_store.get_access(caller.user_id, bank_id, account_id, view_id) is not None
    _authorise(caller, bank_id, account_id, view_id, holds, COUNTERPARTY, view_id)
    _check_limits_allow(counterparty, amount)
    started = start_date or _now()
    request = ledger.new_transaction_request(
        transaction_request_id, from_bank_id=bank_id, from_account_id=account_id, start_date=started, end_date=started,
        request_type=COUNTERPARTY, to_bank_id=counterparty.other_bank_id, to_account_id=counterparty.other_account_id,
        currency=counterparty.currency, amount=amount, description=description, status=COMPLETED,
        charge_summary=CHARGE_SUMMARY, charge_currency=counterparty.currency, charge_amount=transaction_charge(amount),
        created_by_user_id=caller.user_id, view_id=view_id, counterparty_id=counterparty.counterparty_id,
    )

    def steps(debit_id: str, completed: datetime):
        request.transaction_id, request.end_date = debit_id, completed
        in_force = [("consent", lambda tx: consent_store.stage_still(tx, caller.consent, "ACCEPTED"))
                    ] if caller.consent is not None else []
        return ([("request", lambda tx: ledger.stage_new_request(tx, request))] + in_force
                + _limit_steps(counterparty, amount, completed) + extra_steps(debit_id, completed))

    try:
        with _limits_named(counterparty):
            return transfers.post(_transfer_of(request), steps)
    except ledger.CommitRejected as rejected:
        if "consent" in rejected.failed:  # revoked while the payment was being made: nothing moved
            raise ApiError("OBP-35005", "ACCEPTED.", status=401) from rejected
        raise


# --- counterparty limits ------------------------------------------------------------------------

class LimitExceeded(ApiError):
    """OBP-10035: the payment would pass one of the counterparty's limits (`which`: single,
    monthly, yearly or total; the counts are part of their period's limit)."""

    def __init__(self, counterparty, which: str):
        super().__init__("OBP-10035", f"The payment would pass the {which} limit of counterparty "
                                      f"{counterparty.counterparty_id}.", status=400)
        self.which = which


def _limit_exceeded(counterparty, which: str) -> ApiError:
    return LimitExceeded(counterparty, which)


def _check_limits_allow(counterparty, amount: Decimal) -> None:
    """What one payment alone would pass, refused before anything is written."""
    for which, limit in (("single", counterparty.max_single_amount), ("monthly", counterparty.max_monthly_amount),
                         ("yearly", counterparty.max_yearly_amount), ("total", counterparty.max_total_amount)):
        if limit is not None and amount > limit:
            raise _limit_exceeded(counterparty, which)


def _limit_steps(counterparty, amount: Decimal, completed: datetime) -> list:
    """The payment added to the counterparty's totals, each step conditioned on its limits."""
    if counterparty is None:
        return []
    periods = counterparty_store.periods(completed)
    limits = {
        "limit_total": (periods["total"], counterparty.max_total_amount, counterparty.max_number_of_transactions),
        "limit_year": (periods["year"], counterparty.max_yearly_amount, counterparty.max_number_of_yearly_transactions),
        "limit_month": (periods["month"], counterparty.max_monthly_amount, counterparty.max_number_of_monthly_transactions),
    }
    return [
        (name, lambda tx, p=period, a=max_amount, c=max_count: counterparty_store.stage_usage(
            tx, counterparty.counterparty_id, p, amount, max_amount=a, max_count=c))
        for name, (period, max_amount, max_count) in limits.items()
    ]


@contextmanager
def _limits_named(counterparty):
    """Turn a payment cancelled by a counterparty limit into that limit's OBP-10035."""
    try:
        yield
    except ledger.CommitRejected as rejected:
        failed = [step for step in _LIMIT_STEPS if step in rejected.failed] if counterparty is not None else []
        if failed:
            raise _limit_exceeded(counterparty, _LIMIT_STEPS[failed[0]]) from rejected
        raise


def _transfer_of(request) -> transfers.Transfer:
    return transfers.Transfer(
        from_key=(request.from_bank_id, request.from_account_id), to_key=(request.to_bank_id, request.to_account_id),
        amount=request.amount, currency=request.currency, description=request.description,
        transaction_type=request.request_type, transaction_request_id=request.transaction_request_id,
    )


def _required_answers(account) -> int:
    value = parse_plain_number(account.attribute(REQUIRED_ANSWERS_ATTRIBUTE) or "")
    return int(value) if value is not None and value >= 1 and value == int(value) else 1


def _challenged_users(caller: Caller, account, required: int) -> list:
    """One challenge for the initiator; with REQUIRED_CHALLENGE_ANSWERS > 1 one for every user
    holding a view on the account that may transfer to any account."""
    if required <= 1:
        return [caller.user]
    user_ids = sorted({
        a.user_id for a in access_store.list_account_access(account.bank_id, account.account_id)
        if (v := view_service.system_view(a.view_id)) is not None and v.allows("can_add_transaction_request_to_any_account")
    })
    found = get_many((user_pk(u), "PROFILE") for u in user_ids)
    return [found[(user_pk(u), "PROFILE")] for u in user_ids if isinstance(found.get((user_pk(u), "PROFILE")), UserRecord)]


def _transport() -> str:
    s = get_settings()
    transport = s.otp_transport
    if transport == "DUMMY" and not s.is_local:
        logger.warning("OBP_OTP_TRANSPORT=DUMMY is only honoured in the local stage; using SMS")
        return "SMS"
    return transport if transport in ("SMS", "EMAIL", "DUMMY") else "SMS"


def _one_time_password(user, bank_id: str) -> tuple[str, list[outbox.Message]]:
    """The answer to expect from `user` and the messages that deliver it. A challenge nobody
    could answer is refused before anything is written: SMS to a user linked to no customer with
    a mobile number at the bank (OBP-35010; by e-mail instead where otp_email_fallback is on, the
    local stage's default), EMAIL to a user without an address (OBP-35034)."""
    transport = _transport()
    if transport == "DUMMY":
        return DUMMY_ANSWER, []
    otp = crypto.numeric_otp(6)
    text = f"Your OTP challenge : {otp}"
    by_email = [outbox.email(user.email, "Transaction request challenge", text)] if user.email else []
    if transport == "SMS":
        numbers = customer_links.mobile_phone_numbers(bank_id, user.user_id)
        if numbers:
            return otp, [outbox.sms(number, text) for number in numbers]
        if not (get_settings().otp_email_fallback and by_email):
            raise ApiError("OBP-35010", f" none. User {user.user_id} is linked to no customer with a mobile phone "
                                        f"number at bank {bank_id}: link the user to a customer with a "
                                        "mobile_phone_number, or answer challenges by EMAIL.", status=400)
    if not by_email:
        raise ApiError("OBP-35034", f"User {user.user_id} has no e-mail address to send the challenge to.", status=400)
    return otp, by_email


def _initiate_with_challenges(caller: Caller, request, source, view_id: str, idem: idempotency.Claim | None) -> Outcome:
    transfers.check_funds(source, request.amount)  # no challenge for a transfer that could not be paid
    required = _required_answers(source)
    now = _now()
    valid_until = now + timedelta(seconds=get_settings().challenge_ttl_seconds)
    challenges, messages = [], []
    for user in _challenged_users(caller, source, required):
        challenge_id = str(uuid.uuid4())
        answer, delivery = _one_time_password(user, source.bank_id)
        challenges.append(ledger.new_challenge(
            request.transaction_request_id, challenge_id, expected_user_id=user.user_id,
            answer_hash=crypto.keyed_hash(_OTP_PURPOSE, challenge_id, answer), attempts=0, successful=False,
            valid_until=valid_until, expires_at=valid_until + timedelta(days=1),
        ))
        messages.extend(delivery)
    request.challenge_type = CHALLENGE_TYPE
    request.challenge_ids = [c.challenge_id for c in challenges]
    request.challenge_user_ids = [c.expected_user_id for c in challenges]
    request.required_answers = required
    outcome = Outcome(201, transaction_request_json_400(request, view_id))

    steps = ledger.Steps()
    steps.add("request", lambda tx: ledger.stage_new_request(tx, request))
    for challenge in challenges:
        steps.add("challenge", lambda tx, c=challenge: ledger.put_new(tx, c))
    if idem is not None:
        steps.add(*_idempotency_step(idem, outcome))
    for message in messages:
        steps.add("outbox", lambda tx, m=message: outbox.stage(tx, m))
    if len(steps) + 1 > ledger.MAX_ACTIONS:  # one transaction holds at most 100 writes (the request is two)
        raise ApiError("OBP-50215", "Too many users would have to answer a challenge.", status=400)
    written = ledger.commit(steps)
    outbox.dispatch(*messages)
    booking.book((source.bank_id, source.account_id), awaited=ledger.pending_keys(written))
    return outcome


# --- answer -----------------------------------------------------------------------------------

def _invalid_answer() -> ApiError:
    """OBP maps every failed answer to one OBP-40016, with its limits substituted."""
    s = get_settings()
    text = (message_text("OBP-40016")
            .replace("may be expired.", f"may be expired ({s.challenge_ttl_seconds} seconds).")
            .replace("allowed attempts.", f"allowed attempts ({s.challenge_allowed_attempts} times)."))
    return ApiError("OBP-40016", text=text, status=400)


def _request_of_account(transaction_request_id: str, bank_id: str, account_id: str) -> ledger.LoadedRequest:
    loaded = ledger.load_request(transaction_request_id)
    request = loaded.request
    if request is None or (request.from_bank_id, request.from_account_id) != (bank_id, account_id):
        raise ApiError("OBP-40004", f"Current TRANSACTION_REQUEST_ID({transaction_request_id})", status=404)
    return loaded


def answer(caller: Caller, bank_id: str, account_id: str, view_id: str, request_type: str,
           transaction_request_id: str, challenge_id: str, answer_text: str, *, reason_code: str | None = None,
           additional_information: str | None = None) -> dict:
    """POST .../transaction-requests/TRANSACTION_REQUEST_ID/challenge (202)."""
    _, holds_view, _ = load_account(caller, bank_id, account_id, view_id)
    _authorise(caller, bank_id, account_id, view_id, holds_view, request_type, view_id)
    loaded = _request_of_account(transaction_request_id, bank_id, account_id)
    request = loaded.request
    if view_service.is_custom_view_id(view_id) and request.view_id != view_id:
        raise ApiError("OBP-40004", f"Current TRANSACTION_REQUEST_ID({transaction_request_id})", status=404)
    if request_type != request.request_type:
        raise ApiError("OBP-40009", f" It should be :'{request.request_type}', but current value ({request_type}) ", status=400)
    if request.status not in ANSWERABLE:
        raise ApiError("OBP-40020", status=400)

    if answer_text == "REJECT":
        extra = {k: v for k, v in (("reject_reason_code", reason_code), ("reject_information", additional_information)) if v}
        if not ledger.set_request_status(request, REJECTED, from_statuses=ANSWERABLE, end_date=_now(), **extra):
            raise ApiError("OBP-40020", status=400)
        return transaction_request_json_400(request, view_id)

    challenge = loaded.challenges.get(challenge_id)
    if challenge is None or ledger.count_attempt(challenge, get_settings().challenge_allowed_attempts) is None:
        raise _invalid_answer()
    expected = crypto.keyed_hash(_OTP_PURPOSE, challenge.challenge_id, answer_text)
    if (challenge.valid_until <= _now() or challenge.expected_user_id != caller.user_id
            or not crypto.equals(expected, challenge.answer_hash)):
        raise _invalid_answer()
    return _accept(request, challenge, view_id)


def _accept(request, challenge, view_id: str) -> dict:
    """A correct answer: count it, and with the last one required post the transfer, all under
    conditions (the challenge is used once; the count and status are those that were read)."""
    for _ in range(5):
        answers = int(request.successful_answers) + 1
        try:
            if answers < int(request.required_answers):
                _record_answer(request, challenge, answers)
                raise ApiError("OBP-40019", status=400)
            return _complete_with_answer(request, challenge, answers, view_id)
        except ledger.CommitRejected as rejected:
            if "challenge" in rejected.failed:
                raise _invalid_answer() from rejected  # answered already: single use
            request = ledger.load_request(request.transaction_request_id).request  # another answer came first
            if request.status not in ANSWERABLE:
                raise ApiError("OBP-40020", status=400) from rejected
    raise ApiError("OBP-60007", "The transaction request is busy; please retry.", status=503)


def _record_answer(request, challenge, answers: int) -> None:
    steps = ledger.Steps()
    steps.add("challenge", lambda tx: ledger.complete_challenge(tx, challenge))
    steps.add("request", lambda tx: ledger.advance_request(
        tx, request, status=NEXT_CHALLENGE_PENDING, from_statuses=ANSWERABLE, successful_answers=answers,
        end_date=_now(),
    ))
    ledger.commit(steps)


def _complete_with_answer(request, challenge, answers: int, view_id: str) -> dict:
    counterparty = counterparty_store.get_counterparty(request.counterparty_id) if request.counterparty_id else None

    def request_steps(debit_id: str, completed: datetime):
        return [
            ("challenge", lambda tx: ledger.complete_challenge(tx, challenge)),
            ("request", lambda tx: ledger.advance_request(
                tx, request, status=COMPLETED, from_statuses=ANSWERABLE, successful_answers=answers,
                end_date=completed, transaction_id=debit_id,
            )),
        ] + _limit_steps(counterparty, request.amount, completed)

    try:
        with _limits_named(counterparty):
            posted = transfers.post(_transfer_of(request), request_steps)
    except ApiError as refused:  # no funds, or a limit passed since the request was made
        if isinstance(refused, transfers.InsufficientFunds) or refused.code == "OBP-10035":
            ledger.set_request_status(request, FAILED, from_statuses=ANSWERABLE, end_date=_now())
        raise
    request.status, request.transaction_id, request.end_date = COMPLETED, posted.debit_id, posted.completed
    request.successful_answers = answers
    return transaction_request_json_400(request, view_id)


# --- reads ------------------------------------------------------------------------------------

SUPPORTED_TYPES = (ACCOUNT, COUNTERPARTY)


def request_types(caller: Caller, bank_id: str, account_id: str, view_id: str):
    """GET .../VIEW_ID/transaction-request-types (v1.4.0): the account and the types this server
    makes, for a view allowing can_see_transaction_request_types (OBP-20022)."""
    account, view = open_account(caller, bank_id, account_id, view_id)
    if not is_iso_currency(account.currency):
        raise ApiError("OBP-10003", "Please specify a valid value for CURRENCY of your Bank Account. ", status=400)
    if not view.allows("can_see_transaction_request_types"):
        raise ApiError("OBP-20022", f"You need the `can_see_transaction_request_types` permission on the "
                                    f"View({view_id} )", status=400)
    return account, list(SUPPORTED_TYPES)


def _view_seeing_requests(caller: Caller, bank_id: str, account_id: str, view_id: str):
    account, view = open_account(caller, bank_id, account_id, view_id)
    if not view.allows("can_see_transaction_requests"):
        raise ApiError("OBP-20022", f"You need the `can_see_transaction_requests` permission on the View({view_id})",
                       status=400)
    return account, view


def _seen_through(view, request) -> bool:
    """A custom (VRP) view sees only the requests made through it; a system view all of the account's."""
    return view.is_system or request.view_id == view.view_id


def list_requests(caller: Caller, bank_id: str, account_id: str, view_id: str, query: dict | None = None) -> list:
    """A page of the account's requests in the order they were made (OBP's limit, offset and
    sort_direction; 500 a page by default, OBP's endpoint having no paging): one Query of at most
    `limit` items whatever the offset. A custom view's page keeps only its own requests."""
    paging = parse_page(query, default_limit=DEFAULT_REQUESTS_PAGE)
    account, view = _view_seeing_requests(caller, bank_id, account_id, view_id)
    page = ledger.requests_page(account, offset=paging.offset, limit=paging.limit, descending=paging.descending)
    return [r for r in page if _seen_through(view, r)]


def get_request(caller: Caller, bank_id: str, account_id: str, view_id: str, transaction_request_id: str):
    _, view = _view_seeing_requests(caller, bank_id, account_id, view_id)
    request = _request_of_account(transaction_request_id, bank_id, account_id).request
    if not _seen_through(view, request):
        raise ApiError("OBP-40004", f"Current TRANSACTION_REQUEST_ID({transaction_request_id})", status=404)
    return request
