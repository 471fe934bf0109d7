"""Historical transactions at a bank (v4.0.0): money between two of the bank's accounts, through
the payments ledger."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.transactions import PostHistoricalTransactionAtBankJson, historical_transaction_json
from chalicelib.services import historical_transactions


def _order(req: Request) -> historical_transactions.HistoricalTransaction:
    body = req.body(PostHistoricalTransactionAtBankJson)
    return historical_transactions.HistoricalTransaction(
        from_account_id=body.from_account_id, to_account_id=body.to_account_id, currency=body.value.currency,
        amount=body.value.amount, description=body.description, posted=body.posted, completed=body.completed,
        transaction_type=body.type, charge_policy=body.charge_policy,
    )


@endpoint("POST", "/banks/{bank_id}/management/historical/transactions", since="4.0.0", status=201,
          roles=(historical_transactions.ROLE,), body=PostHistoricalTransactionAtBankJson,
          response="PostHistoricalTransactionResponseJsonV400", tags=("Transaction-Request",),
          errors=("OBP-10001", "OBP-30001", "OBP-30018", "OBP-10002", "OBP-40008", "OBP-10005", "OBP-10003",
                  "OBP-10035", "OBP-50000"))
def create_historical_transaction_at_bank(req: Request, bank_id: str):
    """Create Historical Transactions """
    booked = historical_transactions.create(req.user(), bank_id, lambda: _order(req))
    return historical_transaction_json(booked)
