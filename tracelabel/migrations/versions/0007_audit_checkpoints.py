"""signed audit checkpoints

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 07:00:00
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('previous_seq', sa.Integer(), nullable=False),
    sa.Column('entries_digest', sa.String(length=64), nullable=False),
    sa.Column('entry_hashes', sa.JSON(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_checkpoints_seq'))
    )
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoints_key_id'), ['key_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoints_key_id'))

    op.drop_table('audit_checkpoints')
