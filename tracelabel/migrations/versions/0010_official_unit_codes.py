"""free-text places mapped to official unit codes (map in force since 1 July 2025)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 10:00:00

Sets the province and commune codes of organizations, raw-material areas and facilities from the
names typed before the codes existed, where one unit answers (``admin_units_legacy.match_free_text``):
a province of today's map by name and its commune by today's names within it; a province of the
pre-2025 map and its undivided communes through the converter's tables. Where a code is set, the
name column takes the official spelling; what nothing answers keeps its text and no code, for a
person to settle (``/admin/places``, ``tracelabel places list``). Published records keep the text
they froze.

Downgrade leaves the codes and names as they are (0009's downgrade drops the code columns); the
text a matched name replaced is not kept.
"""

import sqlalchemy as sa
from alembic import op

from tracelabel import admin_units
from tracelabel.admin_units_legacy import match_free_text

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

WITH_COMMUNE_NAME = {'organizations': True, 'raw_material_areas': True, 'facilities': False}


def _table(name: str, with_commune: bool) -> sa.Table:
    columns = [sa.column('id', sa.Integer()), sa.column('province', sa.String()),
               sa.column('province_code', sa.String()), sa.column('commune_code', sa.String())]
    if with_commune:
        columns.append(sa.column('commune', sa.String()))
    return sa.table(name, *columns)


def upgrade() -> None:
    connection = op.get_bind()
    for name, with_commune in WITH_COMMUNE_NAME.items():
        table = _table(name, with_commune)
        commune = table.c.commune if with_commune else sa.null()
        rows = connection.execute(
            sa.select(table.c.id, table.c.province, commune)
            .where(table.c.province_code.is_(None), table.c.province.is_not(None))
            .order_by(table.c.id)).all()
        for record_id, province, commune_text in rows:
            match = match_free_text(province, commune_text)
            if match.province_code is None:
                continue  # left for a person: the text stays, with no code
            values = {'province_code': match.province_code,
                      'province': admin_units.province_by_code(match.province_code).name}
            if match.commune_code is not None:  # else an unmatched commune keeps its text
                values['commune_code'] = match.commune_code
                if with_commune:
                    values['commune'] = admin_units.commune_by_code(match.commune_code).name
            connection.execute(table.update().where(table.c.id == record_id).values(**values))


def downgrade() -> None:
    pass
