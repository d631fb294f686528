"""The annual complaints report for a financial year (R36): the tables of the Dorset CCG
report (seed 003), the contents the Minster practice policy asks for (seed 001 §12), and the
handling figures a board asks about (acknowledgement, days to respond, extensions).

Each table is one or two aggregate queries over `Scope.cases()`, or, for what was answered,
over `Scope.responses()`: each stage's response once, with its own date, outcome, extensions
and the deadline engine's verdict stored on it (ADR 0018); no case is read into Python. "Own"
complaints are those the organisation answered itself; provider-led ones were forwarded to
the provider for a direct response (R32).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Case as CaseWhen
from django.db.models import Count as CountOf
from django.db.models import Exists, F, IntegerField, OuterRef, Q, Value, When

from candour.cases.models import FINDING_OUTCOMES, Kind, OmbudsmanOutcome, Outcome
from candour.coding.models import CaseCode, Code, Dimension
from candour.organisations.models import Organisation
from candour.reporting.figures import (
    CASES,
    RESPONSES,
    Count,
    FinancialYear,
    Number,
    Percent,
    Report,
    Row,
    Scope,
    Table,
)

COMPLAINT = Q(kind=Kind.COMPLAINT)
PROVIDER_LED = Q(forwarded_to_provider_at__isnull=False)
OWN = COMPLAINT & ~PROVIDER_LED
# Acknowledged within its target: the deadline engine's verdict, stored on the case.
ACK_WITHIN = Q(acknowledge_met=True)
# Over the stage responses (Scope.responses()), each of which we sent ourselves: a complaint's
# response with a finding, within the agreed timescale by the deadline engine's stored
# verdict, and upheld or partly upheld. No verdict is judged again here from dates.
RESOLVED = COMPLAINT & Q(outcome__in=[o.value for o in FINDING_OUTCOMES])
WITHIN_TARGET = Q(met=True)
WELL_FOUNDED = Q(outcome__in=[Outcome.UPHELD, Outcome.PARTLY_UPHELD])

# Calendar days from receipt to response, as a board reads them (the targets themselves are
# in the policy's units, and judged by the deadline engine: the stored verdicts).
DAY_BANDS = [(0, 14), (15, 28), (29, 42), (43, 56), (57, 90), (91, None)]


class AnnualReport(Report):
    @property
    def title(self) -> str:
        return f"{self.organisation.name}: complaints annual report {self.year.label}"


def _by_quarter(scope: Scope, year: FinancialYear, rows: list[tuple[str, str, Q]], on: str):
    """Rows of counts by quarter and for the year, in one aggregate query."""
    periods = [*year.quarters, year.whole]
    figures = {f"{key}_{i}": q & p.q(on) for key, _, q in rows for i, p in enumerate(periods)}
    counts = scope.counts(figures, where=year.whole.q(on))
    return [
        Row(label, [counts[f"{key}_{i}"] for i in range(len(periods))], key)
        for key, label, _ in rows
    ]


COLUMNS = ["Q1", "Q2", "Q3", "Q4", "Total"]


# Most tables are read from two GROUP BY queries a report makes once (Scope.once): what was
# received in the year, by kind, quarter, own or provider-led, and acknowledgement; and the
# complaints responded to in the year, by quarter, outcome, within target, extension and
# days taken. Each figure still carries the filter that picks its cases.


def _quarter_of(year: FinancialYear, on: str) -> CaseWhen | Value:
    """The index of the column (a quarter of a year, a month of a quarter) a case falls in;
    `year` is any period with `quarters` (reporting.periodic.ReportPeriod too)."""
    parts = year.quarters
    if len(parts) <= 1:
        return Value(0, output_field=IntegerField())
    return CaseWhen(
        *[When(Q(**{f"{on}__lt": parts[i].end}), then=Value(i)) for i in range(len(parts) - 1)],
        default=Value(len(parts) - 1),
        output_field=IntegerField(),
    )


def _flag(q: Q) -> CaseWhen:
    return CaseWhen(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())


def _received_groups(scope: Scope, year: FinancialYear) -> list[dict]:
    def compute():
        return list(
            scope.cases()
            .filter(year.whole.q("received_at"))
            .annotate(
                quarter=_quarter_of(year, "received_at"),
                own=_flag(~PROVIDER_LED),
                about_us=_flag(Q(provider_name="")),
                ack=CaseWhen(
                    When(acknowledged_at__isnull=True, then=Value(0)),
                    When(ACK_WITHIN, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                ),
            )
            .values("kind", "quarter", "own", "about_us", "ack")
            .annotate(n=CountOf("id"))
            .order_by()
        )

    return scope.once(("received", year.whole), compute)


def _responded_groups(scope: Scope, year: FinancialYear) -> list[dict]:
    """What was answered in the year, grouped as `_responded_by_days` but with the days added
    together, so that the many sums over them (`_sum`) each read a few dozen groups, not
    thousands (about 100 ms of a national annual report)."""

    def collapse():
        totals: dict[tuple, int] = {}
        for g in _responded_by_days(scope, year):
            key = tuple((k, v) for k, v in g.items() if k not in ("days", "n"))
            totals[key] = totals.get(key, 0) + g["n"]
        return [dict(key) | {"n": n} for key, n in totals.items()]

    return scope.once(("responded, days added together", year.whole), collapse)


def _responded_by_days(scope: Scope, year: FinancialYear) -> list[dict]:
    """What was answered in the year (each stage's response), grouped by quarter, outcome,
    within target, extension and the days each answer took (a group for each number of days:
    a few thousand groups for a national year)."""

    def compute():
        return [
            g | {"days": g["days"].days}
            for g in scope.responses()
            .filter(RESOLVED & year.whole.q("responded_at"))
            .annotate(
                quarter=_quarter_of(year, "responded_at"),
                within=_flag(WITHIN_TARGET),
                extended=_flag(Q(extensions__gt=0)),
                days=F("days_to_respond"),
            )
            .values("quarter", "outcome", "within", "extended", "days")
            .annotate(n=CountOf("id"))
            .order_by()
        ]

    return scope.once(("responded", year.whole), compute)


def _sum(groups: list[dict], **match) -> int:
    """The count of the groups that match: a value, or a tuple of values any of which."""
    return sum(
        g["n"]
        for g in groups
        if all(g[k] in v if isinstance(v, tuple) else g[k] == v for k, v in match.items())
    )


def _quarter_rows(
    year, groups, rows: list[tuple[str, str, Q, dict]], on: str, over: str = CASES
) -> list[Row]:
    """Rows of counts by quarter and for the year from grouped counts: each row's `match`
    picks its groups, its `q` its cases (or, `over` RESPONSES, its responses)."""
    periods = [*year.quarters, year.whole]
    out = []
    for key, label, q, match in rows:
        values = [_sum(groups, quarter=i, **match) for i in range(len(year.quarters))]
        values.append(_sum(groups, **match))
        cells = [Count(v, q & p.q(on), over=over) for v, p in zip(values, periods, strict=True)]
        out.append(Row(label, cells, key))
    return out


def received(scope: Scope, year: FinancialYear) -> Table:
    rows = _quarter_rows(
        year,
        _received_groups(scope, year),
        [
            ("total", "Complaints received", COMPLAINT, {"kind": Kind.COMPLAINT}),
            ("own", "Answered by us", OWN, {"kind": Kind.COMPLAINT, "own": 1}),
            (
                "provider_led",
                "Forwarded to providers for a direct response",
                COMPLAINT & PROVIDER_LED,
                {"kind": Kind.COMPLAINT, "own": 0},
            ),
        ],
        "received_at",
    )
    return Table("received", "Complaints received", COLUMNS, rows)


def within_target(scope: Scope, year: FinancialYear) -> Table:
    rows = _quarter_rows(
        year,
        _responded_groups(scope, year),
        [
            ("responded", "Complaints responded to", RESOLVED, {}),
            (
                "within",
                "Final response within the agreed timescale",
                RESOLVED & WITHIN_TARGET,
                {"within": 1},
            ),
        ],
        "responded_at",
        RESPONSES,
    )
    rows.append(
        Row(
            "% within the agreed timescale",
            [Percent(w, r) for w, r in zip(rows[1].cells, rows[0].cells, strict=True)],
            "within_percent",
        )
    )
    return Table(
        "within_target",
        "Final responses within the agreed timescale",
        COLUMNS,
        rows,
        note="The timescale is the policy's response target, or the date agreed with the "
        "complainant (with any extension).",
    )


def outcomes(scope: Scope, year: FinancialYear) -> Table:
    rows = _quarter_rows(
        year,
        _responded_groups(scope, year),
        [
            ("resolved", "Complaints responded to", RESOLVED, {}),
            ("upheld", "Upheld", RESOLVED & Q(outcome=Outcome.UPHELD), {"outcome": Outcome.UPHELD}),
            (
                "partly_upheld",
                "Partly upheld",
                RESOLVED & Q(outcome=Outcome.PARTLY_UPHELD),
                {"outcome": Outcome.PARTLY_UPHELD},
            ),
            (
                "well_founded",
                "Upheld or partly upheld",
                RESOLVED & WELL_FOUNDED,
                {"outcome": (Outcome.UPHELD, Outcome.PARTLY_UPHELD)},
            ),
            (
                "not_upheld",
                "Not upheld",
                RESOLVED & Q(outcome=Outcome.NOT_UPHELD),
                {"outcome": Outcome.NOT_UPHELD},
            ),
        ],
        "responded_at",
        RESPONSES,
    )
    by = {r.key: r for r in rows}
    rows.insert(
        4,
        Row(
            "% upheld or partly upheld",
            [
                Percent(w, r)
                for w, r in zip(by["well_founded"].cells, by["resolved"].cells, strict=True)
            ],
            "well_founded_percent",
        ),
    )
    return Table("outcomes", "Well founded (upheld) complaints", COLUMNS, rows)


def _grouped(scope: Scope, base: Q, group: str, label: str) -> list[tuple[object, str, int]]:
    rows = (
        scope.cases()
        .filter(base)
        .values(group, label)
        .annotate(n=CountOf("id", distinct=True))
        .order_by(label)
    )
    return [(r[group], r[label], r["n"]) for r in rows]


def themes(scope: Scope, year: FinancialYear) -> Table:
    """Own complaints received in the year by the organisation's themes. A complaint under
    several themes is counted under each; the total counts it once."""
    base = OWN & year.whole.q("received_at")
    rows, none = [], None
    for theme_id, name, n in _grouped(scope, base, "themes__theme_id", "themes__theme__name"):
        if theme_id is None:
            none = Count(n, base & Q(themes__isnull=True))
        else:
            rows.append(
                Row(name, [Count(n, base & Q(themes__theme_id=theme_id))], f"theme_{theme_id}")
            )
    none = none or Count(0, base & Q(themes__isnull=True))
    rows.append(Row("No theme recorded", [none], "none", uncoded="theme"))
    own = _sum(_received_groups(scope, year), kind=Kind.COMPLAINT, own=1)
    rows.append(Row("Complaints (each counted once)", [Count(own, base)], "total"))
    return Table(
        "themes",
        "Themes of complaints about us",
        ["Complaints"],
        rows,
        note="A complaint with several themes is counted under each.",
    )


def subjects(scope: Scope, year: FinancialYear) -> Table:
    """Seed 001: the subject matter of complaints received, by the subject codes they were
    coded with (any return). Counted under each subject; the total counts each once."""
    base = OWN & year.whole.q("received_at")
    sub = Q(codes__dimension="subject")
    coded = (
        scope.cases()
        .filter(base & sub)
        .values("codes__code__key")
        .annotate(n=CountOf("id", distinct=True))
        .order_by("codes__code__key")
    )
    coded = list(coded)
    labels = dict(
        Code.objects.filter(
            key__in=[r["codes__code__key"] for r in coded], code_list__dimension=Dimension.SUBJECT
        )
        .order_by("code_list__year", "code_list_id")
        .values_list("key", "label")
    )
    rows = [
        Row(
            labels[r["codes__code__key"]],
            [
                Count(
                    r["n"],
                    base & Q(codes__dimension="subject", codes__code__key=r["codes__code__key"]),
                )
            ],
            r["codes__code__key"],
        )
        for r in coded
    ]
    rows.sort(key=lambda r: r.label)
    has_subject = Exists(
        CaseCode.objects.filter(case_id=OuterRef("pk"), dimension=Dimension.SUBJECT)
    )
    total = _sum(_received_groups(scope, year), kind=Kind.COMPLAINT, own=1)
    # Counted as cases with a subject code (EXISTS), not by joining the codes and counting
    # distinct cases: half the time (63 against 122 ms for one site's year at 2,500,000
    # cases on PostgreSQL), the same number.
    with_subject = scope.cases().filter(base).filter(has_subject).count()
    none = Count(total - with_subject, base & ~Q(has_subject))
    rows.append(Row("No subject recorded", [none], "none", uncoded="subject"))
    rows.append(Row("Complaints (each counted once)", [Count(total, base)], "total"))
    return Table(
        "subjects",
        "Subjects of complaints",
        ["Complaints"],
        rows,
        note="A complaint with several subjects is counted under each.",
    )


def compliments(scope: Scope, year: FinancialYear) -> Table:
    compliment = Q(kind=Kind.COMPLIMENT)
    rows = _quarter_rows(
        year,
        _received_groups(scope, year),
        [
            ("total", "Compliments received", compliment, {"kind": Kind.COMPLIMENT}),
            (
                "own",
                "About us",
                compliment & Q(provider_name=""),
                {"kind": Kind.COMPLIMENT, "about_us": 1},
            ),
            (
                "providers",
                "About providers",
                compliment & ~Q(provider_name=""),
                {"kind": Kind.COMPLIMENT, "about_us": 0},
            ),
        ],
        "received_at",
    )
    return Table("compliments", "Compliments", COLUMNS, rows)


def enquiries(scope: Scope, year: FinancialYear) -> Table:
    rows = _quarter_rows(
        year,
        _received_groups(scope, year),
        [
            (key, label, Q(kind=kind), {"kind": kind})
            for key, label, kind in (
                ("mp", "Letters from MPs", Kind.MP_ENQUIRY),
                ("inbox", "Inbox enquiries", Kind.INBOX_ENQUIRY),
                ("other", "Other enquiries", Kind.ENQUIRY),
            )
        ],
        "received_at",
    )
    return Table("enquiries", "MP letters and enquiries", COLUMNS, rows)


def feedback(scope: Scope, year: FinancialYear) -> Table:
    """Everything received in the year by kind: each kind counted on its own (R1)."""
    whole = year.whole.q("received_at")
    groups = _received_groups(scope, year)
    counts = {k.value: Count(_sum(groups, kind=k.value), whole & Q(kind=k)) for k in Kind}
    counts["total"] = Count(_sum(groups), whole)
    rows = [Row(k.label, [counts[k.value]], k.value) for k in Kind]
    rows.append(Row("Total", [counts["total"]], "total"))
    return Table("feedback", "Feedback received by kind", ["Received"], rows)


def _ombudsman_counts(scope: Scope, year: FinancialYear) -> dict[str, Count]:
    def compute():
        referred = year.whole.q_date("ombudsman_referrals__referred_on")
        decided = year.whole.q_date("ombudsman_referrals__decided_on")
        figures = {"referred": referred}
        for o in OmbudsmanOutcome:
            figures[o.value] = decided & Q(ombudsman_referrals__outcome=o)
        figures["awaiting"] = referred & Q(ombudsman_referrals__outcome="")
        return scope.counts(figures, where=referred | decided, distinct=True)

    return scope.once(("ombudsman", year.whole), compute)


def ombudsman(scope: Scope, year: FinancialYear) -> Table:
    """R30: cases referred to the Ombudsman or an ADR provider in the year, and outcomes
    decided in the year. A case referred twice is counted once."""
    counts = _ombudsman_counts(scope, year)
    rows = [Row("Referred in the year", [counts["referred"]], "referred")]
    rows += [
        Row(f"Decided: {o.label.lower()}", [counts[o.value]], o.value) for o in OmbudsmanOutcome
    ]
    rows.append(Row("Referred in the year, awaiting an outcome", [counts["awaiting"]], "awaiting"))
    title = f"Referrals to {scope.organisation.policy.escalation_named}"
    return Table("ombudsman", title[0].upper() + title[1:], ["Cases"], rows)


def handling(scope: Scope, year: FinancialYear) -> Table:
    """Acknowledgement within target of own complaints received in the year; extensions
    agreed on complaints responded to in the year."""
    got = OWN & year.whole.q("received_at")
    resolved = RESOLVED & year.whole.q("responded_at")
    received, responded = _received_groups(scope, year), _responded_groups(scope, year)
    own = {"kind": Kind.COMPLAINT, "own": 1}
    c = {
        "received": Count(_sum(received, **own), got),
        "ack_within": Count(_sum(received, **own, ack=1), got & ACK_WITHIN),
        "ack_late": Count(
            _sum(received, **own, ack=2), got & Q(acknowledged_at__isnull=False) & ~ACK_WITHIN
        ),
        "not_ack": Count(_sum(received, **own, ack=0), got & Q(acknowledged_at__isnull=True)),
        "resolved": Count(_sum(responded), resolved, over=RESPONSES),
        "extended": Count(
            _sum(responded, extended=1), resolved & Q(extensions__gt=0), over=RESPONSES
        ),
    }
    rows = [
        Row("Own complaints received", [c["received"]], "received"),
        Row("Acknowledged within the target", [c["ack_within"]], "ack_within"),
        Row("Acknowledged late", [c["ack_late"]], "ack_late"),
        Row("Not acknowledged", [c["not_ack"]], "not_ack"),
        Row(
            "% acknowledged within the target",
            [Percent(c["ack_within"], c["received"])],
            "ack_percent",
        ),
        Row("Complaints responded to", [c["resolved"]], "resolved"),
        Row("Responded to after an agreed extension", [c["extended"]], "extended"),
        Row("% with an extension", [Percent(c["extended"], c["resolved"])], "extended_percent"),
    ]
    return Table("handling", "Acknowledgement and extensions", ["Complaints"], rows)


def days_to_respond(scope: Scope, year: FinancialYear) -> Table:
    """Calendar days from the start of the stage (receipt, or the request for a further
    stage) to its final response, for the responses to complaints sent in the year: the
    distribution by band and the median (from one GROUP BY on the days)."""
    resolved = RESOLVED & year.whole.q("responded_at")
    histogram: dict[int, int] = {}
    for g in _responded_by_days(scope, year):
        histogram[g["days"]] = histogram.get(g["days"], 0) + g["n"]
    rows = []
    for low, high in DAY_BANDS:
        n = sum(v for d, v in histogram.items() if d >= low and (high is None or d <= high))
        q = resolved & Q(days_to_respond__gte=timedelta(days=low))
        if high is not None:
            q &= Q(days_to_respond__lte=timedelta(days=high))
        label = f"{low} to {high} days" if high is not None else f"{low} days or more"
        rows.append(Row(label, [Count(n, q, over=RESPONSES)], f"days_{low}"))
    total = Count(sum(histogram.values()), resolved, over=RESPONSES)
    rows.append(Row("Complaints responded to", [total], "total"))
    rows.append(Row("Median days to respond", [Number(median_of(histogram), total)], "median"))
    return Table(
        "days_to_respond",
        "Days from receipt to final response",
        ["Complaints"],
        rows,
        note="Calendar days from receipt, or from the request for a further stage. Whether each "
        "met its target is in 'Final responses within the agreed timescale', as the case page "
        "judges it.",
    )


def median_of(histogram: dict[int, int]) -> int | None:
    """The lower median of values given as {value: how many}, without expanding them."""
    total = sum(histogram.values())
    if not total:
        return None
    middle, seen = (total - 1) // 2, 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen > middle:
            return value
    raise AssertionError("unreachable")


def summary(scope: Scope, year: FinancialYear) -> Table:
    """Seed 001 §12: received, well founded, referred to the Ombudsman (or, for a policy
    that escalates elsewhere, to its escalation body: the policy names it)."""
    whole = year.whole
    got = COMPLAINT & whole.q("received_at")
    well_founded = RESOLVED & WELL_FOUNDED & whole.q("responded_at")
    counts = {
        "received": Count(_sum(_received_groups(scope, year), kind=Kind.COMPLAINT), got),
        "well_founded": Count(
            _sum(
                _responded_groups(scope, year),
                outcome=(Outcome.UPHELD, Outcome.PARTLY_UPHELD),
            ),
            well_founded,
            over=RESPONSES,
        ),
    }
    referred = _ombudsman_counts(scope, year)
    rows = [
        Row("Complaints received", [counts["received"]], "received"),
        Row("Well founded (upheld or partly upheld)", [counts["well_founded"]], "well_founded"),
        Row(scope.organisation.policy.referred_label, [referred["referred"]], "referred"),
    ]
    return Table("summary", "Summary", ["Complaints"], rows)


def improvements(scope: Scope, year: FinancialYear) -> Table:
    """Improvements made as a result of complaints (seed 001 §12) and actions completed:
    candour/reporting/improvements.py counts them from the actions recorded on cases."""
    from candour.reporting.improvements import recommendations

    table = recommendations(scope, year)
    table.key, table.title = "improvements", "Improvements made as a result of complaints"
    return table


def outside_procedure(scope: Scope, year: FinancialYear) -> Table:
    """R10 (seed 002 §13): matters redirected outside the complaints procedure in the year,
    by the policy's kinds of matter, each case once: counted, never silently dropped."""
    whole = year.whole.q("redirection__redirected_at")
    matters = scope.organisation.policy.outside_procedure
    figures = {m.key: whole & Q(redirection__category=m.key) for m in matters}
    figures["total"] = whole
    counts = scope.counts(figures, where=whole)
    rows = [Row(m.label, [counts[m.key]], m.key) for m in matters]
    rows.append(Row("Total redirected", [counts["total"]], "total"))
    return Table(
        "outside_procedure", "Matters outside the complaints procedure", ["Redirected"], rows
    )


TABLES = (
    summary,
    received,
    within_target,
    outcomes,
    themes,
    subjects,
    compliments,
    ombudsman,
    enquiries,
    feedback,
    handling,
    days_to_respond,
    improvements,
    outside_procedure,
)


def annual_report(
    user, organisation: Organisation, year: FinancialYear | str | int
) -> AnnualReport:
    """The annual report of `organisation` (and everything below it that `user` may see)."""
    from candour.reporting.checks import check_annual

    year = year if isinstance(year, FinancialYear) else FinancialYear.parse(year)
    scope = Scope(user, organisation)
    report = AnnualReport(organisation, year, scope)
    for build in TABLES:
        table = build(scope, year)
        report.tables[table.key] = table
    from candour.reporting.improvements import changes_made

    report.changes = changes_made(scope, year)
    report.problems = check_annual(report)
    return report
