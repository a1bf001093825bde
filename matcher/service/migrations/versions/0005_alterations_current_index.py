"""Stored alterations: a partial index for the usual question (current versions, calls not
filtered), with the tumor type before the date so that an OncoTree code and its descendants are
index seeks and the count is read from the index alone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NAME = "ix_report_alterations_current_lab_gene_change"


def upgrade() -> None:
    op.create_index(NAME, "report_alterations",
                    ["lab", "gene", "change", "tumor_type", "created_at", "id"],
                    postgresql_where=sa.text("is_current AND filter_reason IS NULL"),
                    sqlite_where=sa.text("is_current = 1 AND filter_reason IS NULL"))


def downgrade() -> None:
    op.drop_index(NAME, table_name="report_alterations")
