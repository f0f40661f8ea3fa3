"""scans: index one client's scans of one code

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 21:30:00.000000
"""

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.create_index('ix_scans_code_client', ['batch_id', 'serial', 'client_hash', 'scanned_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_index('ix_scans_code_client')
