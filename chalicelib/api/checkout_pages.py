"""The hosted payment page's HTML: server-rendered, one stylesheet, no JavaScript. Every value
shown is HTML-escaped; every form posts back to the page with its CSRF token."""
from __future__ import annotations

from html import escape

from chalicelib.services.enterprise import checkout, payments

STYLESHEET = "/checkout/assets/checkout.css"

_REASONS = {
    "cancelled_by_the_payer": "You cancelled the payment.",
    "insufficient_funds": "There are not enough funds to make this payment.",
    "card_declined": "Your card was declined.",
    "expired_card": "Your card has expired.",
    "not_a_test_card": "This card was declined: only sandbox test cards are accepted here.",
    "authentication_failed": "The payment was not confirmed with the right code.",
    "authentication_unavailable": "The payment could not be confirmed: the merchant gave no contact for the code.",
    "too_many_sign_in_attempts": "Too many failed sign-in attempts.",
    "account_unavailable": "The account can no longer make payments.",
    "refused_by_the_bank": "Your bank refused the payment.",
    "not_authorised_in_time": "The mandate was not authorised in time.",
    "authorisation_withdrawn": "The consent for this mandate was withdrawn.",
    "cancelled_by_the_merchant": "The merchant cancelled this request.",
}
_MANDATE_REASONS = {
    "cancelled_by_the_payer": "You cancelled the mandate.",
    "authentication_failed": "The mandate was not confirmed with the right code.",
}


def _layout(title: str, session: checkout.Session | None, content: str, *, refresh: tuple[int, str] | None = None) -> str:
    meta = f'<meta http-equiv="refresh" content="{refresh[0]};url={escape(refresh[1])}">' if refresh else ""
    summary = ""
    if session is not None and session.is_mandate:
        p = session.payment
        description = f'<p class="description">{escape(p.description)}</p>' if p.description else ""
        summary = (f'<header class="summary"><p class="merchant">Recurring payments to <strong id="merchant">'
                   f'{escape(p.merchant_name)}</strong></p>'
                   f'<p class="amount">Up to <span id="amount">{escape(session.amount_text)}</span> a charge</p>'
                   f'<p class="schedule" id="schedule">{escape(session.schedule_text)}</p>{description}</header>')
    elif session is not None:
        p = session.payment
        description = f'<p class="description">{escape(p.description)}</p>' if p.description else ""
        summary = (f'<header class="summary"><p class="merchant">Pay <strong id="merchant">{escape(p.merchant_name)}</strong></p>'
                   f'<p class="amount" id="amount">{escape(session.amount_text)}</p>{description}</header>')
    return ("<!doctype html>\n"
            f'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="referrer" content="no-referrer">{meta}<title>{escape(title)}</title>'
            f'<link rel="stylesheet" href="{STYLESHEET}"></head>'
            f'<body><main><div class="card">{summary}{content}</div>'
            '<footer>Secure payment page of OBP Serverless. Your bank credentials and card number are never shown '
            'to the merchant.</footer></main></body></html>\n')


def _form(session: checkout.Session, action: str, csrf: str, inner: str, button: str, *, button_id: str) -> str:
    return (f'<form method="post" action="{escape(base_path(session))}/{action}">'
            f'<input type="hidden" name="csrf" value="{escape(csrf)}">{inner}'
            f'<button class="primary" type="submit" id="{button_id}">{escape(button)}</button></form>')


def _cancel(session: checkout.Session, csrf: str) -> str:
    return (f'<form class="cancel" method="post" action="{escape(base_path(session))}/cancel">'
            f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
            '<button class="link" type="submit" id="cancel">Cancel payment</button></form>')


def base_path(session: checkout.Session) -> str:
    return f"/checkout/{session.subject_id}/{session.secret}"


def _error(message: str | None) -> str:
    return f'<div class="error" role="alert" id="error">{escape(message)}</div>' if message else ""


def step_page(session: checkout.Session, csrf: str, error: str | None = None) -> str:
    """The page for the step the payment is at."""
    step = session.step
    if step == checkout.RESULT:
        return result_page(session)
    body = {checkout.BANK: _bank, checkout.SIGN_IN: _sign_in, checkout.ACCOUNT: _account, checkout.CARD: _card,
            checkout.OTP: _otp}[step](session, csrf)
    title = f"{'Authorise' if session.is_mandate else 'Pay'} {session.payment.merchant_name}"
    return _layout(title, session, _error(error) + body + _cancel(session, csrf))


def _bank(session: checkout.Session, csrf: str) -> str:
    choices = "".join(
        f'<label class="choice"><input type="radio" name="bank_id" value="{escape(b.bank_id)}" required>'
        f'<span>{escape(b.full_name or b.bank_id)}</span></label>' for b in checkout.banks())
    return "<h1>Choose your bank</h1>" + _form(session, "bank", csrf, f"<fieldset>{choices}</fieldset>", "Continue",
                                                button_id="continue")


def _sign_in(session: checkout.Session, csrf: str) -> str:
    inner = ('<label for="username">Username</label>'
             '<input type="text" id="username" name="username" autocomplete="username" required>'
             '<label for="password">Password</label>'
             '<input type="password" id="password" name="password" autocomplete="current-password" required>')
    return (f"<h1>Sign in to {escape(session.checkout.bank_id)}</h1>"
            + _form(session, "sign-in", csrf, inner, "Sign in", button_id="sign-in"))


def _account(session: checkout.Session, csrf: str) -> str:
    accounts = checkout.payer_accounts(session)
    if not accounts:
        return (f'<h1>Choose an account</h1><div class="error" id="error">You have no account in '
                f'{escape(session.payment.currency)} at this bank that can make payments.</div>')
    choices = "".join(
        f'<label class="choice"><input type="radio" name="account_id" value="{escape(a.account_id)}" required>'
        f'<span>{escape(a.label or a.account_id)} <small>{escape(a.account_id)}</small></span></label>' for a in accounts)
    heading = "Choose the account the payments come from" if session.is_mandate else "Choose the account to pay from"
    return f"<h1>{heading}</h1>" + _form(session, "account", csrf, f"<fieldset>{choices}</fieldset>", "Continue",
                                         button_id="continue")


def _card(session: checkout.Session, csrf: str) -> str:
    inner = ('<label for="number">Card number</label>'
             '<input type="text" id="number" name="number" inputmode="numeric" autocomplete="cc-number" required>'
             '<div class="row"><div><label for="expiry">Expiry (MM/YY)</label>'
             '<input type="text" id="expiry" name="expiry" autocomplete="cc-exp" placeholder="MM/YY" required></div>'
             '<div><label for="cvc">Security code</label>'
             '<input type="text" id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required></div></div>'
             '<label for="holder">Name on the card</label>'
             '<input type="text" id="holder" name="holder" autocomplete="cc-name" required>')
    return "<h1>Pay by card</h1>" + _form(session, "card", csrf, inner, f"Pay {session.amount_text}", button_id="pay")


def _otp(session: checkout.Session, csrf: str) -> str:
    sent_to = escape(session.checkout.otp_sent_to or "you")
    inner = (f'<p id="sent-to">We sent a one-time code to {sent_to}.</p><label for="code">Code</label>'
             '<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>')
    if session.is_mandate:
        inner += ('<p class="note">Your bank keeps this mandate as a consent you can see and revoke at any time; '
                  'the code can be entered once.</p>')
        return "<h1>Authorise the mandate</h1>" + _form(session, "confirm", csrf, inner, "Authorise", button_id="confirm")
    what = "Confirm with your card's code" if session.payment.method == payments.CREDITCARD else "Confirm the payment"
    return f"<h1>{what}</h1>" + _form(session, "confirm", csrf, inner, f"Pay {session.amount_text}", button_id="confirm")


def result_page(session: checkout.Session) -> str:
    p = session.payment
    if session.is_mandate:
        return _mandate_result(session)
    if p.state == payments.PROCESSING:
        content = ('<div class="result processing"><p class="state" id="state">Your payment is being processed</p>'
                   '<p>This page updates by itself.</p></div>')
        return _layout("Payment processing", session, content, refresh=(2, base_path(session)))
    headline = {payments.SUCCEEDED: "Payment successful", payments.FAILED: "Payment failed",
                payments.EXPIRED: "This payment has expired"}[p.state]
    reason = _REASONS.get(p.failure_reason or "", (p.failure_reason or "").replace("_", " ").capitalize())
    detail = f'<p id="reason">{escape(reason)}</p>' if p.state == payments.FAILED else ""
    back = checkout.return_url(session)
    content = (f'<div class="result {escape(p.state)}"><p class="state" id="state">{headline}</p>{detail}'
               f'<p><small>Payment {escape(p.payment_id)}</small></p></div>'
               f'<a class="return" id="return" href="{escape(back)}">Return to {escape(p.merchant_name)}</a>')
    return _layout(headline, session, content, refresh=(3, back))


def _mandate_result(session: checkout.Session) -> str:
    p = session.payment
    headline = {"succeeded": "Recurring payments authorised", "failed": "Recurring payments not authorised",
                "expired": "This mandate has ended"}[p.state]
    reason = _MANDATE_REASONS.get(p.failure_reason or "") or _REASONS.get(
        p.failure_reason or "", (p.failure_reason or "").replace("_", " ").capitalize())
    detail = f'<p id="reason">{escape(reason)}</p>' if p.state == "failed" else ""
    back = checkout.return_url(session)
    content = (f'<div class="result {escape(p.state)}"><p class="state" id="state">{headline}</p>{detail}'
               f'<p><small>Mandate {escape(p.payment_method_id)}</small></p></div>'
               f'<a class="return" id="return" href="{escape(back)}">Return to {escape(p.merchant_name)}</a>')
    return _layout(headline, session, content, refresh=(3, back))


def message_page(message: str) -> str:
    """A page without a payment to show: an unknown or expired link, a refused request."""
    return _layout("Payment", None, f'<h1>Payment</h1><div class="error" role="alert" id="error">{escape(message)}</div>')
