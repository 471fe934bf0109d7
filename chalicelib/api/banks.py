"""Banks: create (v4.0.0 and v5.0.0 bodies), list, get."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.users import BankJson400, PostBankJson500, bank_json_400, bank_json_500
from chalicelib.services import banks


def _routings(items) -> list[dict]:
    return [{"scheme": r.scheme, "address": r.address} for r in (items or [])]


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


@endpoint("GET", "/banks", since="1.4.0",
          response="BanksJson400", tags=("Bank", "Account Information Service (AIS)", "PSD2"), errors=())
def get_banks(req: Request):
    """Get Banks"""
    return {"banks": [bank_json_400(b) for b in banks.list_banks()]}


@endpoint("GET", "/banks/{bank_id}", since="1.4.0", operation="bankById",
          response="BankJson400", tags=("Bank", "Account Information Service (AIS)", "PSD2"), errors=("OBP-30001",))
def get_bank_v140(req: Request, bank_id: str):
    """Get Bank"""
    return bank_json_400(banks.get_bank(bank_id))


@endpoint("GET", "/banks/{bank_id}", since="5.0.0",
          response="BankJson500", tags=("Bank", "Account Information Service (AIS)", "PSD2"), errors=("OBP-30001",))
def get_bank(req: Request, bank_id: str):
    """Get Bank"""
    return bank_json_500(banks.get_bank(bank_id))
