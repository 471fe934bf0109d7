"""Transaction metadata through a view: comments and tags (add, list, delete; v1.2.1 paths with
VIEW_ID right after ACCOUNT_ID)."""
from chalicelib.api.routing import Reply, Request, endpoint
from chalicelib.schemas.transactions import PostTransactionCommentJSON, PostTransactionTagJSON, metadata_json
from chalicelib.services import transactions

_METADATA = "/banks/{bank_id}/accounts/{account_id}/{view_id}/transactions/{transaction_id}/metadata"


@endpoint("POST", _METADATA + "/comments", since="1.4.0", status=201)
def add_comment(req: Request, bank_id: str, account_id: str, view_id: str, transaction_id: str):
    caller = req.user()
    body = req.body(PostTransactionCommentJSON)
    return metadata_json(transactions.add_metadata(
        caller, transactions.COMMENT, bank_id, account_id, view_id, transaction_id, body.value))


@endpoint("GET", _METADATA + "/comments", since="1.4.0")
def get_comments(req: Request, bank_id: str, account_id: str, view_id: str, transaction_id: str):
    found = transactions.list_metadata(req.user(), transactions.COMMENT, bank_id, account_id, view_id, transaction_id)
    return {"comments": [metadata_json(c) for c in found]}


@endpoint("DELETE", _METADATA + "/comments/{comment_id}", since="1.4.0", status=204)
def delete_comment(req: Request, bank_id: str, account_id: str, view_id: str, transaction_id: str, comment_id: str):
    transactions.delete_metadata(req.user(), transactions.COMMENT, bank_id, account_id, view_id, transaction_id,
                                 comment_id)
    return Reply(None, 204)


@endpoint("POST", _METADATA + "/tags", since="1.4.0", status=201)
def add_tag(req: Request, bank_id: str, account_id: str, view_id: str, transaction_id: str):
    caller = req.user()
    body = req.body(PostTransactionTagJSON)
    return metadata_json(transactions.add_metadata(
        caller, transactions.TAG, bank_id, account_id, view_id, transaction_id, body.value))


@endpoint("GET", _METADATA + "/tags", since="1.4.0")
def get_tags(req: Request, bank_id: str, account_id: str, view_id: str, transaction_id: str):
    found = transactions.list_metadata(req.user(), transactions.TAG, bank_id, account_id, view_id, transaction_id)
    return {"tags": [metadata_json(t) for t in found]}


@endpoint("DELETE", _METADATA + "/tags/{tag_id}", since="1.4.0", status=204)
def delete_tag(req: Request, bank_id: str, account_id: str, view_id: str, transaction_id: str, tag_id: str):
    transactions.delete_metadata(req.user(), transactions.TAG, bank_id, account_id, view_id, transaction_id, tag_id)
    return Reply(None, 204)
