"""The hosted payment page (next.redirect of an Enterprise payment): server-rendered pages and
their forms. GET shows the step the payment is at; each form POSTs and is answered 303 back to
the page (or the page again with what to correct). Rules: services/enterprise/checkout.py."""
from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import parse_qs

from chalicelib import crypto
from chalicelib.api import checkout_pages as pages
from chalicelib.api.routing import Reply, Request, Text, endpoint
from chalicelib.schemas import checkout as forms
from chalicelib.errors import ApiError
from chalicelib.services.enterprise import checkout
from chalicelib.settings import get_settings

_PAGE = "/checkout/{payment_id}/{secret}"
_TAGS = ("Hosted payment page",)
BROWSER_COOKIE = "obp_checkout_browser"
_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the link is the credential: never in a Referer header
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}


def render_error(error: ApiError) -> Reply:
    """Routing's own errors under /checkout (an unknown path or method, a 500) as a page."""
    status = error.status if error.status < 500 else 500
    text = "This page does not exist." if status == 404 else (
        "Something went wrong. Please try again." if status >= 500 else "This request is not valid.")
    return Reply(Text(pages.message_page(text)), status, dict(_SECURITY_HEADERS))


def page(method: str, path: str, **metadata):
    """A route of the hosted page: HTML for people, forms posted without JavaScript. A form
    answers 303 back to the page."""
    status = 303 if method == "POST" else 200
    return endpoint(method, path, since=None, error_renderer=render_error, form=True, status=status, tags=_TAGS,
                    produces="text/html", **metadata)


# --- browser and forms ----------------------------------------------------------------------------

def _cookies(req: Request) -> dict[str, str]:
    out = {}
    for part in (req.headers.get("cookie") or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out[name] = value
    return out


def _browser(req: Request) -> tuple[str | None, dict]:
    """The browser's id from its cookie, or a new one with the Set-Cookie header that gives it."""
    current = _cookies(req).get(BROWSER_COOKIE)
    if current and 20 <= len(current) <= 100:
        return current, {}
    new = crypto.new_token()
    secure = "; Secure" if get_settings().hostname.startswith("https://") else ""
    cookie = f"{BROWSER_COOKIE}={new}; Path=/checkout; HttpOnly; SameSite=Lax; Max-Age=7200{secure}"
    return new, {"Set-Cookie": cookie}


def _form(req: Request) -> dict[str, str]:
    try:
        parsed = parse_qs(req.raw_body.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        return {}
    return {k: v[0] for k, v in parsed.items()}


def _html(text: str, status: int = 200, headers: dict | None = None) -> Reply:
    return Reply(Text(text), status, {**_SECURITY_HEADERS, **(headers or {})})


def _see_other(location: str) -> Reply:
    return Reply(Text(f'<!doctype html><a href="{location}">Continue</a>'), 303,
                 {**_SECURITY_HEADERS, "Location": location})


# --- routes ---------------------------------------------------------------------------------------
# Pages for people, not API: they are left out of /v1/openapi.json (DESIGN.md, "Enterprise payments").


@page("GET", _PAGE, operation="getCheckoutPage")
def show(req: Request, payment_id: str, secret: str):
    """The hosted payment page

    The step the payment is at: choose a bank, sign in, choose an account, the one-time password
    (openbanking); the card form and maybe its one-time password (creditcard); then the result,
    which returns to the merchant's `session.redirect_url`. Sets the browser's cookie the forms'
    CSRF tokens are bound to; 404 for a link that is not one, 410 once expired."""
    browser_id, cookie = _browser(req)
    try:
        session = checkout.open_session(payment_id, secret)
        checkout.check_visit(session, browser_id)
    except checkout.PageError as err:
        return _html(pages.message_page(err.message), err.status, cookie)
    return _html(pages.step_page(session, checkout.csrf_token(session, browser_id)), 200, cookie)


def _action(req: Request, payment_id: str, secret: str, form_model, act):
    """A form: run `act(session, browser_id, form)`, then back to the page (PRG); a mistake shows
    the page again with what to correct."""
    try:
        session = checkout.open_session(payment_id, secret)
    except checkout.PageError as err:
        return _html(pages.message_page(err.message), err.status)
    browser_id = _cookies(req).get(BROWSER_COOKIE)
    form = form_model.model_validate(_form(req))
    try:
        act(session, browser_id, form)
    except checkout.PageError as err:
        if err.status in (403, 404, 410) or not browser_id:
            return _html(pages.message_page(err.message), err.status)
        try:
            current = checkout.open_session(payment_id, secret)
            checkout.check_payer(current)
        except checkout.PageError as again:
            return _html(pages.message_page(again.message), again.status)
        return _html(pages.step_page(current, checkout.csrf_token(current, browser_id), err.message), err.status)
    return _see_other(pages.base_path(session))


@page("POST", _PAGE + "/bank", operation="chooseCheckoutBank", body=forms.BankForm)
def choose_bank(req: Request, payment_id: str, secret: str):
    """Choose the payer's bank (openbanking)"""
    return _action(req, payment_id, secret, forms.BankForm,
                   lambda s, b, f: checkout.choose_bank(s, b, f.csrf, f.bank_id))


@page("POST", _PAGE + "/sign-in", operation="signInAtCheckout", body=forms.SignInForm)
def sign_in(req: Request, payment_id: str, secret: str):
    """Sign in as the payer (openbanking)

    With the payer's own username and password at the chosen bank, under DirectLogin's rules: a
    deleted or locked user is refused, and a wrong password counts towards the user's lock. The
    page itself takes `OBP_CHECKOUT_SIGN_IN_ATTEMPTS` attempts, then the payment fails."""
    return _action(req, payment_id, secret, forms.SignInForm,
                   lambda s, b, f: checkout.sign_in(s, b, f.csrf, f.username, f.password))


@page("POST", _PAGE + "/account", operation="chooseCheckoutAccount", body=forms.AccountForm)
def choose_account(req: Request, payment_id: str, secret: str):
    """Choose the account to pay from (openbanking)

    One of the payer's accounts at the bank, in the payment's currency, that a view of theirs lets
    them pay from; the one-time password goes out now (SMS to the payer's linked customers' mobile
    numbers, else e-mail)."""
    return _action(req, payment_id, secret, forms.AccountForm,
                   lambda s, b, f: checkout.choose_account(s, b, f.csrf, f.account_id))


@page("POST", _PAGE + "/confirm", operation="confirmCheckoutPayment", body=forms.ConfirmForm)
def confirm(req: Request, payment_id: str, secret: str):
    """Confirm the payment with the one-time password

    The payment is authorised and paid: `processing`, then `succeeded` (or `failed` with a reason)."""
    return _action(req, payment_id, secret, forms.ConfirmForm, lambda s, b, f: checkout.confirm(s, b, f.csrf, f.code))


@page("POST", _PAGE + "/card", operation="payByCardAtCheckout", body=forms.CardForm)
def pay_by_card(req: Request, payment_id: str, secret: str):
    """Pay by card (creditcard)

    The sandbox acquirer approves, declines or asks for a 3-D Secure one-time password, by test
    card number (README)."""
    return _action(req, payment_id, secret, forms.CardForm, lambda s, b, f: checkout.pay_by_card(
        s, b, f.csrf, f.number, f.expiry, f.cvc, f.holder))


@page("POST", _PAGE + "/cancel", operation="cancelCheckoutPayment", body=forms.CancelForm)
def cancel(req: Request, payment_id: str, secret: str):
    """Cancel the payment

    At any step before it is authorised: the payment fails (`cancelled_by_the_payer`)."""
    return _action(req, payment_id, secret, forms.CancelForm, lambda s, b, f: checkout.cancel(s, b, f.csrf))


@functools.lru_cache(maxsize=1)
def _stylesheet() -> str:
    return (Path(__file__).parent.parent / "data" / "checkout.css").read_text()


@endpoint("GET", pages.STYLESHEET, since=None, error_renderer=render_error, operation="getCheckoutStylesheet",
          tags=_TAGS, produces="text/css")
def stylesheet(req: Request):
    """The hosted payment page's stylesheet"""
    return Reply(Text(_stylesheet(), "text/css; charset=utf-8"), 200,
                 {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})
