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
from chalicelib.errors import ApiError
from chalicelib.services.enterprise import checkout
from chalicelib.settings import get_settings

_PAGE = "/checkout/{payment_id}/{secret}"
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


def page(method: str, path: str):
    return endpoint(method, path, since=None, error_renderer=render_error, form=True)


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

@page("GET", _PAGE)
def show(req: Request, payment_id: str, secret: str):
    browser_id, cookie = _browser(req)
    try:
        session = checkout.open_session(payment_id, secret)
        checkout.check_browser(session, browser_id)
    except checkout.PageError as err:
        return _html(pages.message_page(err.message), err.status, cookie)
    return _html(pages.step_page(session, checkout.csrf_token(session, browser_id)), 200, cookie)


def _action(req: Request, payment_id: str, secret: str, act):
    """A form: run `act(session, browser_id, csrf, form)`, then back to the page (PRG); a mistake
    shows the page again with what to correct."""
    try:
        session = checkout.open_session(payment_id, secret)
    except checkout.PageError as err:
        return _html(pages.message_page(err.message), err.status)
    browser_id = _cookies(req).get(BROWSER_COOKIE)
    form = _form(req)
    try:
        act(session, browser_id, form.get("csrf"), form)
    except checkout.PageError as err:
        if err.status in (403, 404, 410) or not browser_id:
            return _html(pages.message_page(err.message), err.status)
        current = checkout.open_session(payment_id, secret)
        return _html(pages.step_page(current, checkout.csrf_token(current, browser_id), err.message), err.status)
    return _see_other(pages.base_path(session))


@page("POST", _PAGE + "/bank")
def choose_bank(req: Request, payment_id: str, secret: str):
    return _action(req, payment_id, secret, lambda s, b, c, f: checkout.choose_bank(s, b, c, f.get("bank_id", "")))


@page("POST", _PAGE + "/sign-in")
def sign_in(req: Request, payment_id: str, secret: str):
    return _action(req, payment_id, secret,
                   lambda s, b, c, f: checkout.sign_in(s, b, c, f.get("username", ""), f.get("password", "")))


@page("POST", _PAGE + "/account")
def choose_account(req: Request, payment_id: str, secret: str):
    return _action(req, payment_id, secret, lambda s, b, c, f: checkout.choose_account(s, b, c, f.get("account_id", "")))


@page("POST", _PAGE + "/confirm")
def confirm(req: Request, payment_id: str, secret: str):
    return _action(req, payment_id, secret, lambda s, b, c, f: checkout.confirm(s, b, c, f.get("code", "")))


@page("POST", _PAGE + "/card")
def pay_by_card(req: Request, payment_id: str, secret: str):
    return _action(req, payment_id, secret, lambda s, b, c, f: checkout.pay_by_card(
        s, b, c, f.get("number", ""), f.get("expiry", ""), f.get("cvc", ""), f.get("holder", "")))


@page("POST", _PAGE + "/cancel")
def cancel(req: Request, payment_id: str, secret: str):
    return _action(req, payment_id, secret, lambda s, b, c, f: checkout.cancel(s, b, c))


@functools.lru_cache(maxsize=1)
def _stylesheet() -> str:
    return (Path(__file__).parent.parent / "data" / "checkout.css").read_text()


@page("GET", pages.STYLESHEET)
def stylesheet(req: Request):
    return Reply(Text(_stylesheet(), "text/css; charset=utf-8"), 200,
                 {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})
