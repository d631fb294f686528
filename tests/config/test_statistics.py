"""candour.config.statistics: a migration's new index gets planner statistics on SQLite
wherever the database holds them already, so that the planner does not guess it is tiny."""

from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext

from candour.config.statistics import analyse_index
from tests.conftest import make_case


def stat_rows(index: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = %s", [index])
        return cursor.fetchall()


def run(operation) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        operation.code(None, SimpleNamespace(connection=connection))
    return [q["sql"] for q in ctx.captured_queries]


def test_a_new_index_is_analysed_where_statistics_exist(org_a, alice):
    operation = analyse_index("case_org_reference")
    for _ in range(3):
        make_case(org_a, alice)
    if connection.vendor != "sqlite":
        assert run(operation) == []  # PostgreSQL's statistics are per column, kept by autovacuum
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
    run(operation)  # a database never analysed: nothing to match, nothing done
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone() is None
        cursor.execute("ANALYZE case_org_status")  # an analysed database, without the new index
    assert stat_rows("case_org_reference") == []
    run(operation)
    # three cases, one organisation: "3 3 1 1" (rows; rows per organisation; per reference…)
    assert stat_rows("case_org_reference") == [("3 3 1 1",)]
