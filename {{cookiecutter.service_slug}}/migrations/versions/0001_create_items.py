"""Create the items table.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.repositories.tables import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
{%- if cookiecutter.auth == "jwt" %}
        sa.Column("owner_id", sa.String(length=36), nullable=False),
{%- endif %}
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("name", name=op.f("uq_items_name")),
    )
{%- if cookiecutter.auth == "jwt" %}
    op.create_index(op.f("ix_items_owner_id"), "items", ["owner_id"])
{%- endif %}


def downgrade() -> None:
{%- if cookiecutter.auth == "jwt" %}
    op.drop_index(op.f("ix_items_owner_id"), table_name="items")
{%- endif %}
    op.drop_table("items")
