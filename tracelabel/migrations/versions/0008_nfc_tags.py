"""NFC tags (NTAG 424 DNA) bound to unit serials

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('nfc_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=14), nullable=False),
    sa.Column('meta_read_key', sa.String(length=200), nullable=False),
    sa.Column('file_read_key', sa.String(length=200), nullable=False),
    sa.Column('meta_key_ref', sa.String(length=32), nullable=False),
    sa.Column('last_counter', sa.Integer(), nullable=False),
    sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('last_counter >= -1', name=op.f('ck_nfc_tags_last_counter')),
    sa.CheckConstraint('serial >= 1', name=op.f('ck_nfc_tags_serial')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_nfc_tags_batch_id_batches'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_nfc_tags_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nfc_tags')),
    sa.UniqueConstraint('batch_id', 'serial', name=op.f('uq_nfc_tags_batch_id_serial')),
    sa.UniqueConstraint('uid', name=op.f('uq_nfc_tags_uid'))
    )
    with op.batch_alter_table('nfc_tags', schema=None) as batch_op:
        batch_op.create_index('ix_nfc_tags_batch_meta_key', ['batch_id', 'meta_key_ref'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('nfc_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_nfc_tags_batch_meta_key')

    op.drop_table('nfc_tags')
