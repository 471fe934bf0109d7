"""The Enterprise API under /v1 (seed 003): see services/enterprise. Its route modules load on
first use, like every other (chalicelib/api/areas.py)."""
