"""Consumers (apps): registration by an admin, and enabling / disabling."""
from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass

from chalicelib import crypto
from chalicelib.errors import ApiError
from chalicelib.services.access import NOT_READ, Authentication, Caller, require_any_role
from chalicelib.services.validation import consumer_key_problem
from chalicelib.store import consumers as consumer_store


@dataclass(frozen=True)
class NewConsumer:
    app_name: str
    app_type: str = ""
    description: str = ""
    developer_email: str = ""
    redirect_url: str = ""
    company: str = ""
    client_certificate: str = ""
    enabled: bool = True
    created_by_user_id: str = ""


def register(new: NewConsumer, created_by_user_id: str, key: str | None = None):
    """Store a consumer. Returns (record, key, secret); the secret is kept only as a hash."""
    key = key or crypto.new_key()
    secret = crypto.new_key()
    record = consumer_store.new_consumer_record(
        consumer_id=str(uuid.uuid4()),
        key=key,
        secret_hash=crypto.hash_token(secret),
        app_name=new.app_name,
        app_type=new.app_type,
        description=new.description,
        developer_email=new.developer_email,
        redirect_url=new.redirect_url,
        company=new.company,
        client_certificate=new.client_certificate,
        enabled=new.enabled,
        created_by_user_id=new.created_by_user_id or created_by_user_id,
    )
    consumer_store.create_consumer(record)
    return record, key, secret


def create_consumer(caller: Caller, new: NewConsumer):
    """POST /management/consumers (CanCreateConsumer)."""
    require_any_role(caller, ["CanCreateConsumer"])
    return register(new, caller.user_id)


def get_consumer(caller: Caller, consumer_id: str):
    require_any_role(caller, ["CanGetConsumers"])
    consumer = consumer_store.get_consumer(consumer_id)
    if consumer is None:
        raise ApiError("OBP-30019", f"Current ConsumerId({consumer_id})", status=404)
    return consumer


def set_enabled(caller: Caller, consumer_id: str, enabled: bool):
    """PUT /management/consumers/CONSUMER_ID (CanEnableConsumers / CanDisableConsumers)."""
    require_any_role(caller, ["CanEnableConsumers" if enabled else "CanDisableConsumers"])
    consumer = consumer_store.get_consumer(consumer_id)
    if consumer is None:
        raise ApiError("OBP-30019", f"Current ConsumerId({consumer_id})", status=404)
    consumer_store.set_enabled(consumer, enabled)
    return consumer_store.get_consumer(consumer_id)


def ensure_consumer(key: str, app_name: str, created_by_user_id: str):
    """The bootstrap consumer with a chosen key (idempotent). Returns the record."""
    existing = consumer_store.get_consumer_by_key(key)
    if existing is not None:
        return existing
    record, _, _ = register(NewConsumer(app_name=app_name, app_type="Confidential", description=app_name), created_by_user_id, key=key)
    return record


def plan_application(credentials: str) -> Authentication:
    """`Authorization: Basic base64(consumer_key:consumer_secret)` (RFC 6749 §2.3.1 client
    authentication): an application calling for itself, without a user. 401 OBP-20200 for
    anything but an enabled consumer's key with its secret. Two round trips: the key's guard
    (sent with the request's other reads), then the consumer."""
    try:
        key, sep, secret = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError("OBP-20200", status=401) from None
    known_shape = bool(sep and key and not consumer_key_problem(key))

    def finish(results, later=None) -> tuple[Caller, object]:
        consumer_id = results[0]
        consumer = consumer_store.get_consumer(consumer_id) if consumer_id else None
        if consumer is None or not consumer.enabled or not crypto.equals(crypto.hash_token(secret), consumer.secret_hash):
            raise ApiError("OBP-20200", status=401)
        return Caller(user=None, consumer_id=consumer.consumer_id), NOT_READ

    return Authentication(reads=[(lambda: consumer_store.consumer_id_of_key(key)) if known_shape else None],
                          finish=finish)


def authenticate_application(credentials: str) -> Caller:
    return plan_application(credentials).run()
