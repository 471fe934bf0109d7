"""Pydantic models of OBP's request JSON (OBP names, OBP's required fields) and the functions
that render records as OBP's response JSON."""
