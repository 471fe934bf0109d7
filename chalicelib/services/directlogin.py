"""DirectLogin: trade username, password and consumer key for a token; resolve a token to a caller.

Header forms real clients send (reference §2.2), all accepted:
  DirectLogin: username=u, password=p, consumer_key=k
  Authorization: DirectLogin username="u", password="p", consumer_key="k"
  Authorization: DirectLogin username="u",password="p",consumer_key="k"
  Authorization: DirectLogin username=u, password=p, consumer_key=k
and for a token: `DirectLogin: token=T`, `Authorization: DirectLogin token="T"` or unquoted.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from chalicelib import crypto
from chalicelib.errors import ApiError
from chalicelib.services import users as user_service
from chalicelib.services.access import Caller, Grant
from chalicelib.services.validation import consumer_key_problem, medium_password_problem, medium_string_problem
from chalicelib.settings import get_settings
from chalicelib.store import consumers as consumer_store
from chalicelib.store import users as user_store

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
    token = crypto.new_token()
    expires = datetime.now(timezone.utc) + timedelta(seconds=get_settings().token_ttl_seconds)
    user_store.save_token(crypto.hash_token(token), user.user_id, consumer.consumer_id, expires)
    return token


def check_credentials(username: str, password: str):
    """The user whose username and password these are (401 OBP-20004 otherwise; OBP-20013 for a
    locked user). Failures count towards OBP's lock; a success resets the count. Also used by the
    hosted payment page, where a payer signs in with their own credentials."""
    user_id = user_store.find_user_id_by_username(username)
    user = user_store.get_user(user_id) if user_id else None
    if user is None or not user.password_hash:
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


def authenticate(directlogin_header: str | None, authorization_header: str | None) -> Caller:
    """Resolve a DirectLogin token to its caller: two reads (token, then user with roles)."""
    params = credentials_from_headers(directlogin_header, authorization_header)
    token = params.get("token")
    if not token:
        raise ApiError("OBP-20002", "token", status=400)
    problem = medium_string_problem(token)
    if problem:
        raise ApiError(problem, status=400)
    record = user_store.get_token(crypto.hash_token(token))
    if record is None or record.expires <= datetime.now(timezone.utc):
        # OBP echoes the token after the text; we do not repeat a credential in a response.
        raise ApiError("OBP-20003", status=401)
    user, entitlements = user_store.load_user_with_roles(record.user_id)
    if user is None:
        raise ApiError("OBP-20003", status=401)
    grants = [Grant(e.role_name, e.bank_id, e.entitlement_id) for e in entitlements]
    return Caller(user=user, consumer_id=record.consumer_id, grants=grants)
