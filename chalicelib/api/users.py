"""Users: createUser, the current user, a user by id, lock status, locking and deletion."""
from urllib.parse import unquote

from chalicelib.api.routing import Request, endpoint
from chalicelib.errors import ApiError
from chalicelib.schemas.users import (
    CreateUserJson,
    bad_login_status_json,
    user_json,
    user_json_v400,
    user_lock_status_json,
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
    caller, held = req.user_and(users.account_views_of)  # the views go out with the credential's reads
    return user_json(caller.user, caller.grants, users.account_views(caller, held))


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


@endpoint("DELETE", "/users/{user_id}", since="4.0.0",
          operation="deleteUser", roles=("CanDeleteUser",), response="TrueJson", tags=("User",),
          errors=("OBP-20001", "OBP-20005"))
def delete_user(req: Request, user_id: str):
    """Delete a User

    The user's tokens and consents are refused from the next request on (OBP-20064); its personal
    data is scrambled and its username is free again."""
    return users.delete_user(req.user(), user_id)


# v3.1.0 / v4.0.0 name a local user by username; 5.1.0 replaces them with PROVIDER/USERNAME paths.
@endpoint("GET", "/users/{username}/lock-status", since="3.1.0", until="5.1.0",
          operation="getBadLoginStatus", roles=("CanReadUserLockedStatus",), response="BadLoginStatusJson",
          tags=("User",), errors=("OBP-20001", "OBP-20027"))
def bad_login_status(req: Request, username: str):
    """Get User Lock Status"""
    return bad_login_status_json(users.lock_status(req.user(), unquote(username)))


@endpoint("PUT", "/users/{username}/lock-status", since="3.1.0", until="5.1.0",
          roles=("CanUnlockUser",), response="BadLoginStatusJson", tags=("User",), errors=("OBP-20001",))
def unlock_user(req: Request, username: str):
    """Unlock the user"""
    return bad_login_status_json(users.unlock_user(req.user(), unquote(username)))


@endpoint("POST", "/users/{username}/locks", since="4.0.0", until="5.1.0",
          operation="lockUser", roles=("CanLockUser",), response="UserLockStatusJson", tags=("User",),
          errors=("OBP-20001", "OBP-20027"))
def lock_user(req: Request, username: str):
    """Lock the user

    The user is out at once, on every credential (401 OBP-20013), until an unlock."""
    return user_lock_status_json(users.lock_user(req.user(), unquote(username)))


def _local_username(provider: str, username: str) -> str:
    if unquote(provider) != users.provider():
        raise ApiError("OBP-20027", f"Current PROVIDER({unquote(provider)})", status=404)
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


@endpoint("POST", "/users/{provider}/{username}/locks", since="5.1.0",
          operation="lockUserByProviderAndUsername", roles=("CanLockUser",), response="UserLockStatusJson",
          tags=("User",), errors=("OBP-20001", "OBP-20027"))
def lock_user_by_provider(req: Request, provider: str, username: str):
    """Lock the user

    The user is out at once, on every credential (401 OBP-20013), until an unlock."""
    return user_lock_status_json(users.lock_user(req.user(), _local_username(provider, username)))
