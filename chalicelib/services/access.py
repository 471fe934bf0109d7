"""Who is calling and what they may do: the Caller, role checks and OBP's role error texts."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from chalicelib import roles as role_catalogue
from chalicelib.errors import ApiError
from chalicelib.settings import get_settings
from chalicelib.store.parallel import together


@dataclass(frozen=True)
class Grant:
    role_name: str
    bank_id: str
    entitlement_id: str = ""


@dataclass
class Caller:
    """The authenticated party of a request.

    `user` is None for an application-only caller (a consumer without a user). `consent` is set
    when the request runs under a consent; then `grants` and `views` are what the consent allows,
    not everything the user holds.
    """

    user: object | None
    consumer_id: str = ""
    grants: list[Grant] = field(default_factory=list)
    consent: object | None = None
    views: list[tuple[str, str, str]] | None = None  # (bank_id, account_id, view_id) a consent limits to

    @property
    def user_id(self) -> str:
        return self.user.user_id if self.user is not None else ""

    @property
    def own_records_user_id(self) -> str:
        """Whose own records (linked customers...) the caller reaches without a view or a role: the
        user's; nobody's under a consent, which opens only its views and roles."""
        return "" if self.consent is not None else self.user_id

    @property
    def is_super_admin(self) -> bool:
        if self.user is None or self.consent is not None:
            return False
        return bool(getattr(self.user, "is_super_admin", False)) or self.user_id in get_settings().super_admin_user_ids

    def has_role(self, role: str, bank_id: str = "") -> bool:
        """OBP's hasEntitlement: bank roles are held at a bank, system roles at bank_id ""."""
        scope_bank = bank_id if role_catalogue.requires_bank_id(role) else ""
        return any(g.role_name == role and g.bank_id == scope_bank for g in self.grants)

    def has_any_role(self, roles: Iterable[str], bank_id: str = "") -> bool:
        return any(self.has_role(r, bank_id) for r in roles)


NOT_READ = object()  # Authentication.finish did not read `later`


@dataclass
class Authentication:
    """How one credential is checked, split so its reads can go out with the request's other
    independent reads (chalicelib/auth.py): `reads` are sent at once, then `finish(results, later)`
    checks them and returns (the Caller, what `later(user_id)` returned) or raises. A credential
    that must read again once it knows its user (a consent id: then the consumer and the user)
    sends `later`, the request's reads keyed by that user, with that second read; otherwise the
    second value is NOT_READ. `user_id` is the user the credential names before anything is read
    (a DirectLogin token and a consent JWT do), so reads keyed by that user can go out in the first
    round trip; `consent`: the credential is a consent (it opens only its views, not the user's own
    records)."""

    reads: list[Callable[[], Any]]
    finish: Callable[..., tuple[Caller, Any]]
    user_id: str = ""
    consent: bool = False

    def run(self) -> Caller:
        caller, _ = self.finish(together(*self.reads))
        return caller


def require_user(caller: Caller | None) -> Caller:
    if caller is None or caller.user is None:
        raise ApiError("OBP-20001")
    return caller


def require_application(caller: Caller | None) -> Caller:
    """OBP's applicationAccess: a user, or an application calling without one (401 OBP-20200)."""
    if caller is None or not caller.consumer_id:
        raise ApiError("OBP-20200", status=401)
    return caller


def missing_roles_error(roles: list[str], bank_id: str = "", *, mode: str = "any") -> ApiError:
    """OBP-20006 in the wording of the check that failed:
    mode "any"   -> "R1 or R2" + " for BankId(b)." when a role is bank-scoped (auto-validated endpoints)
    mode "single"-> "R1" + " at Bank(b)" when bank-scoped (in-code hasEntitlement)
    mode "all"   -> "R1 and R2 entitlements are required for BankId(b)." (hasAllEntitlements)
    """
    bank_scoped = any(role_catalogue.requires_bank_id(r) for r in roles)
    if mode == "single":
        context = roles[0] + (f" at Bank({bank_id})" if bank_scoped else "")
    elif mode == "all":
        context = " and ".join(roles) + f" entitlements are required for BankId({bank_id})."
    else:
        context = " or ".join(roles) + (f" for BankId({bank_id})." if bank_scoped else "")
    return ApiError("OBP-20006", context)


def require_any_role(caller: Caller, roles: list[str], bank_id: str = "", *, mode: str = "any") -> None:
    if not caller.has_any_role(roles, bank_id):
        raise missing_roles_error(roles, bank_id, mode=mode)


def require_all_roles(caller: Caller, roles: list[str], bank_id: str = "") -> None:
    if not all(caller.has_role(r, bank_id) for r in roles):
        raise missing_roles_error(roles, bank_id, mode="all")
