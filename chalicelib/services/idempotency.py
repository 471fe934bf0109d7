"""Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header; Stripe's semantics).

    claim = begin(scope, key, fingerprint, status, render)   # Replay, or raises InFlight / KeyReused
    result = service_call(..., also=claim.stage)              # the service stages the completion
    finish(claim, result)                                     # completes it if nobody staged it
    release(claim)                                            # on failure: nothing was written

The key is scoped by `scope` (the caller), so callers never see each other's responses; the
fingerprint (operation and body) must match, else KeyReused (422); a key held by a request still
running is InFlight (409); records live OBP_IDEMPOTENCY_TTL_SECONDS (24 hours). The response is stored sealed (it may carry
personal data) and replayed verbatim. Only responses of completed writes are kept: a request that
fails writes nothing and releases the key, so a corrected retry runs.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from chalicelib import crypto
from chalicelib.settings import get_settings
from chalicelib.store import idempotency as store

LEASE = timedelta(seconds=60)  # longer than any request may run (API Gateway stops at 29 s)
MAX_KEY_LENGTH = 255
_SEAL_PURPOSE = "idempotency"


class InFlight(Exception):
    """The key is held by a request that is still running."""


class KeyReused(Exception):
    """The key was used for a different request."""


@dataclass
class Replay:
    status: int
    body: Any


@dataclass
class Claim:
    key_hash: str
    owner: str
    status: int
    render: Callable[[Any], Any]
    staged: bool = field(default=False)

    def stage(self, tx, result) -> None:
        """Add this key's completion, answering `result`, to the transaction that writes it."""
        store.stage_complete(tx, self.key_hash, self.owner, self.status, _seal(self.render(result)))
        self.staged = True


def valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(0x20 <= ord(ch) <= 0x7E for ch in key)


def fingerprint(operation: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{operation}\n{canonical}".encode()).hexdigest()


def begin(scope: str, key: str, request_fingerprint: str, status: int, render: Callable[[Any], Any]) -> Claim | Replay:
    key_hash = hashlib.sha256(f"{scope}\x1f{key}".encode()).hexdigest()
    owner = crypto.new_token(16)
    now = datetime.now(timezone.utc)
    for _ in range(2):  # a record released between our claim and our read: claim again
        ttl = timedelta(seconds=get_settings().idempotency_ttl_seconds)
        claimed, held = store.claim(key_hash, request_fingerprint, owner, now + LEASE, now + ttl)
        if claimed:
            return Claim(key_hash, owner, status, render)
        if held is None:
            continue
        if held.fingerprint != request_fingerprint:
            raise KeyReused()
        if held.state == store.COMPLETE:
            return Replay(int(held.response_status), json.loads(crypto.unseal(held.response_sealed, _SEAL_PURPOSE)))
        raise InFlight()
    raise InFlight()


def finish(claim: Claim, result) -> None:
    if not claim.staged:
        store.complete(claim.key_hash, claim.owner, claim.status, _seal(claim.render(result)))


def release(claim: Claim) -> None:
    store.release(claim.key_hash, claim.owner)


def _seal(body: Any) -> str:
    return crypto.seal(json.dumps(body, separators=(",", ":"), default=str).encode(), _SEAL_PURPOSE)
