"""GS1 company prefixes, token expiry, account lifecycle

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 07:00:00
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
