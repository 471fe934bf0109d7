"""Customers, links, attributes, addresses, tax residences, social media handles and CRM events:
OBP's request bodies (every field required unless OBP's case class has an Option) and the
renderers of OBP's response JSON."""
from __future__ import annotations

from typing import Optional

from pydantic import Field, StrictBool, StrictInt, StrictStr

from chalicelib.schemas.common import ObpDateText, ObpModel
from chalicelib.services.customers import CustomerFields


class FaceImageJson(ObpModel):
    url: StrictStr
    date: ObpDateText


class CreditRatingJson(ObpModel):
    rating: StrictStr
    source: StrictStr


class AmountOfMoneyJson(ObpModel):
    currency: StrictStr
    amount: StrictStr


class _CustomerBody(ObpModel):
    """The fields every createCustomer body up to v4.0.0 requires."""

    legal_name: StrictStr
    mobile_phone_number: StrictStr
    email: StrictStr
    face_image: FaceImageJson
    date_of_birth: ObpDateText
    relationship_status: StrictStr
    dependants: StrictInt
    dob_of_dependants: list[ObpDateText]
    highest_education_attained: StrictStr
    employment_status: StrictStr
    kyc_status: StrictBool
    last_ok_date: ObpDateText


class _CustomerBodyWithCredit(_CustomerBody):
    credit_rating: CreditRatingJson
    credit_limit: AmountOfMoneyJson


class CreateCustomerJson(_CustomerBody):
    """createCustomer v2.0.0: every field required; title, branchId and nameSuffix are kept."""

    obp_name = "CreateCustomerJson"
    title: StrictStr
    branchId: StrictStr
    nameSuffix: StrictStr
    user_id: StrictStr
    customer_number: StrictStr

    def fields(self) -> CustomerFields:
        return _fields(self, title=self.title, branch_id=self.branchId, name_suffix=self.nameSuffix)


class PostCustomerJsonV210(_CustomerBodyWithCredit):
    obp_name = "PostCustomerJsonV210"
    user_id: StrictStr
    customer_number: StrictStr

    def fields(self) -> CustomerFields:
        return _fields(self)


class PostCustomerJsonV310(_CustomerBodyWithCredit):
    obp_name = "PostCustomerJsonV310"
    title: StrictStr
    branch_id: StrictStr
    name_suffix: StrictStr

    def fields(self) -> CustomerFields:
        return _fields(self, title=self.title, branch_id=self.branch_id, name_suffix=self.name_suffix)


class PostCustomerJsonV500(ObpModel):
    """createCustomer v5.0.0: only legal_name and mobile_phone_number are required."""

    obp_name = "PostCustomerJsonV500"
    legal_name: StrictStr
    customer_number: Optional[StrictStr] = None
    mobile_phone_number: StrictStr
    email: Optional[StrictStr] = None
    face_image: Optional[FaceImageJson] = None
    date_of_birth: Optional[ObpDateText] = None
    relationship_status: Optional[StrictStr] = None
    dependants: Optional[StrictInt] = None
    dob_of_dependants: Optional[list[ObpDateText]] = None
    credit_rating: Optional[CreditRatingJson] = None
    credit_limit: Optional[AmountOfMoneyJson] = None
    highest_education_attained: Optional[StrictStr] = None
    employment_status: Optional[StrictStr] = None
    kyc_status: Optional[StrictBool] = None
    last_ok_date: Optional[ObpDateText] = None
    title: Optional[StrictStr] = None
    branch_id: Optional[StrictStr] = None
    name_suffix: Optional[StrictStr] = None

    def fields(self) -> CustomerFields:
        return CustomerFields(
            legal_name=self.legal_name, mobile_phone_number=self.mobile_phone_number, email=self.email or "",
            face_image_url=self.face_image.url if self.face_image else "",
            face_image_date=self.face_image.date if self.face_image else None,
            date_of_birth=self.date_of_birth, relationship_status=self.relationship_status or "",
            dependants=self.dependants or 0, dob_of_dependants=tuple(self.dob_of_dependants or ()),
            credit_rating=self.credit_rating.model_dump() if self.credit_rating else None,
            credit_limit=self.credit_limit.model_dump() if self.credit_limit else None,
            highest_education_attained=self.highest_education_attained or "",
            employment_status=self.employment_status or "", kyc_status=bool(self.kyc_status),
            last_ok_date=self.last_ok_date, title=self.title or "", branch_id=self.branch_id or "",
            name_suffix=self.name_suffix or "",
        )


def _fields(body, **extra) -> CustomerFields:
    rating = getattr(body, "credit_rating", None)
    limit = getattr(body, "credit_limit", None)
    return CustomerFields(
        legal_name=body.legal_name, mobile_phone_number=body.mobile_phone_number, email=body.email,
        face_image_url=body.face_image.url, face_image_date=body.face_image.date, date_of_birth=body.date_of_birth,
        relationship_status=body.relationship_status, dependants=body.dependants,
        dob_of_dependants=tuple(body.dob_of_dependants),
        credit_rating=rating.model_dump() if rating else None, credit_limit=limit.model_dump() if limit else None,
        highest_education_attained=body.highest_education_attained, employment_status=body.employment_status,
        kyc_status=body.kyc_status, last_ok_date=body.last_ok_date, **extra,
    )


class PostCustomerNumberJsonV310(ObpModel):
    obp_name = "PostCustomerNumberJsonV310"
    customer_number: StrictStr


class PostCustomerOverviewJsonV500(ObpModel):
    obp_name = "PostCustomerOverviewJsonV500"
    customer_number: StrictStr


class PostCustomerPhoneNumberJsonV400(ObpModel):
    obp_name = "PostCustomerPhoneNumberJsonV400"
    mobile_phone_number: StrictStr


class CreateUserCustomerLinkJson(ObpModel):
    obp_name = "CreateUserCustomerLinkJson"
    user_id: StrictStr
    customer_id: StrictStr


class CustomerAttributeJsonV400(ObpModel):
    obp_name = "CustomerAttributeJsonV400"
    name: StrictStr
    type: StrictStr
    value: StrictStr


class SocialMediaJSON(ObpModel):
    obp_name = "SocialMediaJSON"
    customer_number: StrictStr
    type: StrictStr
    handle: StrictStr
    date_added: ObpDateText
    date_activated: ObpDateText


class PostTaxResidenceJsonV310(ObpModel):
    obp_name = "PostTaxResidenceJsonV310"
    domain: StrictStr
    tax_number: StrictStr


class PostCustomerAddressJsonV310(ObpModel):
    obp_name = "PostCustomerAddressJsonV310"
    line_1: StrictStr
    line_2: StrictStr
    line_3: StrictStr
    city: StrictStr
    county: StrictStr
    state: StrictStr
    postcode: StrictStr
    country_code: StrictStr
    tags: list[StrictStr]
    status: StrictStr


class PostCrmEventJson(ObpModel):
    """Ours (OBP has no API to record CRM events): the event, for a customer of the bank."""

    obp_name = "PostCrmEventJson"
    customer_id: StrictStr
    category: StrictStr
    detail: StrictStr
    channel: StrictStr
    scheduled_date: ObpDateText
    actual_date: Optional[ObpDateText] = None
    result: StrictStr = Field(default="")


# --- responses -----------------------------------------------------------------------------------

def _map(value) -> dict | None:
    if value is None:
        return None
    return value.as_dict() if hasattr(value, "as_dict") else dict(value)


def _day(obp_date_text: str | None) -> str:
    """CustomerJsonV300 renders dates of birth as yyyy-MM-dd."""
    return obp_date_text[:10] if obp_date_text else ""


def customer_json_v140(c) -> dict:
    return {
        "customer_id": c.customer_id,
        "customer_number": c.customer_number,
        "legal_name": c.legal_name,
        "mobile_phone_number": c.mobile_phone_number,
        "email": c.email,
        "face_image": {"url": c.face_image_url, "date": c.face_image_date},
        "date_of_birth": c.date_of_birth,
        "relationship_status": c.relationship_status,
        "dependants": int(c.dependants),
        "dob_of_dependants": list(c.dob_of_dependants or []),
        "highest_education_attained": c.highest_education_attained,
        "employment_status": c.employment_status,
        "kyc_status": c.kyc_status,
        "last_ok_date": c.last_ok_date,
    }


def _with_credit(c, out: dict) -> dict:
    """Insert the optional credit_rating / credit_limit after dob_of_dependants, as OBP orders them."""
    ordered = {}
    for key, value in out.items():
        ordered[key] = value
        if key == "dob_of_dependants":
            for name in ("credit_rating", "credit_limit"):
                credit = _map(getattr(c, name))
                if credit is not None:
                    ordered[name] = credit
    return ordered


def customer_json_v210(c) -> dict:
    return _with_credit(c, {"bank_id": c.bank_id, **customer_json_v140(c)})


def customer_json_v310(c) -> dict:
    return {**customer_json_v210(c), "title": c.title, "branch_id": c.branch_id, "name_suffix": c.name_suffix}


def customer_json_v300(c) -> dict:
    return {
        **customer_json_v310(c),
        "date_of_birth": _day(c.date_of_birth),
        "dob_of_dependants": [_day(d) for d in c.dob_of_dependants or []],
    }


def attribute_json(a) -> dict:
    return {"customer_attribute_id": a.customer_attribute_id, "name": a.name, "type": a.attribute_type,
            "value": a.value}


def customer_with_attributes_json_v310(view) -> dict:
    return {**customer_json_v310(view.customer), "customer_attributes": [attribute_json(a) for a in view.attributes]}


def customer_with_attributes_json_v300(view) -> dict:
    return {**customer_json_v300(view.customer), "customer_attributes": [attribute_json(a) for a in view.attributes]}


def _account_json(link, with_contracts: bool) -> dict:
    out = {
        "account_id": link.account_id,
        "label": link.label,
        "product_code": link.product_code,
        "balance": {"currency": link.balance_currency, "amount": link.balance_amount},
        "branch_id": link.branch_id,
    }
    if with_contracts and link.contracts is not None:
        out["contracts"] = [_map(c) for c in link.contracts]
    out["account_routings"] = [{"scheme": r.scheme, "address": r.address} for r in link.account_routings]
    out["account_attributes"] = [_account_attribute_json(a) for a in link.account_attributes]
    return out


def _account_attribute_json(a) -> dict:
    out = {"contract_code": a.contract_code} if a.contract_code is not None else {}
    out.update({"product_code": a.product_code, "account_attribute_id": a.account_attribute_id, "name": a.name,
                "type": a.attribute_type, "value": a.value})
    return out


def customer_overview_json(view) -> dict:
    """CustomerOverviewJsonV500."""
    return {
        **customer_with_attributes_json_v310(view),
        "accounts": [_account_json(link, with_contracts=True) for link in view.accounts],
    }


def customer_overview_flat_json(view) -> dict:
    """CustomerOverviewFlatJsonV500."""
    c = view.customer
    return {
        "bank_id": c.bank_id,
        "customer_id": c.customer_id,
        "customer_number": c.customer_number,
        "legal_name": c.legal_name,
        "mobile_phone_number": c.mobile_phone_number,
        "email": c.email,
        "date_of_birth": c.date_of_birth,
        "title": c.title,
        "branch_id": c.branch_id,
        "name_suffix": c.name_suffix,
        "customer_attributes": [attribute_json(a) for a in view.attributes],
        "accounts": [_account_json(link, with_contracts=True) for link in view.accounts],
    }


def user_customer_link_json(link) -> dict:
    return {
        "user_customer_link_id": link.user_customer_link_id,
        "customer_id": link.customer_id,
        "user_id": link.user_id,
        "date_inserted": link.date_inserted,
        "is_active": link.is_active,
    }


def address_json(a) -> dict:
    return {
        "customer_address_id": a.customer_address_id,
        "customer_id": a.customer_id,
        "line_1": a.line_1,
        "line_2": a.line_2,
        "line_3": a.line_3,
        "city": a.city,
        "county": a.county,
        "state": a.state,
        "postcode": a.postcode,
        "country_code": a.country_code,
        "tags": list(a.tags or []),
        "status": a.status,
        "insert_date": a.insert_date,
    }


def tax_residence_json(t) -> dict:
    return {"domain": t.domain, "tax_number": t.tax_number, "tax_residence_id": t.tax_residence_id}


def social_media_json(s) -> dict:
    return {"customer_number": s.customer_number, "type": s.handle_type, "handle": s.handle,
            "date_added": s.date_added, "date_activated": s.date_activated}


def crm_event_json(e) -> dict:
    return {
        "id": e.crm_event_id,
        "bank_id": e.bank_id,
        "customer_name": e.customer_name,
        "customer_number": e.customer_number,
        "category": e.category,
        "detail": e.detail,
        "channel": e.channel,
        "scheduled_date": e.scheduled_date,
        "actual_date": e.actual_date,
        "result": e.result,
    }
