"""Banks: create (v4.0.0 and v5.0.0 bodies), list, get."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.users import BankJson400, PostBankJson500, bank_json_400, bank_json_500
from chalicelib.services import banks


def _routings(items) -> list[dict]:
    return [{"scheme": r.scheme, "address": r.address} for r in (items or [])]


@endpoint("POST", "/banks", since="4.0.0", status=201, under_consent=False)
def create_bank_v400(req: Request):
    caller = req.user()
    body = req.body(BankJson400)
    bank = banks.create_bank(caller, banks.NewBank(
        bank_id=body.id, bank_code=body.short_name, full_name=body.full_name, logo=body.logo,
        website=body.website, bank_routings=_routings(body.bank_routings),
    ))
    return bank_json_400(bank)


@endpoint("POST", "/banks", since="5.0.0", status=201, under_consent=False)
def create_bank(req: Request):
    caller = req.user()
    body = req.body(PostBankJson500)
    bank = banks.create_bank(caller, banks.NewBank(
        bank_id=body.id or "", bank_code=body.bank_code, full_name=body.full_name or "", logo=body.logo or "",
        website=body.website or "", bank_routings=_routings(body.bank_routings),
    ))
    return bank_json_500(bank)


@endpoint("GET", "/banks", since="1.4.0")
def get_banks(req: Request):
    return {"banks": [bank_json_400(b) for b in banks.list_banks()]}


@endpoint("GET", "/banks/{bank_id}", since="1.4.0")
def get_bank(req: Request, bank_id: str):
    bank = banks.get_bank(bank_id)
    return bank_json_500(bank) if req.at_least("5.0.0") else bank_json_400(bank)
