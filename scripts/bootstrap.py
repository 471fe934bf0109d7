"""Bootstrap a super admin and a consumer (idempotent): used by `make run`, the tests, and
once after a deploy (`python -m scripts.bootstrap` with AWS credentials and OBP_* set)."""
from __future__ import annotations

from dataclasses import dataclass

# The system roles the bootstrap admin starts with; as a super admin it can grant itself more.
ADMIN_ROLES = [
    "CanCreateEntitlementAtAnyBank",
    "CanCreateBank",
    "CanCreateConsumer",
    "CanGetConsumers",
    "CanEnableConsumers",
    "CanDisableConsumers",
    "CanGetAnyUser",
    "CanReadUserLockedStatus",
    "CanUnlockUser",
    "CanLockUser",
    "CanDeleteUser",
    "CanGetEntitlementsForAnyUserAtAnyBank",
    "CanDeleteEntitlementAtAnyBank",
]

@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    consumer_key: str
    user_id: str


def bootstrap(username: str, password: str, email: str, consumer_key: str) -> Credentials:
    from chalicelib.services import consumers, users

    admin = users.ensure_super_admin(username, password, email, ADMIN_ROLES)
    consumers.ensure_consumer(consumer_key, "OBP Serverless bootstrap consumer", admin.user_id)
    return Credentials(username, password, consumer_key, admin.user_id)


def from_environment() -> Credentials:
    """With OBP_ADMIN_USERNAME, OBP_ADMIN_PASSWORD, OBP_ADMIN_EMAIL, OBP_CONSUMER_KEY
    (chalicelib.settings.BootstrapSettings, where their defaults are)."""
    from chalicelib.settings import BootstrapSettings, load

    given = load(BootstrapSettings)
    return bootstrap(given.admin_username, given.admin_password, given.admin_email, given.consumer_key)


if __name__ == "__main__":
    creds = from_environment()
    print(f"admin user {creds.username} ({creds.user_id}), consumer key {creds.consumer_key}")
