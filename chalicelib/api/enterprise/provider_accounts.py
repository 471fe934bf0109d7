"""The provider's clearing, fee and card-acquirer accounts at a bank: an OBP super admin's, with DirectLogin."""
from chalicelib.api.enterprise.http import admin, body, v1
from chalicelib.api.routing import Reply, Request
from chalicelib.schemas.enterprise_payments import ProviderAccountsIn, provider_accounts_json
from chalicelib.services.enterprise import provider_accounts

_TAGS = ("Provider accounts",)


@v1("POST", "/v1/provider-accounts", status=201, body=ProviderAccountsIn, response="ProviderAccounts", tags=_TAGS)
def ensure_provider_accounts(req: Request):
    """Create the provider's accounts at a bank

    The clearing account (payments in, refunds out), the fee account and the sandbox card
    acquirer's account of the provider at `bank_id` in `currency`, with their balances in minor
    units. 201 when they were created now, 200 when they existed (a payment creates them on first
    use, too). An OBP super admin's call, with DirectLogin."""
    caller = admin(req)
    data = body(req, ProviderAccountsIn)
    accounts, created = provider_accounts.ensure(caller, data.bank_id, data.currency)
    return Reply(provider_accounts_json(accounts, provider_accounts.balances(accounts)), 201 if created else 200)


@v1("GET", "/v1/provider-accounts/{bank_id}/{currency}", response="ProviderAccounts", tags=_TAGS)
def get_provider_accounts(req: Request, bank_id: str, currency: str):
    """Get the provider's accounts at a bank

    Their ids and balances in minor units. An OBP super admin's call, with DirectLogin."""
    accounts = provider_accounts.get(admin(req), bank_id, currency)
    return provider_accounts_json(accounts, provider_accounts.balances(accounts))
