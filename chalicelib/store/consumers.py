"""Consumers (OBP "apps"): the applications whose key a client presents.

Keys:
  CONSUMER#<consumer_id> / CONSUMER              the consumer (its secret only as a hash)
  UNIQUE#CONSUMER_KEY#<key> / UNIQUE             key -> consumer_id guard
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError

from chalicelib.errors import ApiError
from chalicelib.store.base import Entity, get_item, put_unique, resolve_unique, transaction

CONSUMER_KEY = "CONSUMER_KEY"


class ConsumerRecord(Entity, discriminator="Consumer"):
    consumer_id = UnicodeAttribute()
    key = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    app_name = UnicodeAttribute(default="")
    app_type = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    developer_email = UnicodeAttribute(default="")
    redirect_url = UnicodeAttribute(default="")
    company = UnicodeAttribute(default="")
    client_certificate = UnicodeAttribute(default="")
    enabled = BooleanAttribute(default=True)
    created_by_user_id = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute()
    # When the consumer was last disabled: DirectLogin tokens issued until then stay ended, even
    # after it is enabled again.
    sessions_ended_at = UTCDateTimeAttribute(null=True)


def consumer_key(consumer_id: str) -> tuple[str, str]:
    return f"CONSUMER#{consumer_id}", "CONSUMER"


def new_consumer_record(**fields) -> ConsumerRecord:
    fields.setdefault("created_at", datetime.now(timezone.utc))
    pk, sk = consumer_key(fields["consumer_id"])
    return ConsumerRecord(pk=pk, sk=sk, **fields)


def create_consumer(consumer: ConsumerRecord) -> None:
    try:
        with transaction() as tx:
            put_unique(tx, CONSUMER_KEY, consumer.key, consumer.consumer_id)
            tx.save(consumer, condition=ConsumerRecord.pk.does_not_exist())
    except TransactWriteError as err:
        raise ApiError("OBP-30026") from err


def get_consumer(consumer_id: str) -> ConsumerRecord | None:
    return get_item(ConsumerRecord, *consumer_key(consumer_id))


def consumer_id_of_key(key: str) -> str | None:
    return resolve_unique(CONSUMER_KEY, key)


def get_consumer_by_key(key: str) -> ConsumerRecord | None:
    consumer_id = consumer_id_of_key(key)
    return get_consumer(consumer_id) if consumer_id else None


def set_enabled(consumer: ConsumerRecord, enabled: bool) -> None:
    """Enable or disable; disabling also ends every session (DirectLogin token) obtained so far."""
    actions = [ConsumerRecord.enabled.set(enabled)]
    if not enabled:
        actions.append(ConsumerRecord.sessions_ended_at.set(datetime.now(timezone.utc)))
    consumer.update(actions=actions, condition=ConsumerRecord.pk.exists())
