"""moto as the local stack (`make run`, `make load`) and the tests run it.

moto's TransactWriteItems deep-copies the WHOLE table once per action so that it can roll back
(a 10-action transfer on a table of 10,000 items copies 100,000 items), and a cancelled one
swaps the copy in. Under load that is where the local stack's time and memory went: every
transfer cost more than the one before, and the copies piled up faster than Python gave memory
back. `item_level_transaction_rollback` keeps a copy of only the items a transaction touches and
puts them back if it fails: the same all-or-nothing outcome, at a cost independent of the
table's size. Both the local stack and the tests' in-process moto install it.
"""
from __future__ import annotations


class item_level_transaction_rollback:
    """Context manager: moto's TransactWriteItems deep-copies the WHOLE table once per action so it
    can roll back (a 12-action transfer on a 1000-item table copies 12000 items). This keeps a
    copy of only the items the transaction touches and puts them back if it fails: the same
    all-or-nothing outcome, at a cost independent of the table's size."""

    def __enter__(self):
        import copy
        import json
        import types

        import moto.dynamodb.models as dynamodb_models

        self._module = dynamodb_models
        self._original = original = dynamodb_models.DynamoDBBackend.transact_write_items
        real_copy = copy

        def item_key(backend, kind: str, op: dict) -> dict:
            if kind != "Put":
                return op["Key"]
            table = backend.get_table(op["TableName"])
            names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
            return {name: op["Item"][name] for name in names}

        def transact_write_items(backend, transact_items):
            before = {}
            for action in transact_items:
                (kind, op), = action.items()
                key = item_key(backend, kind, op)
                ident = (op["TableName"], json.dumps(key, sort_keys=True))
                if ident not in before:
                    before[ident] = (op["TableName"], key, real_copy.deepcopy(backend.get_item(op["TableName"], key)))
            # moto's own table-wide restore becomes a no-op; the touched items are restored below.
            dynamodb_models.copy = types.SimpleNamespace(deepcopy=lambda obj, memo=None: obj)
            try:
                return original(backend, transact_items)
            except Exception:
                for table_name, key, item in before.values():
                    if item is not None:
                        backend.put_item(table_name, item.to_json()["Attributes"])
                    elif backend.get_item(table_name, key) is not None:
                        backend.delete_item(table_name, key)
                raise
            finally:
                dynamodb_models.copy = real_copy

        dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items
        return self

    def __exit__(self, *exc):
        self._module.DynamoDBBackend.transact_write_items = self._original
        return False


def tune_moto() -> None:
    """For a process that runs moto for its whole life (the local stack): install the item-level
    rollback for good."""
    item_level_transaction_rollback().__enter__()
