"""Consents and consent requests (OBP's MappedConsent and ConsentRequest).

Keys:
  CONSENT#<consent_id> / CONSENT      the consent: its status, the claims of its JWT (clear JSON,
      the JWT is re-signed from them on demand), its own signing secret (sealed), and the OTP of
      its challenge as a keyed hash until the challenge is answered.
      gsi1 CONSENTS_OF_USER#<user_id> / <number>        a user's consents
      gsi2 CONSENTS_OF_CONSUMER#<consumer_id> / <number>   an application's consents
      gsi3 CONSENTS / <number>                          every consent (management)
  CONSENT#<consent_id> / BANK#<bank_id>   the consent concerns the bank (a view or a role there);
      written and removed in the transaction that changes the consent's views, roles or user
      gsi1 CONSENTS_AT_BANK#<bank_id> / <number>                    the bank's consents
      gsi2 CONSENTS_OF_USER_AT_BANK#<user_id>#<bank_id> / <number>  a user's consents concerning it
  The lists are numbered lists (store/positions.py), newest first by default: a consent's numbers
  are given in its own transaction; the user, consumer and every-consent lists never lose a
  member, a bank's lists lose one when a consent stops concerning the bank.
  CONSENT_REQUEST#<id> / CONSENT_REQUEST   an application's consent request: its payload as sent,
      and the id of the consent made from it (set once, in that consent's transaction)
  USER#<user_id> / CONSENT_CHALLENGES#<yyyy-mm-dd>   how many challenges (e-mails, SMS) the user's
      consents sent that day, counted under a condition in each consent's transaction; expires
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.store import positions
from chalicelib.store.base import Entity, failed_keys, get_item, get_many, key_of, transaction

_BANK = "BANK#"
# The most banks one consent may concern: each adds its entry and its two lists' writes to the
# consent's transaction (DynamoDB takes at most 100 writes in one).
MAX_BANKS = 10


def consent_key(consent_id: str) -> tuple[str, str]:
    return f"CONSENT#{consent_id}", "CONSENT"


def request_key(consent_request_id: str) -> tuple[str, str]:
    return f"CONSENT_REQUEST#{consent_request_id}", "CONSENT_REQUEST"


class ConsentRecord(Entity, discriminator="Consent"):
    consent_id = UnicodeAttribute()
    user_id = UnicodeAttribute(default="")  # whose consent it is ("" until a user is added)
    consumer_id = UnicodeAttribute(default="")  # the application it is for (the JWT's aud)
    status = UnicodeAttribute()
    claims = UnicodeAttribute()  # the JWT payload, compact JSON
    secret_sealed = UnicodeAttribute()
    otp_hash = UnicodeAttribute(null=True)
    otp_valid_until = UTCDateTimeAttribute(null=True)
    sca_method = UnicodeAttribute(default="")
    consent_request_id = UnicodeAttribute(default="")
    account_access = UnicodeAttribute(null=True)  # VRP: ConsentJsonV500's account_access, JSON
    api_standard = UnicodeAttribute(default="obp")
    api_version = UnicodeAttribute(default="")
    note = UnicodeAttribute(default="")
    banks = ListAttribute(of=UnicodeAttribute, default=list)  # the CONSENTBANK# entries it has
    version = NumberAttribute(default=0)  # bumped by every change of claims
    created_at = UTCDateTimeAttribute()
    last_action_at = UTCDateTimeAttribute()
    last_usage_at = UTCDateTimeAttribute(null=True)


class ConsentBankEntry(Entity, discriminator="ConsentBank"):
    consent_id = UnicodeAttribute()
    bank_id = UnicodeAttribute(default="")


class ConsentRequestRecord(Entity, discriminator="ConsentRequest"):
    consent_request_id = UnicodeAttribute()
    consumer_id = UnicodeAttribute()
    payload = UnicodeAttribute()  # the request body as sent
    vrp = BooleanAttribute(default=False)
    consent_id = UnicodeAttribute(null=True)  # the consent made from it
    created_at = UTCDateTimeAttribute()


class DailyChallenges(Entity, discriminator="ConsentChallenges"):
    count = NumberAttribute()


class ConsentRequestUsed(Exception):
    """The consent request was used by another consent (OBP-35029)."""


class ChallengeQuotaUsed(Exception):
    """The user's consents sent as many challenges today as allowed."""


def user_list(user_id: str) -> positions.NumberedList:
    return positions.NumberedList(f"CONSENTS_OF_USER#{user_id}", counted=False)


def consumer_list(consumer_id: str) -> positions.NumberedList:
    return positions.NumberedList(f"CONSENTS_OF_CONSUMER#{consumer_id}", counted=False)


def every_consent_list() -> positions.NumberedList:
    return positions.NumberedList("CONSENTS", counted=False)


def bank_list(bank_id: str) -> positions.NumberedList:
    return positions.NumberedList(f"CONSENTS_AT_BANK#{bank_id}")


def user_bank_list(user_id: str, bank_id: str) -> positions.NumberedList:
    return positions.NumberedList(f"CONSENTS_OF_USER_AT_BANK#{user_id}#{bank_id}")


class WritesRejected(Exception):
    """A condition of the writes a caller added to the consent's transaction failed."""


def new_consent(consent_id: str, *, user_id: str, consumer_id: str, created_at: datetime, **fields) -> ConsentRecord:
    """A consent; its numbers in its lists are set when it is stored."""
    pk, sk = consent_key(consent_id)
    return ConsentRecord(
        pk=pk, sk=sk, consent_id=consent_id, user_id=user_id, consumer_id=consumer_id, created_at=created_at,
        last_action_at=created_at, **fields,
    )


def _bank_entry(consent: ConsentRecord, bank_id: str) -> ConsentBankEntry:
    return ConsentBankEntry(pk=consent.pk, sk=f"{_BANK}{bank_id}", consent_id=consent.consent_id, bank_id=bank_id)


def _daily_challenges(user_id: str, day: datetime) -> DailyChallenges:
    return DailyChallenges(pk=f"USER#{user_id}", sk=f"CONSENT_CHALLENGES#{day:%Y-%m-%d}")


def _number(record, index: str, lst: positions.NumberedList, numbers: dict[str, int]) -> None:
    setattr(record, f"{index}pk", lst.name)
    setattr(record, f"{index}sk", lst.key(numbers[lst.name]))


def _stage_new_entry(tx, consent: ConsentRecord, bank_id: str, user_id: str, numbers: dict[str, int]) -> None:
    entry = _bank_entry(consent, bank_id)
    _number(entry, "gsi1", bank_list(bank_id), numbers)
    if user_id:
        _number(entry, "gsi2", user_bank_list(user_id, bank_id), numbers)
    tx.save(entry, condition=ConsentBankEntry.pk.does_not_exist())


def _entry_lists(bank_id: str, user_id: str) -> list[positions.NumberedList]:
    return [bank_list(bank_id)] + ([user_bank_list(user_id, bank_id)] if user_id else [])


def create(consent: ConsentRecord, *, from_request: ConsentRequestRecord | None = None,
           also: Callable | None = None, challenges_per_day: int | None = None) -> None:
    """The consent numbered in its lists, its bank entries numbered in theirs, the consent request
    it uses (ConsentRequestUsed when another consent used it first), the user's challenge count
    for the day (ChallengeQuotaUsed past `challenges_per_day`) and `also(tx)` (outbox messages,
    VRP records) in one transaction."""
    quota = _daily_challenges(consent.user_id, consent.created_at) if challenges_per_day is not None else None
    lists = [consumer_list(consent.consumer_id), every_consent_list()]
    lists += [user_list(consent.user_id)] if consent.user_id else []
    for bank_id in consent.banks:
        lists += _entry_lists(bank_id, consent.user_id)

    def build(tx, numbers):
        _number(consent, "gsi2", consumer_list(consent.consumer_id), numbers)
        _number(consent, "gsi3", every_consent_list(), numbers)
        if consent.user_id:
            _number(consent, "gsi1", user_list(consent.user_id), numbers)
        tx.save(consent, condition=ConsentRecord.pk.does_not_exist())
        if quota is not None:
            tx.update(quota, actions=[DailyChallenges.count.add(1), DailyChallenges.record_type.set(DailyChallenges),
                                      DailyChallenges.expires_at.set(consent.created_at + timedelta(days=2))],
                      condition=DailyChallenges.count.does_not_exist() | (DailyChallenges.count < challenges_per_day))
        for bank_id in consent.banks:
            _stage_new_entry(tx, consent, bank_id, consent.user_id, numbers)
        if from_request is not None:
            tx.update(
                ConsentRequestRecord(pk=from_request.pk, sk=from_request.sk),
                actions=[ConsentRequestRecord.consent_id.set(consent.consent_id)],
                condition=ConsentRequestRecord.pk.exists() & ConsentRequestRecord.consent_id.does_not_exist(),
            )
        if also is not None:
            also(tx)

    try:
        positions.write(build, lists)
    except positions.Cancelled as err:
        if from_request is not None and key_of(from_request) in err.failed:
            raise ConsentRequestUsed() from err
        if quota is not None and key_of(quota) in err.failed:
            raise ChallengeQuotaUsed() from err
        if err.failed and key_of(consent) not in err.failed:
            raise WritesRejected() from err
        raise


def get_consent(consent_id: str) -> ConsentRecord | None:
    return get_item(ConsentRecord, *consent_key(consent_id))


def set_status(consent: ConsentRecord, status: str, *, now: datetime, from_statuses: tuple[str, ...] | None = None,
               clear_otp: bool = False, also: Callable | None = None) -> bool:
    """Move the consent to `status` if it is still in one of `from_statuses` (any status when
    None), with `also(tx)`'s writes in the same transaction when given. False when another request
    changed it first (or a condition of `also` failed): nothing is written then. The record is
    updated in place."""
    actions = [ConsentRecord.status.set(status), ConsentRecord.last_action_at.set(now)]
    if clear_otp:
        actions += [ConsentRecord.otp_hash.remove(), ConsentRecord.otp_valid_until.remove()]
    condition = ConsentRecord.pk.exists()
    if from_statuses is not None:
        condition &= ConsentRecord.status.is_in(*from_statuses)
    if also is not None:
        tx = transaction()
        try:
            with tx:
                tx.update(ConsentRecord(pk=consent.pk, sk=consent.sk), actions=actions, condition=condition)
                also(tx)
        except TransactWriteError as err:
            if failed_keys(tx, err):
                return False
            raise
        consent.status, consent.last_action_at = status, now
        if clear_otp:
            consent.otp_hash = consent.otp_valid_until = None
        return True
    try:
        consent.update(actions=actions, condition=condition)
    except UpdateError as err:
        if getattr(err, "cause_response_code", "") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def replace_claims(consent: ConsentRecord, *, claims: str, user_id: str, banks: list[str],
                   also: Callable | None = None) -> bool:
    """New claims (and user, and bank entries) with `also(tx)`, on condition that the consent's
    version and status are those that were read (a revocation in between wins). A new user
    numbers the consent and its bank entries in the user's lists; a bank no longer concerned loses
    its entry (counted out of its lists), a new one gains one. Only these attributes are written;
    the record is updated in place. False when another change came first."""
    old_banks, version, status, old_user = list(consent.banks), int(consent.version), consent.status, consent.user_id
    if old_user and user_id != old_user:
        raise ValueError("a consent's user is set once")  # its user list keeps its members
    gone, kept = [b for b in old_banks if b not in banks], [b for b in old_banks if b in banks]
    added = [b for b in dict.fromkeys(banks) if b not in old_banks]
    entries = {e.bank_id: e for e in _entries(consent, gone + kept)}
    new_user = user_id if user_id != old_user else ""
    lists = [user_list(user_id)] if new_user else []
    lists += [user_bank_list(user_id, b) for b in kept] if new_user else []
    for bank_id in added:
        lists += _entry_lists(bank_id, user_id)

    def build(tx, numbers):
        actions = [ConsentRecord.claims.set(claims), ConsentRecord.user_id.set(user_id), ConsentRecord.banks.set(banks),
                   ConsentRecord.version.set(version + 1)]
        if new_user:
            actions += [ConsentRecord.gsi1pk.set(user_list(user_id).name),
                        ConsentRecord.gsi1sk.set(positions.number_key(numbers[user_list(user_id).name]))]
        tx.update(ConsentRecord(pk=consent.pk, sk=consent.sk), actions=actions,
                  condition=(ConsentRecord.version == version) & (ConsentRecord.status == status))
        for bank_id in gone:
            entry = entries[bank_id]
            tx.delete(ConsentBankEntry(pk=entry.pk, sk=entry.sk), condition=ConsentBankEntry.pk.exists())
            positions.stage_remove(tx, bank_list(bank_id), int(entry.gsi1sk))
            if entry.gsi2sk:
                positions.stage_remove(tx, positions.NumberedList(entry.gsi2pk), int(entry.gsi2sk))
        for bank_id in kept if new_user else []:
            lst = user_bank_list(user_id, bank_id)
            entry = entries[bank_id]
            tx.update(ConsentBankEntry(pk=entry.pk, sk=entry.sk), condition=ConsentBankEntry.pk.exists(),
                      actions=[ConsentBankEntry.gsi2pk.set(lst.name),
                               ConsentBankEntry.gsi2sk.set(lst.key(numbers[lst.name]))])
        for bank_id in added:
            _stage_new_entry(tx, consent, bank_id, user_id, numbers)
        if also is not None:
            also(tx)

    try:
        numbers = positions.write(build, lists)
    except positions.Cancelled as err:
        if key_of(consent) in err.failed:
            return False
        raise
    consent.claims, consent.user_id, consent.banks, consent.version = claims, user_id, banks, version + 1
    if new_user:
        consent.gsi1pk = user_list(user_id).name
        consent.gsi1sk = positions.number_key(numbers[consent.gsi1pk])
    return True


def _entries(consent: ConsentRecord, bank_ids: list[str]) -> list[ConsentBankEntry]:
    found = get_many((consent.pk, f"{_BANK}{b}") for b in bank_ids)
    return [e for e in found.values() if isinstance(e, ConsentBankEntry)]


def stage_still(tx, consent: ConsentRecord, status: str) -> None:
    """A condition in the caller's transaction: the consent's status is still `status` (a payment
    under a consent commits only while the consent stands)."""
    tx.condition_check(ConsentRecord, consent.pk, consent.sk, condition=ConsentRecord.status == status)


def record_usage(consent: ConsentRecord, now: datetime) -> None:
    consent.update(actions=[ConsentRecord.last_usage_at.set(now)], condition=ConsentRecord.pk.exists())


# --- lists (store/positions.py): newest first unless asked otherwise ----------------------------

def _consents_of(entries: list[ConsentBankEntry]) -> list[ConsentRecord]:
    """The consents of a page of bank entries, in the page's order: one BatchGetItem."""
    found = get_many(consent_key(e.consent_id) for e in entries)
    out = [found.get(consent_key(e.consent_id)) for e in entries]
    return [c for c in out if isinstance(c, ConsentRecord)]


def list_of_user(user_id: str, *, limit: int, offset: int = 0, descending: bool = True) -> list[ConsentRecord]:
    return positions.page(user_list(user_id), ConsentRecord.gsi1, ConsentRecord.gsi1sk, limit=limit, offset=offset,
                          descending=descending)


def list_of_user_at_bank(user_id: str, bank_id: str, *, limit: int, offset: int = 0,
                         descending: bool = True) -> list[ConsentRecord]:
    """The user's consents concerning the bank."""
    entries = positions.page(user_bank_list(user_id, bank_id), ConsentBankEntry.gsi2, ConsentBankEntry.gsi2sk,
                             limit=limit, offset=offset, descending=descending)
    return _consents_of(entries)


def list_of_consumer(consumer_id: str, *, limit: int, offset: int = 0, descending: bool = True,
                     status: str | None = None) -> list[ConsentRecord]:
    """An application's consents; with a status, those in it (read within positions.READ_BUDGET:
    positions.TooBroad beyond)."""
    lst = consumer_list(consumer_id)
    if status is None:
        return positions.page(lst, ConsentRecord.gsi2, ConsentRecord.gsi2sk, limit=limit, offset=offset,
                              descending=descending)
    return positions.matching(ConsentRecord.gsi2, lst.name, lambda c: c.status == status, offset=offset, limit=limit,
                              descending=descending)


def list_all(*, limit: int, offset: int = 0, descending: bool = True, status: str | None = None) -> list[ConsentRecord]:
    """Every consent; with a status, those in it (read within positions.READ_BUDGET:
    positions.TooBroad beyond)."""
    lst = every_consent_list()
    if status is None:
        return positions.page(lst, ConsentRecord.gsi3, ConsentRecord.gsi3sk, limit=limit, offset=offset,
                              descending=descending)
    return positions.matching(ConsentRecord.gsi3, lst.name, lambda c: c.status == status, offset=offset, limit=limit,
                              descending=descending)


def list_at_bank(bank_id: str, *, limit: int, offset: int = 0, descending: bool = True) -> list[ConsentRecord]:
    """The consents concerning the bank."""
    entries = positions.page(bank_list(bank_id), ConsentBankEntry.gsi1, ConsentBankEntry.gsi1sk, limit=limit,
                             offset=offset, descending=descending)
    return _consents_of(entries)


# --- consent requests ------------------------------------------------------------------------

def new_request(consent_request_id: str, *, consumer_id: str, payload: str, vrp: bool,
                created_at: datetime) -> ConsentRequestRecord:
    pk, sk = request_key(consent_request_id)
    return ConsentRequestRecord(pk=pk, sk=sk, consent_request_id=consent_request_id, consumer_id=consumer_id,
                                payload=payload, vrp=vrp, created_at=created_at)


def create_request(record: ConsentRequestRecord) -> None:
    record.save(condition=ConsentRequestRecord.pk.does_not_exist())


def get_request(consent_request_id: str) -> ConsentRequestRecord | None:
    return get_item(ConsentRequestRecord, *request_key(consent_request_id))
