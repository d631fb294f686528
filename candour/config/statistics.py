"""Planner statistics: for an index added by a migration, and after a bulk write."""

from __future__ import annotations

from django.db import migrations


def analyse_index(name: str) -> migrations.RunPython:
    """A migration operation that, on SQLite, gives a new index the planner statistics its
    neighbours have. A database analysed before (every demo load is; candour.demo.analyse)
    holds statistics for a table's other indexes but none for a new one, and SQLite then
    guesses ten rows per value for it and prefers it to better indexes (a new index on the
    cases took a common-word search from 0.08 s to 73 s at 1,000,000 cases). A database never
    analysed has no statistics at all and needs nothing; PostgreSQL's statistics are per
    table and column, and its autovacuum keeps them."""

    def analyse(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return
            cursor.execute("PRAGMA analysis_limit = 0")  # every row, as candour.demo.analyse
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")

    return migrations.RunPython(analyse, migrations.RunPython.noop, elidable=True)


def refresh(cursor, tables: list[str]) -> None:
    """After a bulk write: the planner's statistics of `tables`, on either database; on
    PostgreSQL, outside a transaction, their visibility maps too (VACUUM), as autovacuum would
    leave them some time later. Without the visibility map PostgreSQL cannot answer from an
    index alone (an index-only scan), and reads the table's rows instead: the worklist's queue
    counts for 14,000 open cases 35 against 5 ms at 1,000,000 cases. VACUUM cannot run inside
    a transaction (a test's, say); there the statistics alone are refreshed."""
    connection = cursor.db
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    if vacuum:
        # Table by table on two connections at once (candour.bulkload.at_once).
        from candour.bulkload import at_once

        at_once([f"VACUUM (ANALYZE) {connection.ops.quote_name(t)}" for t in tables])
        return
    for table in tables:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
