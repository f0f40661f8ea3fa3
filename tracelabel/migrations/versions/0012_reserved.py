"""field capture: event times, photos, idempotency keys (reserved; filled in by its slice)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 10:00:00
"""

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
