"""The KO41a and KO41b returns for a financial year, counted by REGULATIONS.md §3.

- Written complaints only (kind complaint; MP letters and other kinds are not in the
  return). A complaint forwarded to a provider is the provider's to count (a transferred
  complaint is recorded by the organisation that deals with it).
- A case belongs to the return it was coded for; an uncoded case to its organisation's
  (KO41b for a GP practice, KO41a otherwise).
- Brought forward: received before the year and still open at its start. New: received in
  the year. Resolved: responded to in the year with upheld, partly upheld or not upheld.
  Carried forward: received by the year's end and still open then. Cases closed in the year
  without a finding (withdrawn, declined) are shown so that the summary reconciles.
- Breakdowns count new complaints only. Age and status sections sum exactly to new (an
  'unknown' band catches the rest); subject, service and profession count a complaint under
  each code it has, so their totals are at least new.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count as CountOf
from django.db.models import Q

from candour.cases.models import FINDING_OUTCOMES, Kind, Outcome
from candour.coding.coding import PRIMARY_CARE_KINDS, age_band_expression, status_expression
from candour.coding.models import CodeList, Dimension, Return
from candour.organisations.models import Organisation
from candour.reporting.figures import Count, FinancialYear, Report, ReportError, Row, Scope, Table

SECTIONS = {
    Return.KO41A: [
        Dimension.AGE_BAND,
        Dimension.STATUS,
        Dimension.SERVICE,
        Dimension.SUBJECT,
        Dimension.PROFESSION,
    ],
    Return.KO41B: [Dimension.AGE_BAND, Dimension.STATUS, Dimension.SUBJECT, Dimension.PROFESSION],
}
FINDINGS = [o.value for o in FINDING_OUTCOMES]


@dataclass
class Ko41Return(Report):
    return_code: str = ""

    @property
    def title(self) -> str:
        return f"{self.return_code} {self.year.label}: {self.organisation.name}"


def in_return(return_code: str) -> Q:
    primary = Q(organisation__kind__in=list(PRIMARY_CARE_KINDS))
    default = primary if return_code == Return.KO41B else ~primary
    return Q(kind=Kind.COMPLAINT, forwarded_to_provider_at__isnull=True) & (
        Q(coding__return_code=return_code) | (Q(coding__isnull=True) & default)
    )


def summary(scope: Scope, year: FinancialYear, base: Q) -> Table:
    start, end = year.whole.start, year.whole.end
    open_at_start = Q(received_at__lt=start) & (Q(ended_at__isnull=True) | Q(ended_at__gte=start))
    ended_in_year = Q(ended_at__gte=start, ended_at__lt=end)
    resolved = base & year.whole.q("responded_at") & Q(outcome__in=FINDINGS)
    alive = Q(received_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=start))
    c = scope.counts(
        {
            "brought_forward": base & open_at_start,
            "new": base & year.whole.q("received_at"),
            "resolved": resolved,
            "upheld": resolved & Q(outcome=Outcome.UPHELD),
            "partly_upheld": resolved & Q(outcome=Outcome.PARTLY_UPHELD),
            "not_upheld": resolved & Q(outcome=Outcome.NOT_UPHELD),
            "closed_other": base & Q(received_at__lt=end) & ended_in_year & ~resolved,
            "carried_forward": base
            & Q(received_at__lt=end)
            & (Q(ended_at__isnull=True) | Q(ended_at__gte=end)),
        },
        where=base & alive,
    )
    labels = {
        "brought_forward": "Brought forward",
        "new": "New",
        "resolved": "Resolved",
        "upheld": "Resolved: upheld",
        "partly_upheld": "Resolved: partially upheld",
        "not_upheld": "Resolved: not upheld",
        "closed_other": "Closed without a finding (withdrawn, declined)",
        "carried_forward": "Carried forward",
    }
    return Table(
        "summary",
        "Summary",
        ["Complaints"],
        [Row(label, [c[key]], key) for key, label in labels.items()],
    )


def _mapped(scope: Scope, new: Q, code_list: CodeList) -> list[Row]:
    expression = (
        age_band_expression(code_list)
        if code_list.dimension == Dimension.AGE_BAND
        else status_expression(code_list)
    )
    counts = dict(
        scope.cases()
        .filter(new)
        .annotate(band=expression)
        .values("band")
        .annotate(n=CountOf("id"))
        .order_by()
        .values_list("band", "n")
    )
    return [
        Row(
            code.label,
            [Count(counts.get(code.pk, 0), new & Q(band=code.pk), (("band", expression),))],
            code.key,
        )
        for code in code_list.codes.all()
        if not code.retired or counts.get(code.pk)
    ]


def _chosen(scope: Scope, new: Q, code_list: CodeList) -> list[Row]:
    in_list = Q(codes__code__code_list=code_list)
    counts = dict(
        scope.cases()
        .filter(new & in_list)
        .values("codes__code_id")
        .annotate(n=CountOf("id", distinct=True))
        .order_by()
        .values_list("codes__code_id", "n")
    )
    rows = [
        Row(code.label, [Count(counts.get(code.pk, 0), new & Q(codes__code=code))], code.key)
        for code in code_list.codes.all()
        if not code.retired or counts.get(code.pk)
    ]
    coded = scope.cases().filter(in_list).values("pk")
    none = scope.counts({"none": new & ~Q(pk__in=coded)}, where=new)["none"]
    rows.append(Row("Not coded", [none], "not_coded"))
    return rows


def ko41(user, organisation: Organisation, return_code: str, year) -> Ko41Return:
    """One return for `organisation` and everything below it that `user` may see."""
    from candour.reporting.checks import check_ko41

    if return_code not in Return.values:
        raise ReportError(f"return_code: must be one of {', '.join(Return.values)}")
    year = year if isinstance(year, FinancialYear) else FinancialYear.parse(year)
    scope = Scope(user, organisation)
    report = Ko41Return(organisation, year, scope, return_code=return_code)
    base = in_return(return_code)
    report.tables["summary"] = summary(scope, year, base)
    new = base & year.whole.q("received_at")
    lists = {
        cl.dimension: cl
        for cl in CodeList.objects.filter(return_code=return_code, year=year.first_year)
    }
    for dimension in SECTIONS[return_code]:
        code_list = lists.get(dimension)
        title = Dimension(dimension).label
        if code_list is None:
            report.tables[dimension] = Table(
                dimension,
                title,
                ["New complaints"],
                note=f"No {return_code} {year.label} {title.lower()} list is loaded; an "
                "administrator loads it with `candour codelists load`.",
                available=False,
            )
            continue
        rows = (
            _mapped(scope, new, code_list)
            if dimension in (Dimension.AGE_BAND, Dimension.STATUS)
            else _chosen(scope, new, code_list)
        )
        note = (
            "UNCONFIRMED list: " + code_list.source if code_list.unconfirmed else code_list.source
        )
        report.tables[dimension] = Table(dimension, code_list.title, ["New complaints"], rows, note)
    report.problems = check_ko41(report)
    return report
