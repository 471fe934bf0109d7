"""What a bank keeps about a customer besides the profile: addresses, tax residences, social media
handles and CRM events. All in the customer's partition (see store/customers.py).

Keys (pk CUSTOMER#<customer_id>), each record a member of a list of store/positions.py (gsi1):
  ADDRESS#<customer_address_id>     a customer address; gsi1 CUSTADDRS#<customer_id> / <number>
  TAXRES#<tax_residence_id>         a tax residence; gsi1 CUSTTAXRES#<customer_id> / <number>
  SOCIAL#<handle_id>                a social media handle; gsi1 CUSTSOCIAL#<customer_id> / <number>
  CRM#<crm_event_id>                a CRM event; gsi1 CRMEVENTS#<bank_id> / <number>: the bank's
                                    events by scheduled date (a dated list), then as recorded
The numbered lists are in the order the records were added (OBP's, a database's insertion order);
a record's number is given, and a deleted one counted out, in its own transaction.
"""
from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import ListAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError

from chalicelib.errors import ApiError
from chalicelib.store import positions
from chalicelib.store.base import Entity, get_item, key_of, query_page
from chalicelib.store.customers import customer_pk

_ADDRESS = "ADDRESS#"
_TAX = "TAXRES#"
_SOCIAL = "SOCIAL#"
_CRM = "CRM#"


def _missing(err: Exception) -> bool:
    cause = getattr(err, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


class CustomerAddressRecord(Entity, discriminator="CustomerAddress"):
    customer_address_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    line_1 = UnicodeAttribute(default="")
    line_2 = UnicodeAttribute(default="")
    line_3 = UnicodeAttribute(default="")
    city = UnicodeAttribute(default="")
    county = UnicodeAttribute(default="")
    state = UnicodeAttribute(default="")
    postcode = UnicodeAttribute(default="")
    country_code = UnicodeAttribute(default="")
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute(default="")
    insert_date = UnicodeAttribute()


class TaxResidenceRecord(Entity, discriminator="TaxResidence"):
    tax_residence_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    domain = UnicodeAttribute()
    tax_number = UnicodeAttribute()


class SocialMediaHandleRecord(Entity, discriminator="SocialMediaHandle"):
    handle_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    customer_number = UnicodeAttribute()
    handle_type = UnicodeAttribute()
    handle = UnicodeAttribute()
    date_added = UnicodeAttribute()
    date_activated = UnicodeAttribute()


class CrmEventRecord(Entity, discriminator="CrmEvent"):
    crm_event_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    customer_name = UnicodeAttribute()
    customer_number = UnicodeAttribute()
    category = UnicodeAttribute(default="")
    detail = UnicodeAttribute(default="")
    channel = UnicodeAttribute(default="")
    scheduled_date = UnicodeAttribute()
    actual_date = UnicodeAttribute(null=True)
    result = UnicodeAttribute(default="")


def bank_crm_events_key(bank_id: str) -> str:
    return f"CRMEVENTS#{bank_id}"


def bank_crm_events(bank_id: str) -> positions.DatedList:
    return positions.DatedList(bank_crm_events_key(bank_id))


_LISTS = {CustomerAddressRecord: "CUSTADDRS#", TaxResidenceRecord: "CUSTTAXRES#", SocialMediaHandleRecord: "CUSTSOCIAL#"}


def _list_of(record: Entity) -> positions.NumberedList:
    return positions.NumberedList(f"{_LISTS[type(record)]}{record.customer_id}")


def _moment(obp_date: str) -> datetime:
    return datetime.fromisoformat(obp_date.replace("Z", "+00:00"))


# --- addresses -----------------------------------------------------------------------------------

def address_key(customer_id: str, address_id: str) -> tuple[str, str]:
    return customer_pk(customer_id), f"{_ADDRESS}{address_id}"


def new_address(customer_id: str, address_id: str, **fields) -> CustomerAddressRecord:
    pk, sk = address_key(customer_id, address_id)
    return CustomerAddressRecord(pk=pk, sk=sk, customer_address_id=address_id, customer_id=customer_id, **fields)


def put_new(record: Entity) -> None:
    """Insert a record whose id was just generated (never overwrites), numbered in its list."""
    if isinstance(record, CrmEventRecord):
        target = (bank_crm_events(record.bank_id), _moment(record.scheduled_date))
        lst = target[0]
    else:
        lst = target = _list_of(record)

    def build(tx, numbers):
        record.gsi1pk, record.gsi1sk = lst.name, lst.key(numbers[lst.name])
        tx.save(record, condition=Entity.pk.does_not_exist())

    positions.write(build, [target])


def replace_address(record: CustomerAddressRecord, existing: CustomerAddressRecord) -> None:
    """Overwrite an existing address in its place in the list; ApiError OBP-30310 when it no
    longer exists (for this customer)."""
    record.gsi1pk, record.gsi1sk = existing.gsi1pk, existing.gsi1sk
    try:
        record.save(condition=Entity.pk.exists())
    except PutError as err:
        if _missing(err):
            raise ApiError("OBP-30310", f"Current CUSTOMER_ADDRESS_ID({record.customer_address_id})") from err
        raise


def _delete_member(record: Entity | None, missing: ApiError) -> None:
    """Delete a record of a numbered list and count it out, in one transaction."""
    if record is None:
        raise missing
    lst = _list_of(record)

    def build(tx, _):
        tx.delete(type(record)(pk=record.pk, sk=record.sk), condition=Entity.pk.exists())
        positions.stage_remove(tx, lst, int(record.gsi1sk))

    try:
        positions.write(build)
    except positions.Cancelled as err:
        if key_of(record) in err.failed:
            raise missing from err
        raise


def delete_address(customer_id: str, address_id: str) -> None:
    _delete_member(get_address(customer_id, address_id),
                   ApiError("OBP-30310", f"Current CUSTOMER_ADDRESS_ID({address_id})"))


def get_address(customer_id: str, address_id: str) -> CustomerAddressRecord | None:
    return get_item(CustomerAddressRecord, *address_key(customer_id, address_id))


def list_addresses(customer_id: str, *, limit: int, offset: int) -> list[CustomerAddressRecord]:
    return _page(CustomerAddressRecord, customer_id, limit=limit, offset=offset)


def _page(model: type[Entity], customer_id: str, *, limit: int, offset: int) -> list:
    lst = positions.NumberedList(f"{_LISTS[model]}{customer_id}")
    return positions.page(lst, model.gsi1, model.gsi1sk, limit=limit, offset=offset)


# --- tax residences ------------------------------------------------------------------------------

def new_tax_residence(customer_id: str, tax_residence_id: str, domain: str, tax_number: str) -> TaxResidenceRecord:
    return TaxResidenceRecord(
        pk=customer_pk(customer_id), sk=f"{_TAX}{tax_residence_id}", tax_residence_id=tax_residence_id,
        customer_id=customer_id, domain=domain, tax_number=tax_number,
    )


def delete_tax_residence(customer_id: str, tax_residence_id: str) -> None:
    """ApiError OBP-30300 when the customer has no such tax residence."""
    record = get_item(TaxResidenceRecord, customer_pk(customer_id), f"{_TAX}{tax_residence_id}")
    _delete_member(record, ApiError("OBP-30300", f"Current TAX_RESIDENCE_ID({tax_residence_id})"))


def list_tax_residences(customer_id: str, *, limit: int, offset: int) -> list[TaxResidenceRecord]:
    return _page(TaxResidenceRecord, customer_id, limit=limit, offset=offset)


# --- social media handles ------------------------------------------------------------------------

def new_social_media_handle(customer_id: str, handle_id: str, **fields) -> SocialMediaHandleRecord:
    return SocialMediaHandleRecord(
        pk=customer_pk(customer_id), sk=f"{_SOCIAL}{handle_id}", handle_id=handle_id, customer_id=customer_id,
        **fields,
    )


def list_social_media_handles(customer_id: str, *, limit: int, offset: int) -> list[SocialMediaHandleRecord]:
    return _page(SocialMediaHandleRecord, customer_id, limit=limit, offset=offset)


# --- CRM events ----------------------------------------------------------------------------------

def new_crm_event(customer_id: str, crm_event_id: str, bank_id: str, scheduled_date: str, **fields) -> CrmEventRecord:
    """A CRM event; its number in the bank's list (gsi1) is set by put_new."""
    return CrmEventRecord(
        pk=customer_pk(customer_id), sk=f"{_CRM}{crm_event_id}", crm_event_id=crm_event_id, bank_id=bank_id,
        customer_id=customer_id, scheduled_date=scheduled_date, **fields,
    )


def list_bank_crm_events(bank_id: str, *, limit: int, offset: int) -> list[CrmEventRecord]:
    """A page of the bank's events, by scheduled date (then as recorded)."""
    return positions.page(bank_crm_events(bank_id), CrmEventRecord.gsi1, CrmEventRecord.gsi1sk, limit=limit,
                          offset=offset)


def list_customer_crm_events(customer_id: str, *, limit: int) -> list[CrmEventRecord]:
    """Up to `limit` of the customer's events, in no particular order (one Query)."""
    return query_page(CrmEventRecord, customer_pk(customer_id), CrmEventRecord.sk.startswith(_CRM), limit=limit)

