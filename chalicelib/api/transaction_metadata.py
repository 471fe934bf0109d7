"""Transaction metadata through a view: comments and tags (add, list, delete; v1.2.1 paths with
VIEW_ID right after ACCOUNT_ID). Both kinds have the same three routes."""
from chalicelib.api.routing import Reply, Request, endpoint
from chalicelib.schemas.transactions import PostTransactionCommentJSON, PostTransactionTagJSON, metadata_json
from chalicelib.services import transactions

_TAGS = ("Transaction-Metadata", "Transaction")
_ERRORS = ("OBP-20001", "OBP-30018", "OBP-20017")
_METADATA = "/banks/{bank_id}/accounts/{account_id}/{view_id}/transactions/{transaction_id}/metadata"


def _routes(kind: str, plural: str, body_model) -> None:
    noun = kind.title()  # OBP's operations: addCommentForViewOnTransaction, getTagsForViewOnTransaction...

    @endpoint("POST", f"{_METADATA}/{plural}", since="1.2.1", status=201, operation=f"add{noun}ForViewOnTransaction",
              body=body_model, response=f"Transaction{noun}JSON", tags=_TAGS, errors=_ERRORS)
    def add(req: Request, bank_id: str, account_id: str, view_id: str, transaction_id: str):
        caller = req.user()
        body = req.body(body_model)
        return metadata_json(transactions.add_metadata(caller, kind, bank_id, account_id, view_id, transaction_id,
                                                       body.value))

    add.__doc__ = f"Add a Transaction {noun}"

    @endpoint("GET", f"{_METADATA}/{plural}", since="1.2.1", operation=f"get{noun}sForViewOnTransaction",
              response=f"Transaction{noun}sJSON", tags=_TAGS, errors=_ERRORS)
    def list_all(req: Request, bank_id: str, account_id: str, view_id: str, transaction_id: str):
        found = transactions.list_metadata(req.user(), kind, bank_id, account_id, view_id, transaction_id)
        return {plural: [metadata_json(m) for m in found]}

    list_all.__doc__ = f"Get Transaction {noun}s"

    @endpoint("DELETE", f"{_METADATA}/{plural}/{{metadata_id}}", since="1.2.1", status=204,
              operation=f"delete{noun}ForViewOnTransaction",
              tags=_TAGS, errors=_ERRORS)
    def delete(req: Request, bank_id: str, account_id: str, view_id: str, transaction_id: str, metadata_id: str):
        transactions.delete_metadata(req.user(), kind, bank_id, account_id, view_id, transaction_id, metadata_id)
        return Reply(None, 204)

    delete.__doc__ = f"Delete a Transaction {noun}"


_routes(transactions.COMMENT, "comments", PostTransactionCommentJSON)
_routes(transactions.TAG, "tags", PostTransactionTagJSON)
