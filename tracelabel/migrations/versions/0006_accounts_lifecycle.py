"""GS1 company prefixes, token expiry, account lifecycle

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 07:00:00

``organizations.gs1_company_prefix`` (one unchecked value) becomes the table
``organization_gs1_prefixes`` (several per organization, each owned by one organization only).
Values are copied over trimmed of spaces, dots and dashes; one that is not a run of 1 to 12 digits,
or that an earlier organization already holds, cannot be a prefix and is left out with a warning.
Products keep their GTINs: the prefix rule applies when a GTIN is set or changed.

SQLite: columns are added and dropped with plain ``ALTER TABLE`` (SQLite 3.35+), never by copying
a table, since dropping a copied parent table with foreign keys on would cascade into its children.
"""

import datetime as dt
import logging
import re

import sqlalchemy as sa
from alembic import op

import tracelabel.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    op.create_table(
        'organization_gs1_prefixes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_organization_gs1_prefixes_organization_id_organizations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_gs1_prefixes')),
        sa.UniqueConstraint('prefix', name=op.f('uq_organization_gs1_prefixes_prefix')),
    )
    op.create_index(op.f('ix_organization_gs1_prefixes_organization_id'),
                    'organization_gs1_prefixes', ['organization_id'], unique=False)
    _copy_prefixes()
    op.drop_column('organizations', 'gs1_company_prefix')

    op.add_column('users', sa.Column('session_version', sa.Integer(), nullable=False,
                                     server_default='0'))
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column('api_tokens', sa.Column('expires_at', tracelabel.db.UTCDateTime(timezone=True),
                                          nullable=True))


def _copy_prefixes() -> None:
    connection = op.get_bind()
    organizations = sa.table('organizations', sa.column('id', sa.Integer()),
                             sa.column('gs1_company_prefix', sa.String()))
    prefixes = sa.table('organization_gs1_prefixes', sa.column('organization_id', sa.Integer()),
                        sa.column('prefix', sa.String()),
                        sa.column('created_at', tracelabel.db.UTCDateTime()))
    rows = connection.execute(sa.select(organizations.c.id, organizations.c.gs1_company_prefix)
                              .where(organizations.c.gs1_company_prefix.is_not(None))
                              .order_by(organizations.c.id)).all()
    seen: set[str] = set()
    now = dt.datetime.now(dt.UTC)
    for organization_id, value in rows:
        prefix = re.sub(r"[\s.-]", "", value or "")
        if not prefix:
            continue
        if not re.fullmatch(r"[0-9]{1,12}", prefix) or prefix in seen:
            logger.warning("organization %s: GS1 company prefix %r not copied (%s); record it "
                           "again with `tracelabel orgs update`", organization_id, value,
                           "held by an earlier organization" if prefix in seen else "not digits")
            continue
        seen.add(prefix)
        connection.execute(prefixes.insert().values(organization_id=organization_id,
                                                    prefix=prefix, created_at=now))


def downgrade() -> None:
    op.drop_column('api_tokens', 'expires_at')
    op.drop_column('users', 'must_change_password')
    op.drop_column('users', 'session_version')
    op.add_column('organizations', sa.Column('gs1_company_prefix', sa.String(length=12),
                                             nullable=True))
    # One column holds one prefix: each organization keeps its first (lowest) one.
    first = sa.text(
        "SELECT organization_id, MIN(prefix) FROM organization_gs1_prefixes GROUP BY organization_id")
    connection = op.get_bind()
    for organization_id, prefix in connection.execute(first).all():
        connection.execute(sa.text("UPDATE organizations SET gs1_company_prefix = :prefix "
                                   "WHERE id = :id"), {"prefix": prefix, "id": organization_id})
    op.drop_index(op.f('ix_organization_gs1_prefixes_organization_id'),
                  table_name='organization_gs1_prefixes')
    op.drop_table('organization_gs1_prefixes')
