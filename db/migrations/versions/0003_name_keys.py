"""names cleaned and compared by domain.names: NFKC, no invisible characters, case-folded keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:00:00.000000

Team and location names were stored with their whitespace collapsed and keyed by `lower()`.
Look-ups now key a typed name with `domain.names.name_key`, so the stored names and keys are
brought to that form; a row whose new key would clash with another of its team (or workspace,
for teams) keeps its old one and is reported, to be renamed by an admin.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from domain.limits import LOCATION_NAME_MAX, TEAM_NAME_MAX
from domain.names import clean_name, name_key

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# (table, the column a name is unique within, the longest name and key)
_NAMED = (("team", "workspace_id", TEAM_NAME_MAX), ("location", "owner_team_id", LOCATION_NAME_MAX))


def upgrade() -> None:
    for table_name, scope, longest in _NAMED:
        _rekey(table_name, scope, longest, lambda name: (clean_name(name), name_key(name)))


def downgrade() -> None:
    for table_name, scope, longest in _NAMED:
        _rekey(table_name, scope, longest, lambda name: (name, " ".join(name.split()).lower()))


def _rekey(
    table_name: str, scope: str, longest: int, form: Callable[[str], tuple[str, str]]
) -> None:
    table = sa.table(
        table_name, sa.column("id"), sa.column(scope), sa.column("name"), sa.column("name_key")
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(table.c.id, table.c[scope], table.c.name, table.c.name_key).order_by(table.c.id)
    ).all()
    taken = {(row[1], row.name_key) for row in rows}
    for row in rows:
        name, key = form(row.name)
        if (name, key) == (row.name, row.name_key):
            continue
        if not key or max(len(name), len(key)) > longest:
            log.warning(
                "%s %s keeps its name: %r does not fit; rename it", table_name, row.id, name
            )
            continue
        if key != row.name_key:
            if (row[1], key) in taken:
                log.warning(
                    "%s %s keeps its name: %r would clash with another; rename it",
                    table_name,
                    row.id,
                    name,
                )
                continue
            taken.discard((row[1], row.name_key))
            taken.add((row[1], key))
        bind.execute(sa.update(table).where(table.c.id == row.id).values(name=name, name_key=key))
