"""The rules: roles, ownership, state transitions, money. No Chalice, no PynamoDB here."""
