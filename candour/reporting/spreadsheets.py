"""Reports as spreadsheets (openpyxl): one sheet per table, the figures as numbers, the
notes and any consistency problems on a first sheet. The KO41 workbook follows the return's
sections in order, so it can be copied into the collection."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from candour.reporting.figures import Report, Table

BOLD = Font(bold=True)


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Table"
    base, n = name, 2
    while name in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def _write_table(wb: Workbook, table: Table, used: set[str]) -> None:
    ws = wb.create_sheet(_sheet_name(table.title, used))
    ws.append([table.title])
    ws["A1"].font = BOLD
    if table.note:
        ws.append([table.note])
    if not table.available:
        ws.append(["Not available."])
        return
    ws.append(["", *table.columns])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    for row in table.rows:
        ws.append([row.label, *[c.value if c is not None else None for c in row.cells]])
    ws.column_dimensions["A"].width = max(20, min(70, max(len(r.label) for r in table.rows) + 2))


def workbook(
    report: Report, title: str, *, period_heading: str = "Financial year", commentary=None
) -> Workbook:
    """`commentary`: the current Commentary (or False for a report that has one but none
    was written; None for a report without one)."""
    wb = Workbook()
    front = wb.active
    front.title = "About"
    front.append([title])
    front["A1"].font = BOLD
    front.append(["Organisation", report.organisation.name])
    front.append([period_heading, report.year.label])
    front.append(
        ["Every figure is counted from the case records; none is typed in."],
    )
    if report.problems:
        front.append(["Consistency problems"])
        for problem in report.problems:
            front.append([str(problem)])
    else:
        front.append(["Consistency check", "passed: the tables reconcile"])
    used = {"About"}
    if commentary is not None:
        ws = wb.create_sheet(_sheet_name("Commentary", used))
        ws.append(["Commentary"])
        ws["A1"].font = BOLD
        if commentary:
            who = commentary.written_by.get_full_name() or commentary.written_by.get_username()
            ws.append([commentary.text])
            ws.append([f"Version {commentary.version}, written by {who}."])
        else:
            ws.append(["No commentary has been written for this period."])
        ws.column_dimensions["A"].width = 100
    for table in report.tables.values():
        _write_table(wb, table, used)
    changes = getattr(report, "changes", None)
    if changes is not None:
        _write_rows(
            wb,
            "Changes made",
            [("reference", "Case"), ("description", "Action completed"), ("verified", "Checked")],
            changes,
            used,
        )
    return wb


def _write_rows(wb: Workbook, title: str, columns, rows: list[dict], used: set[str]) -> None:
    ws = wb.create_sheet(_sheet_name(title, used))
    ws.append([label for _, label in columns])
    for cell in ws[1]:
        cell.font = BOLD
    for row in rows:
        ws.append([_plain(row[key]) for key, _ in columns])


def _plain(value):
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def to_bytes(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def ko41_workbook(report) -> Workbook:
    return workbook(report, f"{report.return_code} return {report.year.label}")


def annual_workbook(report, commentary=None) -> Workbook:
    return workbook(report, report.title, commentary=commentary)


def period_workbook(report, commentary=None) -> Workbook:
    return workbook(report, report.title, period_heading="Period", commentary=commentary)


def commissioner_workbook(summary) -> Workbook:
    """The anonymised summary: the annual figures, then the case list (codes, dates and
    outcomes only; see candour/reporting/commissioner.py)."""
    wb = workbook(summary.report, summary.title)
    _write_rows(wb, "Cases", summary.columns, summary.cases, set(wb.sheetnames))
    return wb
