"""The success responses as pydantic models, with OBP's definition names: what the resource docs,
Swagger and OpenAPI documents show (`@endpoint(..., response="CustomerJsonV310")`), and what the
test suite holds every real response to (tests/conftest.py: a response with a field its model
lacks, or without a required one, fails the test that made it).

The renderers in the other schema modules build the responses; these models only describe them,
so nothing here is imported on a request path (endpoints name their model as a string, resolved
when the documents are built). Optional fields are the ones a renderer leaves out or sends as null.
"""
from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model

from chalicelib.schemas.accounts import V121_PERMISSIONS
from chalicelib.services.views import VIEW_JSON_PERMISSIONS


class ResponseModel(BaseModel):
    """A response object: exactly these fields (a field the model lacks is a documentation bug)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TrueJson(RootModel[bool]):
    """The JSON literal true (OBP's DELETE endpoints that answer 200 with a body)."""


# --- shared pieces -------------------------------------------------------------------------------

class AmountOfMoneyJsonV121(ResponseModel):
    currency: str = Field(examples=["EUR"])
    amount: str = Field(examples=["10.12"])


class AccountRoutingJsonV121(ResponseModel):
    """An account routing; null where a view hides it (v1.2.1 and v2.0.0 account_routing)."""

    scheme: Optional[str] = Field(examples=["IBAN"])
    address: Optional[str] = Field(examples=["DE91 1000 0000 0123 4567 89"])


class AmountOfMoneyJSON(ResponseModel):
    """An amount a view may hide: null currency or amount (v1.2.1 transactions)."""

    currency: Optional[str] = Field(examples=["EUR"])
    amount: Optional[str] = Field(examples=["10.12"])


class BankRoutingJsonV121(ResponseModel):
    scheme: str = Field(examples=["OBP"])
    address: str = Field(examples=["gh.29.uk"])


class UserJSONV121(ResponseModel):
    id: str
    provider: str
    display_name: str


class ResourceUserJSON(ResponseModel):
    user_id: str
    email: str
    provider_id: str
    provider: str
    username: str


# --- banks ---------------------------------------------------------------------------------------

class BankJson400(ResponseModel):
    id: str
    short_name: str
    full_name: str
    logo: str
    website: str
    bank_routings: list[BankRoutingJsonV121]


class BanksJson400(ResponseModel):
    banks: list[BankJson400]


class BankJSONV220(ResponseModel):
    """POST /banks at v2.2.0: the body as sent, the first routing only."""

    id: str
    full_name: str
    short_name: str
    logo_url: str
    website_url: str
    swift_bic: str
    national_identifier: str
    bank_routing: BankRoutingJsonV121


class BankJson500(ResponseModel):
    id: str
    bank_code: str
    full_name: str
    logo: str
    website: str
    bank_routings: list[BankRoutingJsonV121]


class HostedBy400(ResponseModel):
    organisation: str
    email: str
    phone: str
    organisation_website: str


class HostedAt400(ResponseModel):
    organisation: str
    organisation_website: str


class EnergySource400(ResponseModel):
    organisation: str
    organisation_website: str


class APIInfoJson400(ResponseModel):
    version: str = Field(examples=["v5.1.0"])
    version_status: str = Field(examples=["STABLE"])
    git_commit: str
    stage: str
    connector: str
    hostname: str
    local_identity_provider: str
    hosted_by: HostedBy400
    hosted_at: HostedAt400
    energy_source: EnergySource400
    resource_docs_requires_role: bool


# --- users, entitlements, consumers --------------------------------------------------------------

class EntitlementJSON(ResponseModel):
    entitlement_id: str
    role_name: str = Field(examples=["CanCreateCustomer"])
    bank_id: str


class EntitlementJSONs(ResponseModel):
    list: list[EntitlementJSON]


class EntitlementJsonV400(EntitlementJSON):
    user_id: str


class EntitlementsJsonV400(ResponseModel):
    list: list[EntitlementJsonV400]


class ViewJSON300(ResponseModel):
    bank_id: str
    account_id: str
    view_id: str


class ViewsJSON300(ResponseModel):
    list: list[ViewJSON300]


class UserJsonV200(ResponseModel):
    user_id: str
    email: str
    provider_id: str
    provider: str
    username: str
    entitlements: EntitlementJSONs


class UserJsonV300(UserJsonV200):
    views: ViewsJSON300


class UserJsonV400(UserJsonV300):
    is_deleted: bool
    is_locked: bool


class BadLoginStatusJson(ResponseModel):
    username: str
    bad_attempts_since_last_success_or_reset: int
    last_failure_date: Optional[str]


class UserLockStatusJson(ResponseModel):
    """OBP lockUser's answer: the lock an administrator put on a user."""

    user_id: str
    type_of_lock: str = Field(examples=["lock_via_api"])
    last_lock_date: str


class ConsumerJsonV210(ResponseModel):
    consumer_id: str
    app_name: str
    app_type: str
    description: str
    developer_email: str
    redirect_url: str
    created_by_user_id: str
    created_by_user: Optional[ResourceUserJSON]
    enabled: bool
    created: str


class ConsumerJson(ConsumerJsonV210):
    """The consumer as created: its key and secret are shown this once."""

    client_certificate: str
    key: str
    secret: str


class PutEnabledJSON(ResponseModel):
    enabled: bool


class DirectLoginToken(ResponseModel):
    token: str


# --- customers -----------------------------------------------------------------------------------

class CustomerFaceImageJson(ResponseModel):
    url: str
    date: Optional[str]


class CustomerCreditRatingJSON(ResponseModel):
    rating: str
    source: str


class CustomerJsonV140(ResponseModel):
    customer_id: str
    customer_number: str
    legal_name: str
    mobile_phone_number: str
    email: str
    face_image: CustomerFaceImageJson
    date_of_birth: Optional[str]
    relationship_status: str
    dependants: int
    dob_of_dependants: list[str]
    highest_education_attained: str
    employment_status: str
    kyc_status: bool
    last_ok_date: Optional[str]


class CustomerJsonV210(CustomerJsonV140):
    bank_id: str
    credit_rating: Optional[CustomerCreditRatingJSON] = None
    credit_limit: Optional[AmountOfMoneyJsonV121] = None


class CustomerJsonV310(CustomerJsonV210):
    title: str
    branch_id: str
    name_suffix: str


class CustomerJsonV300(CustomerJsonV310):
    """CustomerJsonV310's fields with dates of birth as yyyy-MM-dd."""


class CustomerJSONsV300(ResponseModel):
    customers: list[CustomerJsonV300]


class CustomerAttributeResponseJsonV300(ResponseModel):
    customer_attribute_id: str
    name: str
    type: str = Field(examples=["STRING"])
    value: str


class CustomerAttributesResponseJson(ResponseModel):
    customer_attributes: list[CustomerAttributeResponseJsonV300]


class CustomerWithAttributesJsonV310(CustomerJsonV310):
    customer_attributes: list[CustomerAttributeResponseJsonV300]


class CustomerWithAttributesJsonV300(CustomerJsonV300):
    customer_attributes: list[CustomerAttributeResponseJsonV300]


class CustomersWithAttributesJsonV300(ResponseModel):
    customers: list[CustomerWithAttributesJsonV300]


class ContractJsonV500(ResponseModel):
    product_code: str
    contract_code: str
    payment_method: str


class AccountAttributeResponseJson500(ResponseModel):
    contract_code: Optional[str] = None
    product_code: str
    account_attribute_id: str
    name: str
    type: str
    value: str


class AccountResponseJson500(ResponseModel):
    account_id: str
    label: str
    product_code: str
    balance: AmountOfMoneyJsonV121
    branch_id: str
    contracts: Optional[list[ContractJsonV500]] = None
    account_routings: list[AccountRoutingJsonV121]
    account_attributes: list[AccountAttributeResponseJson500]


class CustomerOverviewJsonV500(CustomerWithAttributesJsonV310):
    accounts: list[AccountResponseJson500]


class CustomerOverviewFlatJsonV500(ResponseModel):
    bank_id: str
    customer_id: str
    customer_number: str
    legal_name: str
    mobile_phone_number: str
    email: str
    date_of_birth: Optional[str]
    title: str
    branch_id: str
    name_suffix: str
    customer_attributes: list[CustomerAttributeResponseJsonV300]
    accounts: list[AccountResponseJson500]


class UserCustomerLinkJson(ResponseModel):
    user_customer_link_id: str
    customer_id: str
    user_id: str
    date_inserted: str
    is_active: bool


class CustomerAddressJsonV310(ResponseModel):
    customer_address_id: str
    customer_id: str
    line_1: str
    line_2: str
    line_3: str
    city: str
    county: str
    state: str
    postcode: str
    country_code: str
    tags: list[str]
    status: str
    insert_date: str


class CustomerAddressesJsonV310(ResponseModel):
    addresses: list[CustomerAddressJsonV310]


class TaxResidenceV310(ResponseModel):
    domain: str
    tax_number: str
    tax_residence_id: str


class TaxResidenceJsonV310(ResponseModel):
    tax_residence: list[TaxResidenceV310]


class SuccessMessage(ResponseModel):
    success: str


class SocialMediaJSON(ResponseModel):
    customer_number: str
    type: str
    handle: str
    date_added: str
    date_activated: str


class SocialMediasJSON(ResponseModel):
    checks: list[SocialMediaJSON]


class CrmEventJson(ResponseModel):
    id: str
    bank_id: str
    customer_name: str
    customer_number: str
    category: str
    detail: str
    channel: str
    scheduled_date: str
    actual_date: Optional[str]
    result: str


class CrmEventsJson(ResponseModel):
    crm_events: list[CrmEventJson]


class KycCheckJSON(ResponseModel):
    bank_id: str
    customer_id: str
    id: str
    customer_number: str
    date: str
    how: str
    staff_user_id: str
    staff_name: str
    satisfied: bool
    comments: str


class KycChecksJSON(ResponseModel):
    checks: list[KycCheckJSON]


class KycDocumentJSON(ResponseModel):
    bank_id: str
    customer_id: str
    id: str
    customer_number: str
    type: str
    number: str
    issue_date: str
    issue_place: str
    expiry_date: str


class KycDocumentsJSON(ResponseModel):
    documents: list[KycDocumentJSON]


class KycMediaJSON(ResponseModel):
    bank_id: str
    customer_id: str
    id: str
    customer_number: str
    type: str
    url: str
    date: str
    relates_to_kyc_document_id: str
    relates_to_kyc_check_id: str


class KycMediasJSON(ResponseModel):
    medias: list[KycMediaJSON]


class KycStatusJSON(ResponseModel):
    customer_id: str
    customer_number: str
    ok: bool
    date: str


class KycStatusesJSON(ResponseModel):
    statuses: list[KycStatusJSON]


class UserInvitationJsonV400(ResponseModel):
    first_name: str
    last_name: str
    email: str
    company: str
    country: str
    purpose: str
    status: str


class UserFromInvitationJson(ResponseModel):
    """The user an invitation created (ours: OBP signs invitees up through its portal)."""

    user_id: str
    email: str
    provider_id: str
    provider: str
    username: str
    entitlements: EntitlementJSONs


# --- products ------------------------------------------------------------------------------------

class LicenseJsonV140(ResponseModel):
    id: str
    name: str


class MetaJsonV140(ResponseModel):
    license: LicenseJsonV140


class ProductAttributeResponseWithoutBankIdJson(ResponseModel):
    product_code: str
    product_attribute_id: str
    name: str
    type: str
    value: str


class ProductAttributeResponseJsonV400(ProductAttributeResponseWithoutBankIdJson):
    bank_id: str
    is_active: Optional[bool] = None


class ProductFeeValueJsonV400(ResponseModel):
    currency: str
    amount: str
    frequency: str
    type: str


class ProductFeeJsonV400(ResponseModel):
    product_fee_id: str
    name: str
    is_active: bool
    more_info: str
    value: ProductFeeValueJsonV400


class ProductFeeResponseJsonV400(ProductFeeJsonV400):
    bank_id: str
    product_code: str


class ProductJsonV310(ResponseModel):
    bank_id: str
    code: str
    parent_product_code: str
    name: str
    category: str
    family: str
    super_family: str
    more_info_url: str
    details: str
    description: str
    meta: MetaJsonV140
    product_attributes: Optional[list[ProductAttributeResponseWithoutBankIdJson]] = None


class ProductsJsonV310(ResponseModel):
    products: list[ProductJsonV310]


class ProductJsonV400(ResponseModel):
    bank_id: str
    product_code: str
    parent_product_code: str
    name: str
    more_info_url: str
    terms_and_conditions_url: str
    description: str
    meta: MetaJsonV140
    attributes: Optional[list[ProductAttributeResponseWithoutBankIdJson]] = None
    fees: Optional[list[ProductFeeJsonV400]] = None


class ProductsJsonV400(ResponseModel):
    products: list[ProductJsonV400]


# --- accounts and views --------------------------------------------------------------------------

def _view_model(name: str, doc: str, permissions, **fields):
    model = create_model(name, __base__=ResponseModel, **fields, **{p: (bool, ...) for p in permissions})
    model.__doc__ = doc
    return model


ViewJsonV300 = _view_model(
    "ViewJsonV300", "A view with every permission OBP shows.", VIEW_JSON_PERMISSIONS,
    id=(str, Field(examples=["owner"])), short_name=(str, ...), description=(str, ...), metadata_view=(str, ...),
    is_public=(bool, ...), is_system=(bool, ...), is_firehose=(Optional[bool], None), alias=(str, ...),
    hide_metadata_if_alias_used=(bool, ...),
)
ViewJsonV500 = _view_model(
    "ViewJsonV500", "ViewJsonV300 and the views this one may grant and revoke access to.", VIEW_JSON_PERMISSIONS,
    **{n: (f.annotation, f) for n, f in ViewJsonV300.model_fields.items() if n not in VIEW_JSON_PERMISSIONS},
    can_grant_access_to_views=(list[str], Field(examples=[["owner", "auditor"]])),
    can_revoke_access_to_views=(list[str], Field(examples=[["owner", "auditor"]])),
)
ViewJSONV121 = _view_model(
    "ViewJSONV121", "A view as an account's views_available shows it.",
    [p for p in VIEW_JSON_PERMISSIONS if p in V121_PERMISSIONS],
    id=(str, Field(examples=["owner"])), short_name=(str, ...), description=(str, ...), is_public=(bool, ...),
    alias=(str, ...), hide_metadata_if_alias_used=(bool, ...),
)
ViewJSONV220 = _view_model(
    "ViewJSONV220", "ViewJSONV121 and can_add_counterparty.",
    [p for p in VIEW_JSON_PERMISSIONS if p in V121_PERMISSIONS or p == "can_add_counterparty"],
    **{n: (f.annotation, f) for n, f in ViewJSONV121.model_fields.items() if n not in VIEW_JSON_PERMISSIONS},
)


class ViewsJSONV121(ResponseModel):
    views: list[ViewJSONV121]


class ViewsJSONV220(ResponseModel):
    views: list[ViewJSONV220]


class ViewsJsonV300(ResponseModel):
    views: list[ViewJsonV300]


class ViewsJsonV500(ResponseModel):
    views: list[ViewJsonV500]


class RevokedJson(ResponseModel):
    revoked: bool


class AccountAttributeResponseJson(ResponseModel):
    product_code: str
    account_attribute_id: str
    name: str
    type: str
    value: str
    product_instance_code: Optional[str] = None


class CreateAccountResponseJsonV310(ResponseModel):
    account_id: str
    user_id: str
    label: str
    product_code: str
    balance: AmountOfMoneyJsonV121
    branch_id: str
    account_routings: list[AccountRoutingJsonV121]
    account_attributes: list[AccountAttributeResponseJson]


class AccountTagJSON(ResponseModel):
    id: str
    value: str
    date: str
    user: UserJSONV121


class ModeratedAccountJSON400(ResponseModel):
    """What the view may see of the account: null (or empty) where it may not."""

    id: str
    label: Optional[str]
    number: Optional[str]
    owners: list[UserJSONV121]
    product_code: Optional[str]
    balance: AmountOfMoneyJsonV121
    views_available: list[ViewJSONV121]
    bank_id: str
    account_routings: list[AccountRoutingJsonV121]
    account_attributes: list[AccountAttributeResponseJson]
    tags: list[AccountTagJSON] = Field(description="Always empty: this API keeps no account tags")


class BasicViewJson(ResponseModel):
    id: str
    short_name: str
    is_public: bool


class BasicAccountJSON(ResponseModel):
    id: str
    label: str
    bank_id: str
    views_available: list[BasicViewJson]


class BasicAccountsJSON(ResponseModel):
    accounts: list[BasicAccountJSON]


class HalLink(ResponseModel):
    href: str = Field(examples=["/obp/v2.0.0/my/banks/gh.29.uk/accounts/8ca8a7e4-6d02-40e3-a129-0b2bf89de9f0/account"])


class CoreAccountJSON(ResponseModel):
    id: str
    label: str
    bank_id: str
    links: dict[str, HalLink] = Field(alias="_links", description="HAL links: self, and detail or new")


class CoreAccountsJSON(ResponseModel):
    accounts: list[CoreAccountJSON]


class AccountHeldJson(ResponseModel):
    id: str
    label: str
    bank_id: str
    number: str
    account_routings: list[AccountRoutingJsonV121]


class CoreAccountsHeldJsonV300(ResponseModel):
    accounts: list[AccountHeldJson]


class AccountJSON(ResponseModel):
    id: str
    label: str
    views_available: list[ViewJSONV121]
    bank_id: str


class AccountsJSON(ResponseModel):
    accounts: list[AccountJSON]


class ViewBasicV300(ResponseModel):
    id: str
    short_name: str
    description: str
    is_public: bool


class CoreAccountJson(ResponseModel):
    id: str
    label: str
    bank_id: str
    account_type: str = Field(description="The product code")
    account_routings: list[AccountRoutingJsonV121]
    views: list[ViewBasicV300]


class CoreAccountsJsonV300(ResponseModel):
    accounts: list[CoreAccountJson]


class _ModeratedAccount(ResponseModel):
    """What the view may see of the account: null (or empty) where it may not."""

    id: str
    label: Optional[str]
    number: Optional[str]
    owners: list[UserJSONV121]
    type: Optional[str] = Field(description="The product code")
    balance: AmountOfMoneyJsonV121
    bank_id: str


class ModeratedAccountJSON(_ModeratedAccount):
    IBAN: Optional[str]
    swift_bic: Optional[str]
    views_available: list[ViewJSONV121]
    account_routing: AccountRoutingJsonV121


class ModeratedCoreAccountJSON(_ModeratedAccount):
    IBAN: Optional[str]
    swift_bic: Optional[str]
    account_routing: AccountRoutingJsonV121


class AccountRuleJsonV300(ResponseModel):
    scheme: str
    value: str


class ModeratedCoreAccountJsonV300(_ModeratedAccount):
    account_routings: list[AccountRoutingJsonV121]
    account_rules: list[AccountRuleJsonV300] = Field(description="Always empty: this API keeps no account rules")


class NewModeratedCoreAccountJsonV300(_ModeratedAccount):
    account_routings: list[AccountRoutingJsonV121]
    views_basic: list[ViewBasicV300]


class ModeratedAccountJSON310(_ModeratedAccount):
    views_available: list[ViewJSONV121]
    account_routings: list[AccountRoutingJsonV121]
    account_attributes: list[AccountAttributeResponseJson]


class ModeratedCoreAccountJsonV400(ResponseModel):
    """The account through the owner view (or VIEW_ID at 5.1.0): null where the view hides it."""

    id: str
    bank_id: str
    label: Optional[str]
    number: Optional[str]
    product_code: Optional[str]
    balance: AmountOfMoneyJsonV121
    account_routings: list[AccountRoutingJsonV121]
    views_basic: list[str] = Field(examples=[["owner"]])


# --- transactions and their metadata -------------------------------------------------------------

class TransactionCommentJSON(ResponseModel):
    id: str
    value: str
    date: str
    user: UserJSONV121


class TransactionCommentsJSON(ResponseModel):
    comments: list[TransactionCommentJSON]


class TransactionTagJSON(ResponseModel):
    id: str
    value: str
    date: str
    user: UserJSONV121


class TransactionTagsJSON(ResponseModel):
    tags: list[TransactionTagJSON]


class AccountHolderJSON(ResponseModel):
    name: str
    is_alias: bool


class ThisAccountJsonV300(ResponseModel):
    id: str
    bank_routing: BankRoutingJsonV121
    account_routings: list[AccountRoutingJsonV121]
    holders: list[AccountHolderJSON]


class LocationJSONV121(ResponseModel):
    latitude: float
    longitude: float
    date: str
    user: UserJSONV121


class TransactionImageJSON(ResponseModel):
    id: str
    label: str
    URL: str
    date: str
    user: UserJSONV121


class OtherAccountMetadataJSON(ResponseModel):
    public_alias: Optional[str]
    private_alias: Optional[str]
    more_info: Optional[str]
    URL: Optional[str]
    image_URL: Optional[str]
    open_corporates_URL: Optional[str]
    corporate_location: Optional[LocationJSONV121]
    physical_location: Optional[LocationJSONV121]


class OtherAccountJsonV300(ResponseModel):
    id: str
    holder: AccountHolderJSON
    bank_routing: BankRoutingJsonV121
    account_routings: list[AccountRoutingJsonV121]
    metadata: Optional[OtherAccountMetadataJSON] = Field(description="Always null: this API keeps no counterparty "
                                                                     "metadata")


class TransactionMetadataJSON(ResponseModel):
    """The metadata the view may see: a list is null (v1.2.1) or empty where it may not."""

    narrative: Optional[str]
    comments: Optional[list[TransactionCommentJSON]]
    tags: Optional[list[TransactionTagJSON]]
    images: Optional[list[TransactionImageJSON]] = Field(
        description="Always empty (or null): this API keeps no transaction images")
    where: Optional[LocationJSONV121] = Field(description="Always null: this API keeps no where tags")


class TransactionDetailsJSON(ResponseModel):
    type: Optional[str]
    description: Optional[str]
    posted: Optional[str]
    completed: Optional[str]
    new_balance: AmountOfMoneyJSON
    value: AmountOfMoneyJSON


class MinimalBankJSON(ResponseModel):
    national_identifier: Optional[str]
    name: Optional[str]


class ThisAccountJSON(ResponseModel):
    id: str
    holders: Optional[list[AccountHolderJSON]]
    number: Optional[str]
    kind: Optional[str]
    IBAN: Optional[str]
    swift_bic: Optional[str]
    bank: MinimalBankJSON


class OtherAccountJSON(ResponseModel):
    id: str
    holder: AccountHolderJSON
    number: Optional[str]
    kind: Optional[str]
    IBAN: Optional[str]
    swift_bic: Optional[str]
    bank: MinimalBankJSON
    metadata: Optional[OtherAccountMetadataJSON] = Field(description="Always null: this API keeps no counterparty "
                                                                     "metadata")


class TransactionJSON(ResponseModel):
    """A transaction as the view may see it (v1.2.1): null where it may not."""

    id: str
    this_account: Optional[ThisAccountJSON]
    other_account: Optional[OtherAccountJSON]
    details: TransactionDetailsJSON
    metadata: Optional[TransactionMetadataJSON]


class TransactionsJSON(ResponseModel):
    transactions: list[TransactionJSON]


class TransactionAttributeResponseJson(ResponseModel):
    transaction_attribute_id: str
    name: str
    type: str
    value: str


class TransactionJsonV300(ResponseModel):
    """A transaction as the view may see it: null where it may not."""

    id: str
    this_account: Optional[ThisAccountJsonV300]
    other_account: Optional[OtherAccountJsonV300]
    details: TransactionDetailsJSON
    metadata: Optional[TransactionMetadataJSON]
    transaction_attributes: list[TransactionAttributeResponseJson] = Field(
        description="Always empty: this API keeps no transaction attributes")


class TransactionsJsonV300(ResponseModel):
    transactions: list[TransactionJsonV300]


class TransactionRequestAccountJsonV140(ResponseModel):
    bank_id: str
    account_id: str


class TransactionRequestCounterpartyId(ResponseModel):
    counterparty_id: str


class TransactionRequestBodyAllTypes(ResponseModel):
    """The request as sent: `to_sandbox_tan` (ACCOUNT) or `to_counterparty` (COUNTERPARTY)."""

    to_sandbox_tan: Optional[TransactionRequestAccountJsonV140] = None
    to_counterparty: Optional[TransactionRequestCounterpartyId] = None
    value: AmountOfMoneyJsonV121
    description: str


class TransactionRequestChargeJsonV200(ResponseModel):
    summary: str
    value: AmountOfMoneyJsonV121


class ChallengeJsonV400(ResponseModel):
    id: str
    user_id: str
    allowed_attempts: int
    challenge_type: str = Field(examples=["OBP_TRANSACTION_REQUEST_CHALLENGE"])
    link: str


class ChallengeJsonV140(ResponseModel):
    id: str
    allowed_attempts: int
    challenge_type: str


class _TransactionRequestWithCharge(ResponseModel):
    id: str
    type: str = Field(examples=["ACCOUNT"])
    from_: TransactionRequestAccountJsonV140 = Field(alias="from")
    details: TransactionRequestBodyAllTypes
    transaction_ids: list[str]
    status: str = Field(examples=["COMPLETED"])
    start_date: str
    end_date: str
    charge: TransactionRequestChargeJsonV200


class TransactionRequestWithChargeJSON400(_TransactionRequestWithCharge):
    challenges: Optional[list[ChallengeJsonV400]]


class TransactionRequestWithChargeJSON210(_TransactionRequestWithCharge):
    challenge: Optional[ChallengeJsonV140]


class TransactionRequestWithChargeJSONs210(ResponseModel):
    transaction_requests_with_charges: list[TransactionRequestWithChargeJSON210]


class TransactionRequestChargeJsonV140(ResponseModel):
    summary: str = Field(examples=["Warning! Default value!"])
    value: AmountOfMoneyJsonV121


class TransactionRequestTypeJsonV140(ResponseModel):
    value: str = Field(examples=["ACCOUNT"])
    charge: TransactionRequestChargeJsonV140


class TransactionRequestTypesJsonV140(ResponseModel):
    transaction_request_types: list[TransactionRequestTypeJsonV140]


class HistoricalTransactionAccountJsonV400(ResponseModel):
    bank_id: str
    account_id: str


class PostHistoricalTransactionResponseJsonV400(ResponseModel):
    """The booked historical transaction: the from account's transaction id, the order as sent."""

    transaction_id: str
    from_: HistoricalTransactionAccountJsonV400 = Field(alias="from")
    to: HistoricalTransactionAccountJsonV400
    value: AmountOfMoneyJsonV121
    description: str
    posted: str
    completed: str
    transaction_request_type: str = Field(examples=["SANDBOX_TAN"])
    charge_policy: str = Field(examples=["SHARED"])


# --- counterparties ------------------------------------------------------------------------------

class PostCounterpartyBespokeJson(ResponseModel):
    key: str
    value: str


class UserJSONV210(ResponseModel):
    id: str
    provider: str
    username: str


class LocationJsonV210(ResponseModel):
    latitude: float
    longitude: float
    date: str
    user: UserJSONV210


class CounterpartyMetadataJson(ResponseModel):
    public_alias: str
    more_info: str
    url: str
    image_url: str
    open_corporates_url: str
    corporate_location: Optional[LocationJsonV210] = Field(description="Always null: this API keeps no locations")
    physical_location: Optional[LocationJsonV210] = Field(description="Always null: this API keeps no locations")
    private_alias: str


class CounterpartyJsonV220(ResponseModel):
    name: str
    description: str
    created_by_user_id: str
    this_bank_id: str
    this_account_id: str
    this_view_id: str
    counterparty_id: str
    other_bank_routing_scheme: str = Field(examples=["OBP"])
    other_bank_routing_address: str
    other_branch_routing_scheme: str
    other_branch_routing_address: str
    other_account_routing_scheme: str = Field(examples=["OBP"])
    other_account_routing_address: str
    other_account_secondary_routing_scheme: str
    other_account_secondary_routing_address: str
    is_beneficiary: bool
    bespoke: list[PostCounterpartyBespokeJson]


class CounterpartyWithMetadataJson(CounterpartyJsonV220):
    metadata: CounterpartyMetadataJson


class CounterpartiesJsonV220(ResponseModel):
    counterparties: list[CounterpartyJsonV220]


class CounterpartyJson400(CounterpartyJsonV220):
    currency: str


class CounterpartyWithMetadataJson400(CounterpartyJson400):
    metadata: CounterpartyMetadataJson


class CounterpartiesJson400(ResponseModel):
    counterparties: list[CounterpartyJson400]


class CounterpartyLimitV510(ResponseModel):
    """The limits a VRP consent set on its counterparty; null where it set none. Amounts are
    decimal strings in the counterparty's currency."""

    counterparty_limit_id: str
    bank_id: str
    account_id: str
    view_id: str
    counterparty_id: str
    currency: str
    max_single_amount: Optional[str] = Field(examples=["100.00"])
    max_monthly_amount: Optional[str]
    max_number_of_monthly_transactions: Optional[int]
    max_yearly_amount: Optional[str]
    max_number_of_yearly_transactions: Optional[int]
    max_total_amount: Optional[str]
    max_number_of_transactions: Optional[int]


# --- consents ------------------------------------------------------------------------------------

class ConsentJsonV310(ResponseModel):
    consent_id: str
    jwt: str
    status: str = Field(examples=["INITIATED"])


class ConsentChallengeJsonV310(ConsentJsonV310):
    pass


class ConsentsJsonV310(ResponseModel):
    consents: list[ConsentJsonV310]


class ConsentAccountAccessJson(ResponseModel):
    bank_id: str
    account_id: str
    view_id: str
    helper_info: Optional[dict[str, Any]] = None


class ConsentJsonV500(ConsentJsonV310):
    consent_request_id: Optional[str] = None
    account_access: Optional[ConsentAccountAccessJson] = None


class ConsentScopeJson(ResponseModel):
    role_name: str
    bank_id: str


class ConsentJsonV510(ConsentJsonV310):
    consent_request_id: Optional[str] = None
    scopes: list[ConsentScopeJson]
    consumer_id: str


class ConsentViewJson(ResponseModel):
    bank_id: str
    account_id: str
    view_id: str


class ConsentJWT(BaseModel):
    """The consent's JWT claims (OBP's ConsentJWT; more claims may appear)."""

    model_config = ConfigDict(extra="allow")
    createdByUserId: str
    sub: str
    iss: str
    aud: str
    jti: str
    iat: int
    nbf: int
    exp: int
    entitlements: list[ConsentScopeJson]
    views: list[ConsentViewJson]


class ConsentInfoJsonV400(ResponseModel):
    consent_id: str
    consumer_id: str
    created_by_user_id: str
    status: str
    last_action_date: Optional[str]
    last_usage_date: Optional[str]
    api_standard: str
    api_version: str


class ConsentInfosJsonV400(ResponseModel):
    consents: list[ConsentInfoJsonV400]


class ConsentJsonV400(ResponseModel):
    consent_id: str
    jwt: str
    status: str
    api_standard: str
    api_version: str


class ConsentsJsonV400(ResponseModel):
    consents: list[ConsentJsonV400]


class ConsentInfoJsonV510(ConsentInfoJsonV400):
    consent_reference_id: str
    jwt: str
    jwt_payload: ConsentJWT


class ConsentsInfoJsonV510(ResponseModel):
    consents: list[ConsentInfoJsonV510]


class ConsentJsonV510Item(ResponseModel):
    consent_reference_id: str
    consumer_id: str
    created_by_user_id: str
    status: str
    last_action_date: Optional[str]
    last_usage_date: Optional[str]
    api_standard: str
    api_version: str
    jwt_payload: ConsentJWT
    note: str


class ConsentsJsonV510(ResponseModel):
    number_of_rows: int
    consents: list[ConsentJsonV510Item]


class ConsentRequestResponseJson(ResponseModel):
    consent_request_id: str
    payload: dict[str, Any] = Field(description="The consent request's body, as sent")
    consumer_id: str


class CertificateInfoJsonV510(ResponseModel):
    subject_domain_name: str
    issuer_domain_name: str
    not_before: str
    not_after: str
    roles_info: Optional[str] = None
    roles: Optional[list[str]] = None


# --- webhooks ------------------------------------------------------------------------------------

class AccountWebhookJson(ResponseModel):
    account_webhook_id: str
    bank_id: str
    account_id: str
    trigger_name: str = Field(examples=["OnBalanceChange"])
    url: str
    http_method: str = Field(examples=["POST"])
    http_protocol: str = Field(examples=["HTTP/1.1"])
    created_by_user_id: str
    is_active: bool
    secret: Optional[str] = Field(default=None, description="The signing secret, shown only when created")


class AccountWebhooksJson(ResponseModel):
    web_hooks: list[AccountWebhookJson]


class BankAccountNotificationWebhookJson(ResponseModel):
    webhook_id: str
    bank_id: str
    trigger_name: str = Field(examples=["OnCreateTransaction"])
    url: str
    http_method: str
    http_protocol: str
    created_by_user_id: str
    secret: Optional[str] = Field(default=None, description="The signing secret, shown only when created")


class SystemAccountNotificationWebhookJson(ResponseModel):
    webhook_id: str
    trigger_name: str = Field(examples=["OnCreateTransaction"])
    url: str
    http_method: str
    http_protocol: str
    created_by_user_id: str
    secret: Optional[str] = Field(default=None, description="The signing secret, shown only when created")


class MyWebhookJson(ResponseModel):
    """A webhook as its owner sees it: where it points, what it listens to, and its health."""

    webhook_id: str
    scope: str
    bank_id: Optional[str] = None
    account_id: Optional[str] = None
    profile_id: Optional[str] = None
    triggers: list[str]
    url: str
    http_method: str
    http_protocol: str
    is_active: bool
    disabled_reason: Optional[str] = None
    failing_since: Optional[str] = None
    previous_secret_valid_until: Optional[str] = None
    created: Optional[str] = None


class MyWebhooksJson(ResponseModel):
    web_hooks: list[MyWebhookJson]


class WebhookSecretJson(ResponseModel):
    webhook_id: str
    secret: str
    previous_secret_valid_until: Optional[str] = None


class WebhookDeliveryJson(ResponseModel):
    delivery_id: str
    webhook_id: str
    event_id: str
    event_type: str
    status: str = Field(examples=["SUCCEEDED"])
    attempt_count: int
    created: Optional[str] = None
    last_attempt_at: Optional[str] = None
    last_status_code: Optional[int] = None
    last_error: Optional[str] = None
    next_attempt_at: Optional[str] = None


class WebhookDeliveriesJson(ResponseModel):
    deliveries: list[WebhookDeliveryJson]


class WebhookAttemptJson(ResponseModel):
    attempt: int
    trigger: str = Field(examples=["scheduled"])
    attempted_at: Optional[str] = None
    duration_ms: int
    status_code: Optional[int] = None
    error: Optional[str] = None
    response_body: Optional[str] = None


class WebhookDeliveryDetailJson(WebhookDeliveryJson):
    body: Any
    attempts: list[WebhookAttemptJson]


# --- documentation -------------------------------------------------------------------------------

class JsonDocument(RootModel[dict[str, Any]]):
    """A JSON document (a Swagger 2.0 or OpenAPI 3.1 document)."""


class ImplementedByJson(ResponseModel):
    version: str = Field(examples=["OBPv5.0.0"])
    function: str = Field(examples=["createCustomer"])


class RoleJson(ResponseModel):
    role: str = Field(examples=["CanCreateCustomer"])
    requires_bank_id: bool


class ResourceDocJson(ResponseModel):
    operation_id: str = Field(examples=["OBPv5.0.0-createCustomer"])
    implemented_by: ImplementedByJson
    request_verb: str = Field(examples=["POST"])
    request_url: str = Field(examples=["/obp/v5.0.0/banks/BANK_ID/customers"])
    summary: str = Field(examples=["Create Customer"])
    description: str
    description_markdown: str
    example_request_body: Any
    success_response_body: Any
    error_response_bodies: list[str]
    tags: list[str]
    typed_request_body: dict[str, Any]
    typed_success_response_body: dict[str, Any]
    roles: list[RoleJson]
    is_featured: bool
    special_instructions: str
    specified_url: str = Field(examples=["/obp/v5.1.0/banks/BANK_ID/customers"])
    connector_methods: list[str]


class ResourceDocMeta(ResponseModel):
    response_date: str
    count: int


class ResourceDocsJson(ResponseModel):
    resource_docs: list[ResourceDocJson]
    meta: ResourceDocMeta


class ScannedApiVersionJson(ResponseModel):
    urlPrefix: str = Field(examples=["obp"])
    apiStandard: str = Field(examples=["obp"])
    apiShortVersion: str = Field(examples=["v5.1.0"])
    API_VERSION: str = Field(examples=["v5.1.0"])


class ScannedApiVersionsJson(ResponseModel):
    scanned_api_versions: list[ScannedApiVersionJson]


# --- the Enterprise API (/v1) --------------------------------------------------------------------

class PartnerKey(ResponseModel):
    kid: str
    key_type: str = Field(examples=["RSA"])
    status: str = Field(examples=["active"])
    public_key: str
    created: str
    revoked: Optional[str] = None


class PartnerKeys(RootModel[list[PartnerKey]]):
    pass


class Partner(ResponseModel):
    client_id: str
    name: str
    created: str
    keys: list[PartnerKey]


class AccessToken(ResponseModel):
    access_token: str
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(examples=[3600])


class PayoutAccount(ResponseModel):
    """The OBP account at one of our banks where the profile's money is paid out."""

    bank_id: str = Field(examples=["gh.29.uk"])
    account_id: str = Field(examples=["8ca8a7e4-6d02-40e3-a129-0b2bf89de9f0"])


class Profile(ResponseModel):
    id: str = Field(examples=["profile_8f14e45fceea167a"])
    name: str
    email: Optional[str] = None
    website: Optional[str] = None
    phone: Optional[str] = None
    payout_account: Optional[PayoutAccount] = Field(default=None, description="Needed before the profile takes "
                                                    "payments")
    created: str = Field(examples=["2024-09-25T12:01:00.103Z"])


class Address(ResponseModel):
    premise: Optional[int] = None
    sub_premise: Optional[str] = None
    building: Optional[str] = None
    postal_code: Optional[str] = None
    thoroughfare: Optional[str] = None
    locality: Optional[str] = None
    state: Optional[str] = None
    country: Optional[str] = Field(default=None, examples=["NL"])


class Customer(ResponseModel):
    id: str = Field(examples=["customer_c9f0f895fb98ab91"])
    company: Optional[str] = None
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = Field(default=None, examples=["31612345678"])
    address: Optional[Address] = None
    created: str = Field(examples=["2024-09-25T12:01:00.103Z"])


class _Page(ResponseModel):
    page: int
    pages: int
    size: int
    count: int


class ProfilePage(_Page):
    data: list[Profile]


class CustomerPage(_Page):
    data: list[Customer]


class Webhook(ResponseModel):
    id: str
    url: str
    events: list[str] = Field(examples=[["customer.created"]])
    active: bool
    created: str
    secret: Optional[str] = Field(default=None, description="The signing secret, shown only when created")


class Webhooks(RootModel[list[Webhook]]):
    pass


# --- Enterprise payments and refunds (/v1) ---------------------------------------------------------

class Contact(ResponseModel):
    """A payment's billing or shipping contact (a customer's fields)."""

    company: Optional[str] = None
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = Field(default=None, examples=["31612345678"])
    address: Optional[Address] = None


class PaymentSession(ResponseModel):
    redirect_url: str = Field(examples=["https://shop.example/thanks"],
                              description="Where the hosted page sends the payer back, with `payment_id` added")


class PaymentNext(ResponseModel):
    redirect: str = Field(examples=["https://api.example/checkout/payment_0cc175b9c0f1b6a831c399e269772661/"
                                    "Zm9vYmFyYmF6cXV4cXV1eGZvb2Jh"],
                          description="The hosted payment page: send the payer there (unguessable; only while "
                                      "the payment is `created`)")


class PaymentOpenbanking(ResponseModel):
    bank_id: str = Field(examples=["gh.29.uk"], description="The payer's bank (never the payer's account)")


class PaymentCard(ResponseModel):
    scheme: str = Field(examples=["visa"])
    bin: str = Field(examples=["424242"])
    last4: str = Field(examples=["4242"])
    expiration: str = Field(examples=["12/30"])
    holder_name: str = Field(examples=["Felix Smith"])


class PaymentCreditcard(ResponseModel):
    card: PaymentCard


class Payment(ResponseModel):
    id: str = Field(examples=["payment_0cc175b9c0f1b6a831c399e269772661"])
    profile_id: str = Field(examples=["profile_8f14e45fceea167a"])
    customer_id: Optional[str] = None
    reference: Optional[str] = Field(default=None, examples=["order-1042"],
                                     description="The merchant's own; a repeated reference returns the first payment")
    method: str = Field(examples=["openbanking"], description="openbanking or creditcard")
    state: str = Field(examples=["created"], description="created, processing, succeeded, failed or expired")
    amount: int = Field(examples=[8230], description="Integer minor units of the currency (EUR 8230 = 82.30)")
    currency: str = Field(examples=["EUR"])
    description: Optional[str] = None
    metadata: Optional[dict[str, str]] = None
    billing: Optional[Contact] = None
    shipping: Optional[Contact] = None
    session: Optional[PaymentSession] = Field(default=None, description="Where the hosted page returns the payer "
                                              "(none for a charge through a payment method)")
    next: Optional[PaymentNext] = None
    payment_method: Optional[str] = Field(default=None, examples=["pm_5f1c0a2b3c4d5e6f708192a3b4c5d6e7"],
                                          description="The recurring payment method it was charged through (no "
                                                      "hosted page, no payer present)")
    amount_refunded: int = Field(examples=[0], description="Minor units refunded so far")
    failure_reason: Optional[str] = Field(default=None, examples=["insufficient_funds"])
    created: str = Field(examples=["2024-09-25T12:01:00.103Z"])
    expires: str = Field(examples=["2024-09-25T12:31:00.103Z"], description="A payment still `created` then expires")
    completed: Optional[str] = None
    settlement_id: Optional[str] = Field(default=None, description="The settlement that paid it out, once settled")
    openbanking: Optional[PaymentOpenbanking] = Field(default=None, description="openbanking payments, once the "
                                                      "payer chose their bank")
    creditcard: Optional[PaymentCreditcard] = Field(default=None, description="creditcard payments, once a card "
                                                    "was entered (never its number)")


class PaymentPage(_Page):
    data: list[Payment]


class Refund(ResponseModel):
    id: str = Field(examples=["refund_92eb5ffee6ae2fec3ad71c777531578f"])
    payment_id: str = Field(examples=["payment_0cc175b9c0f1b6a831c399e269772661"])
    amount: int = Field(examples=[1000], description="Integer minor units")
    currency: str = Field(examples=["EUR"])
    description: Optional[str] = None
    metadata: Optional[dict[str, str]] = None
    state: str = Field(examples=["succeeded"], description="pending, succeeded or failed")
    failure_reason: Optional[str] = None
    created: str = Field(examples=["2024-09-25T12:01:00.103Z"])
    completed: Optional[str] = None
    settlement_id: Optional[str] = Field(default=None, description="The settlement that netted it out, once settled")


class Refunds(RootModel[list[Refund]]):
    pass


class ProviderAccount(ResponseModel):
    account_id: str
    balance: Optional[int] = Field(default=None, description="Integer minor units")


class ProviderAccounts(ResponseModel):
    """The provider's own accounts at one bank in one currency."""

    bank_id: str = Field(examples=["gh.29.uk"])
    currency: str = Field(examples=["EUR"])
    clearing_account: ProviderAccount = Field(description="Receives payments, pays refunds")
    fee_account: ProviderAccount
    card_acquirer_account: ProviderAccount = Field(description="The sandbox acquirer's funds: pays card payments "
                                                   "in, takes card refunds")
    created: str


# --- Enterprise payment methods, settlements and fee schedules (/v1) ---------------------------------

class RecurringSchedule(ResponseModel):
    amount: int = Field(examples=[1500], description="The most one charge takes, integer minor units")
    currency: str = Field(examples=["EUR"])
    frequency: str = Field(examples=["monthly"], description="daily, weekly, monthly, quarterly or yearly")
    day_of_execution: Optional[int] = Field(examples=[15], description="Day of the week (1 = Monday), month or "
                                            "quarter's month the charge falls on")
    month_of_execution: Optional[int] = Field(examples=[None], description="Month of the year (yearly) or of the "
                                              "quarter (1-3, quarterly)")
    start_date: str = Field(examples=["2025-03-15"])
    end_date: Optional[str] = Field(examples=["2025-12-31"])


class PaymentMethodOpenbanking(ResponseModel):
    bank_id: Optional[str] = Field(examples=["gh.29.uk"], description="The payer's bank, once the mandate is "
                                   "authorised (never the payer's account)")
    recurring: RecurringSchedule


class PaymentMethodNext(ResponseModel):
    redirect: str = Field(description="The hosted page where the payer authorises the mandate (only while the "
                                      "method is `created`)")


class PaymentMethod(ResponseModel):
    id: str = Field(examples=["pm_5f1c0a2b3c4d5e6f708192a3b4c5d6e7"])
    profile_id: str = Field(examples=["profile_8f14e45fceea167a"])
    customer_id: str
    reference: Optional[str] = Field(description="The merchant's own; a repeated reference returns the first method")
    method: str = Field(examples=["openbanking"])
    description: Optional[str]
    metadata: Optional[dict[str, str]]
    state: str = Field(examples=["succeeded"], description="created, succeeded, failed or expired")
    openbanking: PaymentMethodOpenbanking
    session: PaymentSession
    next: Optional[PaymentMethodNext]
    next_charge_date: Optional[str] = Field(examples=["2025-04-15"], description="The scheduled function's next "
                                            "charge (a succeeded method)")
    failure_reason: Optional[str] = Field(examples=["cancelled_by_the_payer"])
    expiry_reason: Optional[str] = Field(examples=["revoked_by_the_payer"])
    created: str = Field(examples=["2024-09-25T12:01:00.103Z"])
    completed: Optional[str]
    expired: Optional[str]


class PaymentMethods(RootModel[list[PaymentMethod]]):
    pass


class CountSum(ResponseModel):
    count: int
    sum: int = Field(description="Integer minor units")


class SettlementPayout(ResponseModel):
    payments: CountSum
    refunds: CountSum


class SettlementCarriedOver(ResponseModel):
    from_previous: int = Field(description="Owed from the previous settlement's negative net, taken off this one")
    to_next: int = Field(description="This settlement's negative net, taken off the next one")


class SettlementPayoutAccount(ResponseModel):
    bank_id: str
    account_id: str


class SettlementTransactionRequests(ResponseModel):
    charges: Optional[str] = Field(description="The ledger's transaction request clearing -> fee account (none "
                                   "without charges)")
    payout: Optional[str] = Field(description="The ledger's transaction request clearing -> payout account (none "
                                  "without a payout)")


class SettlementCharges(ResponseModel):
    openbanking: int = Field(examples=[60], description="Integer minor units (payments through mandates too)")
    creditcard: int = Field(examples=[0])
    refund: int = Field(examples=[0])


class Settlement(ResponseModel):
    id: str = Field(examples=["settlement_0c1d2e3f405162738495a6b7c8d9e0f1"])
    profile_id: str
    currency: str = Field(examples=["EUR"])
    charges: SettlementCharges = Field(description="The fees charged, per kind of item")
    charges_total: int
    amount: int = Field(description="Paid out: payments - refunds - charges - carried_over.from_previous, or 0 "
                                    "when that is negative (then carried_over.to_next)")
    payout: SettlementPayout
    carried_over: SettlementCarriedOver
    payout_account: SettlementPayoutAccount
    transaction_request_ids: SettlementTransactionRequests
    scheduled: str = Field(examples=["2024-09-26T02:00:00.000Z"])
    created: str = Field(examples=["2024-09-26T02:00:03.412Z"])


class Settlements(RootModel[list[Settlement]]):
    pass


class FeePart(ResponseModel):
    fixed: int = Field(examples=[10], description="Integer minor units of the item's currency")
    basis_points: int = Field(examples=[50], description="Of the item's amount (1 bp = 0.01 %)")


class FeeParts(ResponseModel):
    """A charge per item: fixed + amount x basis_points / 10000, rounded half up."""

    openbanking: FeePart = Field(description="Per open-banking payment (payments through mandates too)")
    creditcard: FeePart = Field(description="Per card payment")
    refund: FeePart = Field(description="Per refund")


class FeeSchedule(ResponseModel):
    profile_id: str
    custom: bool = Field(description="false: the provider's default schedule applies")
    fees: FeeParts
