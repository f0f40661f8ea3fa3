"""background jobs: the jobs table

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 10:00:00

A new table only: nothing existing is altered or copied.
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('error_params', sa.JSON(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('result_path', sa.String(length=500), nullable=True),
    sa.Column('result_name', sa.String(length=200), nullable=True),
    sa.Column('media_type', sa.String(length=100), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('heartbeat_at', tracelabel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', tracelabel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', tracelabel.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', tracelabel.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('labels', 'import', 'export')", name=op.f('ck_jobs_kind')),
    sa.CheckConstraint('progress >= 0 AND progress <= 1', name=op.f('ck_jobs_progress')),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed', 'cancelled')",
                       name=op.f('ck_jobs_state')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                            name=op.f('fk_jobs_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_jobs_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_state', ['state'], unique=False)
        batch_op.create_index('ix_jobs_user_created', ['user_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_organization_id'), ['organization_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_organization_id'))
        batch_op.drop_index('ix_jobs_user_created')
        batch_op.drop_index('ix_jobs_state')
    op.drop_table('jobs')
