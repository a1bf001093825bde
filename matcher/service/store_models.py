"""The report store's tables (SQLAlchemy Core). Changes go through a new Alembic migration.

``reports`` keeps every version of every submission. Two constraints make submission idempotent
across processes: ``(lab, report_id, version)`` is unique, and at most one row per
``(lab, report_id)`` is current (a partial unique index, on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
})

api_keys = Table(
    "api_keys", metadata,
    Column("id", Integer, primary_key=True),
    Column("lab", String(64), nullable=False, index=True),
    Column("prefix", String(16), nullable=False, unique=True),  # shown in lists; lookup key
    Column("key_sha256", String(64), nullable=False),  # hex SHA-256 of the whole key
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("note", String(200)),
)

reports = Table(
    "reports", metadata,
    Column("id", Integer, primary_key=True),
    Column("lab", String(64), nullable=False),
    Column("report_id", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("is_current", Boolean, nullable=False),
    Column("content_sha256", String(64), nullable=False),  # of the body + reading parameters
    Column("content_size", Integer, nullable=False),
    Column("content", LargeBinary),  # NULL when MATCHER_STORE_CONTENT is off
    Column("source_format", String(32), nullable=False),
    Column("params", Text, nullable=False),  # JSON: tumor_type, sample, genome_build, format
    Column("alterations", Text, nullable=False),  # JSON: the normalised alterations
    Column("result", Text, nullable=False),  # JSON: MatchResult.to_dict(), byte for byte as served
    Column("kb_version", String(64), nullable=False),
    Column("kb_hash", String(128), nullable=False),
    Column("matcher_version", String(32), nullable=False),
    Column("request_id", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("superseded_at", DateTime(timezone=True)),
    UniqueConstraint("lab", "report_id", "version"),
    # The SQLite predicate is spelled as SQLAlchemy renders `is_current` in queries, so that the
    # planner can use the index for current-version lookups.
    Index("uq_reports_lab_report_id_current", "lab", "report_id", unique=True,
          sqlite_where=text("is_current = 1"), postgresql_where=text("is_current")),
    Index("ix_reports_lab_created_at", "lab", "created_at"),
)
