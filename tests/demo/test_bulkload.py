"""Deferred indexes for a large load (candour/bulkload.py): the schema and the indexes'
contents afterwards are those of an ordinary load; an error still puts everything back; a
row that breaks a foreign key is caught when the keys come back."""

from __future__ import annotations

import re

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from candour import demo
from candour.bulkload import deferred_indexes, plan
from candour.cases import fulltext
from candour.cases.models import Case, Issue

from .conftest import NOW

TABLES = [m._meta.db_table for m in demo.LOADED_MODELS]


def _casts_and_brackets_dropped(definition: str) -> str:
    # PostgreSQL states a re-created partial index's condition with its casts in other places
    # (`ARRAY['a'::character varying, …]::text[]` becomes `ARRAY[('a'::character
    # varying)::text, …]`): the same condition, so compare them without casts and brackets.
    return "".join(re.sub(r"::[a-z ]+(\[\])?|[()]", " ", definition).split())


def schema() -> list[tuple]:
    """Every index, trigger and constraint on the loaded tables, as the database states it."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(TABLES))
            cursor.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master "
                f"WHERE type IN ('index', 'trigger') AND tbl_name IN ({marks}) ORDER BY name",
                TABLES,
            )
            return cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid::regclass::text = ANY(%s) ORDER BY 1",
            [TABLES],
        )
        indexes = [(n, _casts_and_brackets_dropped(d)) for n, d in cursor.fetchall()]
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [TABLES],
        )
        return indexes + cursor.fetchall()


def test_what_is_taken_off_never_includes_a_unique_or_primary_index(db):
    deferred = plan(demo.LOADED_MODELS)
    assert deferred.drop and len(deferred.restore) >= len(deferred.drop)
    for statement in deferred.restore:
        assert "UNIQUE" not in statement.upper()
        assert "PRIMARY KEY" not in statement.upper()
    dropped = " ".join(deferred.drop)
    if connection.vendor == "sqlite":
        # The full-text tables' triggers go, and both tables are rebuilt afterwards.
        assert "cases_case_text_insert" in dropped
        assert any("'rebuild'" in s and "cases_issue_text" in s for s in deferred.restore)
    else:
        assert "DROP CONSTRAINT" in dropped  # the foreign keys of the loaded tables


def test_a_deferred_load_leaves_the_schema_and_the_indexes_as_an_ordinary_one(demo_orgs):
    before = schema()
    result = demo.load_cases(120, seed=11, now=NOW, batch_size=50, defer_indexes=True)
    assert result.cases == 120
    assert schema() == before
    # The full-text index holds every loaded case's words: a word of one case's issue finds it.
    issue = Issue.objects.filter(description__regex=r"\w{6,}").order_by("pk").first()
    word = max(fulltext.words(issue.description), key=len)
    assert issue.case_id in fulltext.matching_case_ids(word, limit=10_000)
    assert Case.objects.count() == 120
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "INSERT INTO cases_case_text(cases_case_text) VALUES ('integrity-check')"
            )
            cursor.execute("SELECT count(*) FROM cases_case_text")
            assert cursor.fetchone()[0] == 120


def test_the_same_seed_finds_the_same_words_deferred_or_not(demo_orgs):
    """A second load of the same seed, deferred, writes the same text again: every word then
    finds exactly twice the cases it found after the ordinary load."""
    demo.load_cases(60, seed=4, now=NOW, batch_size=25, defer_indexes=False)
    texts = Issue.objects.values_list("description", flat=True)
    words = sorted({w for text in texts for w in fulltext.words(text) if len(w) > 5})[:8]
    assert words
    ordinary = {w: len(fulltext.matching_case_ids(w, limit=10_000)) for w in words}
    demo.load_cases(60, seed=4, now=NOW, batch_size=25, defer_indexes=True)
    deferred = {w: len(fulltext.matching_case_ids(w, limit=10_000)) for w in words}
    assert deferred == {w: 2 * n for w, n in ordinary.items()}
    assert all(ordinary.values())


def test_an_error_inside_the_block_still_puts_everything_back(demo_orgs):
    before = schema()
    with pytest.raises(RuntimeError, match="stopped"), deferred_indexes(demo.LOADED_MODELS):
        assert schema() != before
        raise RuntimeError("stopped half way")
    assert schema() == before


def test_a_row_that_breaks_a_foreign_key_is_still_caught(demo_orgs):
    """PostgreSQL: when the keys are added back. SQLite keeps its own foreign keys through
    the load (none are taken off), so its check finds the row as it would anyway."""
    bad_issue = (
        "INSERT INTO cases_issue (case_id, number, stage, description, desired_outcome, "
        "finding, finding_summary) VALUES (999999999, 1, 1, 'x', '', '', '')"
    )
    with (
        pytest.raises((IntegrityError, DatabaseError)),
        transaction.atomic(),
        deferred_indexes(demo.LOADED_MODELS),
    ):
        with connection.cursor() as cursor:
            cursor.execute(bad_issue)
        if connection.vendor == "sqlite":
            connection.check_constraints(["cases_issue"])


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_postgresql_builds_the_indexes_on_several_connections(monkeypatch):
    """As `pg_restore --jobs`: a full-text index is built by one process, so two connections
    build the indexes at once. SQLite has one writer and builds them here, one by one. Either
    way the schema afterwards is the schema before."""
    from candour import bulkload

    before = schema()
    built_by: list[tuple[str, str]] = []
    alone = bulkload._built_alone

    def recorded(statement: str) -> float:
        import threading

        built_by.append((threading.current_thread().name, statement))
        return alone(statement)

    monkeypatch.setattr(bulkload, "_built_alone", recorded)
    with deferred_indexes(demo.LOADED_MODELS) as deferred:
        assert schema() != before
    assert schema() == before
    assert len(deferred.restored_in) == len(deferred.restore)
    if connection.vendor == "postgresql":
        indexes = [s for s in deferred.restore if s.startswith("CREATE")]
        assert sorted(s for _, s in built_by) == sorted(indexes)
        assert len({thread for thread, _ in built_by}) == bulkload.POSTGRESQL_BUILDERS
    else:
        assert built_by == []
