"""Alembic migrations of the report store, run by :meth:`matcher.store.Store.migrate`."""
