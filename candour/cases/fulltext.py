"""Full-text search of what a complaint says: its description, typed summary, desired outcome
and the description and desired outcome of each issue (docs/adr/0006).

SQLite: two FTS5 tables over the case and issue tables (external content, so the text is
stored once), kept in step by triggers written by migration
cases/0003_search_indexes_and_full_text, which also fill them for rows already there. Rows
written with executemany fire the triggers like any other insert; a large demo load takes the
triggers off and rebuilds the tables once at the end instead (candour/bulkload.py).

PostgreSQL: GIN indexes on the same `to_tsvector('english', ...)` expressions this module
queries, so COPY and every write keep them current without anything else (a large demo load builds
them once at the end: candour/bulkload.py).

Each function gives SQL that finds the ids of cases whose text matches, either as a list
(`matching_case_ids`, up to a limit) or as a condition on one case row (`condition`), the
form that suits a word found in most cases (docs/performance.md, "Worklist and search").
"""

from __future__ import annotations

import json
import re

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

# The expressions indexed on PostgreSQL: a query must repeat them exactly to use the index.
PG_CASE_TEXT = (
    "to_tsvector('english'::regconfig, {t}description || ' ' || {t}summary || ' ' || "
    "{t}desired_outcome)"
)
PG_ISSUE_TEXT = "to_tsvector('english'::regconfig, {t}description || ' ' || {t}desired_outcome)"
PG_QUERY = "websearch_to_tsquery('english'::regconfig, %s)"

SQLITE_CASE_TABLE = "cases_case_text"
SQLITE_ISSUE_TABLE = "cases_issue_text"

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _fts5_query(text: str) -> str:
    """Every word must appear (FTS5's implicit AND); each word quoted so nothing a user types
    is read as FTS5 syntax."""
    return " ".join(f'"{w}"' for w in words(text))


# A share of all cases above which PostgreSQL's estimate of a word is certainly from its
# statistics: a word not among the index's most common ones is estimated at 0.5% of the
# cases at most (DEFAULT_TS_MATCH_SEL), however common it is in fact.
PG_SURELY_COMMON_SHARE = 0.01


def surely_common(text: str, limit: int) -> bool:
    """Whether the words are in more than `limit` cases and in over 1% of them by PostgreSQL's
    statistics of the case text index, as the planner estimates them (EXPLAIN, about 1 ms):
    then listing the matching ids is not worth trying. Finding them is a bitmap of every
    match, 45 ms for a word in 114,000 of 1,000,000 cases, to learn only that there are too
    many to list. A word estimated lower is listed as usual, so a poor estimate costs time,
    never a result. False on SQLite, whose FTS5 index gives a word's first ids cheaply."""
    if connection.vendor != "postgresql" or not words(text):
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM cases_case "
            f"WHERE {PG_CASE_TEXT.format(t='')} @@ {PG_QUERY}",
            [text],
        )
        plan = cursor.fetchone()[0]
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'cases_case'::regclass")
        total = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    rows = plan[0]["Plan"]["Plan Rows"]
    return rows > limit and total > 0 and rows > PG_SURELY_COMMON_SHARE * total


def matching_case_ids(text: str, limit: int) -> list[int]:
    """Ids of up to `limit` cases whose own text or whose issues' text match `text`, from the
    full-text index alone (not scoped: the caller narrows to what the user may see)."""
    if not words(text):
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"(SELECT id FROM cases_case WHERE {PG_CASE_TEXT.format(t='')} @@ {PG_QUERY} "
                f"LIMIT %s) UNION (SELECT case_id FROM cases_issue "
                f"WHERE {PG_ISSUE_TEXT.format(t='')} @@ {PG_QUERY} LIMIT %s)",
                [text, limit, text, limit],
            )
        else:
            query = _fts5_query(text)
            cursor.execute(
                f"SELECT * FROM (SELECT rowid FROM {SQLITE_CASE_TABLE} "
                f"WHERE {SQLITE_CASE_TABLE} MATCH %s LIMIT %s) "
                f"UNION SELECT * FROM (SELECT i.case_id FROM {SQLITE_ISSUE_TABLE} t "
                f"JOIN cases_issue i ON i.id = t.rowid "
                f"WHERE {SQLITE_ISSUE_TABLE} MATCH %s LIMIT %s)",
                [query, limit, query, limit],
            )
        return [row[0] for row in cursor.fetchall()]


def condition(text: str) -> RawSQL:
    """A condition on one row of cases_case: its text or one of its issues' text matches.
    Checked row by row as a page is walked in its sort order, each check one seek."""
    if connection.vendor == "postgresql":
        # OFFSET 0 keeps the issues' check a lookup of this case's issues: without it
        # PostgreSQL may first hash every case whose issues match (114,000 for a common word
        # at 1,000,000 cases, 0.2 s) to answer a page that walks a few hundred cases.
        sql = (
            f"({PG_CASE_TEXT.format(t='cases_case.')} @@ {PG_QUERY} OR EXISTS (SELECT 1 "
            f"FROM cases_issue i WHERE i.case_id = cases_case.id "
            f"AND {PG_ISSUE_TEXT.format(t='i.')} @@ {PG_QUERY} OFFSET 0))"
        )
        return RawSQL(sql, [text, text], output_field=BooleanField())
    query = _fts5_query(text)
    sql = (
        f"(EXISTS (SELECT 1 FROM {SQLITE_CASE_TABLE} WHERE {SQLITE_CASE_TABLE} MATCH %s "
        f"AND rowid = cases_case.id) OR EXISTS (SELECT 1 FROM cases_issue i "
        f"JOIN {SQLITE_ISSUE_TABLE} t ON t.rowid = i.id WHERE i.case_id = cases_case.id "
        f"AND {SQLITE_ISSUE_TABLE} MATCH %s))"
    )
    return RawSQL(sql, [query, query], output_field=BooleanField())


def rebuild() -> None:
    """Rebuild the SQLite full-text tables from the case and issue tables (after writing rows
    with the triggers dropped, or to repair them). PostgreSQL's indexes need nothing."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in (SQLITE_CASE_TABLE, SQLITE_ISSUE_TABLE):
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
