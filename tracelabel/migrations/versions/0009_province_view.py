"""the province's view: official unit codes, scoped officials, where to buy, label runs

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 10:00:00

Adds the official province and commune codes (map in force since 1 July 2025) beside the free-text
names of organizations, areas and facilities (0010 maps the names it can), the role "programme" and
an official's province scope, a product's where-to-buy lists and folded search text, and label runs.

SQLite: columns are added with plain ``ALTER TABLE``; the role CHECK is widened by rewriting the
table's stored definition (SQLite's documented procedure for loosening a CHECK), never by copying
``users``: dropping a copied parent table with foreign keys on would cascade into its children.
"""

import sqlalchemy as sa
from alembic import op

import tracelabel.db
from tracelabel.textfold import fold

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('producer', 'inspector', 'admin')"
NEW_ROLES = "role IN ('producer', 'inspector', 'admin', 'programme')"
LOCATED = ('organizations', 'raw_material_areas', 'facilities')


def upgrade() -> None:
    for table in LOCATED:
        op.add_column(table, sa.Column('province_code', sa.String(length=2), nullable=True))
        op.add_column(table, sa.Column('commune_code', sa.String(length=5), nullable=True))
        op.create_index(op.f(f'ix_{table}_province_code'), table, ['province_code'], unique=False)
    op.add_column('users', sa.Column('scope_province_code', sa.String(length=2), nullable=True))
    _replace_role_check(OLD_ROLES, NEW_ROLES)

    op.add_column('products', sa.Column('points_of_sale', sa.JSON(), nullable=False, server_default='[]'))
    op.add_column('products', sa.Column('online_listings', sa.JSON(), nullable=False, server_default='[]'))
    op.add_column('products', sa.Column('search_text', sa.String(length=700), nullable=True))
    _fill_search_text()

    op.create_table(
        'label_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', tracelabel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('output_format', sa.String(length=10), nullable=False),
        sa.Column('symbology', sa.String(length=20), nullable=False),
        sa.Column('template', sa.String(length=40), nullable=True),
        sa.Column('first_serial', sa.Integer(), nullable=True),
        sa.Column('last_serial', sa.Integer(), nullable=True),
        sa.Column('label_count', sa.Integer(), nullable=False),
        sa.CheckConstraint('label_count >= 1', name=op.f('ck_label_runs_label_count')),
        sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_label_runs_batch_id_batches'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_label_runs_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_label_runs')),
    )
    op.create_index('ix_label_runs_batch_created', 'label_runs', ['batch_id', 'created_at'], unique=False)


def _fill_search_text() -> None:
    connection = op.get_bind()
    products = sa.table('products', sa.column('id', sa.Integer()), sa.column('name', sa.String()),
                        sa.column('name_en', sa.String()), sa.column('brand', sa.String()),
                        sa.column('search_text', sa.String()))
    rows = connection.execute(sa.select(products.c.id, products.c.name, products.c.name_en,
                                        products.c.brand)).all()
    for product_id, name, name_en, brand in rows:
        text = " ".join(fold(part) for part in (name, name_en, brand) if part)
        connection.execute(products.update().where(products.c.id == product_id)
                           .values(search_text=text[:700]))


def _replace_role_check(old: str, new: str) -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        op.drop_constraint(op.f('ck_users_role'), 'users', type_='check')
        op.create_check_constraint(op.f('ck_users_role'), 'users', new)
        return
    (sql,) = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'").one()
    if old not in sql:
        raise RuntimeError("users: the role CHECK is not the one this migration expects")
    (version,) = connection.exec_driver_sql("PRAGMA schema_version").one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'users'",
                               (sql.replace(old, new),))
    connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def downgrade() -> None:
    op.drop_index('ix_label_runs_batch_created', table_name='label_runs')
    op.drop_table('label_runs')
    op.drop_column('products', 'search_text')
    op.drop_column('products', 'online_listings')
    op.drop_column('products', 'points_of_sale')
    op.execute("UPDATE users SET role = 'inspector' WHERE role = 'programme'")
    _replace_role_check(NEW_ROLES, OLD_ROLES)
    op.drop_column('users', 'scope_province_code')
    for table in reversed(LOCATED):
        op.drop_index(op.f(f'ix_{table}_province_code'), table_name=table)
        op.drop_column(table, 'commune_code')
        op.drop_column(table, 'province_code')
