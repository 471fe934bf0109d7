"""Transaction requests (types ACCOUNT and COUNTERPARTY, v4.0.0), their challenges, and reading them back."""
from chalicelib.api.routing import Reply, Request, endpoint
from chalicelib.schemas.transactions import (
    ChallengeAnswerJson400,
    transaction_request_types_json,
    TransactionRequestBodyCounterpartyJSON,
    TransactionRequestBodySandBoxTanJSON,
    transaction_request_json_210,
)
from chalicelib.services import transaction_requests

_VIEW = "/banks/{bank_id}/accounts/{account_id}/{view_id}"
_BY_TYPE = _VIEW + "/transaction-request-types/{transaction_request_type}/transaction-requests"


@endpoint("POST", _BY_TYPE, since="4.0.0", status=201, body=TransactionRequestBodySandBoxTanJSON,
          response="TransactionRequestWithChargeJSON400",
          tags=("Transaction-Request", "Payment Initiation Service (PIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30111", "OBP-30110", "OBP-10001", "OBP-30001", "OBP-30003", "OBP-30018",
              "OBP-40002", "OBP-40001", "OBP-10001", "OBP-10002", "OBP-40008", "OBP-40003", "OBP-00003", "OBP-50000"))
def create_transaction_request(req: Request, bank_id: str, account_id: str, view_id: str,
                               transaction_request_type: str):
    """Create Transaction Request (ACCOUNT, COUNTERPARTY)

    TRANSACTION_REQUEST_TYPE ACCOUNT pays an account: `{"to": {"bank_id", "account_id"}, "value":
    {"currency", "amount"}, "description"}`. COUNTERPARTY pays a counterparty, within the limits of the
    consent that created it: `{"to": {"counterparty_id"}, "value", "description"}`. Above the
    challenge threshold the request waits for its challenge to be answered.
    A holder of CanCreateAnyTransactionRequest at the bank needs no view."""
    caller = req.user()
    if transaction_request_type == transaction_requests.COUNTERPARTY:
        body = req.body(TransactionRequestBodyCounterpartyJSON)
        to = {"to_bank_id": "", "to_account_id": "", "counterparty_id": body.to.counterparty_id}
    else:
        body = req.body(TransactionRequestBodySandBoxTanJSON)
        to = {"to_bank_id": body.to.bank_id, "to_account_id": body.to.account_id}
    outcome = transaction_requests.create(
        caller, bank_id, account_id, view_id, transaction_request_type,
        transaction_requests.TransferOrder(
            currency=body.value.currency, amount=body.value.amount, description=body.description, **to),
        idempotency_key=req.headers.get("idempotency-key"),
    )
    return Reply(outcome.body, outcome.status)


@endpoint("POST", _BY_TYPE + "/{transaction_request_id}/challenge", since="4.0.0", status=202,
          body=ChallengeAnswerJson400, response="TransactionRequestWithChargeJSON400",
          tags=("Transaction-Request", "Payment Initiation Service (PIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30111", "OBP-30110", "OBP-10001", "OBP-30001", "OBP-30018", "OBP-40011",
              "OBP-40009", "OBP-40014", "OBP-00003", "OBP-50000"))
def answer_transaction_request_challenge(req: Request, bank_id: str, account_id: str, view_id: str,
                                         transaction_request_type: str, transaction_request_id: str):
    """Answer Transaction Request Challenge"""
    caller = req.user()
    body = req.body(ChallengeAnswerJson400)
    return transaction_requests.answer(
        caller, bank_id, account_id, view_id, transaction_request_type, transaction_request_id, body.id, body.answer,
        reason_code=body.reason_code, additional_information=body.additional_information,
    )


@endpoint("GET", _VIEW + "/transaction-request-types", since="1.4.0", response="TransactionRequestTypesJsonV140",
          tags=("Transaction-Request", "Payment Initiation Service (PIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30001", "OBP-30018", "OBP-10003", "OBP-30005", "OBP-20017", "OBP-20022",
                  "OBP-50000"))
def get_transaction_request_types(req: Request, bank_id: str, account_id: str, view_id: str):
    """Get Transaction Request Types for Account"""
    account, types = transaction_requests.request_types(req.user(), bank_id, account_id, view_id)
    return transaction_request_types_json(types, account.currency)


@endpoint("GET", _VIEW + "/transaction-requests", since="2.1.0",
          response="TransactionRequestWithChargeJSONs210",
          tags=("Transaction-Request", "Payment Initiation Service (PIS)"), errors=("OBP-20001",))
def get_transaction_requests(req: Request, bank_id: str, account_id: str, view_id: str):
    """Get Transaction Requests"""
    found = transaction_requests.list_requests(req.user(), bank_id, account_id, view_id, req.query)
    return {"transaction_requests_with_charges": [transaction_request_json_210(tr) for tr in found]}


@endpoint("GET", _VIEW + "/transaction-requests/{transaction_request_id}", since="4.0.0",
          response="TransactionRequestWithChargeJSON210",
          tags=("Transaction-Request", "Payment Initiation Service (PIS)", "PSD2"), errors=("OBP-20001",))
def get_transaction_request(req: Request, bank_id: str, account_id: str, view_id: str, transaction_request_id: str):
    """Get Transaction Request"""
    found = transaction_requests.get_request(req.user(), bank_id, account_id, view_id, transaction_request_id)
    return transaction_request_json_210(found)
