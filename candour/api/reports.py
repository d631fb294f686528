"""Reports as JSON: /api/v1/reports/... (issue 16).

The same reports as the staff pages at /reports/ and /dashboard/, built by the same calls
(candour.reporting.catalogue.build and dashboard.dashboard) and written from the same report
objects: each table's rows by their keys, each figure with its value, the text the page shows
for it and how many cases it was counted over (which .../cases lists). Nothing is counted
here.

Access is the pages' rule (ADR 0010): VIEW_REPORTS and VIEW_CASES at the organisation
(reporting.figures.report_organisation_ids). An organisation whose cases you cannot see is
404, as a case is; one whose cases you see but whose reports your role does not, 403.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from ninja import Path, Query, Router, Schema
from pydantic import Field

from candour.api.errors import NotFound
from candour.api.schemas import READ_ERRORS, WRITE_ERRORS
from candour.cases.access import cases_for
from candour.cases.intake import InvalidCase
from candour.coding import returns
from candour.organisations.models import Organisation
from candour.reporting import catalogue, commentary
from candour.reporting import dashboard as board
from candour.reporting.access import OrganisationNotFound, dashboard_organisation
from candour.reporting.figures import (
    Count,
    FinancialYear,
    Number,
    Percent,
    ReportError,
    report_organisation_ids,
)
from candour.reporting.present import behind, display

router = Router(tags=["reports"])

ERRORS = {**READ_ERRORS, 403: READ_ERRORS[404]}

ReportKind = Literal[tuple(catalogue.KINDS)]  # type: ignore[valid-type]
# A financial year (2025-26), a quarter of one (2025-26-Q3) or a month (2025-11), in the
# years the API's dates take; which of them a report wants is its kind's `period_hint`.
PERIOD_PATTERN = "^(19|2[0-9])[0-9]{2}-[0-9]{2}(-Q[1-4])?$"
Code = Annotated[str, Path(max_length=12, description="The organisation's code, e.g. WAL.")]
PeriodInPath = Annotated[
    str,
    Path(
        pattern=PERIOD_PATTERN,
        description="As the report's kind names it: 2025-26, 2025-26-Q3 or 2025-11.",
    ),
]


# --- what the API returns --------------------------------------------------------------------


class FigureOut(Schema):
    column: str
    type: Literal["count", "percent", "number"] | None = Field(
        description="count: a number of cases; percent: a share of two counts; number: "
        "another figure (a median); null: no figure in this cell."
    )
    value: int | float | None = Field(description="null where there is nothing to divide by.")
    display: str = Field(description="The figure as the report page writes it.")
    cases: int = Field(description="How many cases it was counted over (…/cases lists them).")


class RowOut(Schema):
    key: str = Field(description="The row's key, stable for machines.")
    label: str
    figures: list[FigureOut]


class TableOut(Schema):
    key: str
    title: str
    columns: list[str]
    rows: list[RowOut]
    note: str
    available: bool = Field(description="false when the table cannot be made; `note` says why.")


class ProblemOut(Schema):
    table: str
    message: str


class CheckOut(Schema):
    passed: bool = Field(
        description="The tables reconcile, every percentage matches its counts and nothing "
        "is counted twice."
    )
    problems: list[ProblemOut]


class CommentaryOut(Schema):
    text: str
    version: int
    written_at: datetime
    written_by: str


class ChangeOut(Schema):
    reference: str
    description: str
    completed: datetime
    verified: bool


class SummaryCaseOut(Schema):
    """A case of the anonymised summary: codes, dates and outcome only."""

    reference: str
    received: date
    subjects: str
    services: str
    themes: str
    provider_led: str
    status: str
    stage: int = Field(description="The stage the complaint is at: 1, or 2 once reopened.")
    outcome: str = Field(description="The current stage's, or else its latest response's.")
    responded: date | None = Field(description="When its latest stage's response was sent.")
    days: int | None = Field(
        description="Calendar days from the start of that stage (receipt, or the request for "
        "it) to its response."
    )
    within_target: str = Field(
        description="That response within its timescale: Yes or No (empty until answered)."
    )
    ombudsman: str


class ReportOut(Schema):
    organisation: str
    organisation_name: str
    kind: str
    name: str
    period: str
    first_day: date
    last_day: date
    title: str
    check: CheckOut
    tables: list[TableOut]
    commentary: CommentaryOut | None = Field(
        description="The team's commentary, for the annual, quarterly and monthly reports."
    )
    changes: list[ChangeOut] | None = Field(
        description="Changes made as a result of complaints (actions completed in the period)."
    )
    cases: list[SummaryCaseOut] | None = Field(
        description="The anonymised summary's list of the year's complaints."
    )


class KindOut(Schema):
    key: str
    name: str
    period_hint: str
    latest_period: str


class OrganisationOut(Schema):
    code: str
    name: str


class ReportsIndex(Schema):
    organisations: list[OrganisationOut] = Field(description="Whose reports you may see.")
    reports: list[KindOut]
    dashboard_periods: list[int]


class FigureCasesFilters(Schema):
    table: str = Field(max_length=40, description="A table's key.")
    row: str = Field(max_length=200, description="A row's key.")
    column: str | None = Field(None, max_length=40, description="The table's last if left out.")
    limit: int = Field(500, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10_000_000)


class CaseBehindOut(Schema):
    reference: str
    kind: str
    status: str
    received_at: datetime
    responded_at: datetime | None
    outcome: str


class FigureCases(Schema):
    table: str
    row: str
    column: str
    figure: FigureOut
    total: int = Field(description="How many cases are behind the figure.")
    cases: list[CaseBehindOut] = Field(description="Oldest first, `limit` from `offset`.")


class MonthOut(Schema):
    label: str
    first_day: date
    last_day: date


class SeriesOut(Schema):
    key: str
    label: str
    values: list[int] = Field(description="One per month, oldest first.")


class RankedRowOut(Schema):
    name: str
    complaints: int


class RankedOut(Schema):
    title: str
    rows: list[RankedRowOut]
    total: int = Field(description="Complaints, each counted once.")


class PointOut(Schema):
    value: float
    moving_range: float | None
    special_causes: list[str]
    variation: str


class ControlChartOut(Schema):
    mean: float | None
    mean_moving_range: float | None
    upper: float | None
    lower: float | None
    improvement: str | None
    summary: str
    points: list[PointOut]


class DashboardFilters(Schema):
    organisation: str | None = Field(
        None,
        max_length=12,
        description="An organisation's code: it and those below it. Every organisation "
        "whose reports you may see if left out.",
    )
    period: int = Field(
        12, ge=12, le=24, multiple_of=12, description="The last 12 or 24 complete months."
    )


class DashboardOut(Schema):
    organisation: str | None
    period: int
    first_day: date
    last_day: date
    months: list[MonthOut]
    series: list[SeriesOut]
    within_percent: list[float | None] = Field(
        description="% of final responses within the agreed timescale, by month."
    )
    themes: RankedOut
    services: RankedOut
    received_chart: ControlChartOut = Field(description="XmR chart of complaints received.")
    within_chart: ControlChartOut = Field(
        description="XmR chart of % within the agreed timescale (months with responses only)."
    )


# --- access ----------------------------------------------------------------------------------


def organisation_reported(user, code: str | None) -> Organisation | None:
    """The organisation `code` if the user may see its reports, or None (every organisation
    whose reports they may see) where no code is given: reporting.access's rule, not found
    (404) where they cannot see its cases, refused (403) where they see its cases but not its
    reports or see no reports at all."""
    try:
        return dashboard_organisation(user, code)
    except OrganisationNotFound as error:
        raise NotFound(str(error)) from None


def _built(user, code: str, kind: str, period: str):
    organisation = organisation_reported(user, code)
    try:
        key = catalogue.period_key(kind, period)
        if key != period:
            raise ReportError(f"Write the period as {key}.")
        return organisation, catalogue.build(user, organisation, kind, period)
    except ReportError as error:
        raise InvalidCase("period", str(error)) from None


# --- writing the report objects --------------------------------------------------------------

CELL_TYPES = {Count: "count", Percent: "percent", Number: "number"}


def figure(column: str, cell) -> dict:
    return {
        "column": column,
        "type": CELL_TYPES.get(type(cell)),
        "value": None if cell is None else cell.value,
        "display": display(cell),
        "cases": behind(cell),
    }


def table(t) -> dict:
    return {
        "key": t.key,
        "title": t.title,
        "columns": t.columns,
        "note": t.note,
        "available": t.available,
        "rows": [
            {
                "key": r.key or r.label,
                "label": r.label,
                "figures": [figure(c, cell) for c, cell in zip(t.columns, r.cells, strict=True)],
            }
            for r in t.rows
        ],
    }


def _commentary(organisation, kind, period) -> dict | None:
    if not catalogue.kind(kind).commentary:
        return None
    current = commentary.current(organisation, kind, period)
    if current is None:
        return None
    by = current.written_by
    return {
        "text": current.text,
        "version": current.version,
        "written_at": current.written_at,
        "written_by": by.get_full_name() or by.get_username(),
    }


def report(organisation, kind: str, period: str, built) -> dict:
    """A report as JSON, from the object its page renders (the anonymised summary holds the
    annual report and its list of cases)."""
    summary = built if kind == "commissioner" else None
    inner = built.report if summary else built
    whole = inner.year.whole
    return {
        "organisation": organisation.code,
        "organisation_name": organisation.name,
        "kind": kind,
        "name": catalogue.kind(kind).name,
        "period": period,
        "first_day": whole.start.date(),
        "last_day": (whole.end - timedelta(days=1)).date(),
        "title": built.title,
        "check": {
            "passed": not built.problems,
            "problems": [{"table": p.table, "message": p.message} for p in built.problems],
        },
        "tables": [table(t) for t in inner.tables.values()],
        "commentary": _commentary(organisation, kind, period),
        "changes": getattr(inner, "changes", None) if not summary else None,
        "cases": summary.cases if summary else None,
    }


# --- the endpoints ---------------------------------------------------------------------------


@router.get("", response={200: ReportsIndex, **ERRORS}, summary="The reports you may see")
def index(request):
    """The organisations whose reports you may see, the reports Candour makes and the period
    each is most often wanted for."""
    ids = report_organisation_ids(request.auth)
    latest = catalogue.latest_periods()
    return {
        "organisations": [
            {"code": o.code, "name": o.name}
            for o in Organisation.objects.filter(pk__in=ids).order_by("path")
        ],
        "reports": [
            {
                "key": k.key,
                "name": k.name,
                "period_hint": k.period_hint,
                "latest_period": latest[k.key],
            }
            for k in catalogue.KINDS.values()
        ],
        "dashboard_periods": list(board.PERIODS),
    }


@router.get("/dashboard", response={200: DashboardOut, **ERRORS}, summary="The dashboard")
def dashboard(request, filters: Query[DashboardFilters]):
    """The dashboard's figures month by month over the last 12 or 24 complete months, its
    themes and services, and its two statistical process control charts (R37)."""
    user = request.auth
    organisation = organisation_reported(user, filters.organisation or None)
    d = board.dashboard(user, organisation, filters.period)
    return {
        "organisation": organisation.code if organisation else None,
        "period": d.period,
        "first_day": d.first_day,
        "last_day": d.last_day,
        "months": [
            {
                "label": m.label,
                "first_day": m.start.date(),
                "last_day": (m.end - timedelta(days=1)).date(),
            }
            for m in d.months
        ],
        "series": [
            {"key": s.key, "label": s.label, "values": s.values} for s in d.activity.series.values()
        ],
        "within_percent": d.within_percent,
        "themes": _ranked(d.themes),
        "services": _ranked(d.services),
        "received_chart": _chart(d.received_spc),
        "within_chart": _chart(d.within_spc),
    }


def _ranked(r) -> dict:
    return {
        "title": r.title,
        "rows": [{"name": name, "complaints": n} for name, n in r.rows],
        "total": r.total,
    }


def _chart(x) -> dict:
    return {
        "mean": x.mean,
        "mean_moving_range": x.mean_moving_range,
        "upper": x.upper,
        "lower": x.lower,
        "improvement": x.improvement,
        "summary": x.summary(),
        "points": [
            {
                "value": p.value,
                "moving_range": p.moving_range,
                "special_causes": sorted(str(rule) for rule in p.rules),
                "variation": str(p.variation),
            }
            for p in x.points
        ],
    }


@router.get(
    "/{organisation}/{kind}/{period}",
    response={200: ReportOut, **ERRORS},
    summary="A report or return",
)
def one_report(request, organisation: Code, kind: ReportKind, period: PeriodInPath):
    """The report `kind` of the organisation (and those below it that you may see) for the
    period: the annual, quarterly or monthly report, the KO41a or KO41b return, or the
    anonymised summary for a commissioner. Its figures are the report page's."""
    found, built = _built(request.auth, organisation, kind, period)
    return report(found, kind, period, built)


@router.get(
    "/{organisation}/{kind}/{period}/cases",
    response={200: FigureCases, **ERRORS},
    summary="The cases behind a figure",
)
def figure_cases(
    request,
    organisation: Code,
    kind: ReportKind,
    period: PeriodInPath,
    filters: Query[FigureCasesFilters],
):
    """The cases a figure was counted over, as the report page lists them (not for the
    anonymised summary, whose point is to name no case's details)."""
    _, built = _built(request.auth, organisation, kind, period)
    if kind == "commissioner":
        raise NotFound("The anonymised summary does not list the cases behind its figures.")
    t = built.tables.get(filters.table)
    if t is None:
        raise InvalidCase(
            "table", f"is not a table of this report; choose one of {', '.join(built.tables)}"
        )
    column = filters.column or t.columns[-1]
    if column not in t.columns:
        raise InvalidCase(
            "column", f"is not a column of {t.key}; choose one of {', '.join(t.columns)}"
        )
    try:
        row = t.row(filters.row)
    except KeyError:
        raise InvalidCase("row", f"is not a row of {t.key}") from None
    cell = row.cells[t.columns.index(column)]
    ids = built.scope.case_ids(cell)
    chosen = ids[filters.offset : filters.offset + filters.limit]
    listed = (
        cases_for(request.auth)
        .filter(pk__in=chosen)
        .order_by("received_at", "pk")
        .values("reference", "kind", "status", "received_at", "responded_at", "outcome")
    )
    return {
        "table": t.key,
        "row": row.key or row.label,
        "column": column,
        "figure": figure(column, cell),
        "total": len(ids),
        "cases": list(listed),
    }


# --- a KO41 return's submission --------------------------------------------------------------

Ko41Kind = Literal["ko41a", "ko41b"]


class SubmissionOut(Schema):
    organisation: str
    return_code: str
    year: str
    submitted: bool = Field(
        description="Marked submitted: the coding of the cases it counts can no longer change."
    )
    submitted_at: datetime | None
    submitted_by: str | None
    may_submit: bool = Field(
        description="Whether you may mark it submitted or withdraw the mark (a role that sees "
        "the organisation's reports and handles its cases)."
    )


def _return(user, code: str, kind: str, period: str) -> tuple[Organisation, str, int]:
    organisation = organisation_reported(user, code)
    try:
        key = catalogue.period_key(kind, period)
        if key != period:
            raise ReportError(f"Write the period as {key}.")
        return_code, year = catalogue.ko41_return(kind, period)
    except ReportError as error:
        raise InvalidCase("period", str(error)) from None
    return organisation, return_code, year


def _submission(user, organisation: Organisation, return_code: str, year: int) -> dict:
    done = returns.submission(organisation, return_code, year)
    by = done.submitted_by if done else None
    return {
        "organisation": organisation.code,
        "return_code": return_code,
        "year": FinancialYear(year).label,
        "submitted": done is not None,
        "submitted_at": done.submitted_at if done else None,
        "submitted_by": (by.get_full_name() or by.get_username()) if by else None,
        "may_submit": returns.may_submit(user, organisation),
    }


SUBMISSION = "/{organisation}/{kind}/{period}/submission"


@router.get(
    SUBMISSION, response={200: SubmissionOut, **ERRORS}, summary="A KO41 return's submission"
)
def get_submission(request, organisation: Code, kind: Ko41Kind, period: PeriodInPath):
    """Whether the organisation's KO41a or KO41b return for the financial year is marked
    submitted, when and by whom."""
    return _submission(request.auth, *_return(request.auth, organisation, kind, period))


@router.post(
    SUBMISSION,
    response={200: SubmissionOut, **WRITE_ERRORS},
    summary="Mark a KO41 return submitted",
)
def submit(request, organisation: Code, kind: Ko41Kind, period: PeriodInPath):
    """Mark the return submitted, as the return's page does: from then on the coding of the
    cases it counts (the organisation's and those below it, received in the year) is kept as it
    is. 403 without a role that sees the organisation's reports and handles its cases; 409
    if it is already marked submitted."""
    found, return_code, year = _return(request.auth, organisation, kind, period)
    returns.mark_submitted(found, return_code, year, by=request.auth)
    return _submission(request.auth, found, return_code, year)


@router.delete(
    SUBMISSION,
    response={200: SubmissionOut, **WRITE_ERRORS},
    summary="Withdraw a KO41 return's submission",
)
def withdraw(request, organisation: Code, kind: Ko41Kind, period: PeriodInPath):
    """Withdraw the mark, so that the cases the return counts can be coded again. 409 if it
    is not marked submitted."""
    found, return_code, year = _return(request.auth, organisation, kind, period)
    returns.withdraw_submission(found, return_code, year, by=request.auth)
    return _submission(request.auth, found, return_code, year)
