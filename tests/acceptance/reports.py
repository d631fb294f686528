"""The reports as the API gives them (`/api/v1/reports/{organisation}/{kind}/{period}`), as
plain figures to compare with those the records make, and the comparison itself: every
difference said as "the records say …, the report says …"."""

from __future__ import annotations

from .door import Door
from .records import Cases, Figures, value


def report(door: Door, code: str, kind: str, period: str) -> dict:
    return door.get(f"/reports/{code}/{kind}/{period}")


def lister(door: Door, code: str, kind: str, period: str):
    """The references the report lists behind a figure (its .../cases)."""

    def behind(table: str, row: str, column: str | None) -> set[str]:
        params = {"table": table, "row": row, "limit": 1000}
        if column:
            params["column"] = column
        listed = door.get(f"/reports/{code}/{kind}/{period}/cases", **params)
        return {c["reference"] for c in listed["cases"]}

    return behind


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


def compare(
    expected: Figures, got: Figures, where: str, columns: list[str], behind=None
) -> list[str]:
    """Every figure the records make that the report does not show as the same number. A row
    the records have no cases for may be left out of the report (a code no case has). With
    `behind` (table, row, column -> the references the report lists behind that figure), a
    difference names the cases on each side."""
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
            names = columns if width > 1 else ["Total"]
            for column, cell, shown in zip(names, want, have, strict=True):
                if value(cell) == shown:
                    continue
                line = f"{where} {table}.{key} {column}: records {value(cell)}, report {shown}"
                if behind is not None and isinstance(cell, Cases):
                    row = key.removeprefix("theme:")
                    listed = behind(table, row, column if width > 1 else None)
                    line += (
                        f" (only in the records: {sorted(cell.references - listed)}; "
                        f"only in the report: {sorted(listed - cell.references)})"
                    )
                differences.append(line)
    return differences
