"""Results in schema 2: the compact view in ``result``, the compressed detail beside it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for results stored before schema 2: their `result` is the full schema-1 document
    op.add_column("reports", sa.Column("result_detail", sa.LargeBinary))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("result_detail")
