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
    ForeignKey,
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
    # JSON: the compact view (schema 2, docs/result-schema.md), byte for byte as served; a row
    # stored before schema 2 holds the full schema-1 document and no detail
    Column("result", Text, nullable=False),
    Column("result_detail", LargeBinary),  # zlib JSON: what turns `result` into the full view
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

# One row per normalised alteration of every stored report version (issue 14): "which of my
# patients have BRAF V600E in thyroid cancer" is an index lookup, not a scan of the JSON. Rows
# are written in the transaction that stores the report and copy its lab, so that every query is
# filtered by lab on the table itself. ``is_current`` follows the report's.
report_alterations = Table(
    "report_alterations", metadata,
    Column("id", Integer, primary_key=True),
    Column("report_pk", Integer, ForeignKey("reports.id", ondelete="CASCADE",
                                            name="fk_report_alterations_report_pk"),
           nullable=False),
    Column("lab", String(64), nullable=False),
    Column("report_id", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("is_current", Boolean, nullable=False),
    Column("alteration_id", String(32), nullable=False),  # 'A1': the id within the result
    Column("kind", String(16), nullable=False),  # variant | fusion | copy_number | signature
    Column("gene", String(64)),  # HGNC symbol; the signature name (TMB, MSI) for signatures
    Column("change", String(200), nullable=False),  # 'V600E', 'EML4::ALK', 'amplification'
    Column("label", String(300), nullable=False),  # 'BRAF V600E'
    Column("consequence", String(32)),  # missense, inframe_deletion, ... (variants)
    Column("oncogenicity", String(32)),  # when the result classifies the alteration
    Column("status", String(32)),  # matched, no_evidence, filtered, ... (the engine's outcome)
    Column("filter_reason", String(200)),
    Column("origin", String(16)),
    Column("tumor_type", String(32)),  # OncoTree code of the report
    Column("created_at", DateTime(timezone=True), nullable=False),  # the report version's
    Index("ix_report_alterations_lab_gene_change", "lab", "gene", "change", "created_at",
          "tumor_type", "is_current"),
    Index("ix_report_alterations_lab_tumor_type", "lab", "tumor_type", "created_at"),
    # The usual question (current versions, calls not filtered; migration 0004): the tumor type
    # before the date, so that a code and its descendants are index seeks and the count needs
    # no table rows. The predicate is spelled as SQLAlchemy renders the query's conditions.
    Index("ix_report_alterations_current_lab_gene_change", "lab", "gene", "change",
          "tumor_type", "created_at", "id",
          sqlite_where=text("is_current = 1 AND filter_reason IS NULL"),
          postgresql_where=text("is_current AND filter_reason IS NULL")),
    Index("ix_report_alterations_report_pk", "report_pk"),
)

# Re-interpretation jobs (issue 14). A job is "re-match every stored report in a scope against
# the KB with this hash"; its reports are split into batches of report-id ranges. A worker claims
# a batch with SELECT ... FOR UPDATE SKIP LOCKED and keeps the lock while it works: its change
# records and the batch's 'done' commit together, and a worker that dies rolls back, leaving the
# batch pending for another. ``reinterpretations`` is unique per (report version, KB hash).
rematch_jobs = Table(
    "rematch_jobs", metadata,
    Column("id", Integer, primary_key=True),
    Column("kb_hash", String(128), nullable=False),
    Column("kb_version", String(64), nullable=False),
    Column("scope", String(200), nullable=False),  # 'lab=*;since=' : the filters, as text
    Column("lab", String(64)),
    Column("since", DateTime(timezone=True)),
    Column("max_report_pk", Integer, nullable=False),  # reports up to this id are in batches
    Column("total", Integer, nullable=False),  # reports put in batches
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kb_hash", "scope"),
)

rematch_batches = Table(
    "rematch_batches", metadata,
    Column("id", Integer, primary_key=True),
    Column("job_id", Integer, ForeignKey("rematch_jobs.id", ondelete="CASCADE",
                                         name="fk_rematch_batches_job_id"), nullable=False),
    Column("first_pk", Integer, nullable=False),  # reports.id range, inclusive
    Column("last_pk", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # pending | done
    Column("processed", Integer),  # reports re-matched by the worker that finished it
    Column("worker", String(128)),
    Column("done_at", DateTime(timezone=True)),
    Index("ix_rematch_batches_job_id_status", "job_id", "status"),
)

reinterpretations = Table(
    "reinterpretations", metadata,
    Column("id", Integer, primary_key=True),
    Column("report_pk", Integer, ForeignKey("reports.id", ondelete="CASCADE",
                                            name="fk_reinterpretations_report_pk"),
           nullable=False),
    Column("lab", String(64), nullable=False),
    Column("report_id", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("job_id", Integer),
    Column("kb_hash", String(128), nullable=False),
    Column("kb_version", String(64), nullable=False),
    Column("old_kb_hash", String(128), nullable=False),
    Column("old_kb_version", String(64), nullable=False),
    Column("changed", Boolean, nullable=False),
    Column("gained_level1", Boolean, nullable=False),
    Column("lost_level1", Boolean, nullable=False),
    Column("new_resistance", Boolean, nullable=False),
    Column("changes", Text, nullable=False),  # JSON list: {type, therapy, old_level, new_level}
    Column("result", Text),  # the re-matched result (JSON), kept when something changed
    Column("error", Text),  # why the report could not be re-matched
    Column("worker", String(128)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("report_pk", "kb_hash"),
    Index("ix_reinterpretations_lab_created_at", "lab", "created_at"),
    Index("ix_reinterpretations_lab_report_id", "lab", "report_id"),
)
