"""Customers, their attributes, the accounts linked to them, and the links between users and customers.

Keys (a customer's data shares the partition CUSTOMER#<customer_id>):
  CUSTOMER#<id> / CUSTOMER                      the customer.
      gsi1 CUSTOMERS#<bank_id> / <number>       a bank's customers, oldest first: a numbered list
           (store/positions.py), numbered in the customer's transaction
      gsi2 CUSTPHONE#<bank_id> / <mobile_phone_number>#<customer_id>
           phone search: a LIKE pattern's literal prefix becomes a begins_with on this sort key
      gsi3 CUSTPHONEREV#<bank_id> / <mobile_phone_number reversed>#<customer_id>
           the same, for a pattern's literal suffix (`%1234` seeks "4321"); a change of the
           number must rewrite both phone keys
  CUSTOMER#<id> / CUSTOMER#ATTRIBUTE#<attribute_id>   a customer attribute
      gsi1 CUSTATTRS#<customer_id> / <number>           the customer's attributes, in the order added
  CUSTOMER#<id> / CUSTOMER#ACCOUNT#<bank_id>#<account_id>
      an account linked to the customer, carrying what the customer overview shows of the account
      (see CustomerAccountLink); gsi1 CUSTACCOUNT#<bank_id>#<account_id> / <customer_id>
  The sort keys starting with "CUSTOMER" are exactly what the overview needs: one Query reads them.
  USER#<user_id> / CUSTLINK#<bank_id>#<customer_id>   a user-customer link (OBP UserCustomerLink)
      gsi1 CUSTLINKS#<user_id> / <number>               the user's links, in the order made
      gsi2 CUSTLINKS#<user_id>#<bank_id> / <number>     the user's links at one bank, likewise
  UNIQUE#CUSTOMER_NUMBER#<bank_id>#<number>           customer number -> customer_id, unique per bank
  UNIQUE#CUSTOMER_OF_USER#<bank_id>#<user_id>         "this user is linked to a customer at this bank":
      createCustomer v2.0.0/v2.1.0 write it with attribute_not_exists (OBP-30007); a link made by
      createUserCustomerLinks writes it unconditionally, so a later createCustomer v2.x sees it.
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import TransactWriteError

from chalicelib.errors import ApiError
from chalicelib.store import positions
from chalicelib.store.base import (
    DecimalAttribute,
    Entity,
    UniqueGuard,
    get_item,
    get_many,
    key_of,
    put_unique,
    query_page,
    resolve_unique,
    unique_guard,
)
from chalicelib.store.users import user_pk

CUSTOMER_NUMBER = "CUSTOMER_NUMBER"
CUSTOMER_OF_USER = "CUSTOMER_OF_USER"
PROFILE = "CUSTOMER"
_ATTRIBUTE = "CUSTOMER#ATTRIBUTE#"
_ACCOUNT = "CUSTOMER#ACCOUNT#"
_LINK = "CUSTLINK#"


def customer_pk(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def bank_customers_key(bank_id: str) -> str:
    return f"CUSTOMERS#{bank_id}"


def bank_phones_key(bank_id: str) -> str:
    return f"CUSTPHONE#{bank_id}"


def bank_reversed_phones_key(bank_id: str) -> str:
    return f"CUSTPHONEREV#{bank_id}"


def bank_customers(bank_id: str) -> positions.NumberedList:
    return positions.NumberedList(bank_customers_key(bank_id))


def user_links(user_id: str, bank_id: str | None = None) -> positions.NumberedList:
    """The user's customer links (at one bank, or at every bank)."""
    return positions.NumberedList(f"CUSTLINKS#{user_id}" + (f"#{bank_id}" if bank_id is not None else ""))


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class CustomerRecord(Entity, discriminator="Customer"):
    """Dates are kept as OBP renders them (yyyy-MM-dd'T'HH:mm:ss'Z'); None when not given."""

    customer_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    customer_number = UnicodeAttribute()
    legal_name = UnicodeAttribute()
    mobile_phone_number = UnicodeAttribute()
    email = UnicodeAttribute(default="")
    face_image_url = UnicodeAttribute(default="")
    face_image_date = UnicodeAttribute(null=True)
    date_of_birth = UnicodeAttribute(null=True)
    relationship_status = UnicodeAttribute(default="")
    dependants = NumberAttribute(default=0)
    dob_of_dependants = ListAttribute(of=UnicodeAttribute, default=list)
    credit_rating = MapAttribute(null=True)  # {"rating", "source"}; absent in v5.0.0 bodies without it
    credit_limit = MapAttribute(null=True)  # {"currency", "amount"}: OBP's amount is a string, kept as given
    highest_education_attained = UnicodeAttribute(default="")
    employment_status = UnicodeAttribute(default="")
    kyc_status = BooleanAttribute(default=False)
    kyc_status_as_of = UnicodeAttribute(null=True)  # date of the newest KYC status applied to kyc_status
    last_ok_date = UnicodeAttribute(null=True)
    title = UnicodeAttribute(default="")
    branch_id = UnicodeAttribute(default="")
    name_suffix = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()


class CustomerAttributeRecord(Entity, discriminator="CustomerAttribute"):
    customer_attribute_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    name = UnicodeAttribute()
    attribute_type = UnicodeAttribute()
    value = UnicodeAttribute()


class AccountRouting(MapAttribute):
    scheme = UnicodeAttribute(default="")
    address = UnicodeAttribute(default="")


class AccountAttributeView(MapAttribute):
    account_attribute_id = UnicodeAttribute()
    name = UnicodeAttribute()
    attribute_type = UnicodeAttribute()
    value = UnicodeAttribute()
    product_code = UnicodeAttribute(default="")
    contract_code = UnicodeAttribute(null=True)


class CustomerAccountLink(Entity, discriminator="CustomerAccountLink"):
    """An account linked to a customer, with the account's overview projection.

    The accounts capability owns these records: it writes one (`new_account_link` +
    `stage_account_link`) in the same transaction as the link (OBP createCustomerAccountLink), and
    re-stages it in the transaction of any change to what it shows (label, product, balance,
    branch, routings, attributes, contracts), one item per linked customer. That keeps the
    customer overview a single Query however many accounts a customer has.
    `contracts` is a list of maps with OBP's ContractJsonV500 field names.
    """

    customer_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    label = UnicodeAttribute(default="")
    product_code = UnicodeAttribute(default="")
    balance_currency = UnicodeAttribute(default="")
    balance_amount = DecimalAttribute()
    branch_id = UnicodeAttribute(default="")
    account_routings = ListAttribute(of=AccountRouting, default=list)
    account_attributes = ListAttribute(of=AccountAttributeView, default=list)
    contracts = ListAttribute(null=True)


class UserCustomerLinkRecord(Entity, discriminator="UserCustomerLink"):
    user_customer_link_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    date_inserted = UnicodeAttribute()
    is_active = BooleanAttribute(default=True)


# --- builders ------------------------------------------------------------------------------------

def new_customer_record(**fields) -> CustomerRecord:
    """A customer; its number in the bank's list (gsi1sk) is set when it is stored."""
    created = now_iso()
    customer_id, bank_id, phone = fields["customer_id"], fields["bank_id"], fields["mobile_phone_number"]
    return CustomerRecord(
        pk=customer_pk(customer_id), sk=PROFILE, gsi1pk=bank_customers_key(bank_id),
        gsi2pk=bank_phones_key(bank_id), gsi2sk=f"{phone}#{customer_id}",
        gsi3pk=bank_reversed_phones_key(bank_id), gsi3sk=f"{phone[::-1]}#{customer_id}",
        created_at=created, **fields,
    )


def new_user_customer_link(link_id: str, user_id: str, customer_id: str, bank_id: str,
                           date_inserted: str) -> UserCustomerLinkRecord:
    """A link; its numbers in the user's lists (gsi1sk, gsi2sk) are set when it is stored."""
    return UserCustomerLinkRecord(
        pk=user_pk(user_id), sk=f"{_LINK}{bank_id}#{customer_id}", user_customer_link_id=link_id,
        gsi1pk=user_links(user_id).name, gsi2pk=user_links(user_id, bank_id).name,
        user_id=user_id, customer_id=customer_id, bank_id=bank_id, date_inserted=date_inserted, is_active=True,
    )


def number_customer(customer: CustomerRecord, number: int) -> None:
    customer.gsi1sk = positions.number_key(number)


def number_link(link: UserCustomerLinkRecord, numbers: dict[str, int]) -> None:
    link.gsi1sk = positions.number_key(numbers[link.gsi1pk])
    link.gsi2sk = positions.number_key(numbers[link.gsi2pk])


def _link_lists(link: UserCustomerLinkRecord) -> list[positions.NumberedList]:
    return [user_links(link.user_id), user_links(link.user_id, link.bank_id)]


def new_account_link(customer_id: str, bank_id: str, account_id: str, **projection) -> CustomerAccountLink:
    return CustomerAccountLink(
        pk=customer_pk(customer_id), sk=f"{_ACCOUNT}{bank_id}#{account_id}",
        gsi1pk=f"CUSTACCOUNT#{bank_id}#{account_id}", gsi1sk=customer_id,
        customer_id=customer_id, bank_id=bank_id, account_id=account_id, **projection,
    )


def account_links(bank_id: str, account_id: str) -> list[CustomerAccountLink]:
    """The customer links of one account (their projections re-stage with its changes): one Query."""
    return list(CustomerAccountLink.gsi1.query(f"CUSTACCOUNT#{bank_id}#{account_id}"))


def stage_account_link(tx, link: CustomerAccountLink) -> None:
    """Add (or refresh) an account link in the caller's transaction."""
    tx.save(link)


# --- writes --------------------------------------------------------------------------------------

def create_customer(customer: CustomerRecord, link: UserCustomerLinkRecord | None = None) -> None:
    """Insert a customer with its customer-number guard, numbered in its bank's list, and
    (createCustomer v2.x) the link to its user with the one-customer-per-user-at-a-bank guard,
    numbered in the user's lists, all in one transaction.
    ApiError OBP-30006 when the number is taken at the bank, OBP-30007 when the user already has a
    customer there, OBP-30025 when the link could not be written (lost a race)."""
    number_guard = (UniqueGuard.key(CUSTOMER_NUMBER, f"{customer.bank_id}#{customer.customer_number}"), "UNIQUE")
    lists = [bank_customers(customer.bank_id)] + (_link_lists(link) if link is not None else [])

    def build(tx, numbers):
        number_customer(customer, numbers[customer.gsi1pk])
        put_unique(tx, CUSTOMER_NUMBER, f"{customer.bank_id}#{customer.customer_number}", customer.customer_id)
        tx.save(customer, condition=CustomerRecord.pk.does_not_exist())
        if link is not None:
            number_link(link, numbers)
            put_unique(tx, CUSTOMER_OF_USER, f"{link.bank_id}#{link.user_id}", customer.customer_id)
            tx.save(link, condition=UserCustomerLinkRecord.pk.does_not_exist())

    try:
        positions.write(build, lists)
    except positions.Cancelled as err:
        if number_guard in err.failed:
            raise ApiError("OBP-30006") from err
        if link is not None and (UniqueGuard.key(CUSTOMER_OF_USER, f"{link.bank_id}#{link.user_id}"), "UNIQUE") in err.failed:
            raise ApiError("OBP-30007") from err
        if link is not None:
            raise ApiError("OBP-30025") from err
        raise


def create_user_customer_link(link: UserCustomerLinkRecord) -> None:
    """Link a user to a customer (OBP createUserCustomerLinks), numbered in the user's lists.
    ApiError OBP-30007 when this user is already linked to this customer, OBP-30025 when the
    write lost a race."""

    def build(tx, numbers):
        number_link(link, numbers)
        tx.save(link, condition=UserCustomerLinkRecord.pk.does_not_exist())
        # Marks the user as having a customer at the bank (see the module docstring).
        tx.save(unique_guard(CUSTOMER_OF_USER, f"{link.bank_id}#{link.user_id}", link.customer_id))

    try:
        positions.write(build, _link_lists(link))
    except positions.Cancelled as err:
        if key_of(link) in err.failed:
            raise ApiError("OBP-30007") from err
        raise ApiError("OBP-30025") from err
    except TransactWriteError as err:
        raise ApiError("OBP-30025") from err


def customer_attributes(customer_id: str) -> positions.NumberedList:
    return positions.NumberedList(f"CUSTATTRS#{customer_id}")


def add_attribute(attribute: CustomerAttributeRecord) -> None:
    """Insert an attribute, numbered in its customer's list of attributes."""
    lst = customer_attributes(attribute.customer_id)

    def build(tx, numbers):
        attribute.gsi1sk = lst.key(numbers[lst.name])
        tx.save(attribute, condition=CustomerAttributeRecord.pk.does_not_exist())

    positions.write(build, [lst])


def new_attribute(customer_id: str, bank_id: str, attribute_id: str, name: str, attribute_type: str,
                  value: str) -> CustomerAttributeRecord:
    return CustomerAttributeRecord(
        pk=customer_pk(customer_id), sk=f"{_ATTRIBUTE}{attribute_id}", gsi1pk=customer_attributes(customer_id).name,
        customer_attribute_id=attribute_id, customer_id=customer_id, bank_id=bank_id, name=name,
        attribute_type=attribute_type, value=value,
    )


# --- reads ---------------------------------------------------------------------------------------

def get_customer(customer_id: str) -> CustomerRecord | None:
    return get_item(CustomerRecord, customer_pk(customer_id), PROFILE)


def customer_id_by_number(bank_id: str, customer_number: str) -> str | None:
    return resolve_unique(CUSTOMER_NUMBER, f"{bank_id}#{customer_number}")


def customer_number_taken(bank_id: str, customer_number: str) -> bool:
    return customer_id_by_number(bank_id, customer_number) is not None


def user_has_customer_at_bank(user_id: str, bank_id: str) -> bool:
    return resolve_unique(CUSTOMER_OF_USER, f"{bank_id}#{user_id}") is not None


class CustomerView:
    """A customer with its attributes and linked accounts, as one Query returns them."""

    def __init__(self, customer: CustomerRecord | None, attributes: list, accounts: list):
        self.customer = customer
        self.attributes = attributes
        self.accounts = accounts


def load_customer_view(customer_id: str) -> CustomerView:
    """The customer, every attribute and every linked account: one Query (one round trip while the
    partition's overview part stays under DynamoDB's 1 MB page)."""
    customer, attributes, accounts = None, [], []
    for item in Entity.query(customer_pk(customer_id), Entity.sk.startswith(PROFILE), consistent_read=True):
        if isinstance(item, CustomerRecord):
            customer = item
        elif isinstance(item, CustomerAttributeRecord):
            attributes.append(item)
        elif isinstance(item, CustomerAccountLink):
            accounts.append(item)
    return CustomerView(customer, attributes, accounts)


def list_attributes(customer_id: str, *, limit: int, offset: int) -> list[CustomerAttributeRecord]:
    """A page of the customer's attributes in the order they were added."""
    return positions.page(customer_attributes(customer_id), CustomerAttributeRecord.gsi1,
                          CustomerAttributeRecord.gsi1sk, limit=limit, offset=offset)


def get_customers(customer_ids: list[str]) -> list[CustomerRecord]:
    """Customers by id in one BatchGetItem (per 100), in the order asked; missing ones left out."""
    found = get_many((customer_pk(c), PROFILE) for c in customer_ids)
    records = (found.get((customer_pk(c), PROFILE)) for c in customer_ids)
    return [r for r in records if isinstance(r, CustomerRecord)]


def list_bank_customers(bank_id: str, *, limit: int, offset: int, descending: bool = False) -> list[CustomerRecord]:
    """A page of the bank's customers in the order they were created (see store/positions.py)."""
    return positions.page(bank_customers(bank_id), CustomerRecord.gsi1, CustomerRecord.gsi1sk, limit=limit,
                          offset=offset, descending=descending)


def customers_by_phone_prefix(bank_id: str, prefix: str, matches, *, offset: int, limit: int,
                              budget: int) -> list[CustomerRecord]:
    """The bank's customers whose mobile phone number starts with `prefix` and `matches(number)`,
    in number order, skipping `offset`: reads only entries under the prefix (all of the bank's when
    it is empty), at most `budget` of them (positions.TooBroad beyond)."""
    condition = CustomerRecord.gsi2sk.startswith(prefix) if prefix else None
    return positions.matching(CustomerRecord.gsi2, bank_phones_key(bank_id), lambda c: matches(c.mobile_phone_number),
                              offset=offset, limit=limit, range_condition=condition, budget=budget)


def customers_by_phone_suffix(bank_id: str, suffix: str, *, budget: int) -> list[CustomerRecord]:
    """Every customer of the bank whose mobile phone number ends with `suffix` (not empty), in no
    particular order: reads only those entries, at most `budget` (positions.TooBroad beyond)."""
    condition = CustomerRecord.gsi3sk.startswith(suffix[::-1])
    return positions.matching(CustomerRecord.gsi3, bank_reversed_phones_key(bank_id), lambda c: True,
                              offset=0, limit=budget + 1, range_condition=condition, budget=budget)


def get_user_customer_link(user_id: str, bank_id: str, customer_id: str) -> UserCustomerLinkRecord | None:
    if not user_id:  # nobody (a caller under a consent has no own links): nothing to read
        return None
    return get_item(UserCustomerLinkRecord, user_pk(user_id), f"{_LINK}{bank_id}#{customer_id}")


def list_user_customer_links(user_id: str, bank_id: str | None = None, *, limit: int):
    """The user's first `limit` links (at one bank) by key: one Query of the user's partition, for
    the callers that want a few links whatever their order (pages: page_user_customer_links)."""
    if not user_id:
        return []
    prefix = _LINK if bank_id is None else f"{_LINK}{bank_id}#"
    return query_page(UserCustomerLinkRecord, user_pk(user_id), UserCustomerLinkRecord.sk.startswith(prefix),
                      limit=limit)


def user_links_head(user_id: str, bank_id: str | None = None) -> positions.Head:
    return positions.read_head(user_links(user_id, bank_id)) if user_id else positions.Head()


def page_user_customer_links(user_id: str, bank_id: str | None = None, *, limit: int, offset: int = 0,
                             descending: bool = False, head: positions.Head | None = None):
    """A page of the user's links (at one bank) in the order they were made."""
    if not user_id:
        return []
    index, sort_key = (UserCustomerLinkRecord.gsi1, UserCustomerLinkRecord.gsi1sk) if bank_id is None \
        else (UserCustomerLinkRecord.gsi2, UserCustomerLinkRecord.gsi2sk)
    return positions.page(user_links(user_id, bank_id), index, sort_key, limit=limit, offset=offset,
                          descending=descending, head=head)
