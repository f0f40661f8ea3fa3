"""published records and official area-code status

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 07:00:00

Existing published batches get their record from ``tracelabel db upgrade`` (after the migrations),
which freezes what their trace states at that moment: the best that can be known after the fact.

SQLite: the columns are added with plain ``ALTER TABLE`` (their CHECK inline), never by copying
``raw_material_areas``: dropping a copied parent table with foreign keys on fails (or cascades).
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

SOURCE_CHECK = "code_status_source IN ('producer', 'authority')"


def upgrade() -> None:
    op.create_table(
        'published_records',
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('frozen_at', tracelabel.db.UTCDateTime(), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['batches.id'],
                                name=op.f('fk_published_records_batch_id_batches'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_published_records')),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE raw_material_areas ADD COLUMN code_status_source VARCHAR(20) "
                   "NOT NULL DEFAULT 'producer' CONSTRAINT ck_raw_material_areas_code_status_source "
                   f"CHECK ({SOURCE_CHECK})")
    else:
        op.add_column('raw_material_areas', sa.Column('code_status_source', sa.String(length=20),
                                                      nullable=False, server_default='producer'))
        op.alter_column('raw_material_areas', 'code_status_source', server_default=None)
        op.create_check_constraint(op.f('ck_raw_material_areas_code_status_source'),
                                   'raw_material_areas', SOURCE_CHECK)
    op.add_column('raw_material_areas', sa.Column('code_status_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f('ck_raw_material_areas_code_status_source'), 'raw_material_areas',
                           type_='check')
    op.drop_column('raw_material_areas', 'code_status_reason')
    op.drop_column('raw_material_areas', 'code_status_source')
    op.drop_table('published_records')
