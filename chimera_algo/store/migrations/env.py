"""Alembic environment: runs on the connection handed over by ``chimera_algo.store.migrate``."""

from alembic import context

from chimera_algo.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
