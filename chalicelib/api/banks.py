"""Banks: create (v2.2.0, v4.0.0 and v5.0.0 bodies), list, get."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.errors import ApiError
from chalicelib.schemas.users import BankJson400, BankJSONV220, PostBankJson500, bank_json_220, bank_json_400, bank_json_500
from chalicelib.services import banks
from chalicelib.services.validation import short_string_problem


def _routings(items) -> list[dict]:
    return [{"scheme": r.scheme, "address": r.address} for r in (items or [])]


@endpoint("POST", "/banks", since="2.2.0", status=201, under_consent=False,
          roles=("CanCreateBank",), body=BankJSONV220, response="BankJSONV220", tags=("Bank",),
          errors=("OBP-10001", "OBP-20001", "OBP-20006", "OBP-34000", "OBP-50000"))
def create_bank_v220(req: Request):
    """Create Bank"""
    body = req.body(BankJSONV220)  # v2.2.0 checks the body before who is calling
    if len(body.id) <= 5:
        raise ApiError("OBP-10001", "Min length of BANK_ID should be 5 characters.", status=400)
    problem = short_string_problem(body.id)
    if problem:
        raise ApiError(problem, ".", status=400)
    if "::::" in body.id:
        raise ApiError("OBP-10001", "BANK_ID can not contain `::::` characters", status=400)
    routing = body.bank_routing
    bank = banks.create_bank(req.user(), banks.NewBank(
        bank_id=body.id, bank_code=body.short_name, full_name=body.full_name, logo=body.logo_url,
        website=body.website_url, swift_bic=body.swift_bic, national_identifier=body.national_identifier,
        bank_routings=[{"scheme": routing.scheme, "address": routing.address}] if routing.scheme or routing.address else [],
    ))
    return bank_json_220(bank)


@endpoint("POST", "/banks", since="4.0.0", status=201, under_consent=False,
          roles=("CanCreateBank",), body=BankJson400, response="BankJson400", tags=("Bank",), errors=("OBP-20001",))
def create_bank_v400(req: Request):
    """Create Bank"""
    caller = req.user()
    body = req.body(BankJson400)
    bank = banks.create_bank(caller, banks.NewBank(
        bank_id=body.id, bank_code=body.short_name, full_name=body.full_name, logo=body.logo,
        website=body.website, bank_routings=_routings(body.bank_routings),
    ))
    return bank_json_400(bank)


@endpoint("POST", "/banks", since="5.0.0", status=201, under_consent=False,
          roles=("CanCreateBank",), body=PostBankJson500, response="BankJson500",
          tags=("Bank",), errors=("OBP-20001",))
def create_bank(req: Request):
    """Create Bank"""
    caller = req.user()
    body = req.body(PostBankJson500)
    bank = banks.create_bank(caller, banks.NewBank(
        bank_id=body.id or "", bank_code=body.bank_code, full_name=body.full_name or "", logo=body.logo or "",
        website=body.website or "", bank_routings=_routings(body.bank_routings),
    ))
    return bank_json_500(bank)


@endpoint("GET", "/banks", since="1.2.1",
          response="BanksJson400", tags=("Bank", "Account Information Service (AIS)", "PSD2"), errors=())
def get_banks(req: Request):
    """Get Banks"""
    return {"banks": [bank_json_400(b) for b in banks.list_banks()]}


@endpoint("GET", "/banks/{bank_id}", since="1.2.1", operation="bankById",
          response="BankJson400", tags=("Bank", "Account Information Service (AIS)", "PSD2"), errors=("OBP-30001",))
def get_bank_v121(req: Request, bank_id: str):
    """Get Bank"""
    return bank_json_400(banks.get_bank(bank_id))


@endpoint("GET", "/banks/{bank_id}", since="5.0.0",
          response="BankJson500", tags=("Bank", "Account Information Service (AIS)", "PSD2"), errors=("OBP-30001",))
def get_bank(req: Request, bank_id: str):
    """Get Bank"""
    return bank_json_500(banks.get_bank(bank_id))
