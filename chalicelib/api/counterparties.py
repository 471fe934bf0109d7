"""Counterparties of an account through a view (v2.2.0 and v4.0.0), and the limits a VRP consent
put on its counterparty (v5.1.0)."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.counterparties import (
    PostCounterpartyJSON,
    PostCounterpartyJson400,
    counterparties_json,
    counterparty_json,
    counterparty_limit_json,
)
from chalicelib.services import counterparties

_COUNTERPARTIES = "/banks/{bank_id}/accounts/{account_id}/{view_id}/counterparties"


@endpoint("POST", _COUNTERPARTIES, since="2.2.0", status=201, body=PostCounterpartyJSON,
          response="CounterpartyWithMetadataJson", tags=("Counterparty", "Account"),
          errors=("OBP-20001", "OBP-30110", "OBP-30111", "OBP-30001", "OBP-30018", "OBP-10001", "OBP-30005",
                  "OBP-20017", "OBP-30022", "OBP-20010", "OBP-30014", "OBP-50000"))
def create_counterparty_v220(req: Request, bank_id: str, account_id: str, view_id: str):
    """Create Counterparty (Explicit)"""
    found = counterparties.create(req.user(), bank_id, account_id, view_id,
                                  lambda: req.body(PostCounterpartyJSON).to_new(), since_400=False)
    return counterparty_json(found, since_400=False)


@endpoint("POST", _COUNTERPARTIES, since="4.0.0", status=201, operation="createCounterparty",
          body=PostCounterpartyJson400, response="CounterpartyWithMetadataJson400", tags=("Counterparty", "Account"),
          errors=("OBP-20001", "OBP-30110", "OBP-30111", "OBP-30001", "OBP-30018", "OBP-20017", "OBP-10001",
                  "OBP-10003", "OBP-30005", "OBP-30022", "OBP-20010", "OBP-30014", "OBP-50000"))
def create_explicit_counterparty(req: Request, bank_id: str, account_id: str, view_id: str):
    """Create Counterparty (Explicit)"""
    found = counterparties.create(req.user(), bank_id, account_id, view_id,
                                  lambda: req.body(PostCounterpartyJson400).to_new(), since_400=True)
    return counterparty_json(found, since_400=True)


@endpoint("GET", _COUNTERPARTIES, since="2.2.0", response="CounterpartiesJsonV220",
          tags=("Counterparty", "Payment Initiation Service (PIS)", "Account", "PSD2"),
          errors=("OBP-20001", "OBP-30018", "OBP-30005", "OBP-30022", "OBP-20017", "OBP-50000"))
def get_explicit_counterparties_for_account_v220(req: Request, bank_id: str, account_id: str, view_id: str):
    """Get Counterparties (Explicit)"""
    found = counterparties.list_counterparties(req.user(), bank_id, account_id, view_id, status=400)
    return counterparties_json(found, since_400=False)


@endpoint("GET", _COUNTERPARTIES, since="4.0.0", response="CounterpartiesJson400",
          tags=("Counterparty", "Payment Initiation Service (PIS)", "PSD2", "Account"),
          errors=("OBP-20001", "OBP-30001", "OBP-30018", "OBP-20017", "OBP-30005", "OBP-30022", "OBP-50000"))
def get_explicit_counterparties_for_account(req: Request, bank_id: str, account_id: str, view_id: str):
    """Get Counterparties (Explicit)"""
    found = counterparties.list_counterparties(req.user(), bank_id, account_id, view_id, status=403)
    return counterparties_json(found, since_400=True)


@endpoint("GET", _COUNTERPARTIES + "/{counterparty_id}", since="2.2.0", response="CounterpartyWithMetadataJson",
          tags=("Counterparty", "Payment Initiation Service (PIS)", "Counterparty-Metadata", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-30018", "OBP-30005", "OBP-20017", "OBP-30022", "OBP-30017",
                  "OBP-50000"))
def get_explicit_counterparty_by_id_v220(req: Request, bank_id: str, account_id: str, view_id: str,
                                         counterparty_id: str):
    """Get Counterparty by Counterparty Id (Explicit)"""
    found = counterparties.get_counterparty(req.user(), bank_id, account_id, view_id, counterparty_id, status=400)
    return counterparty_json(found, since_400=False)


@endpoint("GET", _COUNTERPARTIES + "/{counterparty_id}", since="4.0.0", response="CounterpartyWithMetadataJson400",
          tags=("Counterparty", "Payment Initiation Service (PIS)", "PSD2", "Counterparty-Metadata"),
          errors=("OBP-20001", "OBP-30001", "OBP-30018", "OBP-20017", "OBP-30005", "OBP-30022", "OBP-30017",
                  "OBP-50000"))
def get_explicit_counterparty_by_id(req: Request, bank_id: str, account_id: str, view_id: str, counterparty_id: str):
    """Get Counterparty by Id (Explicit)"""
    found = counterparties.get_counterparty(req.user(), bank_id, account_id, view_id, counterparty_id, status=403)
    return counterparty_json(found, since_400=True)


@endpoint("GET", "/banks/{bank_id}/accounts/{account_id}/views/{view_id}/counterparties/{counterparty_id}/limits",
          since="5.1.0", response="CounterpartyLimitV510", tags=("Counterparty-Limits",),
          errors=("OBP-20001", "OBP-30001", "OBP-30018", "OBP-20017", "OBP-30005", "OBP-30017", "OBP-30263",
                  "OBP-50000"))
def get_counterparty_limit(req: Request, bank_id: str, account_id: str, view_id: str, counterparty_id: str):
    """Get Counterparty Limit"""
    return counterparty_limit_json(counterparties.get_limits(req.user(), bank_id, account_id, view_id, counterparty_id))
