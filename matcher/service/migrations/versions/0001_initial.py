"""Initial schema: API keys and reports.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lab", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("note", sa.String(200)),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),
    )
    op.create_index("ix_api_keys_lab", "api_keys", ["lab"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lab", sa.String(64), nullable=False),
        sa.Column("report_id", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("content_size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary),
        sa.Column("source_format", sa.String(32), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("alterations", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("kb_version", sa.String(64), nullable=False),
        sa.Column("kb_hash", sa.String(128), nullable=False),
        sa.Column("matcher_version", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint("lab", "report_id", "version",
                            name="uq_reports_lab_report_id_version"),
    )
    op.create_index("uq_reports_lab_report_id_current", "reports", ["lab", "report_id"],
                    unique=True, sqlite_where=sa.text("is_current = 1"),
                    postgresql_where=sa.text("is_current"))
    op.create_index("ix_reports_lab_created_at", "reports", ["lab", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_reports_lab_created_at", table_name="reports")
    op.drop_index("uq_reports_lab_report_id_current", table_name="reports")
    op.drop_table("reports")
    op.drop_index("ix_api_keys_lab", table_name="api_keys")
    op.drop_table("api_keys")
