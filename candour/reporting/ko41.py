"""The KO41a and KO41b returns for a financial year, counted by REGULATIONS.md §3.

- Written complaints only (kind complaint; MP letters and other kinds are not in the
  return). A complaint forwarded to a provider is the provider's to count (a transferred
  complaint is recorded by the organisation that deals with it).
- A case belongs to the return it was coded for; an uncoded case to its organisation's
  (KO41b for a GP practice, KO41a otherwise).
- Brought forward: received before the year and still open at its start. New: received in
  the year. Resolved: responses sent in the year with upheld, partly upheld or not upheld,
  each stage's once (a complaint reopened into a further local stage is investigated again:
  "separately investigated complaints count separately"). Carried forward: received by the
  year's end and still open then. Cases closed in the year without a finding (withdrawn,
  declined) and those reopened into a further stage in the year are shown so that the
  summary reconciles. A complaint between the response to one stage and the request for the
  next is not open.
- Breakdowns count new complaints only. Age and status sections sum exactly to new (an
  'unknown' band catches the rest); subject, service and profession count a complaint under
  each code it has, so their totals are at least new.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count as CountOf
from django.db.models import Exists, OuterRef, Q

from candour.cases.models import FINDING_OUTCOMES, Kind, Outcome
from candour.coding.coding import (
    PRIMARY_CARE_KINDS,
    age_band_expression,
    reported_facts,
    status_expression,
)
from candour.coding.models import CaseCode, CodeList, Dimension, Return
from candour.organisations.models import Organisation
from candour.reporting.figures import (
    Count,
    FinancialYear,
    Report,
    ReportError,
    Row,
    Scope,
    Table,
    between_stages,
    open_at,
    stage_counts,
    through_case,
)

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
    alive = Q(received_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=start))
    figures = {
        "brought_forward": open_at_start,
        "new": year.whole.q("received_at"),
        "closed_other": Q(received_at__lt=end, responded_at__isnull=True) & ended_in_year,
        "carried_forward": Q(received_at__lt=end)
        & (Q(ended_at__isnull=True) | Q(ended_at__gte=end)),
    }
    # `base` is in the WHERE clause once rather than in every figure's FILTER; each figure
    # keeps it in the filter that lists its cases.
    c = {
        k: Count(v.value, base & v.q) for k, v in scope.counts(figures, where=base & alive).items()
    }
    # What was answered (and reopened) in the year, and the cases waiting between two stages
    # at its start and end: from the stage responses of the cases in the return.
    resolved = Q(outcome__in=FINDINGS)
    c |= stage_counts(
        scope,
        year.whole,
        through_case(base),
        sent={
            "resolved": resolved,
            "upheld": resolved & Q(outcome=Outcome.UPHELD),
            "partly_upheld": resolved & Q(outcome=Outcome.PARTLY_UPHELD),
            "not_upheld": resolved & Q(outcome=Outcome.NOT_UPHELD),
        },
        later={
            "reopened": year.whole.q("reopened_at"),
            "waiting_start": between_stages(start),
            "waiting_end": between_stages(end),
        },
    )
    c["brought_forward"] = open_at(c["brought_forward"], c.pop("waiting_start"), start)
    c["carried_forward"] = open_at(c["carried_forward"], c.pop("waiting_end"), end)
    labels = {
        "brought_forward": "Brought forward",
        "new": "New",
        "reopened": "Reopened into a further local stage",
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


def _sections(scope: Scope, new: Q, lists: dict[str, CodeList]) -> dict[str, list[Row]]:
    """The rows of every breakdown from three GROUP BY queries over new complaints: the age
    band and status together, the codes of the chosen lists, and how many complaints have
    any code of each list (the rest are 'Not coded')."""
    sections: dict[str, list[Row]] = {}
    # A case not yet coded is banded from its people's facts as they stand (its patient's
    # date of birth, its complainant's relationship), not counted as unknown.
    facts = reported_facts()
    mapped = {
        d: (age_band_expression if d == Dimension.AGE_BAND else status_expression)(lists[d])
        for d in (Dimension.AGE_BAND, Dimension.STATUS)
        if d in lists
    }
    counts: dict[str, dict[int, int]] = {d: defaultdict(int) for d in mapped}
    if mapped:
        groups = (
            scope.cases()
            .filter(new)
            .alias(**facts)
            .annotate(**{f"band_{d}": e for d, e in mapped.items()})
            .values(*(f"band_{d}" for d in mapped))
            .annotate(n=CountOf("id"))
            .order_by()
        )
        for group in groups:
            for d in mapped:
                counts[d][group[f"band_{d}"]] += group["n"]
        for d, expression in mapped.items():
            sections[d] = [
                Row(
                    code.label,
                    [
                        Count(
                            counts[d].get(code.pk, 0),
                            new & Q(band=code.pk),
                            (*facts.items(), ("band", expression)),
                        )
                    ],
                    code.key,
                )
                for code in lists[d].codes.all()
                if not code.retired or counts[d].get(code.pk)
            ]
    chosen = {d: cl for d, cl in lists.items() if d not in mapped}
    if not chosen:
        return sections
    ids = {d: [c.pk for c in cl.codes.all()] for d, cl in chosen.items()}
    # By dimension rather than by code id: an IN list of code ids leads the planner to read
    # every case's codes through the code index. A new complaint in the return is coded with
    # that return's lists for its year, so its codes of these dimensions are of these lists;
    # if some are not (checked below), the counts per list are made exactly instead.
    in_lists = new & Q(codes__dimension__in=list(chosen))
    by_code = dict(
        scope.cases()
        .filter(in_lists)
        .values("codes__code_id")
        .annotate(n=CountOf("id", distinct=True))
        .order_by()
        .values_list("codes__code_id", "n")
    )
    coded = dict(
        scope.cases()
        .filter(in_lists)
        .values("codes__dimension")
        .annotate(n=CountOf("id", distinct=True))
        .order_by()
        .values_list("codes__dimension", "n")
    )
    listed = {i for d in ids for i in ids[d]}
    if any(code_id not in listed for code_id in by_code):
        coded = {
            d: scope.cases()
            .filter(new & Q(codes__code_id__in=ids[d]))
            .aggregate(n=CountOf("id", distinct=True))["n"]
            for d in chosen
        }
    # Every new complaint falls in exactly one band, so the bands add up to new.
    new_count = (
        sum(next(iter(counts.values())).values())
        if mapped
        else scope.counts({"new": new}, where=new)["new"].value
    )
    for d, code_list in chosen.items():
        rows = [
            Row(code.label, [Count(by_code.get(code.pk, 0), new & Q(codes__code=code))], code.key)
            for code in code_list.codes.all()
            if not code.retired or by_code.get(code.pk)
        ]
        has_code = Exists(CaseCode.objects.filter(case_id=OuterRef("pk"), code_id__in=ids[d]))
        none = Count(new_count - coded.get(d, 0), new & ~Q(has_code))
        rows.append(Row("Not coded", [none], "not_coded", uncoded=d))
        sections[d] = rows
    return sections


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
        for cl in CodeList.objects.filter(
            return_code=return_code, year=year.first_year, dimension__in=SECTIONS[return_code]
        ).prefetch_related("codes")
    }
    sections = _sections(scope, new, lists)
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
        rows = sections[dimension]
        # An unconfirmed list's source is a note for whoever replaces the file (where its
        # labels were recalled from); staff are told what it means for the return.
        note = (
            f"This list is not yet checked against NHS England's published {return_code} "
            "return: check its codes before the return is submitted."
            if code_list.unconfirmed
            else code_list.source
        )
        report.tables[dimension] = Table(dimension, code_list.title, ["New complaints"], rows, note)
    report.problems = check_ko41(report)
    return report
