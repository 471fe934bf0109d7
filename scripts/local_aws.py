"""moto as the local stack (`make run`, `make load`) and the tests run it: moto's costs that grow
with the data, removed without changing what any call returns.

* TransactWriteItems deep-copies the WHOLE table once per action so that it can roll back (a
  10-action transfer on a table of 10,000 items copies 100,000 items), and a cancelled one swaps
  the copy in. Under load that is where the local stack's time and memory went (3 GiB after 200
  transfers from one client; more than 5 GiB, and killed, with 16 clients): every transfer cost
  more than the one before, and the copies piled up faster than Python gave memory back.
  `item_level_transaction_rollback` keeps a copy of only the items a transaction touches and puts
  them back if it fails: the same all-or-nothing outcome, at a cost independent of the table.
* A Query looks at every item of the table to find those of its partition, on the table or on an
  index, then sorts them all. `indexed_queries` hands it only the items it can match: its
  partition's (for a global secondary index, those holding that index key), kept in range key
  order by every write, and of those the slice its key condition reaches (DynamoDB reads only
  those, too): a page deep in a list of 10,000 costs moto its page.
* Key values compare, hash and sort through `DynamoType.cast_value`, and setting an attribute
  re-sizes the whole item; `fast_key_values` compares Python values and keeps a running size.
* SQS asks every queued message whether it is visible or delayed on each send and receive, through
  slow datetime arithmetic; `fast_sqs_clock` answers the same from time.time().
`tuned_moto()` installs them all; the tests' in-process moto and the local stack (`tune_moto`) use it.
"""
from __future__ import annotations

import bisect
import contextlib
import inspect
import operator
import threading
from decimal import Decimal


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


class fast_key_values:
    """Context manager: moto compares key values through `DynamoType.cast_value` (a chain of type
    checks per comparison, hash and sort), and re-sizes an item's every attribute each time one is
    set (quadratic in the attribute count). Here a string or number compares, hashes and sorts as
    its Python value (a number as a Decimal, as moto's own cast does), and an item's size is kept
    as a running sum. Results, ordering and the 400 KB item limit are unchanged."""

    def __enter__(self):
        import operator

        from moto.dynamodb.models import dynamo_type
        from moto.dynamodb.models.table import Table
        from moto.dynamodb.models.utilities import bytesize

        self._restore = []
        DynamoType = dynamo_type.DynamoType

        def patch(owner, name, new):
            self._restore.append((owner, name, owner.__dict__[name]))
            setattr(owner, name, new)

        def comparison(op, name):
            slow = DynamoType.__dict__[name]

            def compare(self, other):
                if self.type == other.type and self.type in _SCALAR:
                    return op(_value(self), _value(other))
                return slow(self, other)
            return compare

        for op, name in ((operator.lt, "__lt__"), (operator.le, "__le__"), (operator.gt, "__gt__"),
                         (operator.ge, "__ge__")):
            patch(DynamoType, name, comparison(op, name))
        slow_eq, slow_hash = DynamoType.__dict__["__eq__"], DynamoType.__dict__["__hash__"]

        def equal(self, other):
            if self.type in _SCALAR and self.type == other.type:
                return _value(self) == _value(other)
            return slow_eq(self, other)

        patch(DynamoType, "__eq__", equal)
        patch(DynamoType, "__ne__", lambda self, other: not equal(self, other))
        patch(DynamoType, "__hash__", lambda self: hash((self.type, _value(self))) if self.type in _SCALAR else slow_hash(self))

        def set_sized(self, key, new):
            size = self.__dict__.get("_size")
            if size is None:
                size = sum(bytesize(k) + (v.size() if type(v) is DynamoType else bytesize(str(v))) for k, v in self.items())
            if key in self:
                old = dict.__getitem__(self, key)
                size -= bytesize(key) + (old.size() if type(old) is DynamoType else bytesize(str(old)))
            size += bytesize(key) + (new.size() if type(new) is DynamoType else bytesize(str(new)))
            if size > 405000:
                raise dynamo_type.ItemSizeTooLarge
            dict.__setitem__(self, key, new)
            self.__dict__["_size"] = size

        patch(dynamo_type.LimitedSizeDict, "__setitem__", set_sized)

        def sorted_items(self, hash_key_attrs, range_key_attrs, items):
            names = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
            items.sort(key=lambda item: tuple(
                _value(v) if (v := item.attrs[name]).type in _SCALAR else v for name in names))
            return items

        patch(Table, "sorted_items", sorted_items)
        return self

    def __exit__(self, *exc):
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)
        return False


_SCALAR = ("S", "N", "B")
_ORDERED = ("S", "N")  # sort as DynamoDB sorts them: strings by code point, numbers by value


def _value(item):
    """A scalar DynamoType's Python value, as moto's cast_value gives it."""
    return Decimal(item.value) if item.type == "N" else item.value


class _Partition:
    """The items of one partition of the table or of an index, in key order: `keys` sorted (the
    range key's value, then the item's table key, so every key is distinct) beside `items`;
    `others` holds the items whose range key cannot be ordered with the rest (they match no
    narrowing, and their presence turns narrowing off)."""

    __slots__ = ("keys", "items", "others")

    def __init__(self):
        self.keys: list = []
        self.items: list = []
        self.others: dict = {}

    def add(self, key, ident, item) -> None:
        if key is not None:
            try:
                at = bisect.bisect_left(self.keys, key)
            except TypeError:
                pass
            else:
                if at < len(self.keys) and self.keys[at] == key:  # already here (an update that created it)
                    self.items[at] = item
                else:
                    self.keys.insert(at, key)
                    self.items.insert(at, item)
                return
        self.others[ident] = item

    def remove(self, key, ident) -> None:
        if self.others.pop(ident, None) is not None or key is None:
            return
        at = bisect.bisect_left(self.keys, key)
        if at < len(self.keys) and self.keys[at] == key:
            del self.keys[at], self.items[at]

    def candidates(self, comparison: str | None, bounds: list) -> list:
        """The items a key condition on the range key can match: a slice of the sorted partition
        (moto still applies the condition itself)."""
        items = self.items
        if self.others:
            return items + list(self.others.values())
        if not comparison or not bounds or any(b.type not in _ORDERED for b in bounds):
            return list(items)
        first = operator.itemgetter(0)
        values = [_value(b) for b in bounds]
        try:
            left = lambda v: bisect.bisect_left(self.keys, v, key=first)  # noqa: E731
            right = lambda v: bisect.bisect_right(self.keys, v, key=first)  # noqa: E731
            comparison = comparison.upper()
            if comparison == "BETWEEN":
                return items[left(values[0]):right(values[1])]
            if comparison == "BEGINS_WITH":
                low = high = left(values[0])
                while high < len(items) and isinstance(self.keys[high][0], str) and self.keys[high][0].startswith(values[0]):
                    high += 1
                return items[low:high]
            if comparison in ("=", "EQ"):
                return items[left(values[0]):right(values[0])]
            if comparison in ("<", "LT", "<=", "LE"):
                return items[:right(values[0])]
            if comparison in (">", "GT", ">=", "GE"):
                return items[left(values[0]):]
        except TypeError:  # a bound of another type than the keys: moto compares
            pass
        return list(items)


class indexed_queries:
    """Context manager: a Query considers only the items it can match instead of every item of the
    table: on the table's key, its partition; on a global secondary index, the items holding that
    index key; and of those, the slice its range key condition can reach (DynamoDB reads only
    those, too). Each partition is kept in range key order by every put, update and delete, so a
    page deep in a partition of 10,000 items costs moto its page, not the partition. Results are
    the same."""

    def __enter__(self):
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.table import Table

        originals = {(Table, "query"): Table.query, (Table, "all_items"): Table.all_items,
                     (Table, "put_item"): Table.put_item, (Table, "delete_item"): Table.delete_item,
                     (DynamoDBBackend, "update_item"): DynamoDBBackend.update_item}
        self._originals = originals
        signature = inspect.signature(Table.query)
        local = threading.local()

        def index_keys(table) -> dict:
            """Partition kinds: None (the table) and each global index name -> (hash attribute,
            range attribute or None); the table only when it has a range key."""
            kinds = {None: (table.hash_key_attr, table.range_key_attr)} if table.range_key_attr else {}
            for index in table.global_indexes or []:
                hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
                ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
                if len(hashes) == 1 and len(ranges) <= 1:
                    kinds[index.name] = (hashes[0], ranges[0] if ranges else None)
            return kinds

        def partitions(table) -> dict:
            """kind -> hash value -> _Partition; built on first use."""
            found = table.__dict__.get("_partitions")
            if found is None:
                found = table.__dict__["_partitions"] = {kind: {} for kind in index_keys(table)}
                for item in originals[(Table, "all_items")](table):
                    move(table, (None, {}), item)
            return found

        def place(table, item) -> dict:
            """kind -> (hash value, sort key) of the item in each partition kind it belongs to."""
            if item is None:
                return {}
            table_key = tuple(_value(k) if k is not None and k.type in _ORDERED else None
                              for k in (item.hash_key, item.range_key))
            placed = {}
            for kind, (hash_attr, range_attr) in index_keys(table).items():
                hash_value = item.attrs.get(hash_attr)
                if hash_value is None:
                    continue
                ranged = item.attrs.get(range_attr) if range_attr else None
                if range_attr and not ranged:  # not in the index: moto's Query never returns it
                    continue
                sort_key = (_value(ranged),) + table_key if ranged is not None and ranged.type in _ORDERED \
                    and None not in table_key else None
                placed[kind] = (hash_value, sort_key)
            return placed

        def snapshot(table, item) -> tuple:
            """Where an item is now: its table key and its place in each partition kind (taken
            before a write, since an update changes the item in place)."""
            return ((item.hash_key, item.range_key), place(table, item)) if item is not None else (None, {})

        def move(table, before: tuple, item) -> None:
            maps = partitions(table)
            old_ident, old_places = before
            for kind, (hash_value, sort_key) in old_places.items():
                if hash_value in maps[kind]:
                    maps[kind][hash_value].remove(sort_key, old_ident)
            new_ident, new_places = snapshot(table, item)
            for kind, (hash_value, sort_key) in new_places.items():
                maps[kind].setdefault(hash_value, _Partition()).add(sort_key, new_ident, item)

        def put_item(table, item_attrs, *args, **kwargs):
            from moto.dynamodb.models.dynamo_type import DynamoType

            partitions(table)
            key_of = DynamoType(item_attrs[table.hash_key_attr]) if table.hash_key_attr in item_attrs else None
            range_of = DynamoType(item_attrs[table.range_key_attr]) if table.range_key_attr in item_attrs else None
            before = snapshot(table, table.get_item(key_of, range_of)) if key_of is not None and (
                range_of is not None or not table.has_range_key) else (None, {})
            item = originals[(Table, "put_item")](table, item_attrs, *args, **kwargs)
            move(table, before, item)
            return item

        def delete_item(table, hash_key, range_key):
            partitions(table)
            item = originals[(Table, "delete_item")](table, hash_key, range_key)
            if item is not None:
                move(table, snapshot(table, item), None)
            return item

        def update_item(backend, table_name, key, *args, **kwargs):
            table = backend.get_table(table_name)
            partitions(table)
            hash_value, range_value = backend.get_keys_value(table, key)
            before = snapshot(table, table.get_item(hash_value, range_value))  # update changes the item in place
            item = originals[(DynamoDBBackend, "update_item")](backend, table_name, key, *args, **kwargs)
            move(table, before, item)
            return item

        def all_items(table):
            override = getattr(local, "candidates", None)
            if override is not None and override[0] is table:
                return override[1]
            return originals[(Table, "all_items")](table)

        def query(table, *args, **kwargs):
            bound = signature.bind(table, *args, **kwargs)
            arguments = bound.arguments
            kind, hash_value = arguments.get("index_name"), arguments.get("hash_key")
            kinds = index_keys(table)
            if kind is not None and kind in kinds:
                conditions = dict(arguments.get("hash_key_conditions") or [])
                hash_value = conditions.get(kinds[kind][0], hash_value)
            if kind not in kinds or hash_value is None or len(arguments.get("range_key_conditions") or []) > 1:
                return originals[(Table, "query")](table, *args, **kwargs)
            found = partitions(table)[kind].get(hash_value)
            candidates = found.candidates(arguments.get("range_comparison"), arguments.get("range_objs") or []) \
                if found is not None else []
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
    with item_level_transaction_rollback(), fast_key_values(), indexed_queries(), fast_sqs_clock():
        yield


_FOR_GOOD: list = []


def tune_moto() -> None:
    """For a process that runs moto for its whole life (the local stack): install them for good.
    The manager is kept: a dropped generator-based manager is finalised, which undoes it."""
    manager = tuned_moto()
    manager.__enter__()
    _FOR_GOOD.append(manager)
