"""moto as the local stack (`make run`, `make load`) and the tests run it: three of moto's costs that
grow with the data, removed without changing what any call returns.

* TransactWriteItems deep-copies the WHOLE table once per action so that it can roll back (a
  10-action transfer on a table of 10,000 items copies 100,000 items), and a cancelled one swaps
  the copy in. Under load that is where the local stack's time and memory went (3 GiB after 200
  transfers from one client; more than 5 GiB, and killed, with 16 clients): every transfer cost
  more than the one before, and the copies piled up faster than Python gave memory back.
  `item_level_transaction_rollback` keeps a copy of only the items a transaction touches and puts
  them back if it fails: the same all-or-nothing outcome, at a cost independent of the table.
* A Query looks at every item of the table to find those of its partition, on the table or on an
  index. `indexed_queries` hands it only the items it can match: its partition's, or for a global
  secondary index those holding that index key, from a map every write keeps up to date
  (DynamoDB reads only those, too).
* SQS asks every queued message whether it is visible or delayed on each send and receive, through
  slow datetime arithmetic; `fast_sqs_clock` answers the same from time.time().
`tuned_moto()` installs all three; the tests' in-process moto and the local stack (`tune_moto`) use it.
"""
from __future__ import annotations

import contextlib
import inspect
import threading


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


class indexed_queries:
    """Context manager: a Query considers only the items it can match instead of every item of the
    table: on the table's key, its partition; on a global secondary index, the items holding that
    index key, from a map kept up to date by every put, update and delete. Results are the same."""

    def __enter__(self):
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.table import Table

        originals = {(Table, "query"): Table.query, (Table, "all_items"): Table.all_items,
                     (Table, "put_item"): Table.put_item, (Table, "delete_item"): Table.delete_item,
                     (DynamoDBBackend, "update_item"): DynamoDBBackend.update_item}
        self._originals = originals
        signature = inspect.signature(Table.query)
        local = threading.local()

        def index_keys(table) -> dict[str, str]:
            """Global index name -> its hash key attribute."""
            return {index.name: next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
                    for index in table.global_indexes}

        def buckets(table) -> dict:
            """index name -> index hash value -> {(hash, range): item}; built on first use."""
            found = table.__dict__.get("_index_buckets")
            if found is None:
                found = table.__dict__["_index_buckets"] = {name: {} for name in index_keys(table)}
                for item in originals[(Table, "all_items")](table):
                    move(table, (item.hash_key, item.range_key), {}, item)
            return found

        def values_of(table, item) -> dict:
            if item is None:
                return {}
            return {name: item.attrs.get(attr) for name, attr in index_keys(table).items()}

        def move(table, ident, old: dict, item) -> None:
            maps = buckets(table)
            for name, attr in index_keys(table).items():
                if old.get(name) is not None:
                    maps[name].get(old[name], {}).pop(ident, None)
                new = item.attrs.get(attr) if item is not None else None
                if new is not None:
                    maps[name].setdefault(new, {})[ident] = item

        def put_item(table, item_attrs, *args, **kwargs):
            from moto.dynamodb.models.dynamo_type import DynamoType

            buckets(table)
            key_of = DynamoType(item_attrs[table.hash_key_attr]) if table.hash_key_attr in item_attrs else None
            range_of = DynamoType(item_attrs[table.range_key_attr]) if table.range_key_attr in item_attrs else None
            before = values_of(table, table.get_item(key_of, range_of)) if key_of is not None and (
                range_of is not None or not table.has_range_key) else {}
            item = originals[(Table, "put_item")](table, item_attrs, *args, **kwargs)
            move(table, (item.hash_key, item.range_key), before, item)
            return item

        def delete_item(table, hash_key, range_key):
            buckets(table)
            item = originals[(Table, "delete_item")](table, hash_key, range_key)
            if item is not None:
                move(table, (item.hash_key, item.range_key), values_of(table, item), None)
            return item

        def update_item(backend, table_name, key, *args, **kwargs):
            table = backend.get_table(table_name)
            buckets(table)
            hash_value, range_value = backend.get_keys_value(table, key)
            before = values_of(table, table.get_item(hash_value, range_value))
            item = originals[(DynamoDBBackend, "update_item")](backend, table_name, key, *args, **kwargs)
            move(table, (item.hash_key, item.range_key), before, item)
            return item

        def all_items(table):
            override = getattr(local, "candidates", None)
            if override is not None and override[0] is table:
                return list(override[1])
            return originals[(Table, "all_items")](table)

        def query(table, *args, **kwargs):
            bound = signature.bind(table, *args, **kwargs)
            index_name, hash_key = bound.arguments.get("index_name"), bound.arguments.get("hash_key")
            if index_name:
                attr = index_keys(table).get(index_name)
                conditions = dict(bound.arguments.get("hash_key_conditions") or [])
                value = conditions.get(attr, hash_key) if attr else None
                candidates = buckets(table)[index_name].get(value, {}).values() if value is not None else None
            elif hash_key is not None and table.has_range_key:
                candidates = table.items.get(hash_key, {}).values()
            else:
                candidates = None
            if candidates is None:
                return originals[(Table, "query")](table, *args, **kwargs)
            local.candidates = (table, candidates)
            try:
                return originals[(Table, "query")](table, *args, **kwargs)
            finally:
                local.candidates = None

        Table.query, Table.all_items, Table.put_item, Table.delete_item = query, all_items, put_item, delete_item
        DynamoDBBackend.update_item = update_item
        return self

    def __exit__(self, *exc):
        for (owner, name), original in self._originals.items():
            setattr(owner, name, original)
        return False


class fast_sqs_clock:
    """Context manager: moto's SQS asks every queued message whether it is visible or delayed, on
    every send and receive, and each answer builds datetimes (most of a send's time with a few
    thousand messages queued). The same comparison against time.time(): the same epoch
    milliseconds moto stores."""

    def __enter__(self):
        import time

        from moto.sqs.models import Message

        self._visible, self._delayed = Message.visible, Message.delayed
        Message.visible = property(lambda message: time.time() * 1000.0 > message.visible_at)
        Message.delayed = property(lambda message: time.time() * 1000.0 < message.delayed_until)
        return self

    def __exit__(self, *exc):
        from moto.sqs.models import Message

        Message.visible, Message.delayed = self._visible, self._delayed
        return False


@contextlib.contextmanager
def tuned_moto():
    with item_level_transaction_rollback(), indexed_queries(), fast_sqs_clock():
        yield


_FOR_GOOD: list = []


def tune_moto() -> None:
    """For a process that runs moto for its whole life (the local stack): install them for good.
    The manager is kept: a dropped generator-based manager is finalised, which undoes it."""
    manager = tuned_moto()
    manager.__enter__()
    _FOR_GOOD.append(manager)
