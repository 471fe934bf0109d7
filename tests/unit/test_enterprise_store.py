"""store.enterprise.write: which writes of a cancelled transaction failed, by key.

PynamoDB sends a transaction's writes grouped by kind (condition checks, deletes, puts, updates),
not in the order they were added; the outcome must not depend on that order."""
from __future__ import annotations

from chalicelib.store.enterprise import write
from chalicelib.store.enterprise.partners import PartnerRecord, new_partner


def _partner(client_id: str) -> PartnerRecord:
    record = new_partner(client_id, "Acme", "admin")
    record.save()
    return record


def test_a_failed_condition_is_attributed_to_build_or_also_by_key(aws):
    _partner("client_a")
    fresh = new_partner("client_b", "B", "admin")

    def failing_update(tx):  # added first, sent last (after the put below)
        tx.update(PartnerRecord(pk="PARTNER#client_a", sk="PARTNER"), actions=[PartnerRecord.name.set("x")],
                  condition=PartnerRecord.profile_count == 99)

    def put_fresh(tx):
        tx.save(fresh, condition=PartnerRecord.pk.does_not_exist())

    assert write(lambda tx: (failing_update(tx), put_fresh(tx))) == "stale"
    assert write(put_fresh, also=failing_update) == "lost"
    assert write(failing_update, also=put_fresh) == "stale"
    assert PartnerRecord.get("PARTNER#client_a", "PARTNER").name == "Acme"  # nothing committed
    assert write(put_fresh) == "done"
    assert write(put_fresh) == "stale"  # it exists now

