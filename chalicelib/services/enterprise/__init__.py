"""The Enterprise API (/v1) of seed 003: partners (API clients) and their keys, client
authentication (RFC 7523 private_key_jwt), profiles, customers and profile webhooks.

Callers: partner management is for an OBP super admin (a DirectLogin `Caller`); everything else
takes the `Partner` an access token belongs to, and reaches only that partner's profiles.
"""
