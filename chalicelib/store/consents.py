"""Consents and consent requests (OBP's MappedConsent and ConsentRequest).

Keys:
  CONSENT#<consent_id> / CONSENT      the consent: its status, the claims of its JWT (clear JSON,
      the JWT is re-signed from them on demand), its own signing secret (sealed), and the OTP of
      its challenge as a keyed hash until the challenge is answered.
      gsi1 CONSENTS_OF_USER#<user_id> / <created iso>#<consent_id>       a user's consents
      gsi2 CONSENTS_OF_CONSUMER#<consumer_id> / <created iso>#<id>       an application's consents
      gsi3 CONSENTS / <created iso>#<consent_id>                         every consent (management)
  CONSENTBANK#<bank_id> / <created iso>#<consent_id>   the consent concerns the bank (a view or a
      role there); rewritten in the transaction that changes the consent's views or roles
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

from chalicelib.store.base import Entity, failed_keys, get_item, get_many, key_of, query_page, transaction

_BANK_INDEX = "CONSENTBANK#"
_ALL = "CONSENTS"


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


class WritesRejected(Exception):
    """A condition of the writes a caller added to the consent's transaction failed."""


def _sort_key(consent: ConsentRecord) -> str:
    return f"{consent.created_at.isoformat()}#{consent.consent_id}"


def new_consent(consent_id: str, *, user_id: str, consumer_id: str, created_at: datetime, **fields) -> ConsentRecord:
    pk, sk = consent_key(consent_id)
    record = ConsentRecord(
        pk=pk, sk=sk, consent_id=consent_id, user_id=user_id, consumer_id=consumer_id, created_at=created_at,
        last_action_at=created_at, **fields,
    )
    _index(record)
    return record


def _index(record: ConsentRecord) -> None:
    order = _sort_key(record)
    record.gsi1pk = f"CONSENTS_OF_USER#{record.user_id}" if record.user_id else None
    record.gsi1sk = order if record.user_id else None
    record.gsi2pk, record.gsi2sk = f"CONSENTS_OF_CONSUMER#{record.consumer_id}", order
    record.gsi3pk, record.gsi3sk = _ALL, order


def _bank_entry(consent: ConsentRecord, bank_id: str) -> ConsentBankEntry:
    return ConsentBankEntry(pk=f"{_BANK_INDEX}{bank_id}", sk=_sort_key(consent), consent_id=consent.consent_id)


def _daily_challenges(user_id: str, day: datetime) -> DailyChallenges:
    return DailyChallenges(pk=f"USER#{user_id}", sk=f"CONSENT_CHALLENGES#{day:%Y-%m-%d}")


def create(consent: ConsentRecord, *, from_request: ConsentRequestRecord | None = None,
           also: Callable | None = None, challenges_per_day: int | None = None) -> None:
    """The consent, its bank entries, the consent request it uses (ConsentRequestUsed when another
    consent used it first), the user's challenge count for the day (ChallengeQuotaUsed past
    `challenges_per_day`) and `also(tx)` (outbox messages, VRP records) in one transaction."""
    tx = transaction()
    quota = _daily_challenges(consent.user_id, consent.created_at) if challenges_per_day is not None else None
    try:
        with tx:
            tx.save(consent, condition=ConsentRecord.pk.does_not_exist())
            if quota is not None:
                tx.update(quota, actions=[DailyChallenges.count.add(1), DailyChallenges.record_type.set(DailyChallenges),
                                          DailyChallenges.expires_at.set(consent.created_at + timedelta(days=2))],
                          condition=DailyChallenges.count.does_not_exist() | (DailyChallenges.count < challenges_per_day))
            for bank_id in consent.banks:
                tx.save(_bank_entry(consent, bank_id))
            if from_request is not None:
                tx.update(
                    ConsentRequestRecord(pk=from_request.pk, sk=from_request.sk),
                    actions=[ConsentRequestRecord.consent_id.set(consent.consent_id)],
                    condition=ConsentRequestRecord.pk.exists() & ConsentRequestRecord.consent_id.does_not_exist(),
                )
            if also is not None:
                also(tx)
    except TransactWriteError as err:
        failed = failed_keys(tx, err)
        if from_request is not None and key_of(from_request) in failed:
            raise ConsentRequestUsed() from err
        if quota is not None and key_of(quota) in failed:
            raise ChallengeQuotaUsed() from err
        if failed and key_of(consent) not in failed:
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
    version and status are those that were read (a revocation in between wins). Only these
    attributes are written; the record is updated in place. False when another change came first."""
    old_banks, version, status = list(consent.banks), int(consent.version), consent.status
    consent.claims, consent.user_id, consent.banks, consent.version = claims, user_id, banks, version + 1
    _index(consent)
    actions = [ConsentRecord.claims.set(claims), ConsentRecord.user_id.set(user_id), ConsentRecord.banks.set(banks),
               ConsentRecord.version.set(version + 1)]
    actions += ([ConsentRecord.gsi1pk.set(consent.gsi1pk), ConsentRecord.gsi1sk.set(consent.gsi1sk)] if user_id
                else [ConsentRecord.gsi1pk.remove(), ConsentRecord.gsi1sk.remove()])
    tx = transaction()
    try:
        with tx:
            tx.update(ConsentRecord(pk=consent.pk, sk=consent.sk), actions=actions,
                      condition=(ConsentRecord.version == version) & (ConsentRecord.status == status))
            for bank_id in set(old_banks) - set(banks):
                tx.delete(_bank_entry(consent, bank_id))
            for bank_id in set(banks) - set(old_banks):
                tx.save(_bank_entry(consent, bank_id))
            if also is not None:
                also(tx)
    except TransactWriteError as err:
        if key_of(consent) in failed_keys(tx, err):
            return False
        raise
    return True


def stage_still(tx, consent: ConsentRecord, status: str) -> None:
    """A condition in the caller's transaction: the consent's status is still `status` (a payment
    under a consent commits only while the consent stands)."""
    tx.condition_check(ConsentRecord, consent.pk, consent.sk, condition=ConsentRecord.status == status)


def record_usage(consent: ConsentRecord, now: datetime) -> None:
    consent.update(actions=[ConsentRecord.last_usage_at.set(now)], condition=ConsentRecord.pk.exists())


# --- lists: one Query for the page of ids, one BatchGetItem for the consents -------------------

def _consents_of_page(consent_ids: list[str]) -> list[ConsentRecord]:
    found = get_many(consent_key(c) for c in consent_ids)
    out = [found.get(consent_key(c)) for c in consent_ids]
    return [c for c in out if isinstance(c, ConsentRecord)]


def list_of_user(user_id: str, *, limit: int, offset: int = 0, descending: bool = True,
                 filter_condition=None) -> list[ConsentRecord]:
    return query_page(ConsentRecord.gsi1, f"CONSENTS_OF_USER#{user_id}", limit=limit, offset=offset,
                      descending=descending, filter_condition=filter_condition)


def concerning(bank_id: str):
    """A Query filter: consents concerning the bank (applied before the page is counted)."""
    return ConsentRecord.banks.contains(bank_id)


def list_of_consumer(consumer_id: str, *, limit: int, offset: int = 0, descending: bool = True,
                     filter_condition=None) -> list[ConsentRecord]:
    return query_page(ConsentRecord.gsi2, f"CONSENTS_OF_CONSUMER#{consumer_id}", limit=limit, offset=offset,
                      descending=descending, filter_condition=filter_condition)


def list_all(*, limit: int, offset: int = 0, descending: bool = True, filter_condition=None) -> list[ConsentRecord]:
    return query_page(ConsentRecord.gsi3, _ALL, limit=limit, offset=offset, descending=descending,
                      filter_condition=filter_condition)


def list_at_bank(bank_id: str, *, limit: int, offset: int = 0, descending: bool = True) -> list[ConsentRecord]:
    entries = query_page(ConsentBankEntry, f"{_BANK_INDEX}{bank_id}", limit=limit, offset=offset, descending=descending)
    return _consents_of_page([e.consent_id for e in entries])


def filter_on(*, user_id: str | None = None, consumer_id: str | None = None, status: str | None = None):
    """A Query filter for the management lists (None when nothing filters)."""
    condition = None
    for attribute, value in ((ConsentRecord.user_id, user_id), (ConsentRecord.consumer_id, consumer_id),
                             (ConsentRecord.status, status)):
        if value is not None:
            clause = attribute == value
            condition = clause if condition is None else condition & clause
    return condition


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
