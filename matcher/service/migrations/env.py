"""Alembic environment: migrations run on the connection :meth:`Store.migrate` hands over."""

from __future__ import annotations

from alembic import context

from matcher.service.store_models import metadata

MIGRATION_LOCK = 7_243_001  # PostgreSQL advisory lock id: one migrating process at a time

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via Store.migrate
    raise RuntimeError("run migrations through `matcher db upgrade` (Store.migrate)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Two servers starting at once on one database: the second waits, then finds head.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    context.run_migrations()
