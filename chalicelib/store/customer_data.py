"""What a bank keeps about a customer besides the profile: addresses, tax residences, social media
handles and CRM events. All in the customer's partition (see store/customers.py).

Keys (pk CUSTOMER#<customer_id>):
  ADDRESS#<customer_address_id>     a customer address
  TAXRES#<tax_residence_id>         a tax residence
  SOCIAL#<handle_id>                a social media handle
  CRM#<crm_event_id>                a CRM event; gsi1 CRMEVENTS#<bank_id> / <scheduled iso>#<id>
                                    lists a bank's events by scheduled date
"""
from __future__ import annotations

from pynamodb.attributes import ListAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError

from chalicelib.errors import ApiError
from chalicelib.store.base import Entity, get_item, query_page
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


# --- addresses -----------------------------------------------------------------------------------

def address_key(customer_id: str, address_id: str) -> tuple[str, str]:
    return customer_pk(customer_id), f"{_ADDRESS}{address_id}"


def new_address(customer_id: str, address_id: str, **fields) -> CustomerAddressRecord:
    pk, sk = address_key(customer_id, address_id)
    return CustomerAddressRecord(pk=pk, sk=sk, customer_address_id=address_id, customer_id=customer_id, **fields)


def put_new(record: Entity) -> None:
    """Insert a record whose id was just generated (never overwrites)."""
    record.save(condition=Entity.pk.does_not_exist())


def replace_address(record: CustomerAddressRecord) -> None:
    """Overwrite an existing address; ApiError OBP-30310 when it does not exist (for this customer)."""
    try:
        record.save(condition=Entity.pk.exists())
    except PutError as err:
        if _missing(err):
            raise ApiError("OBP-30310", f"Current CUSTOMER_ADDRESS_ID({record.customer_address_id})") from err
        raise


def delete_address(customer_id: str, address_id: str) -> None:
    pk, sk = address_key(customer_id, address_id)
    try:
        CustomerAddressRecord(pk=pk, sk=sk).delete(condition=Entity.pk.exists())
    except DeleteError as err:
        if _missing(err):
            raise ApiError("OBP-30310", f"Current CUSTOMER_ADDRESS_ID({address_id})") from err
        raise


def get_address(customer_id: str, address_id: str) -> CustomerAddressRecord | None:
    return get_item(CustomerAddressRecord, *address_key(customer_id, address_id))


def list_addresses(customer_id: str, *, limit: int, offset: int) -> list[CustomerAddressRecord]:
    return query_page(CustomerAddressRecord, customer_pk(customer_id), CustomerAddressRecord.sk.startswith(_ADDRESS),
                      limit=limit, offset=offset)


# --- tax residences ------------------------------------------------------------------------------

def new_tax_residence(customer_id: str, tax_residence_id: str, domain: str, tax_number: str) -> TaxResidenceRecord:
    return TaxResidenceRecord(
        pk=customer_pk(customer_id), sk=f"{_TAX}{tax_residence_id}", tax_residence_id=tax_residence_id,
        customer_id=customer_id, domain=domain, tax_number=tax_number,
    )


def delete_tax_residence(customer_id: str, tax_residence_id: str) -> None:
    """ApiError OBP-30300 when the customer has no such tax residence."""
    try:
        TaxResidenceRecord(pk=customer_pk(customer_id), sk=f"{_TAX}{tax_residence_id}").delete(
            condition=Entity.pk.exists()
        )
    except DeleteError as err:
        if _missing(err):
            raise ApiError("OBP-30300", f"Current TAX_RESIDENCE_ID({tax_residence_id})") from err
        raise


def list_tax_residences(customer_id: str, *, limit: int, offset: int) -> list[TaxResidenceRecord]:
    return query_page(TaxResidenceRecord, customer_pk(customer_id), TaxResidenceRecord.sk.startswith(_TAX),
                      limit=limit, offset=offset)


# --- social media handles ------------------------------------------------------------------------

def new_social_media_handle(customer_id: str, handle_id: str, **fields) -> SocialMediaHandleRecord:
    return SocialMediaHandleRecord(
        pk=customer_pk(customer_id), sk=f"{_SOCIAL}{handle_id}", handle_id=handle_id, customer_id=customer_id,
        **fields,
    )


def list_social_media_handles(customer_id: str, *, limit: int, offset: int) -> list[SocialMediaHandleRecord]:
    return query_page(SocialMediaHandleRecord, customer_pk(customer_id),
                      SocialMediaHandleRecord.sk.startswith(_SOCIAL), limit=limit, offset=offset)


# --- CRM events ----------------------------------------------------------------------------------

def new_crm_event(customer_id: str, crm_event_id: str, bank_id: str, scheduled_date: str, **fields) -> CrmEventRecord:
    return CrmEventRecord(
        pk=customer_pk(customer_id), sk=f"{_CRM}{crm_event_id}",
        gsi1pk=bank_crm_events_key(bank_id), gsi1sk=f"{scheduled_date}#{crm_event_id}",
        crm_event_id=crm_event_id, bank_id=bank_id, customer_id=customer_id, scheduled_date=scheduled_date,
        **fields,
    )


def list_bank_crm_events(bank_id: str, *, limit: int, offset: int) -> list[CrmEventRecord]:
    return query_page(CrmEventRecord.gsi1, bank_crm_events_key(bank_id), limit=limit, offset=offset)


def list_customer_crm_events(customer_id: str, *, limit: int) -> list[CrmEventRecord]:
    return query_page(CrmEventRecord, customer_pk(customer_id), CrmEventRecord.sk.startswith(_CRM), limit=limit)

