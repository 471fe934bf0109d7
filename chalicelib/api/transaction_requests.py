"""Transaction requests (types ACCOUNT and COUNTERPARTY, v4.0.0), their challenges, and reading them back."""
from chalicelib.api.routing import Reply, Request, endpoint
from chalicelib.schemas.transactions import (
    ChallengeAnswerJson400,
    TransactionRequestBodyCounterpartyJSON,
    TransactionRequestBodySandBoxTanJSON,
    transaction_request_json_210,
)
from chalicelib.services import transaction_requests

_VIEW = "/banks/{bank_id}/accounts/{account_id}/{view_id}"
_BY_TYPE = _VIEW + "/transaction-request-types/{transaction_request_type}/transaction-requests"


@endpoint("POST", _BY_TYPE, since="4.0.0", status=201)
def create_transaction_request(req: Request, bank_id: str, account_id: str, view_id: str,
                               transaction_request_type: str):
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


@endpoint("POST", _BY_TYPE + "/{transaction_request_id}/challenge", since="4.0.0", status=202)
def answer_transaction_request_challenge(req: Request, bank_id: str, account_id: str, view_id: str,
                                         transaction_request_type: str, transaction_request_id: str):
    caller = req.user()
    body = req.body(ChallengeAnswerJson400)
    return transaction_requests.answer(
        caller, bank_id, account_id, view_id, transaction_request_type, transaction_request_id, body.id, body.answer,
        reason_code=body.reason_code, additional_information=body.additional_information,
    )


@endpoint("GET", _VIEW + "/transaction-requests", since="2.1.0")
def get_transaction_requests(req: Request, bank_id: str, account_id: str, view_id: str):
    found = transaction_requests.list_requests(req.user(), bank_id, account_id, view_id, req.query)
    return {"transaction_requests_with_charges": [transaction_request_json_210(tr) for tr in found]}


@endpoint("GET", _VIEW + "/transaction-requests/{transaction_request_id}", since="4.0.0")
def get_transaction_request(req: Request, bank_id: str, account_id: str, view_id: str, transaction_request_id: str):
    found = transaction_requests.get_request(req.user(), bank_id, account_id, view_id, transaction_request_id)
    return transaction_request_json_210(found)
