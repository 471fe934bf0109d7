"""The hosted payment page's forms (application/x-www-form-urlencoded, as a browser posts them
without JavaScript): what each form sends. A field a form lacks is empty; the page's rules
(services/enterprise/checkout.py) say what is wrong with a value, on the page."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _PageForm(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    csrf: str = Field(default="", description="The page's anti-forgery token (a hidden field of every form)")


class BankForm(_PageForm):
    bank_id: str = Field(default="", examples=["gh.29.uk"], description="The payer's bank, one of those listed")


class SignInForm(_PageForm):
    username: str = Field(default="", examples=["felixsmith"], description="The payer's own username at the bank")
    password: str = Field(default="", description="The payer's own password (never stored or logged)")


class AccountForm(_PageForm):
    account_id: str = Field(default="", description="One of the payer's accounts listed")


class ConfirmForm(_PageForm):
    code: str = Field(default="", examples=["123456"], description="The one-time password sent to the payer")


class CardForm(_PageForm):
    number: str = Field(default="", examples=["4242 4242 4242 4242"], description="The card number (only its first "
                        "six and last four digits are kept)")
    expiry: str = Field(default="", examples=["12/30"], description="MM/YY")
    cvc: str = Field(default="", examples=["123"], description="The 3 or 4 digit security code (never kept)")
    holder: str = Field(default="", examples=["Felix Smith"], description="The name on the card")


class CancelForm(_PageForm):
    pass
