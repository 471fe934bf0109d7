"""The Enterprise API under /v1 (seed 003): see services/enterprise. Importing this package
registers its routes."""
from chalicelib.api.enterprise import customers, oauth, partners, profiles, webhooks  # noqa: F401
