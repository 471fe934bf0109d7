"""Customer attributes (v4.0.0), addresses and tax residences (v3.1.0), social media handles
(v2.0.0) and CRM events (v1.4.0; creating one is ours)."""
from chalicelib.api.routing import Reply, Request, endpoint
from chalicelib.schemas.customers import (
    CustomerAttributeJsonV400,
    PostCrmEventJson,
    PostCustomerAddressJsonV310,
    PostTaxResidenceJsonV310,
    SocialMediaJSON,
    address_json,
    attribute_json,
    crm_event_json,
    social_media_json,
    tax_residence_json,
)
from chalicelib.services import banks, customer_data
from chalicelib.services.customers import require_bank_role
from chalicelib.services.paging import parse_page

# --- attributes ----------------------------------------------------------------------------------


@endpoint("POST", "/banks/{bank_id}/customers/{customer_id}/attribute", since="4.0.0", status=201,
          roles=("CanCreateCustomerAttributeAtOneBank",), body=CustomerAttributeJsonV400,
          response="CustomerAttributeResponseJsonV300",
          tags=("Customer",),
          errors=("OBP-20001",))
def create_customer_attribute(req: Request, bank_id: str, customer_id: str):
    """Create Customer Attribute"""
    caller = req.user()
    require_bank_role(caller, bank_id, ["CanCreateCustomerAttributeAtOneBank"], mode="any")
    body = req.body(CustomerAttributeJsonV400)
    return attribute_json(customer_data.create_attribute(bank_id, customer_id, body.name, body.type, body.value))


@endpoint("GET", "/banks/{bank_id}/customers/{customer_id}/attributes", since="4.0.0",
          roles=("CanGetCustomerAttributesAtOneBank",), check_roles=False, response="CustomerAttributesResponseJson",
          tags=("Customer",), errors=("OBP-20001",))
def get_customer_attributes(req: Request, bank_id: str, customer_id: str):
    """Get Customer Attributes"""
    caller = req.user()
    banks.require_bank(bank_id)
    found = customer_data.attributes(caller, bank_id, customer_id, parse_page(req.query))
    return {"customer_attributes": [attribute_json(a) for a in found]}


# --- addresses -----------------------------------------------------------------------------------

def _address(body: PostCustomerAddressJsonV310) -> customer_data.AddressFields:
    return customer_data.AddressFields(
        line_1=body.line_1, line_2=body.line_2, line_3=body.line_3, city=body.city, county=body.county,
        state=body.state, postcode=body.postcode, country_code=body.country_code, tags=tuple(body.tags),
        status=body.status,
    )


@endpoint("POST", "/banks/{bank_id}/customers/{customer_id}/address", since="3.1.0", status=201,
          roles=("CanCreateCustomerAddress",), body=PostCustomerAddressJsonV310, response="CustomerAddressJsonV310",
          tags=("Customer",),
          errors=("OBP-20001", "OBP-20006", "OBP-10001", "OBP-50000"))
def create_customer_address(req: Request, bank_id: str, customer_id: str):
    """Create Address"""
    caller = req.user()
    require_bank_role(caller, bank_id, ["CanCreateCustomerAddress"])
    body = req.body(PostCustomerAddressJsonV310)
    return address_json(customer_data.create_address(bank_id, customer_id, _address(body)))


@endpoint("GET", "/banks/{bank_id}/customers/{customer_id}/addresses", since="3.1.0",
          roles=("CanGetCustomerAddress",), response="CustomerAddressesJsonV310",
          tags=("Customer", "KYC"), errors=("OBP-20001", "OBP-20006", "OBP-50000"))
def get_customer_addresses(req: Request, bank_id: str, customer_id: str):
    """Get Customer Addresses"""
    caller = req.user()
    banks.require_bank(bank_id)
    found = customer_data.addresses(caller, bank_id, customer_id, parse_page(req.query))
    return {"addresses": [address_json(a) for a in found]}


@endpoint("PUT", "/banks/{bank_id}/customers/{customer_id}/addresses/{customer_address_id}", since="3.1.0",
          body=PostCustomerAddressJsonV310, response="CustomerAddressJsonV310",
          tags=("Customer",), errors=("OBP-20001",))
def update_customer_address(req: Request, bank_id: str, customer_id: str, customer_address_id: str):
    """Update the Address of a Customer"""
    caller = req.user()
    require_bank_role(caller, bank_id, ["CanCreateCustomer"])  # OBP's role for this update
    body = req.body(PostCustomerAddressJsonV310)
    return address_json(customer_data.update_address(bank_id, customer_id, customer_address_id, _address(body)))


@endpoint("DELETE", "/banks/{bank_id}/customers/{customer_id}/addresses/{customer_address_id}", since="3.1.0",
          roles=("CanDeleteCustomerAddress",), response="TrueJson", tags=("Customer", "KYC"),
          errors=("OBP-20001", "OBP-20006", "OBP-50000"))
def delete_customer_address(req: Request, bank_id: str, customer_id: str, customer_address_id: str):
    """Delete Customer Address"""
    caller = req.user()
    require_bank_role(caller, bank_id, ["CanDeleteCustomerAddress"])
    customer_data.delete_address(bank_id, customer_id, customer_address_id)
    return Reply(True)


# --- tax residences ------------------------------------------------------------------------------

@endpoint("POST", "/banks/{bank_id}/customers/{customer_id}/tax-residence", since="3.1.0", status=201,
          roles=("CanCreateTaxResidence",), body=PostTaxResidenceJsonV310, response="TaxResidenceV310",
          tags=("Customer", "KYC"),
          errors=("OBP-20001", "OBP-20006", "OBP-10001", "OBP-50000"))
def create_tax_residence(req: Request, bank_id: str, customer_id: str):
    """Create Tax Residence"""
    caller = req.user()
    require_bank_role(caller, bank_id, ["CanCreateTaxResidence"])
    body = req.body(PostTaxResidenceJsonV310)
    return tax_residence_json(customer_data.create_tax_residence(bank_id, customer_id, body.domain, body.tax_number))


@endpoint("GET", "/banks/{bank_id}/customers/{customer_id}/tax-residences", since="3.1.0",
          operation="getTaxResidence", roles=("CanGetTaxResidence",), response="TaxResidenceJsonV310",
          tags=("Customer", "KYC"),
          errors=("OBP-20001", "OBP-50000", "OBP-20006"))
def get_tax_residences(req: Request, bank_id: str, customer_id: str):
    """Get Tax Residences of Customer"""
    caller = req.user()
    banks.require_bank(bank_id)
    found = customer_data.tax_residences(caller, bank_id, customer_id, parse_page(req.query))
    return {"tax_residence": [tax_residence_json(t) for t in found]}


@endpoint("DELETE", "/banks/{bank_id}/customers/{customer_id}/tax_residencies/{tax_residence_id}", since="3.1.0",
          roles=("CanDeleteTaxResidence",), response="TrueJson",
          tags=("Customer", "KYC"), errors=("OBP-20001", "OBP-50000", "OBP-20006"))
def delete_tax_residence(req: Request, bank_id: str, customer_id: str, tax_residence_id: str):
    """Delete Tax Residence"""
    caller = req.user()
    require_bank_role(caller, bank_id, ["CanDeleteTaxResidence"])
    customer_data.delete_tax_residence(bank_id, customer_id, tax_residence_id)
    return Reply(True)


# --- social media handles ------------------------------------------------------------------------

@endpoint("POST", "/banks/{bank_id}/customers/{customer_id}/social_media_handles", since="2.0.0", status=201,
          roles=("CanAddSocialMediaHandle",), body=SocialMediaJSON, response="SuccessMessage", tags=("Customer",),
          errors=("OBP-20001", "OBP-10001", "OBP-30111", "OBP-20006", "OBP-30046", "OBP-50000"))
def add_social_media_handle(req: Request, bank_id: str, customer_id: str):
    """Create Customer Social Media Handle"""
    caller = req.user()
    body = req.body(SocialMediaJSON)  # v2.0.0 reads the body before the bank and the role
    require_bank_role(caller, bank_id, ["CanAddSocialMediaHandle"])
    customer_data.add_social_media_handle(bank_id, customer_id, body.type, body.handle, body.date_added,
                                          body.date_activated)
    return {"success": "Success"}


@endpoint("GET", "/banks/{bank_id}/customers/{customer_id}/social_media_handles", since="2.0.0",
          roles=("CanGetSocialMediaHandles",), response="SocialMediasJSON", tags=("Customer",),
          errors=("OBP-20001", "OBP-20006", "OBP-30046", "OBP-50000"))
def get_social_media_handles(req: Request, bank_id: str, customer_id: str):
    """Get Customer Social Media Handles"""
    caller = req.user()
    banks.require_bank(bank_id)
    found = customer_data.social_media_handles(caller, bank_id, customer_id, parse_page(req.query))
    return {"checks": [social_media_json(s) for s in found]}  # OBP's wrapper key, sic


# --- CRM events ----------------------------------------------------------------------------------

@endpoint("GET", "/banks/{bank_id}/crm-events", since="1.4.0",
          response="CrmEventsJson",
          tags=("Customer",), errors=("OBP-20001", "OBP-30001", "No CRM Events available.", "OBP-50000"))
def get_crm_events(req: Request, bank_id: str):
    """Get CRM Events"""
    caller = req.user()
    banks.require_bank(bank_id)
    found = customer_data.crm_events(caller, bank_id, parse_page(req.query))
    return {"crm_events": [crm_event_json(e) for e in found]}


@endpoint("POST", "/banks/{bank_id}/crm-events", since="1.4.0", status=201,
          roles=("CanCreateCrmEvent",), body=PostCrmEventJson, response="CrmEventJson",
          tags=("Customer",), errors=("OBP-20001",))
def create_crm_event(req: Request, bank_id: str):
    """Create CRM Event"""
    caller = req.user()
    require_bank_role(caller, bank_id, [customer_data.CRM_CREATE_ROLE], mode="any")
    body = req.body(PostCrmEventJson)
    event = customer_data.create_crm_event(bank_id, customer_data.CrmEventFields(
        customer_id=body.customer_id, category=body.category, detail=body.detail, channel=body.channel,
        scheduled_date=body.scheduled_date, actual_date=body.actual_date, result=body.result,
    ))
    return crm_event_json(event)
