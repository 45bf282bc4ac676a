"""Alembic environment: migrate on the connection `Ledger` hands over (no alembic.ini)."""

from alembic import context

from trainright.ledger import schema

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=schema.metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
