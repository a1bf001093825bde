"""Queryable stored alterations: one row per normalised alteration of each report version.

The rows of reports stored before this revision are filled by `matcher db backfill-alterations`
(it reads each stored result; a migration should not import the matcher to do so).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_alterations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_pk", sa.Integer, nullable=False),
        sa.Column("lab", sa.String(64), nullable=False),
        sa.Column("report_id", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("alteration_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("gene", sa.String(64)),
        sa.Column("change", sa.String(200), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("consequence", sa.String(32)),
        sa.Column("oncogenicity", sa.String(32)),
        sa.Column("status", sa.String(32)),
        sa.Column("filter_reason", sa.String(200)),
        sa.Column("origin", sa.String(16)),
        sa.Column("tumor_type", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_report_alterations"),
        sa.ForeignKeyConstraint(["report_pk"], ["reports.id"], ondelete="CASCADE",
                                name="fk_report_alterations_report_pk"),
    )
    op.create_index("ix_report_alterations_lab_gene_change", "report_alterations",
                    ["lab", "gene", "change", "created_at", "tumor_type", "is_current"])
    op.create_index("ix_report_alterations_lab_tumor_type", "report_alterations",
                    ["lab", "tumor_type", "created_at"])
    op.create_index("ix_report_alterations_report_pk", "report_alterations", ["report_pk"])


def downgrade() -> None:
    op.drop_index("ix_report_alterations_report_pk", table_name="report_alterations")
    op.drop_index("ix_report_alterations_lab_tumor_type", table_name="report_alterations")
    op.drop_index("ix_report_alterations_lab_gene_change", table_name="report_alterations")
    op.drop_table("report_alterations")
