"""What a report is made of: tables of figures, each figure a count of cases with the filter
that chose them, so that the report can list the cases behind any figure, and a check can
recompute what a percentage or a total should be.

Reports never hold a typed number. Every count comes from an aggregate query over
`Scope.cases()`, which starts from `cases_for(user)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Count as CountOf
from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from candour.cases.access import cases_for
from candour.cases.models import Case
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


@dataclass(frozen=True)
class Count:
    """A number of cases: `q` (with any `annotations` it needs) picks them from the scope."""

    value: int
    q: Q
    annotations: tuple[tuple[str, object], ...] = ()


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

    def cases(self) -> QuerySet[Case]:
        qs = cases_for(self.user).filter(organisation_id__in=self.organisation_ids)
        return qs.alias(
            received_on=TruncDate("received_at"),
            responded_on=TruncDate("responded_at"),
            acknowledged_on=TruncDate("acknowledged_at"),
            ended_at=Coalesce("responded_at", "withdrawn_at", "closed_at"),
        ).alias(
            days_to_respond=ExpressionWrapper(
                F("responded_on") - F("received_on"), output_field=DurationField()
            )
        )

    def counts(
        self, figures: dict[str, Q], *, where: Q | None = None, distinct: bool = False
    ) -> dict[str, Count]:
        """Many counts in one aggregate query (conditional COUNT) over the rows `where`
        picks, which every figure must lie within (it lets the database use an index such as
        organisation + received_at rather than read every case). `distinct` when a filter
        reaches through a many-valued relation (themes, codes, referrals)."""
        rows = self.cases() if where is None else self.cases().filter(where)
        values = rows.aggregate(
            **{k: CountOf("id", filter=q, distinct=distinct) for k, q in figures.items()}
        )
        return {k: Count(values[k] or 0, q) for k, q in figures.items()}

    def case_ids(self, cell: Cell) -> list[int]:
        """The cases behind a figure, for a user who may see them."""
        if cell is None:
            return []
        if isinstance(cell, Percent):
            cell = cell.numerator
        if isinstance(cell, Number):
            cell = cell.cases
        qs = self.cases()
        if cell.annotations:
            qs = qs.alias(**dict(cell.annotations))
        return list(qs.filter(cell.q).values_list("id", flat=True).distinct().order_by("id"))


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
