"""failed_keys names the writes whose condition failed, whatever the mix of write kinds
(PynamoDB sends condition checks, deletes, puts and updates grouped, not in the order added)."""
import pytest
from pynamodb.exceptions import TransactWriteError

from chalicelib.store.base import UniqueGuard, failed_keys, key_of, put_unique, transaction, unique_guard


def test_an_update_added_first_is_still_named_when_its_condition_fails(aws):
    existing = unique_guard("TEST", "taken", "owner-1")
    existing.save()
    tx = transaction()
    with pytest.raises(TransactWriteError) as caught:
        with tx:
            tx.update(UniqueGuard(pk=existing.pk, sk=existing.sk), actions=[UniqueGuard.owner_id.set("x")],
                      condition=UniqueGuard.owner_id == "someone-else")  # added first, sent last
            put_unique(tx, "TEST", "free", "owner-2")  # a put: sent before the update
    assert failed_keys(tx, caught.value) == {key_of(existing)}


def test_only_the_failing_put_is_named(aws):
    unique_guard("TEST", "taken", "owner-1").save()
    tx = transaction()
    with pytest.raises(TransactWriteError) as caught:
        with tx:
            put_unique(tx, "TEST", "free", "owner-2")
            put_unique(tx, "TEST", "taken", "owner-2")
    assert failed_keys(tx, caught.value) == {(UniqueGuard.key("TEST", "taken"), "UNIQUE")}
