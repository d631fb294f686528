"""The quarterly committee report and the monthly report (seed 004: "monthly reports on the
number and type of complaints, the outcomes of complaints, recommendations for change and
any subsequent action that has been taken"; seed 003's tables for a committee).

They reuse the annual report's tables over a shorter period: the annual functions read a
period's `whole` and its `quarters` (the columns), so a quarter passes its months as
`quarters` and a month passes none (one column). Two tables are added: the caseload (open at
the start, received, ended, open at the end) and recommendations for change with the action
taken on them. Matters redirected outside the procedure and the satisfaction survey (sent,
declined, answered) are the annual tables over the period, one column. The check is the
annual one plus these tables' own rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q

from candour.cases.models import StageResponse
from candour.organisations.models import Organisation
from candour.reporting import annual
from candour.reporting.figures import (
    Count,
    FinancialYear,
    Period,
    Problem,
    Report,
    ReportError,
    Row,
    Scope,
    Table,
    _midnight,
    between_stages,
    open_at,
    stage_counts,
    through_case,
)
from candour.reporting.improvements import changes_made, recommendations

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True)
class ReportPeriod:
    """A quarter of a financial year (its months as columns) or a calendar month (one
    column). `key` is how URLs and commentary name it: 2025-26-Q3 or 2025-11."""

    kind: str
    key: str
    label: str
    whole: Period
    parts: tuple[Period, ...] = ()

    @property
    def quarters(self) -> list[Period]:
        """The columns, under the name the annual tables use."""
        return list(self.parts)

    @property
    def columns(self) -> list[str]:
        return [p.label for p in self.parts] + ["Total" if self.parts else "Month"]


def month_period(year: int, month: int) -> Period:
    after = (year + 1, 1) if month == 12 else (year, month + 1)
    return Period(f"{MONTHS[month - 1]} {year}", _midnight(year, month), _midnight(*after))


def quarter(text: str) -> ReportPeriod:
    """'2025-26-Q3': the third quarter of 2025-26 (October to December 2025)."""
    m = re.fullmatch(r"\s*(\d{4}-\d{2})-?[Qq]([1-4])\s*", text or "")
    if not m:
        raise ReportError(f"'{text}' is not a quarter; write it as 2025-26-Q3.")
    year = FinancialYear.parse(m.group(1))
    n = int(m.group(2))
    months = [
        (year.first_year + (4 + 3 * (n - 1) + i - 1) // 12, (3 + 3 * (n - 1) + i) % 12 + 1)
        for i in range(3)
    ]
    parts = tuple(month_period(y, mo) for y, mo in months)
    whole = Period(f"Q{n} {year.label}", parts[0].start, parts[-1].end)
    first, last = parts[0].label.split()[0], parts[-1].label
    return ReportPeriod(
        "quarterly",
        f"{year.label}-Q{n}",
        f"Q{n} {year.label} ({first} to {last})",
        whole,
        parts,
    )


def month(text: str) -> ReportPeriod:
    """'2025-11': November 2025."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise ReportError(f"'{text}' is not a month; write it as 2025-11.")
    y, mo = int(m.group(1)), int(m.group(2))
    whole = month_period(y, mo)
    return ReportPeriod("monthly", f"{y}-{mo:02d}", whole.label, whole)


def quarter_of(day: date) -> str:
    first = day.year if day.month >= 4 else day.year - 1
    return f"{FinancialYear(first).label}-Q{((day.month - 4) % 12) // 3 + 1}"


@dataclass
class PeriodReport(Report):
    changes: list[dict] = field(default_factory=list)

    @property
    def period(self) -> ReportPeriod:
        return self.year

    @property
    def title(self) -> str:
        what = (
            "quarterly complaints report"
            if self.year.kind == "quarterly"
            else ("monthly complaints report")
        )
        return f"{self.organisation.name}: {what}, {self.year.label}"


COMPLAINT_OWN = annual.OWN


def caseload(scope: Scope, period: ReportPeriod) -> Table:
    """Own complaints open at the start of the period, received in it, reopened into a
    further stage in it, ended in it (each stage's final response; withdrawn or closed) and
    open at its end. A complaint answered and reopened in the period ended and began again."""
    start, end = period.whole.start, period.whole.end

    def dated_open_at(t):
        return (
            COMPLAINT_OWN & Q(received_at__lt=t) & (Q(ended_at__isnull=True) | Q(ended_at__gte=t))
        )

    figures = {
        "open_start": dated_open_at(start),
        "received": COMPLAINT_OWN & period.whole.q("received_at"),
        # Ended without a response (the responses are counted below, each stage's).
        "closed": COMPLAINT_OWN
        & Q(received_at__lt=end, responded_at__isnull=True)
        & period.whole.q("ended_at"),
        "open_end": dated_open_at(end),
    }
    c = scope.counts(figures, where=Q(received_at__lt=end))
    stages = stage_counts(
        scope,
        period.whole,
        through_case(COMPLAINT_OWN),
        sent={"responded": Q()},
        later={
            "waiting_start": between_stages(start),
            "waiting_end": between_stages(end),
            "reopened": period.whole.q("reopened_at"),
        },
    )
    responded, closed = stages["responded"], c["closed"]
    ended = Count(
        responded.value + closed.value,
        COMPLAINT_OWN
        & Q(received_at__lt=end)
        & (
            (Q(responded_at__isnull=True) & period.whole.q("ended_at"))
            | Q(Exists(responded_in(period.whole)))
        ),
    )
    rows = [
        Row(
            "Open at the start of the period",
            [open_at(c["open_start"], stages["waiting_start"], start)],
            "open_start",
        ),
        Row("Received in the period", [c["received"]], "received"),
        Row("Reopened into a further stage in the period", [stages["reopened"]], "reopened"),
        Row("Ended in the period (responded, withdrawn or closed)", [ended], "ended"),
        Row(
            "Open at the end of the period",
            [open_at(c["open_end"], stages["waiting_end"], end)],
            "open_end",
        ),
    ]
    return Table(
        "caseload",
        "Caseload: complaints about us",
        ["Complaints"],
        rows,
        note="Each stage of a complaint ends once: a complaint answered at two stages in the "
        "period has ended twice.",
    )


def responded_in(period: Period):
    """A case's responses sent in `period`, for the cases behind "Ended in the period"."""
    return StageResponse.objects.filter(case_id=OuterRef("pk")).filter(period.q("responded_at"))


TABLES = (
    annual.summary,
    caseload,
    annual.received,
    annual.within_target,
    annual.outcomes,
    annual.themes,
    annual.subjects,
    recommendations,
    annual.compliments,
    annual.ombudsman,
    annual.enquiries,
    annual.feedback,
    annual.handling,
    annual.days_to_respond,
    # Counted as the annual report counts them, over the period (R10, R37).
    annual.outside_procedure,
    annual.satisfaction,
)


def check_period(report: PeriodReport) -> list[Problem]:
    from candour.reporting.checks import _equal, _v, check_annual

    problems = check_annual(report)
    parts = len(report.year.parts)
    for table in report.tables.values():
        if not parts or table.columns != report.year.columns:
            continue
        for row in table.rows:
            if not all(isinstance(c, annual.Count) for c in row.cells):
                continue
            values = [c.value for c in row.cells[:parts]]
            _equal(
                problems,
                table.key,
                f"{row.label}, Total",
                row.cells[parts].value,
                sum(values),
                " + ".join(map(str, values)) + " by month",
            )
    c = report.tables["caseload"]
    _equal(
        problems,
        "caseload",
        "Open at the end of the period",
        _v(c, "open_end"),
        _v(c, "open_start") + _v(c, "received") + _v(c, "reopened") - _v(c, "ended"),
        "open at the start + received + reopened - ended",
    )
    _equal(
        problems,
        "caseload",
        "Received in the period",
        _v(c, "received"),
        _v(report.tables["received"], "own"),
        "the received table",
    )
    r = report.tables["recommendations"]
    if _v(r, "completed") != len({x["reference"] for x in report.changes}):
        problems.append(
            Problem(
                "recommendations",
                f"cases with actions completed is {_v(r, 'completed')}, but the list of "
                f"changes made names {len({x['reference'] for x in report.changes})} cases",
            )
        )
    return problems


def period_report(user, organisation: Organisation, period: ReportPeriod) -> PeriodReport:
    scope = Scope(user, organisation)
    report = PeriodReport(organisation, period, scope)
    for build in TABLES:
        table = build(scope, period)
        if table.columns == annual.COLUMNS:
            table.columns = period.columns
        report.tables[table.key] = table
    report.changes = changes_made(scope, period)
    report.problems = check_period(report)
    return report


def quarterly_report(user, organisation: Organisation, period: str | ReportPeriod):
    return period_report(
        user, organisation, period if isinstance(period, ReportPeriod) else quarter(period)
    )


def monthly_report(user, organisation: Organisation, period: str | ReportPeriod):
    return period_report(
        user, organisation, period if isinstance(period, ReportPeriod) else month(period)
    )
