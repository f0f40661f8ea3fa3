"""free-text places mapped to official unit codes (reserved; filled in by its slice)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 10:00:00
"""

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
