"""Users: createUser, the current user, a user by id, lock status."""
from urllib.parse import unquote

from chalicelib.api.routing import Request, endpoint
from chalicelib.errors import ApiError
from chalicelib.schemas.users import (
    CreateUserJson,
    bad_login_status_json,
    user_json,
    user_json_v400,
)
from chalicelib.services import users


@endpoint("POST", "/users", since="2.0.0", status=201,
          body=CreateUserJson, response="UserJsonV200", tags=("User", "Onboarding"), errors=())
def create_user(req: Request):
    """Create User"""
    body = req.body(CreateUserJson)
    user, grants = users.create_user(users.NewUser(
        username=body.username, password=body.password, email=body.email,
        first_name=body.first_name, last_name=body.last_name,
    ))
    return user_json(user, grants)


@endpoint("GET", "/users/current", since="2.0.0",
          operation="getCurrentUser", response="UserJsonV200", tags=("User",), errors=("OBP-20001", "OBP-50000"))
def current_user_v200(req: Request):
    """Get User (Current)"""
    caller = req.user()
    return user_json(caller.user, caller.grants)


@endpoint("GET", "/users/current", since="3.0.0",
          operation="getCurrentUser", response="UserJsonV300", tags=("User",), errors=("OBP-20001", "OBP-50000"))
def current_user(req: Request):
    """Get User (Current)"""
    caller = req.user()
    return user_json(caller.user, caller.grants, users.account_views(caller))


@endpoint("GET", "/users/user_id/{user_id}", since="2.1.0",
          operation="getUserByUserId", roles=("CanGetAnyUser",), response="UserJsonV200",
          tags=("User",), errors=("OBP-20001",))
def user_by_id_v210(req: Request, user_id: str):
    """Get User by USER_ID"""
    user, grants = users.get_user_by_id(req.user(), user_id)
    return user_json(user, grants)


@endpoint("GET", "/users/user_id/{user_id}", since="4.0.0",
          operation="getUserByUserId", roles=("CanGetAnyUser",), response="UserJsonV400",
          tags=("User",), errors=("OBP-20001",))
def user_by_id(req: Request, user_id: str):
    """Get User by USER_ID"""
    user, grants = users.get_user_by_id(req.user(), user_id)
    return user_json_v400(user, grants, users.account_views_of(user.user_id), users.is_locked(user))


@endpoint("PUT", "/users/{username}/lock-status", since="3.1.0", until="5.1.0",
          roles=("CanUnlockUser",), response="BadLoginStatusJson", tags=("User",), errors=("OBP-20001",))
def unlock_user(req: Request, username: str):
    """Unlock the user"""
    return bad_login_status_json(users.unlock_user(req.user(), unquote(username)))


def _local_username(provider: str, username: str) -> str:
    if unquote(provider) != users.provider():
        raise ApiError("OBP-20005", f"Current PROVIDER({unquote(provider)})", status=404)
    return unquote(username)


@endpoint("GET", "/users/{provider}/{username}/lock-status", since="5.1.0",
          operation="getUserLockStatus", roles=("CanReadUserLockedStatus",), response="BadLoginStatusJson",
          tags=("User",), errors=("OBP-20001",))
def lock_status(req: Request, provider: str, username: str):
    """Get User Lock Status"""
    return bad_login_status_json(users.lock_status(req.user(), _local_username(provider, username)))


@endpoint("PUT", "/users/{provider}/{username}/lock-status", since="5.1.0",
          operation="unlockUserByProviderAndUsername", roles=("CanUnlockUser",), response="BadLoginStatusJson",
          tags=("User",),
          errors=("OBP-20001",))
def unlock_user_by_provider(req: Request, provider: str, username: str):
    """Unlock the user"""
    return bad_login_status_json(users.unlock_user(req.user(), _local_username(provider, username)))
