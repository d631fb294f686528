"""What a report is made of: tables of figures, each figure a count of cases with the filter
that chose them, so that the report can list the cases behind any figure, and a check can
recompute what a percentage or a total should be.

Reports never hold a typed number. Every count comes from an aggregate query over
`Scope.cases()`, which starts from `cases_for(user)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db.models import Case as CaseWhen
from django.db.models import Count as CountOf
from django.db.models import (
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from candour.cases.access import cases_for, responses_for
from candour.cases.models import Case, StageResponse, Status
from candour.coding.codelists import parse_year, year_label
from candour.organisations.access import organisation_ids_for
from candour.organisations.models import Capability, Organisation


class ReportError(ValueError):
    """A report that cannot be made as asked; the message says what to change."""


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime  # inclusive, Europe/London midnight
    end: datetime  # exclusive

    def q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})

    def q_date(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start.date(), f"{field}__lt": self.end.date()})


def _midnight(year: int, month: int) -> datetime:
    from datetime import date

    return timezone.make_aware(datetime.combine(date(year, month, 1), time.min))


@dataclass(frozen=True)
class FinancialYear:
    """1 April to 31 March, and its quarters Q1 (April to June) to Q4 (January to March)."""

    first_year: int

    @classmethod
    def parse(cls, text: str | int) -> FinancialYear:
        if isinstance(text, int):
            return cls(text)
        try:
            return cls(parse_year(text, "year"))
        except ValueError as error:
            raise ReportError(str(error)) from None

    @property
    def label(self) -> str:
        return year_label(self.first_year)

    @property
    def whole(self) -> Period:
        return Period(self.label, _midnight(self.first_year, 4), _midnight(self.first_year + 1, 4))

    @property
    def quarters(self) -> list[Period]:
        y = self.first_year
        starts = [(y, 4), (y, 7), (y, 10), (y + 1, 1), (y + 1, 4)]
        return [
            Period(f"Q{i + 1}", _midnight(*starts[i]), _midnight(*starts[i + 1])) for i in range(4)
        ]


CASES, RESPONSES = "cases", "responses"


@dataclass(frozen=True)
class Count:
    """A number of cases: `q` (with any `annotations` it needs) picks them from the scope.
    `over` RESPONSES: a number of stage responses (`Scope.responses()`), which `q` picks; a
    case answered at two stages in a period is two responses (ADR 0018)."""

    value: int
    q: Q
    annotations: tuple[tuple[str, object], ...] = ()
    over: str = CASES


@dataclass(frozen=True)
class Percent:
    """A share of two counts in the same report, to one decimal place."""

    numerator: Count
    denominator: Count

    @property
    def value(self) -> float | None:
        return percent(self.numerator.value, self.denominator.value)


@dataclass(frozen=True)
class Number:
    """A figure that is not a count of cases (a median of days); `cases` picks the cases
    it was computed over."""

    value: float | None
    cases: Count


Cell = Count | Percent | Number | None


def percent(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 1) if denominator else None


@dataclass
class Row:
    label: str
    cells: list[Cell]
    key: str = ""
    # The coding its cases lack (subject, service, profession, theme): the row of cases
    # without a code, which the report pages link to the list that codes them.
    uncoded: str = ""


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    note: str = ""
    available: bool = True

    def row(self, key_or_label: str) -> Row:
        for r in self.rows:
            if key_or_label in (r.key, r.label):
                return r
        raise KeyError(f"{self.key} has no row {key_or_label!r}")

    def cell(self, row: str, column: str) -> Cell:
        return self.row(row).cells[self.columns.index(column)]

    def values(self) -> dict[str, list]:
        """Row key (or label) to the plain values, for tests and exports."""
        return {
            (r.key or r.label): [c.value if c is not None else None for c in r.cells]
            for r in self.rows
        }


@dataclass
class Problem:
    table: str
    message: str

    def __str__(self) -> str:
        return f"{self.table}: {self.message}"


def report_organisation_ids(user) -> set[int]:
    """Organisations whose reports and dashboard the user may see: VIEW_REPORTS there, and
    their cases (every figure is a count of cases)."""
    return set(organisation_ids_for(user, Capability.VIEW_REPORTS)) & set(
        organisation_ids_for(user, Capability.VIEW_CASES)
    )


# Local dates on SQLite without a call into Python for each row. Django's TruncDate there
# calls a Python function per row (django_datetime_cast_date), which dominated the reports'
# time. The zone's offset changes at known instants: a nested CASE over them (a binary
# search, about 8 string comparisons) picks the offset and SQLite's own date() applies it.
# Instants outside the years covered fall back to Django's function, so the result is the
# same as TruncDate's for every value.
LOCAL_YEARS = (1990, 2100)


@lru_cache(maxsize=4)
def offset_changes(zone: str) -> tuple[list[str], list[int]]:
    """UTC instants (as SQLite stores them) where `zone`'s offset changes within
    LOCAL_YEARS, and the offset in minutes from each instant on (the first from the start)."""
    tz = ZoneInfo(zone)
    at = datetime(LOCAL_YEARS[0], 1, 1, tzinfo=UTC)
    end = datetime(LOCAL_YEARS[1], 1, 1, tzinfo=UTC)
    minutes = int(at.astimezone(tz).utcoffset().total_seconds() // 60)
    instants, offsets = [at.strftime("%Y-%m-%d %H:%M:%S")], [minutes]
    step = timedelta(days=1)
    while at < end:
        nxt = at + step
        if int(nxt.astimezone(tz).utcoffset().total_seconds() // 60) != minutes:
            while nxt - at > timedelta(seconds=1):  # narrow to the change
                mid = at + (nxt - at) / 2
                if int(mid.astimezone(tz).utcoffset().total_seconds() // 60) == minutes:
                    at = mid
                else:
                    nxt = mid
            minutes = int(nxt.astimezone(tz).utcoffset().total_seconds() // 60)
            nxt = nxt.replace(microsecond=0)
            instants.append(nxt.strftime("%Y-%m-%d %H:%M:%S"))
            offsets.append(minutes)
        at = nxt
    instants.append(end.strftime("%Y-%m-%d %H:%M:%S"))
    return instants, offsets


def _offset_sql(column: str, instants: list[str], offsets: list[int], lo: int, hi: int) -> str:
    """The offset (a date() modifier) in force at `column`, which lies in [instants[lo],
    instants[hi])."""
    if hi - lo == 1:
        return f"'{offsets[lo]:+d} minutes'"
    mid = (lo + hi) // 2
    return (
        f"CASE WHEN {column} < '{instants[mid]}' "
        f"THEN {_offset_sql(column, instants, offsets, lo, mid)} "
        f"ELSE {_offset_sql(column, instants, offsets, mid, hi)} END"
    )


class LocalDate(TruncDate):
    """TruncDate (the date in the current time zone), fast on SQLite."""

    def as_sqlite(self, compiler, connection, **extra_context):
        tzname = self.get_tzname()
        if not tzname or tzname == "UTC":
            return super().as_sql(compiler, connection, **extra_context)
        column, params = compiler.compile(self.lhs)
        slow, slow_params = super().as_sql(compiler, connection, **extra_context)
        instants, offsets = offset_changes(tzname)
        fast = f"date({column}, {_offset_sql(column, instants, offsets, 0, len(offsets))})"
        sql = (
            f"CASE WHEN {column} >= '{instants[0]}' AND {column} < '{instants[-1]}' "
            f"THEN {fast} ELSE {slow} END"
        )
        # The column appears 1 + depth times in `fast` and twice in the test.
        count = sql.count(column) - slow.count(column)
        return sql, (*params * count, *slow_params)


class DaysBetween(Func):
    """`later` minus `earlier` (two dates) as a duration; on SQLite with julianday() rather
    than Django's Python function."""

    output_field = DurationField()

    def as_sql(self, compiler, connection, **extra_context):
        later, earlier = self.get_source_expressions()
        expression = ExpressionWrapper(later - earlier, output_field=DurationField())
        return compiler.compile(expression.resolve_expression(compiler.query))

    def as_sqlite(self, compiler, connection, **extra_context):
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        # Django keeps durations on SQLite as whole microseconds.
        return (
            f"(CAST(julianday({later}) - julianday({earlier}) AS INTEGER) * 86400000000)",
            (*later_params, *earlier_params),
        )


class Scope:
    """The cases a report may count: those `user` may see (cases_for), in `organisation` and
    every organisation below it. Date aliases are in Europe/London (TruncDate)."""

    def __init__(self, user, organisation: Organisation):
        visible = set(organisation_ids_for(user, Capability.VIEW_CASES))
        below = set(organisation.subtree().values_list("id", flat=True))
        if organisation.pk not in visible:
            raise ReportError(f"You cannot see the cases of {organisation.name}.")
        self.user = user
        self.organisation = organisation
        self.organisation_ids = sorted(visible & below)
        self.memo: dict = {}

    def once(self, key, compute):
        """`compute()` the first time `key` is asked for in this scope, then the same answer:
        several tables of one report share one grouped query."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def cases(self) -> QuerySet[Case]:
        """The cases in scope. `ended_at`: when the current stage ended (its response, the
        withdrawal of a case that did not carry on, or its closing)."""
        qs = cases_for(self.user).filter(organisation_id__in=self.organisation_ids)
        withdrawn = CaseWhen(When(status=Status.WITHDRAWN, then=F("withdrawn_at")))
        return qs.alias(
            received_on=LocalDate("received_at"),
            ended_at=Coalesce("responded_at", withdrawn, "closed_at"),
        )

    def responses(self) -> QuerySet[StageResponse]:
        """The responses of the cases in scope, each stage's once (ADR 0018). Days to respond
        are calendar days from the start of the stage (receipt, for stage 1) to the response."""
        qs = responses_for(self.user).filter(organisation_id__in=self.organisation_ids)
        return qs.alias(
            responded_on=LocalDate("responded_at"), started_on=LocalDate("started_at")
        ).alias(days_to_respond=DaysBetween(F("responded_on"), F("started_on")))

    def rows(self, over: str) -> QuerySet:
        return self.responses() if over == RESPONSES else self.cases()

    def counts(
        self,
        figures: dict[str, Q],
        *,
        where: Q | None = None,
        distinct: bool = False,
        over: str = CASES,
    ) -> dict[str, Count]:
        """Many counts in one aggregate query (conditional COUNT) over the rows `where`
        picks, which every figure must lie within (it lets the database use an index such as
        organisation + received_at rather than read every case). `distinct` when a filter
        reaches through a many-valued relation (themes, codes, referrals). `over`: cases, or
        the stage responses."""
        rows = self.rows(over) if where is None else self.rows(over).filter(where)
        values = rows.aggregate(
            **{k: CountOf("id", filter=q, distinct=distinct) for k, q in figures.items()}
        )
        return {k: Count(values[k] or 0, q, over=over) for k, q in figures.items()}

    def case_ids(self, cell: Cell) -> list[int]:
        """The cases behind a figure, for a user who may see them."""
        if cell is None:
            return []
        if isinstance(cell, Percent):
            cell = cell.numerator
        if isinstance(cell, Number):
            cell = cell.cases
        qs = self.rows(cell.over)
        if cell.annotations:
            qs = qs.alias(**dict(cell.annotations))
        column = "case_id" if cell.over == RESPONSES else "id"
        return list(qs.filter(cell.q).values_list(column, flat=True).distinct().order_by(column))


def through_case(q: Q) -> Q:
    """A filter on cases as a filter on their stage responses: every lookup of `q` taken
    through the response's case, so that a rule about cases is written once."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    out.children = [
        through_case(child) if isinstance(child, Q) else (f"case__{child[0]}", child[1])
        for child in q.children
    ]
    return out


def between_stages(t: datetime) -> Q:
    """Stage responses whose stage had ended before `t` and whose case's next stage began at
    or after it: a case with one is not open at `t`, though its dates alone say it is (it was
    received before `t` and its current stage ends after `t`)."""
    return Q(responded_at__lt=t, reopened_at__gte=t)


def stage_counts(
    scope: Scope, period: Period, on_case: Q, sent: dict[str, Q], later: dict[str, Q]
) -> dict[str, Count]:
    """Counts of stage responses for a flow over `period`, of the cases `on_case` picks (a
    rule on cases, taken `through_case`), in two queries, each read from its own index:
    `sent`, figures of the responses sent in the period (response_org_responded); `later`,
    figures of those followed by a stage that began in the period or after it: reopened in
    it, or waiting between stages at its start or end (few; response_org_reopened)."""
    out = {}
    for figures, rows in (
        (sent, period.q("responded_at")),
        (later, Q(reopened_at__gte=period.start, responded_at__lt=period.end)),
    ):
        counted = scope.counts(figures, where=on_case & rows, over=RESPONSES)
        out.update({k: Count(v.value, on_case & v.q, over=RESPONSES) for k, v in counted.items()})
    return out


def not_between_stages(t: datetime) -> Q:
    """Cases not waiting between two stages at `t` (see `between_stages`)."""
    waiting = StageResponse.objects.filter(case_id=OuterRef("pk")).filter(between_stages(t))
    return ~Q(Exists(waiting))


def open_at(cases: Count, waiting: Count, t: datetime) -> Count:
    """Cases open at `t`: those open by their dates (`cases`), less those that were waiting
    between two stages then (`waiting`, responses picked with `between_stages(t)`, one per
    case: the waits of one case never overlap)."""
    return Count(cases.value - waiting.value, cases.q & not_between_stages(t), cases.annotations)


def days(n: int) -> timedelta:
    return timedelta(days=n)


@dataclass
class Report:
    """A report: its tables in order, the problems the consistency check found, and the way
    back from any figure to its cases."""

    organisation: Organisation
    year: FinancialYear
    scope: Scope
    tables: dict[str, Table] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return self.tables[key]

    def cases_behind(self, table: str, row: str, column: str | None = None) -> list[int]:
        t = self.tables[table]
        return self.scope.case_ids(t.cell(row, column or t.columns[-1]))
