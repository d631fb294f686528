"""The consistency check every report runs: totals reconcile across tables, percentages
match their counts, and nothing is counted twice (the parts of a partition add up to a total
counted by a separate query). Each problem names the table, the figure and the numbers."""

from __future__ import annotations

from candour.reporting.figures import Count, Number, Percent, Problem, Report, Table, percent

QUARTERS = ["Q1", "Q2", "Q3", "Q4"]


def _v(table: Table, row: str, column: str | None = None) -> int:
    cell = table.cell(row, column or table.columns[-1])
    return cell.value if cell is not None else 0


def _cells(report: Report) -> list[Problem]:
    problems = []
    for table in report.tables.values():
        for row in table.rows:
            for column, cell in zip(table.columns, row.cells, strict=True):
                where = f"{row.label}, {column}"
                if isinstance(cell, Count) and cell.value < 0:
                    problems.append(Problem(table.key, f"{where} is negative ({cell.value})"))
                if isinstance(cell, Percent):
                    n, d = cell.numerator.value, cell.denominator.value
                    if n > d:
                        problems.append(
                            Problem(table.key, f"{where}: {n} is more than its whole, {d}")
                        )
                    if cell.value != percent(n, d):
                        problems.append(
                            Problem(
                                table.key,
                                f"{where} is {cell.value}%, but {n} of {d} is {percent(n, d)}%",
                            )
                        )
                if isinstance(cell, Number) and cell.cases.value == 0 and cell.value is not None:
                    problems.append(Problem(table.key, f"{where} has a value over no cases"))
    return problems


def _equal(problems, table: str, what: str, got: int, expected: int, how: str) -> None:
    if got != expected:
        problems.append(Problem(table, f"{what} is {got}, but {how} makes {expected}"))


def _quarters_add_up(problems, table: Table) -> None:
    if table.columns != [*QUARTERS, "Total"]:
        return
    for row in table.rows:
        if not all(isinstance(c, Count) for c in row.cells):
            continue
        parts = [c.value for c in row.cells[:4]]
        _equal(
            problems,
            table.key,
            f"{row.label}, Total",
            row.cells[4].value,
            sum(parts),
            "Q1 to Q4 (" + " + ".join(map(str, parts)) + ")",
        )


def _each_column(problems, table: Table, total: str, parts: list[str]) -> None:
    for column in table.columns:
        values = [_v(table, p, column) for p in parts]
        _equal(
            problems,
            table.key,
            f"{table.row(total).label}, {column}",
            _v(table, total, column),
            sum(values),
            " + ".join(
                f"{table.row(p).label.lower()} {v}" for p, v in zip(parts, values, strict=True)
            ),
        )


def _at_least(problems, table: Table, total_row: str, parts: list[str], whole: str) -> None:
    """A breakdown where one case may sit under several rows: the rows add up to at least
    the total, and no row exceeds it."""
    total = _v(table, total_row)
    values = [_v(table, p) for p in parts]
    if sum(values) < total:
        problems.append(
            Problem(table.key, f"its rows add up to {sum(values)}, fewer than the {total} {whole}")
        )
    for p, v in zip(parts, values, strict=True):
        if v > total:
            problems.append(
                Problem(table.key, f"{table.row(p).label} is {v}, more than the {total} {whole}")
            )


def check_annual(report: Report) -> list[Problem]:
    t = report.tables
    problems = _cells(report)
    for table in t.values():
        _quarters_add_up(problems, table)
    _each_column(problems, t["received"], "total", ["own", "provider_led"])
    _each_column(problems, t["compliments"], "total", ["own", "providers"])
    out, wt = t["outcomes"], t["within_target"]
    _each_column(problems, out, "resolved", ["upheld", "partly_upheld", "not_upheld"])
    _each_column(problems, out, "well_founded", ["upheld", "partly_upheld"])
    for column in out.columns:
        _equal(
            problems,
            "within_target",
            f"Complaints responded to, {column}",
            _v(wt, "responded", column),
            _v(out, "resolved", column),
            "the outcomes table",
        )
        if _v(wt, "within", column) > _v(wt, "responded", column):
            problems.append(
                Problem("within_target", f"more within target than responded in {column}")
            )

    kinds = t["feedback"]
    kind_rows = [r.key for r in kinds.rows if r.key != "total"]
    _each_column(problems, kinds, "total", kind_rows)
    for kind, table, row in [
        ("complaint", "received", "total"),
        ("compliment", "compliments", "total"),
        ("mp_enquiry", "enquiries", "mp"),
        ("inbox_enquiry", "enquiries", "inbox"),
        ("enquiry", "enquiries", "other"),
    ]:
        _equal(
            problems,
            "feedback",
            kinds.row(kind).label,
            _v(kinds, kind),
            _v(t[table], row),
            f"the {t[table].title.lower()} table",
        )

    for key in ("themes", "subjects"):
        table = t[key]
        parts = [r.key for r in table.rows if r.key != "total"]
        _at_least(problems, table, "total", parts, "complaints")
        _equal(
            problems,
            key,
            "Complaints (each counted once)",
            _v(table, "total"),
            _v(t["received"], "own"),
            "own complaints received",
        )

    h = t["handling"]
    _each_column(problems, h, "received", ["ack_within", "ack_late", "not_ack"])
    _equal(
        problems,
        "handling",
        "Own complaints received",
        _v(h, "received"),
        _v(t["received"], "own"),
        "the received table",
    )
    _equal(
        problems,
        "handling",
        "Complaints responded to",
        _v(h, "resolved"),
        _v(out, "resolved"),
        "the outcomes table",
    )

    days = t["days_to_respond"]
    bands = [r.key for r in days.rows if r.key.startswith("days_")]
    _each_column(problems, days, "total", bands)
    _equal(
        problems,
        "days_to_respond",
        "Complaints responded to",
        _v(days, "total"),
        _v(out, "resolved"),
        "the outcomes table",
    )

    s = t["summary"]
    _equal(
        problems,
        "summary",
        "Complaints received",
        _v(s, "received"),
        _v(t["received"], "total"),
        "the received table",
    )
    _equal(
        problems,
        "summary",
        "Well founded",
        _v(s, "well_founded"),
        _v(out, "well_founded"),
        "the outcomes table",
    )
    _equal(
        problems,
        "summary",
        s.row("referred").label,
        _v(s, "referred"),
        _v(t["ombudsman"], "referred"),
        f"the table '{t['ombudsman'].title}'",
    )
    if _v(t["ombudsman"], "awaiting") > _v(t["ombudsman"], "referred"):
        problems.append(Problem("ombudsman", "more awaiting an outcome than were referred"))
    return problems


def check_ko41(report: Report) -> list[Problem]:
    t = report.tables
    problems = _cells(report)
    s = t["summary"]
    v = {r.key: r.cells[0].value for r in s.rows}
    _each_column(problems, s, "resolved", ["upheld", "partly_upheld", "not_upheld"])
    if v["resolved"] > v["brought_forward"] + v["new"] + v["reopened"]:
        problems.append(
            Problem(
                "summary",
                f"resolved {v['resolved']} is more than brought forward "
                f"{v['brought_forward']} + new {v['new']} + reopened {v['reopened']}",
            )
        )
    _equal(
        problems,
        "summary",
        "Carried forward",
        v["carried_forward"],
        v["brought_forward"] + v["new"] + v["reopened"] - v["resolved"] - v["closed_other"],
        "brought forward + new + reopened - resolved - closed without a finding",
    )
    for key, table in t.items():
        if key == "summary":
            continue
        if not table.available:
            problems.append(Problem(key, table.note))
            continue
        parts = [r.key for r in table.rows]
        total = sum(_v(table, p) for p in parts)
        if key in ("age_band", "status"):
            if total != v["new"]:
                problems.append(
                    Problem(
                        key,
                        f"the section adds up to {total}; it must equal new complaints, {v['new']}",
                    )
                )
            continue
        if total < v["new"]:
            problems.append(
                Problem(key, f"the section adds up to {total}, fewer than new, {v['new']}")
            )
        missing = _v(table, "not_coded")
        if missing:
            problems.append(
                Problem(
                    key,
                    f"{missing} new complaint(s) have no {table.title.lower()} code; "
                    "code them before the return is submitted",
                )
            )
    return problems
