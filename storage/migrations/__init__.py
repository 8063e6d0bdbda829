"""Alembic migrations of the catalog, run programmatically by ``storage.catalog.migrate``."""
