"""Alembic migrations of the ledger schema, run by `Ledger` when it opens a database."""
