"""The reports' local dates on SQLite come from a CASE over the zone's offset changes
instead of a Python function per row: they must give the same date as Python's zoneinfo,
above all around the clock changes and at midnight."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from candour.reporting.figures import LOCAL_YEARS, _offset_sql, offset_changes

LONDON = ZoneInfo("Europe/London")


def instants() -> list[datetime]:
    out = []
    for year in (1995, 2016, 2024, 2025, 2026, 2040):
        for month, day in ((3, 20), (3, 30), (3, 31), (10, 24), (10, 26), (10, 27), (10, 28)):
            base = datetime(year, month, day, tzinfo=UTC)
            out += [base + timedelta(minutes=m) for m in range(-90, 24 * 60, 29)]
    return out


def test_the_offset_changes_are_those_of_zoneinfo():
    changes, offsets = offset_changes("Europe/London")
    assert len(changes) == len(offsets) + 1
    assert changes[0].startswith(str(LOCAL_YEARS[0])) and changes[-1].startswith(
        str(LOCAL_YEARS[1])
    )
    assert "2025-03-30 01:00:00" in changes and "2025-10-26 01:00:00" in changes
    assert offsets[changes.index("2025-03-30 01:00:00")] == 60


def test_sqlite_local_dates_equal_zoneinfo_around_every_clock_change():
    # The CASE is SQLite's own SQL, so it runs on an SQLite connection of its own whichever
    # database the suite uses.
    changes, offsets = offset_changes("Europe/London")
    sql = f"SELECT date(x, {_offset_sql('x', changes, offsets, 0, len(offsets))})"
    with closing(sqlite3.connect(":memory:")) as db:
        for at in instants():
            stored = at.strftime("%Y-%m-%d %H:%M:%S.%f")
            found = db.execute(sql.replace("x", "?"), [stored] * sql.count("x")).fetchone()[0]
            assert found == at.astimezone(LONDON).date().isoformat(), stored
