"""The provider's clearing, fee and card-acquirer accounts at a bank: an OBP super admin's, with DirectLogin."""
from chalicelib.api.enterprise.http import admin, body, v1
from chalicelib.api.routing import Reply, Request
from chalicelib.schemas.enterprise_payments import ProviderAccountsIn, provider_accounts_json
from chalicelib.services.enterprise import provider_accounts


@v1("POST", "/v1/provider-accounts", status=201)
def ensure_provider_accounts(req: Request):
    caller = admin(req)
    data = body(req, ProviderAccountsIn)
    accounts, created = provider_accounts.ensure(caller, data.bank_id, data.currency)
    return Reply(provider_accounts_json(accounts, provider_accounts.balances(accounts)), 201 if created else 200)


@v1("GET", "/v1/provider-accounts/{bank_id}/{currency}")
def get_provider_accounts(req: Request, bank_id: str, currency: str):
    accounts = provider_accounts.get(admin(req), bank_id, currency)
    return provider_accounts_json(accounts, provider_accounts.balances(accounts))
