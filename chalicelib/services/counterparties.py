"""Explicit counterparties of an account: created through a view (OBP createCounterparty v2.2.0,
createExplicitCounterparty v4.0.0), listed and read through a view allowing can_get_counterparty,
and the limits a VRP consent set on its beneficiary (getCounterpartyLimit v5.1.0).

Who sees which: a system view (owner, accountant, ...) sees every counterparty of the account,
those made through any view and those VRP consents made, so the holder sees whom they have
authorised and up to what; a custom view (a VRP consent's) sees only those made through it. (OBP
keeps counterparties per view, so its holder would look through each _VRP view in turn.)

A counterparty whose routings name an account here (bank scheme OBP; account scheme OBP, or a
routing such as an IBAN held by an account of that bank) is paid by COUNTERPARTY transaction
requests; one naming an account elsewhere is kept, and paying it is refused. Its account routings
are stored in their canonical form (services/routings.py: an IBAN in its electronic form with its
check digits verified, else 400 OBP-10033), the form accounts' routings are stored and looked up
in, so an IBAN written with spaces or in lower case names the one account that holds it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from chalicelib.errors import ApiError, message_text
from chalicelib.services import routings
from chalicelib.services.access import Caller
from chalicelib.services.accounts import OBP_ROUTING_SCHEME, account_by_routing, open_account, require_account
from chalicelib.services.banks import require_bank
from chalicelib.services.money import is_iso_currency
from chalicelib.services.validation import check_account_id, is_valid_id
from chalicelib.store import banks as bank_store
from chalicelib.store import counterparties as counterparty_store

MAX_DESCRIPTION = 36  # OBP's MappedCounterparty.mDescription


@dataclass(frozen=True)
class NewCounterparty:
    name: str
    description: str
    other_account_routing_scheme: str
    other_account_routing_address: str
    other_account_secondary_routing_scheme: str
    other_account_secondary_routing_address: str
    other_bank_routing_scheme: str
    other_bank_routing_address: str
    other_branch_routing_scheme: str
    other_branch_routing_address: str
    is_beneficiary: bool
    bespoke: list[dict] = field(default_factory=list)
    currency: str = ""  # v4.0.0 and later


def _may_add(view, status: int) -> None:
    if not view.allows("can_add_counterparty"):
        raise ApiError("OBP-30022", " can_add_counterparty. Please use a view with that permission or add the "
                                    "permission to this view.", status=status)


def _canonical_routings(new: NewCounterparty) -> NewCounterparty:
    """The account routings (primary and secondary) in their canonical form; an empty one stays."""
    def canonical(scheme: str, address: str) -> tuple[str, str]:
        return routings.canonical(scheme, address) if scheme.strip() and address.strip() else (scheme, address)

    primary = canonical(new.other_account_routing_scheme, new.other_account_routing_address)
    secondary = canonical(new.other_account_secondary_routing_scheme, new.other_account_secondary_routing_address)
    return replace(new, other_account_routing_scheme=primary[0], other_account_routing_address=primary[1],
                   other_account_secondary_routing_scheme=secondary[0],
                   other_account_secondary_routing_address=secondary[1])


def _named_account(new: NewCounterparty) -> tuple[str, str]:
    """The account here the routings name: with OBP schemes it must exist (404 OBP-30001 /
    OBP-30018, as OBP checks); another scheme at a bank here is looked up, and names nothing
    when no account holds it."""
    if new.other_bank_routing_scheme != OBP_ROUTING_SCHEME:
        return "", ""
    bank_id = new.other_bank_routing_address
    for scheme, address in ((new.other_account_routing_scheme, new.other_account_routing_address),
                            (new.other_account_secondary_routing_scheme, new.other_account_secondary_routing_address)):
        if scheme == OBP_ROUTING_SCHEME:
            require_bank(bank_id)
            return bank_id, require_account(bank_id, address).account_id
    if not is_valid_id(bank_id, 254) or bank_store.get_bank(bank_id) is None:
        return "", ""
    for scheme, address in ((new.other_account_routing_scheme, new.other_account_routing_address),
                            (new.other_account_secondary_routing_scheme, new.other_account_secondary_routing_address)):
        if scheme and address:
            try:
                return bank_id, account_by_routing(bank_id, scheme, address).account_id
            except ApiError:
                continue
    return "", ""


def create(caller: Caller, bank_id: str, account_id: str, view_id: str, read_body, *, since_400: bool):
    """POST .../VIEW_ID/counterparties. v2.2.0 reads the body before the view check and answers a
    view without can_add_counterparty 400; v4.0.0 checks the view first and answers 403."""
    check_account_id(account_id)
    if since_400:
        _, view = open_account(caller, bank_id, account_id, view_id)
        new = read_body()
        _may_add(view, 403)
    else:
        require_account(bank_id, account_id)
        new = read_body()
        _, view = open_account(caller, bank_id, account_id, view_id)
        _may_add(view, 400)
    if len(new.description) > MAX_DESCRIPTION:
        raise ApiError("OBP-20010", f". The maximum length of `description` field is {MAX_DESCRIPTION}", status=400)
    if since_400 and not is_iso_currency(new.currency):
        raise ApiError("OBP-10003", f"Current input is: '{new.currency}'", status=400)
    new = _canonical_routings(new)
    other_bank_id, other_account_id = _named_account(new)
    fields = {k: v for k, v in new.__dict__.items()}
    record = counterparty_store.new_counterparty(
        str(uuid.uuid4()), **fields, this_bank_id=bank_id, this_account_id=account_id, this_view_id=view_id,
        created_by_user_id=caller.user_id, other_bank_id=other_bank_id, other_account_id=other_account_id,
        created_at=datetime.now(timezone.utc),
    )
    try:
        counterparty_store.create(record)
    except counterparty_store.NameTaken:
        raise ApiError("OBP-30014", text=message_text("OBP-30014").replace(
            "value for BANK_ID or ACCOUNT_ID or VIEW_ID or NAME.",
            f"COUNTERPARTY_NAME({new.name}) for the BANK_ID({bank_id}) and ACCOUNT_ID({account_id}) and "
            f"VIEW_ID({view_id})"), status=400) from None
    return record


def _seen_through(view, counterparty) -> bool:
    return view.is_system or counterparty.this_view_id == view.view_id


def _view_getting(caller: Caller, bank_id: str, account_id: str, view_id: str, status: int):
    _, view = open_account(caller, bank_id, account_id, view_id)
    if not view.allows("can_get_counterparty"):
        raise ApiError("OBP-30022", "can_get_counterparty", status=status)
    return view


def list_counterparties(caller: Caller, bank_id: str, account_id: str, view_id: str, *, status: int) -> list:
    """GET .../VIEW_ID/counterparties (a view without can_get_counterparty: OBP-30022, 400 at
    v2.2.0, 403 from v4.0.0)."""
    view = _view_getting(caller, bank_id, account_id, view_id, status)
    return [c for c in counterparty_store.of_account(bank_id, account_id) if _seen_through(view, c)]


def get_counterparty(caller: Caller, bank_id: str, account_id: str, view_id: str, counterparty_id: str, *,
                     status: int):
    """GET .../VIEW_ID/counterparties/COUNTERPARTY_ID: 400 OBP-30017 for one the view does not see."""
    view = _view_getting(caller, bank_id, account_id, view_id, status)
    found = counterparty_store.get_counterparty(counterparty_id) if is_valid_id(counterparty_id) else None
    if found is None or (found.this_bank_id, found.this_account_id) != (bank_id, account_id) or not _seen_through(view, found):
        raise ApiError("OBP-30017", f"Current counterpartyId({counterparty_id}) ", status=400)
    return found


_LIMITS = ("max_single_amount", "max_monthly_amount", "max_number_of_monthly_transactions", "max_yearly_amount",
           "max_number_of_yearly_transactions", "max_total_amount", "max_number_of_transactions")


def get_limits(caller: Caller, bank_id: str, account_id: str, view_id: str, counterparty_id: str):
    """GET /banks/BANK_ID/accounts/ACCOUNT_ID/views/VIEW_ID/counterparties/COUNTERPARTY_ID/limits
    (v5.1.0): the counterparty, which holds its limits; 400 OBP-30263 when it has none."""
    _, view = open_account(caller, bank_id, account_id, view_id)
    found = counterparty_store.get_counterparty(counterparty_id) if is_valid_id(counterparty_id) else None
    if found is None or (found.this_bank_id, found.this_account_id) != (bank_id, account_id) or not _seen_through(view, found):
        raise ApiError("OBP-30017", f"Current counterpartyId({counterparty_id}) ", status=400)
    if all(getattr(found, name) is None for name in _LIMITS):
        raise ApiError("OBP-30263", status=400)
    return found
