"""Loading many rows at once: build the secondary indexes afterwards, as a database restore does.

Inserting a million cases row by row into tables that already carry their secondary indexes
(the case table has ten B-trees, the audit table seven), the full-text tables' triggers and,
on PostgreSQL, a foreign-key check per row, costs more than writing the rows themselves, and
more the larger the tables grow: every index is updated at a random place for every row.
Building each index once at the end, by sorting, is much cheaper; it is how `pg_restore` and
SQLite's own advice for bulk imports work.

`deferred_indexes(models)` drops, for the models' tables:
- the secondary indexes that do not enforce anything (never a primary key, a unique index or
  an index behind a constraint: those stay and keep checking every row), and hold every row
  (a partial index stays: it takes the few rows its condition admits, open cases or events
  about a person's record, while rebuilding it afterwards reads the whole table, 1.4 s for
  an empty one on the audit trail at 1,000,000 cases);
- on SQLite, the triggers that keep an external-content FTS5 table in step with them (the
  full-text index is rebuilt from the table afterwards, which gives the same index);
- on PostgreSQL, the foreign-key constraints declared on them (added back afterwards, which
  checks every row in one pass and fails loudly if one is wrong);
and puts every one back from its own stored definition when the block ends, even if it ends
with an error. What the database holds afterwards is the same schema and the same index
contents as an ordinary load; only the time differs.

While the block runs, other connections see the tables without those indexes (slow but
correct). It is meant for loading into a new or small database (`candour demo`, bench/),
and `load_cases` uses it only when the load is larger than what the tables already hold.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction

_FTS_CONTENT = re.compile(r"content\s*=\s*'([^']+)'", re.IGNORECASE)
_PARTIAL = re.compile(r"\)\s+WHERE\s", re.IGNORECASE)


@dataclass
class Deferred:
    """What was taken off, as the statements that put it back, in order."""

    drop: list[str] = field(default_factory=list)
    restore: list[str] = field(default_factory=list)
    # Seconds each statement of `restore` took, in order, once it has run.
    restored_in: list[float] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.drop


def _sqlite(tables: list[str]) -> Deferred:
    deferred = Deferred()
    marks = ", ".join(["%s"] * len(tables))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY name",
            tables,
        )
        for name, sql in cursor.fetchall():
            if sql.lstrip().upper().startswith("CREATE UNIQUE") or _PARTIAL.search(sql):
                continue
            deferred.drop.append(f'DROP INDEX "{name}"')
            deferred.restore.append(sql)
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE '%fts5%'"
        )
        full_text = {
            name: found.group(1)
            for name, sql in cursor.fetchall()
            if (found := _FTS_CONTENT.search(sql)) and found.group(1) in tables
        }
        rebuilds = []
        for fts, source in sorted(full_text.items()):
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                "ORDER BY name",
                [source],
            )
            for name, sql in cursor.fetchall():
                if fts in sql:
                    deferred.drop.append(f'DROP TRIGGER "{name}"')
                    deferred.restore.append(sql)
            rebuilds.append(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')
        if deferred.drop:
            deferred.restore.extend(rebuilds)
    return deferred


def _postgresql(tables: list[str]) -> Deferred:
    deferred = Deferred()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
            ORDER BY 1, 2
            """,
            [tables],
        )
        keys = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid::regclass::text = ANY(%s)
              AND NOT i.indisunique AND NOT i.indisprimary AND i.indpred IS NULL
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """,
            [tables],
        )
        indexes = cursor.fetchall()
    for table, name, _ in keys:
        deferred.drop.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, definition in indexes:
        deferred.drop.append(f"DROP INDEX {name}")
        deferred.restore.append(definition)
    # Indexes first: the foreign keys' checks then read the referenced tables' indexes.
    for table, name, definition in keys:
        deferred.restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return deferred


def plan(models) -> Deferred:
    """What `deferred_indexes` would take off these models' tables, and how it puts it back."""
    tables = [m._meta.db_table for m in models]
    if connection.vendor == "sqlite":
        return _sqlite(tables)
    if connection.vendor == "postgresql":
        return _postgresql(tables)
    return Deferred()


def _run(statements: list[str]) -> list[float]:
    took = []
    with transaction.atomic(), connection.cursor() as cursor:
        postgresql = connection.vendor == "postgresql"
        if postgresql:
            # A table with deferred foreign-key checks still pending in this transaction
            # cannot be altered: run those checks now (as Django's schema editor does).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Room to sort an index in memory rather than in temporary files.
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for statement in statements:
            began = time.perf_counter()
            cursor.execute(statement)
            took.append(time.perf_counter() - began)
        if postgresql:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return took


# Connections that build PostgreSQL's indexes at once (as `pg_restore --jobs` does): a
# full-text (GIN) index is built by one process, and the case and issue tables' two took 18 s
# of a 200,000-case load's 41 s of rebuilding, one after the other, with a core idle.
POSTGRESQL_BUILDERS = 2


def _built_alone(statement: str) -> float:
    """Run one statement on this thread's own connection (autocommit), and close it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            began = time.perf_counter()
            cursor.execute(statement)
            return time.perf_counter() - began
    finally:
        connection.close()


def at_once(statements: list[str]) -> list[float]:
    """Run PostgreSQL statements that need no transaction of their own (building an index,
    VACUUM) on POSTGRESQL_BUILDERS connections at once, in the order given; the seconds each
    took. The caller's connection must not be in a transaction."""
    with ThreadPoolExecutor(POSTGRESQL_BUILDERS) as pool:
        return list(pool.map(_built_alone, statements))


def _restore(statements: list[str]) -> list[float]:
    """Put back what was taken off. On PostgreSQL outside a transaction, the indexes are built
    by POSTGRESQL_BUILDERS connections at once, largest table first (CREATE INDEX takes a
    lock that other index builds on the same table share); then the foreign keys, which lock
    the tables at both ends, one after another on this connection. Inside a transaction (a
    test's) the other connections could not see the tables, so everything runs here."""
    if connection.vendor != "postgresql" or connection.in_atomic_block or POSTGRESQL_BUILDERS < 2:
        return _run(statements)
    indexes = [s for s in statements if s.startswith("CREATE")]
    rest = [s for s in statements if not s.startswith("CREATE")]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relnamespace = "
            "'public'::regnamespace"
        )
        rows = dict(cursor.fetchall())
    on_table = re.compile(r" ON (?:public\.)?\"?(\w+)\"?")

    def size(statement: str) -> float:
        found = on_table.search(statement)
        heavy = 4 if " USING gin " in statement else 1  # a GIN build costs more per row
        return heavy * rows.get(found.group(1), 0) if found else 0

    took = dict.fromkeys(statements, 0.0)
    ordered = sorted(indexes, key=size, reverse=True)
    took.update(zip(ordered, at_once(ordered), strict=True))
    for statement, seconds in zip(rest, _run(rest), strict=True):
        took[statement] = seconds
    return [took[s] for s in statements]


@contextmanager
def deferred_indexes(models) -> Iterator[Deferred]:
    """Take the models' secondary indexes (and full-text triggers, and PostgreSQL foreign
    keys) off for the block, and build them again when it ends."""
    deferred = plan(models)
    if deferred.empty:
        yield deferred
        return
    _run(deferred.drop)
    try:
        yield deferred
    finally:
        deferred.restored_in = _restore(deferred.restore)
