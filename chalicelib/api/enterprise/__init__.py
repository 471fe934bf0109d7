"""The Enterprise API under /v1 (seed 003): see services/enterprise. Importing this package
registers its routes."""
from chalicelib.api.enterprise import (  # noqa: F401
    customers, oauth, partners, payment_methods, payments, profiles, provider_accounts, settlements, webhooks,
)
