"""Consumers (apps): register one, read one, enable or disable it."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.users import ConsumerEnabledJson, ConsumerPostJSON, consumer_json, consumer_json_v210
from chalicelib.services import consumers
from chalicelib.store import users as user_store


@endpoint("POST", "/management/consumers", since="4.0.0", status=201,
          roles=("CanCreateConsumer",), body=ConsumerPostJSON, response="ConsumerJson",
          tags=("Consumer",), errors=("OBP-20001",))
def create_consumer(req: Request):
    """Post a Consumer"""
    caller = req.user()
    body = req.body(ConsumerPostJSON)
    record, key, secret = consumers.create_consumer(caller, consumers.NewConsumer(
        app_name=body.app_name, app_type=body.app_type, description=body.description,
        developer_email=body.developer_email, redirect_url=body.redirect_url, company=body.company or "",
        client_certificate=body.client_certificate or "", enabled=body.enabled,
        created_by_user_id=body.created_by_user_id or "",
    ))
    return consumer_json(record, caller.user, key=key, secret=secret)


@endpoint("GET", "/management/consumers/{consumer_id}", since="2.1.0",
          roles=("CanGetConsumers",), response="ConsumerJsonV210", tags=("Consumer",), errors=("OBP-20001",))
def get_consumer(req: Request, consumer_id: str):
    """Get Consumer"""
    record = consumers.get_consumer(req.user(), consumer_id)
    return consumer_json_v210(record, user_store.get_user(record.created_by_user_id))


@endpoint("PUT", "/management/consumers/{consumer_id}", since="2.1.0",
          operation="enableDisableConsumers", roles=("CanEnableConsumers", "CanDisableConsumers"),
          body=ConsumerEnabledJson, response="PutEnabledJSON", tags=("Consumer",), errors=("OBP-20001",))
def enable_disable_consumer(req: Request, consumer_id: str):
    """Enable or Disable Consumers"""
    caller = req.user()
    body = req.body(ConsumerEnabledJson)
    record = consumers.set_enabled(caller, consumer_id, body.enabled)
    return {"enabled": record.enabled}
