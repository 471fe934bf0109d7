"""AWS clients, created on first use and kept for the life of the container (cold start stays lean).

Endpoints follow the SDK's own configuration, so AWS_ENDPOINT_URL points every client at the
local stack's moto server.
"""
from __future__ import annotations

import functools

from chalicelib.settings import get_settings


@functools.lru_cache(maxsize=None)
def client(service: str):
    import boto3  # imported on first use: boto3 costs ~170 ms at import

    return boto3.session.Session().client(service, region_name=get_settings().region)


@functools.lru_cache(maxsize=None)
def queue_url(queue_name: str) -> str:
    return client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"]


@functools.lru_cache(maxsize=None)
def secure_parameter(name: str) -> str:
    """An SSM SecureString's value, fetched once per container (a new value needs new containers)."""
    return client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]


def reset() -> None:
    """Forget queue URLs and parameters (tests start a fresh moto backend per test; clients stay valid)."""
    queue_url.cache_clear()
    secure_parameter.cache_clear()
