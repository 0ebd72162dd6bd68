"""Inserts that race: a unique key taken by a concurrent transaction is a conflict, not a crash.

Services check for a clash before they insert, which answers the serial case. Two requests that
check at the same time both find nothing, and the database's unique constraint stops the second
insert. `flush_unique` turns that refusal into the same answer the check would have given.
"""

from __future__ import annotations

from sqlalchemy import Table, UniqueConstraint
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from domain.errors import DomainError
from domain.ports import UnitOfWork


def unique_constraint(model: type[SQLModel], name: str) -> UniqueConstraint:
    """The named unique constraint of a table model."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.name == name:
            return constraint
    raise KeyError(f"{table.name} has no unique constraint {name}")


def violates(exc: IntegrityError, constraint: UniqueConstraint) -> bool:
    """Whether the database refused a write because of this unique constraint.

    PostgreSQL names the constraint; SQLite names the table's columns instead.
    """
    text = str(exc.orig)
    if constraint.name and f'"{constraint.name}"' in text:
        return True
    table = constraint.table.name
    columns = ", ".join(f"{table}.{column.name}" for column in constraint.columns)
    return f"UNIQUE constraint failed: {columns}" in text


async def flush_unique(
    uow: UnitOfWork, model: type[SQLModel], constraint: str, conflict: DomainError
) -> None:
    """Flush pending writes; raise `conflict` when they break the named unique constraint.

    The transaction cannot go on after the refusal: the caller's unit of work is rolled back
    when the error leaves it.
    """
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        if violates(exc, unique_constraint(model, constraint)):
            raise conflict from None
        raise


async def insert_if_absent(uow: UnitOfWork, row: SQLModel, constraint: str) -> bool:
    """Insert `row` unless its key under the named unique constraint is taken; True if inserted.

    For rows that either of two concurrent requests may write (a preference, a membership):
    one statement that is a no-op when the key exists, also when another transaction stored it
    a moment ago, so the transaction goes on and the loser reads the winner's row. No savepoint,
    which SQLite's driver would commit.
    """
    keys = [column.name for column in unique_constraint(type(row), constraint).columns]
    return await insert_unless_key_taken(uow, row, keys, exclude={"id"})


async def insert_unless_key_taken(
    uow: UnitOfWork, row: SQLModel, keys: list[str], *, exclude: set[str] | None = None
) -> bool:
    """Insert `row` unless a row with the same `keys` exists (or appears meanwhile); True if inserted."""
    values = row.model_dump(exclude=exclude)
    dialect = uow.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    result = await uow.session.execute(
        insert(type(row)).values(values).on_conflict_do_nothing(index_elements=keys)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
