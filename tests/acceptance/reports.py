"""The reports as the API gives them (`/api/v1/reports/{organisation}/{kind}/{period}`), as
plain figures to compare with those the records make, and the comparison itself: every
difference said as "the records say …, the report says …"."""

from __future__ import annotations

from .door import Door
from .records import Figures


def report(door: Door, code: str, kind: str, period: str) -> dict:
    return door.get(f"/reports/{code}/{kind}/{period}")


def figures(report_json: dict) -> Figures:
    """Each table's rows by key, the values column by column. A theme's row is named by its
    label ("theme:Communication"): the API names themes, never their ids."""
    out: Figures = {}
    for table in report_json["tables"]:
        rows = {}
        for row in table["rows"]:
            key = row["key"]
            if table["key"] == "themes" and key.startswith("theme_"):
                key = f"theme:{row['label']}"
            rows[key] = [f["value"] for f in row["figures"]]
        out[table["key"]] = rows
    return out


def compare(expected: Figures, got: Figures, where: str, columns=None) -> list[str]:
    """Every figure the records make that the report does not show as the same number. A row
    the records have no cases for may be left out of the report (a code no case has)."""
    differences = []
    for table, rows in expected.items():
        if table not in got:
            differences.append(f"{where} has no table {table}")
            continue
        for key in sorted(set(rows) | set(got[table])):
            want, have = rows.get(key), got[table].get(key)
            width = len(want or have)
            want = want or [0] * width
            have = have or [0] * width
            if want != have:
                names = columns or ["Q1", "Q2", "Q3", "Q4", "Total"]
                cells = [
                    f"{names[i] if width > 1 else ''}: records {w}, report {h}".lstrip(": ")
                    for i, (w, h) in enumerate(zip(want, have, strict=True))
                    if w != h
                ]
                differences.append(f"{where} {table}.{key} " + "; ".join(cells))
    return differences


def from_objects(built) -> dict:
    """A report object (reporting.catalogue.build) written as the API writes it: what the
    comparison reads until the reports API is there, and what shows that the API and the
    objects the pages render agree."""
    summary = built if hasattr(built, "cases") else None
    inner = built.report if summary else built
    return {
        "tables": [
            {
                "key": t.key,
                "rows": [
                    {
                        "key": r.key or r.label,
                        "label": r.label,
                        "figures": [{"value": c.value if c is not None else None} for c in r.cells],
                    }
                    for r in t.rows
                ],
            }
            for t in inner.tables.values()
        ],
        "check": {"passed": not built.problems, "problems": [str(p) for p in built.problems]},
        "cases": [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in c.items()}
            for c in summary.cases
        ]
        if summary
        else None,
    }
