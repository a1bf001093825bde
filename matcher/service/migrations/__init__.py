"""Alembic migrations of the report store, run by :meth:`matcher.service.store.Store.migrate`."""
