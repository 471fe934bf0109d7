"""Bring account routings written before canonical routings (issue 11) into their canonical form.

Accounts used to keep their routings as typed ("DE89 3704 0044 0532 0130 00", "iban"), with a
uniqueness guard on that text, so one IBAN could be held by two accounts in two spellings. Now
every routing is stored, guarded and looked up canonically (chalicelib/services/routings.py); a
lookup no longer finds a routing stored in another spelling. This tool rewrites each such account
(its routings, and its guards moved to the canonical values) in one transaction per account, and
reports what it must leave to an operator:

  collision     the canonical routing already belongs to another account: the other account keeps
                it (payments to that routing reach it only); this account's spelling stays unused
  invalid       an IBAN that fails its check digits: it stays as written and no lookup finds it
  counterparty  a counterparty whose routing now resolves to another account than the one it
                pays (it was resolved through a lookalike): revoke its consent, or recreate it

Idempotent; run it right before and right after deploying the change (accounts opened in
between are caught by the second run), and again until it reports nothing:

    OBP_STAGE=prod OBP_RESOURCE_PREFIX=obp-prod AWS_REGION=<region> .venv/bin/python -m scripts.canonical_routings [--dry-run]

It Scans the table (accounts, counterparties): an offline tool, never a request path. Exit status
1 when something is left to an operator.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field

from chalicelib.errors import ApiError


@dataclass
class Report:
    rewritten: list[str] = field(default_factory=list)  # bank_id/account_id
    collisions: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    counterparties: list[str] = field(default_factory=list)

    @property
    def needs_an_operator(self) -> bool:
        return bool(self.collisions or self.invalid or self.counterparties)

    def lines(self) -> list[str]:
        return ([f"rewritten {a}" for a in self.rewritten] + [f"collision {c}" for c in self.collisions]
                + [f"invalid {i}" for i in self.invalid] + [f"counterparty {c}" for c in self.counterparties])


def _canonical_account(account, report: Report) -> tuple[list[dict], list[str], list[str]]:
    """The account's routings as they should be stored, the guard values to claim and to release."""
    from chalicelib.services import routings
    from chalicelib.store import accounts as account_store

    where = f"{account.bank_id}/{account.account_id}"
    stored, claim, release = [], [], []
    for routing in account.routings:
        value = account_store.routing_value(account.bank_id, routing.scheme, routing.address)
        try:
            scheme, address = routings.canonical(routing.scheme, routing.address)
        except ApiError:
            report.invalid.append(f"{where} {routing.scheme}:{routing.address}")
            stored.append({"scheme": routing.scheme, "address": routing.address})
            continue
        canonical = account_store.routing_value(account.bank_id, scheme, address)
        if canonical in claim or {"scheme": scheme, "address": address} in stored:
            release.append(value)  # two spellings of one routing on this account: keep one
            continue
        owner = account_store.routing_owner(canonical)
        if owner not in (None, account.account_id):
            report.collisions.append(f"{where} {routing.scheme}:{routing.address} is {scheme}:{address} of "
                                     f"{account.bank_id}/{owner}")
            stored.append({"scheme": routing.scheme, "address": routing.address})
            continue
        stored.append({"scheme": scheme, "address": address})
        if owner is None:
            claim.append(canonical)
        if value != canonical:
            release.append(value)
    return stored, claim, release


def _check_counterparties(report: Report) -> None:
    from chalicelib.services import routings
    from chalicelib.store import accounts as account_store
    from chalicelib.store import counterparties as counterparty_store

    for counterparty in counterparty_store.CounterpartyRecord.scan():  # offline: this tool's Scan; chalicelib has none
        scheme = routings.scheme_name(counterparty.other_account_routing_scheme)
        if scheme in ("", routings.OBP):
            continue
        try:
            scheme, address = routings.canonical(scheme, counterparty.other_account_routing_address)
        except ApiError:
            continue
        owner = account_store.routing_owner(account_store.routing_value(counterparty.other_bank_id, scheme, address))
        if owner is not None and owner != counterparty.other_account_id:
            report.counterparties.append(
                f"{counterparty.counterparty_id} of {counterparty.this_bank_id}/{counterparty.this_account_id} names "
                f"{scheme}:{address} ({counterparty.other_bank_id}/{owner}) but pays "
                f"{counterparty.other_bank_id}/{counterparty.other_account_id}")


def migrate(dry_run: bool = False) -> Report:
    from chalicelib.store import accounts as account_store

    report = Report()
    for account in account_store.AccountRecord.scan():  # offline: this tool's Scan; chalicelib has none
        stored, claim, release = _canonical_account(account, report)
        current = [{"scheme": r.scheme, "address": r.address} for r in account.routings]
        if stored == current and not claim and not release:
            continue
        if dry_run or account_store.rewrite_routings(account, stored, claim, release):
            report.rewritten.append(f"{account.bank_id}/{account.account_id}")
        else:
            report.collisions.append(f"{account.bank_id}/{account.account_id}: another account claimed a routing "
                                     "meanwhile; run again")
    _check_counterparties(report)
    return report


def main(argv: list[str]) -> int:
    report = migrate(dry_run="--dry-run" in argv)
    for line in report.lines():
        print(line)
    print(f"{len(report.rewritten)} accounts rewritten, {len(report.collisions)} collisions, "
          f"{len(report.invalid)} invalid IBANs, {len(report.counterparties)} counterparties to review")
    return 1 if report.needs_an_operator else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
