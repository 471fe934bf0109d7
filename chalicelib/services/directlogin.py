"""DirectLogin: trade username, password and consumer key for a token; resolve a token to a caller.

Header forms real clients send (reference §2.2), all accepted:
  DirectLogin: username=u, password=p, consumer_key=k
  Authorization: DirectLogin username="u", password="p", consumer_key="k"
  Authorization: DirectLogin username="u",password="p",consumer_key="k"
  Authorization: DirectLogin username=u, password=p, consumer_key=k
and for a token: `DirectLogin: token=T`, `Authorization: DirectLogin token="T"` or unquoted.

A token is `<user_id>.<consumer_id>.<secret>`, stored only as the SHA-256 of the whole string in
its user's partition. Naming its user and consumer lets one round trip check it: the token record
and the consumer in one BatchGetItem while the user with its roles (and status) comes in one
Query, both at once. Every call then checks the token (unexpired), the consumer (enabled, and not
disabled since the token was issued: disabling an application ends its sessions) and the user
(not deleted, not locked). Clients treat tokens as opaque strings; tokens of the earlier format
(before this one) are unknown (401 OBP-20003): their users log in again.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from chalicelib import crypto
from chalicelib.errors import ApiError
from chalicelib.services import users as user_service
from chalicelib.services.access import NOT_READ, Authentication, Caller, Grant
from chalicelib.services.validation import (
    consumer_key_problem, is_valid_id, medium_password_problem, medium_string_problem,
)
from chalicelib.settings import get_settings
from chalicelib.store import consumers as consumer_store
from chalicelib.store import users as user_store
from chalicelib.store.base import get_many

logger = logging.getLogger(__name__)

_KNOWN_PARAMETERS = ("username", "password", "consumer_key", "token")
_LOGIN_PARAMETERS = ("username", "password", "consumer_key")


def parse_parameters(value: str) -> dict[str, str]:
    """`DirectLogin a=1, b="2"` -> {"a": "1", "b": "2"}; unknown keys and empty values dropped."""
    text = value.strip()
    if text[:11].lower() == "directlogin":
        text = text[11:]
    params: dict[str, str] = {}
    for part in text.split(","):
        key, sep, raw = part.partition("=")
        key = key.strip()
        val = raw.strip().replace('"', "")
        if sep and key in _KNOWN_PARAMETERS and val:
            params[key] = val
    return params


def credentials_from_headers(directlogin_header: str | None, authorization_header: str | None) -> dict[str, str]:
    """The DirectLogin header wins over Authorization; Authorization must carry the word DirectLogin."""
    if directlogin_header is not None:
        return parse_parameters(directlogin_header)
    if authorization_header is not None:
        if "directlogin" not in authorization_header.lower():
            raise ApiError("OBP-20083", status=400)
        return parse_parameters(authorization_header)
    raise ApiError("OBP-20082", status=400)


def acceptable_credentials(username: str, password: str) -> bool:
    """Whether a username and password pass DirectLogin's checks of their values (the hosted
    payment page's sign-in: a value that does not is a failed sign-in, without a look-up)."""
    if not username or not password:
        return False
    return medium_string_problem(username) is None and medium_password_problem(password) is None


def _check_values(params: dict[str, str]) -> None:
    problems = []
    for key, value in params.items():
        check = {"password": medium_password_problem, "consumer_key": consumer_key_problem}.get(key, medium_string_problem)
        code = check(value)
        if code:
            problems.append(code)
    if problems:
        raise ApiError(problems[0], status=400)


def login(directlogin_header: str | None, authorization_header: str | None) -> str:
    """POST /my/logins/direct. Returns a new token (shown once; stored only as its hash)."""
    params = credentials_from_headers(directlogin_header, authorization_header)
    missing = [name for name in _LOGIN_PARAMETERS if name not in params]
    if missing:
        raise ApiError("OBP-20002", ", ".join(missing), status=400)
    _check_values(params)

    consumer = consumer_store.get_consumer_by_key(params["consumer_key"])
    if consumer is None or not consumer.enabled:
        raise ApiError("OBP-20008", status=401)

    user = check_credentials(params["username"], params["password"])
    now = datetime.now(timezone.utc)
    token = f"{user.user_id}.{consumer.consumer_id}.{crypto.new_token()}"
    expires = now + timedelta(seconds=get_settings().token_ttl_seconds)
    user_store.save_token(crypto.hash_token(token), user.user_id, consumer.consumer_id, now, expires)
    return token


def check_credentials(username: str, password: str):
    """The user whose username and password these are (401 OBP-20004 otherwise; OBP-20013 for a
    locked user; a deleted user has no password and no username of its own any more, so it is
    OBP-20004). Failures count towards OBP's lock; a success resets the count. Also used by the
    hosted payment page, where a payer signs in with their own credentials."""
    user_id = user_store.find_user_id_by_username(username)
    user = user_store.get_user(user_id) if user_id else None
    if user is None or not user.password_hash or user_service.is_deleted(user):
        crypto.spend_password_check(password)
        raise ApiError("OBP-20004", status=401)
    if user_service.is_locked(user):
        raise ApiError("OBP-20013", status=401)
    if not crypto.verify_password(password, user.password_hash):
        attempts = user_store.record_bad_login(user)
        logger.info("directlogin: bad password for user %s (%s consecutive)", user.user_id, attempts)
        raise ApiError("OBP-20004", status=401)
    user_store.reset_bad_logins(user)
    return user


def _invalid_token() -> ApiError:
    # OBP echoes the token after the text; we do not repeat a credential in a response.
    return ApiError("OBP-20003", status=401)


def token_parts(token: str) -> tuple[str, str] | None:
    """(user_id, consumer_id) a token names, or None when it is not of our format."""
    parts = token.split(".")
    if len(parts) != 3 or not is_valid_id(parts[0]) or not is_valid_id(parts[1]) or not parts[2]:
        return None
    return parts[0], parts[1]


def token_record(token: str):
    """The stored record of a token (tests and tools), or None."""
    named = token_parts(token)
    return user_store.get_token(named[0], crypto.hash_token(token)) if named else None


def plan(directlogin_header: str | None, authorization_header: str | None) -> Authentication:
    """The checks of a DirectLogin token: the token and its consumer (one BatchGetItem) and the
    user with its roles (one Query), read at once."""
    params = credentials_from_headers(directlogin_header, authorization_header)
    token = params.get("token")
    if not token:
        raise ApiError("OBP-20002", "token", status=400)
    problem = medium_string_problem(token)
    if problem:
        raise ApiError(problem, status=400)
    named = token_parts(token)
    if named is None:
        raise _invalid_token()
    user_id, consumer_id = named
    token_k = user_store.token_key(user_id, crypto.hash_token(token))
    consumer_k = consumer_store.consumer_key(consumer_id)

    def finish(results, later=None) -> tuple[Caller, object]:
        found, (user, entitlements) = results
        record, consumer = found.get(token_k), found.get(consumer_k)
        now = datetime.now(timezone.utc)
        if not isinstance(record, user_store.TokenRecord) or record.expires <= now or record.consumer_id != consumer_id:
            raise _invalid_token()
        if not isinstance(consumer, consumer_store.ConsumerRecord):
            raise _invalid_token()
        if not consumer.enabled:
            raise ApiError("OBP-20058", status=401)
        if consumer.sessions_ended_at is not None and record.issued_at <= consumer.sessions_ended_at:
            raise _invalid_token()  # the application was disabled after this token was issued
        if user is None:
            raise _invalid_token()
        user_service.refuse_if_inactive(user)
        grants = [Grant(e.role_name, e.bank_id, e.entitlement_id) for e in entitlements]
        return Caller(user=user, consumer_id=consumer_id, grants=grants), NOT_READ

    return Authentication(
        reads=[lambda: get_many([token_k, consumer_k]), lambda: user_store.load_user_with_roles(user_id)],
        finish=finish, user_id=user_id,
    )


def authenticate(directlogin_header: str | None, authorization_header: str | None) -> Caller:
    """Resolve a DirectLogin token to its caller: one round trip (two reads sent together)."""
    return plan(directlogin_header, authorization_header).run()
