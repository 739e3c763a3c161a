{%- set down_revision = "0004" if cookiecutter.auth == "jwt" else "0003" -%}
"""Store message headers (request id, trace context) with each outbox event.

Revision ID: 0005
Revises: {{ down_revision }}
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "{{ down_revision }}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The default fills the rows already there: events staged before this revision.
    op.add_column(
        "outbox",
        sa.Column("headers", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )


def downgrade() -> None:
    # In a batch: SQLite rebuilds the table where it cannot drop the column in place.
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("headers")
