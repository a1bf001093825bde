"""Re-interpretation jobs, their batches, and one change record per (report version, KB hash).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rematch_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kb_hash", sa.String(128), nullable=False),
        sa.Column("kb_version", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("lab", sa.String(64)),
        sa.Column("since", sa.DateTime(timezone=True)),
        sa.Column("max_report_pk", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rematch_jobs"),
        sa.UniqueConstraint("kb_hash", "scope", name="uq_rematch_jobs_kb_hash_scope"),
    )
    op.create_table(
        "rematch_batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job_id", sa.Integer, nullable=False),
        sa.Column("first_pk", sa.Integer, nullable=False),
        sa.Column("last_pk", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("processed", sa.Integer),
        sa.Column("worker", sa.String(128)),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_rematch_batches"),
        sa.ForeignKeyConstraint(["job_id"], ["rematch_jobs.id"], ondelete="CASCADE",
                                name="fk_rematch_batches_job_id"),
    )
    op.create_index("ix_rematch_batches_job_id_status", "rematch_batches", ["job_id", "status"])
    op.create_table(
        "reinterpretations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_pk", sa.Integer, nullable=False),
        sa.Column("lab", sa.String(64), nullable=False),
        sa.Column("report_id", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("job_id", sa.Integer),
        sa.Column("kb_hash", sa.String(128), nullable=False),
        sa.Column("kb_version", sa.String(64), nullable=False),
        sa.Column("old_kb_hash", sa.String(128), nullable=False),
        sa.Column("old_kb_version", sa.String(64), nullable=False),
        sa.Column("changed", sa.Boolean, nullable=False),
        sa.Column("gained_level1", sa.Boolean, nullable=False),
        sa.Column("lost_level1", sa.Boolean, nullable=False),
        sa.Column("new_resistance", sa.Boolean, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("result", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("worker", sa.String(128)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reinterpretations"),
        sa.ForeignKeyConstraint(["report_pk"], ["reports.id"], ondelete="CASCADE",
                                name="fk_reinterpretations_report_pk"),
        sa.UniqueConstraint("report_pk", "kb_hash",
                            name="uq_reinterpretations_report_pk_kb_hash"),
    )
    op.create_index("ix_reinterpretations_lab_created_at", "reinterpretations",
                    ["lab", "created_at"])
    op.create_index("ix_reinterpretations_lab_report_id", "reinterpretations",
                    ["lab", "report_id"])


def downgrade() -> None:
    op.drop_index("ix_reinterpretations_lab_report_id", table_name="reinterpretations")
    op.drop_index("ix_reinterpretations_lab_created_at", table_name="reinterpretations")
    op.drop_table("reinterpretations")
    op.drop_index("ix_rematch_batches_job_id_status", table_name="rematch_batches")
    op.drop_table("rematch_batches")
    op.drop_table("rematch_jobs")
