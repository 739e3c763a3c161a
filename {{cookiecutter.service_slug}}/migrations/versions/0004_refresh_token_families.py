{%- set down_revision = "0003" if cookiecutter.broker != "none" else "0002" -%}
"""Move refresh-token revocation from each token to its family.

Revision ID: 0004
Revises: {{ down_revision }}
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "{{ down_revision }}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refresh_token_families",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_token_families")),
    )
    op.create_index(
        op.f("ix_refresh_token_families_user_id"), "refresh_token_families", ["user_id"]
    )
    # A family is revoked if any of its tokens was.
    op.execute(
        "INSERT INTO refresh_token_families (id, user_id, revoked) "
        "SELECT family_id, MIN(user_id), MAX(CASE WHEN revoked THEN 1 ELSE 0 END) = 1 "
        "FROM refresh_tokens GROUP BY family_id"
    )
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("revoked")


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.add_column(
            sa.Column("revoked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE refresh_tokens SET revoked = true WHERE family_id IN "
        "(SELECT id FROM refresh_token_families WHERE revoked)"
    )
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.alter_column("revoked", server_default=None)
    op.drop_index(op.f("ix_refresh_token_families_user_id"), table_name="refresh_token_families")
    op.drop_table("refresh_token_families")
