"""Data access: the only package that imports PynamoDB. See base.py for the table layout."""
