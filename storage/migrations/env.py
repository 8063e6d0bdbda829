"""Alembic environment: runs on the connection handed over in ``config.attributes``.

There is no alembic.ini: ``storage.catalog.migrate`` builds the configuration
and passes an open connection, so the same code upgrades SQLite and PostgreSQL.
"""

from __future__ import annotations

from alembic import context

from storage.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
