"""Customers: createCustomer (v2.0.0, v2.1.0, v3.1.0, v4.0.0, v5.0.0), reads by id / number / own
link, the bank's customers, user-customer links, the overviews and the phone search.
Each route runs OBP's checks in that version's order (see reference §1.1 and §4b)."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.customers import (
    CreateCustomerJson,
    CreateUserCustomerLinkJson,
    PostCustomerJsonV210,
    PostCustomerJsonV310,
    PostCustomerJsonV500,
    PostCustomerNumberJsonV310,
    PostCustomerOverviewJsonV500,
    PostCustomerPhoneNumberJsonV400,
    customer_json_v140,
    customer_json_v210,
    customer_json_v300,
    customer_json_v310,
    customer_overview_flat_json,
    customer_overview_json,
    customer_with_attributes_json_v300,
    customer_with_attributes_json_v310,
    user_customer_link_json,
)
from chalicelib.services import banks, customers
from chalicelib.services.paging import parse_page
from chalicelib.services.validation import check_bank_id


def _create_linked(req: Request, bank_id: str, body_model, create):
    """v2.0.0 and v2.1.0: the bank, the body, then the roles and the customer with its user link."""
    caller = req.user()
    banks.require_bank(bank_id)
    body = req.body(body_model)
    return create(caller, bank_id, body.fields(), body.customer_number, body.user_id)


@endpoint("POST", "/banks/{bank_id}/customers", since="2.0.0", status=201,
          roles=("CanCreateCustomer", "CanCreateUserCustomerLink"),
          body=CreateCustomerJson, response="CustomerJsonV140",
          tags=("Customer", "Person"),
          errors=("OBP-30111", "OBP-20001", "OBP-30001", "OBP-30006", "OBP-20006", "OBP-20005", "OBP-30024",
              "OBP-30007", "OBP-30025", "OBP-50000"))
def create_customer_v200(req: Request, bank_id: str):
    """Create Customer"""
    return customer_json_v140(_create_linked(req, bank_id, CreateCustomerJson, customers.create_customer_v200))


@endpoint("POST", "/banks/{bank_id}/customers", since="2.1.0", status=201,
          roles=("CanCreateCustomer", "CanCreateUserCustomerLink", "CanCreateCustomerAtAnyBank",
              "CanCreateUserCustomerLinkAtAnyBank"),
          body=PostCustomerJsonV210, response="CustomerJsonV210", tags=("Customer", "Person"),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-30006", "OBP-20005", "OBP-30007", "OBP-30024",
              "OBP-50000", "OBP-20006"))
def create_customer_v210(req: Request, bank_id: str):
    """Create Customer"""
    return customer_json_v210(_create_linked(req, bank_id, PostCustomerJsonV210, customers.create_customer_v210))


@endpoint("POST", "/banks/{bank_id}/customers", since="3.1.0", status=201,
          roles=("CanCreateCustomer", "CanCreateCustomerAtAnyBank"), body=PostCustomerJsonV310,
          response="CustomerJsonV310", tags=("Customer", "Person"),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-30006", "OBP-20005", "OBP-30007", "OBP-30024",
              "OBP-50000", "OBP-20006"))
def create_customer_v310(req: Request, bank_id: str):
    """Create Customer"""
    caller = req.user()
    customers.require_create_role(caller, bank_id)  # v3.1.0 checks roles before the bank
    banks.require_bank(bank_id)
    body = req.body(PostCustomerJsonV310)
    return customer_json_v310(customers.create_customer(bank_id, body.fields()))


@endpoint("POST", "/banks/{bank_id}/customers", since="4.0.0", status=201,
          roles=("CanCreateCustomer", "CanCreateCustomerAtAnyBank"), body=PostCustomerJsonV310,
          response="CustomerJsonV310", tags=("Customer", "Person"),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-30006", "OBP-20005", "OBP-30007", "OBP-30024",
              "OBP-50000", "OBP-20006"))
def create_customer_v400(req: Request, bank_id: str):
    """Create Customer"""
    caller = req.user()
    banks.require_bank(bank_id)
    customers.require_create_role(caller, bank_id)
    body = req.body(PostCustomerJsonV310)
    return customer_json_v310(customers.create_customer(bank_id, body.fields()))


@endpoint("POST", "/banks/{bank_id}/customers", since="5.0.0", status=201,
          roles=("CanCreateCustomer", "CanCreateCustomerAtAnyBank"), body=PostCustomerJsonV500,
          response="CustomerJsonV310", tags=("Customer", "Person"),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-30006", "OBP-20005", "OBP-30007", "OBP-30024",
              "OBP-50000", "OBP-20006"))
def create_customer_v500(req: Request, bank_id: str):
    """Create Customer"""
    caller = req.user()
    banks.require_bank(bank_id)
    customers.require_create_role(caller, bank_id)
    body = req.body(PostCustomerJsonV500)
    return customer_json_v310(customers.create_customer(bank_id, body.fields(), body.customer_number))


@endpoint("GET", "/banks/{bank_id}/customers", since="5.0.0",
          operation="getCustomersAtOneBank", roles=("CanGetCustomers", "CanGetCustomersAtAnyBank"),
          check_roles=False, response="CustomerJSONsV300", tags=("Customer", "User"), errors=("OBP-20001",))
def get_customers_at_bank(req: Request, bank_id: str):
    """Get Customers at Bank"""
    caller = req.user()
    banks.require_bank(bank_id)
    found = customers.bank_customers(caller, bank_id, parse_page(req.query))
    return {"customers": [customer_json_v300(c) for c in found]}


@endpoint("GET", "/banks/{bank_id}/customers/{customer_id}", since="3.1.0",
          operation="getCustomerByCustomerId", roles=("CanGetCustomer",), response="CustomerWithAttributesJsonV310",
          tags=("Customer",), errors=("OBP-20001",))
def get_customer_by_id(req: Request, bank_id: str, customer_id: str):
    """Get Customer by CUSTOMER_ID"""
    caller = req.user()
    banks.require_bank(bank_id)
    view = customers.customer_view(caller, bank_id, customer_id, ["CanGetCustomer"])
    return customer_with_attributes_json_v310(view)


@endpoint("GET", "/banks/{bank_id}/customer", since="1.4.0", under_consent=False,
          operation="getCustomer", response="CustomerJsonV140", tags=("Customer",), errors=("OBP-20001", "OBP-50000"))
def get_my_customer_at_bank(req: Request, bank_id: str):
    """Get customer for logged in user"""
    return customer_json_v140(customers.my_customer_at_bank(req.user(), bank_id))


@endpoint("GET", "/users/current/customers", since="3.0.0", under_consent=False,
          operation="getCustomersForUser", response="CustomersWithAttributesJsonV300",
          tags=("Customer", "User"), errors=("OBP-20001",))
def get_my_customers(req: Request):
    """Get Customers for Current User"""
    views = customers.my_customers(req.user(), parse_page(req.query))
    return {"customers": [customer_with_attributes_json_v300(v) for v in views]}


def _link(req: Request, bank_id: str):
    caller = req.user()
    banks.require_bank(bank_id)
    customers.require_link_role(caller, bank_id)
    body = req.body(CreateUserCustomerLinkJson)
    return user_customer_link_json(customers.link_user_to_customer(bank_id, body.user_id, body.customer_id))


# OBP's v2.0.0 form checks no credentials at all; here both forms need the caller and the role.
@endpoint("POST", "/banks/{bank_id}/user_customer_links", since="2.0.0", status=200,
          operation="createUserCustomerLinks",
          roles=("CanCreateUserCustomerLink", "CanCreateUserCustomerLinkAtAnyBank"),
          body=CreateUserCustomerLinkJson, response="UserCustomerLinkJson",
          tags=("Customer", "User"),
          errors=("OBP-20001", "OBP-30111", "OBP-30001", "OBP-10001", "OBP-30046", "OBP-20006", "OBP-30007",
              "OBP-30025", "OBP-50000"))
def create_user_customer_link_v200(req: Request, bank_id: str):
    """Create User Customer Link"""
    return _link(req, bank_id)


@endpoint("POST", "/banks/{bank_id}/user_customer_links", since="4.0.0", status=201,
          operation="createUserCustomerLinks",
          roles=("CanCreateUserCustomerLinkAtAnyBank", "CanCreateUserCustomerLink"),
          body=CreateUserCustomerLinkJson, response="UserCustomerLinkJson",
          tags=("Customer", "User"),
          errors=("OBP-20001", "OBP-30111", "OBP-30001", "OBP-10001", "OBP-30046", "OBP-20006", "OBP-30007",
              "OBP-30025", "OBP-50000"))
def create_user_customer_link(req: Request, bank_id: str):
    """Create User Customer Link"""
    return _link(req, bank_id)


@endpoint("POST", "/banks/{bank_id}/customers/customer-number", since="3.1.0",
          operation="getCustomerByCustomerNumber", roles=("CanGetCustomer",), body=PostCustomerNumberJsonV310,
          response="CustomerWithAttributesJsonV310",
          tags=("Customer", "KYC"), errors=("OBP-20001", "OBP-30008", "OBP-50000", "OBP-20006"))
def get_customer_by_number(req: Request, bank_id: str):
    """Get Customer by CUSTOMER_NUMBER"""
    caller = req.user()
    banks.require_bank(bank_id)
    body = req.body(PostCustomerNumberJsonV310)
    view = customers.customer_view_by_number(caller, bank_id, body.customer_number, ["CanGetCustomer"])
    return customer_with_attributes_json_v310(view)


def _overview(req: Request, bank_id: str, role: str):
    """Auto-validated in OBP without a bank lookup: the id's format is checked, the number is
    looked up at that bank."""
    caller = req.user()
    check_bank_id(bank_id)
    body = req.body(PostCustomerOverviewJsonV500)
    return customers.customer_view_by_number(caller, bank_id, body.customer_number, [role], mode="any")


@endpoint("POST", "/banks/{bank_id}/customers/customer-number-query/overview", since="5.0.0",
          roles=("CanGetCustomerOverview",), check_roles=False,
          body=PostCustomerOverviewJsonV500, response="CustomerOverviewJsonV500",
          tags=("Customer", "KYC"),
          errors=("OBP-20001", "OBP-30008", "OBP-50000", "OBP-20006"))
def get_customer_overview(req: Request, bank_id: str):
    """Get Customer Overview"""
    return customer_overview_json(_overview(req, bank_id, "CanGetCustomerOverview"))


@endpoint("POST", "/banks/{bank_id}/customers/customer-number-query/overview-flat", since="5.0.0",
          roles=("CanGetCustomerOverviewFlat",), check_roles=False,
          body=PostCustomerOverviewJsonV500, response="CustomerOverviewFlatJsonV500",
          tags=("Customer", "KYC"),
          errors=("OBP-20001", "OBP-30008", "OBP-50000", "OBP-20006"))
def get_customer_overview_flat(req: Request, bank_id: str):
    """Get Customer Overview Flat"""
    return customer_overview_flat_json(_overview(req, bank_id, "CanGetCustomerOverviewFlat"))


@endpoint("POST", "/banks/{bank_id}/search/customers/mobile-phone-number", since="4.0.0", status=201,
          operation="getCustomersByCustomerPhoneNumber", body=PostCustomerPhoneNumberJsonV400,
          response="CustomerJSONsV300", tags=("Customer", "KYC"), errors=("OBP-20001", "OBP-30008", "OBP-50000"))
def get_customers_by_phone_number(req: Request, bank_id: str):
    """Get Customers by MOBILE_PHONE_NUMBER"""
    caller = req.user()
    check_bank_id(bank_id)
    body = req.body(PostCustomerPhoneNumberJsonV400)
    found = customers.search_by_phone(caller, bank_id, body.mobile_phone_number, parse_page(req.query))
    return {"customers": [customer_json_v300(c) for c in found]}
