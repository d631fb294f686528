"""The dashboard's figures (R37): complaints received, open, overdue and upheld month by
month; deadlines met; themes; services; and the two Making Data Count charts (monthly
complaints received, % responded to within target).

Every figure is an aggregate query over `Scope.cases()`, which starts from
`cases_for(user)`, and counts the way the annual report does (candour/reporting/annual.py):
the same filters, so that the months of a financial year add up to its annual figures.

The period is the last 12 or 24 complete calendar months (Europe/London): a month still
running would look like a fall and set off the special-cause rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models import Count as CountOf
from django.utils import timezone

from candour.cases import redirections
from candour.organisations.models import Organisation
from candour.reporting import charts, spc
from candour.reporting.annual import COMPLAINT, OWN, RESOLVED, WELL_FOUNDED, WITHIN_TARGET
from candour.reporting.figures import (
    Period,
    ReportError,
    Scope,
    percent,
    report_organisation_ids,
    through_case,
)

PERIODS = (12, 24)
TOP = 10  # themes and services drawn; the table beside the chart lists them all


def _month_start(year: int, month: int) -> datetime:
    return timezone.make_aware(datetime.combine(date(year, month, 1), time.min))


def months(n: int, today: date | None = None) -> list[Period]:
    """The last `n` complete calendar months before `today`'s month, oldest first."""
    today = today or timezone.localdate()
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        end = _month_start(y, m)
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        out.append(Period(f"{date(y, m, 1):%b %Y}", _month_start(y, m), end))
    return out[::-1]


class Reach(Scope):
    """A Scope over one organisation (and those below it), or over every organisation the
    user may see when `organisation` is None."""

    def __init__(self, user, organisation: Organisation | None = None):
        if organisation is not None:
            super().__init__(user, organisation)
            return
        self.user = user
        self.organisation = None
        self.organisation_ids = sorted(report_organisation_ids(user))
        if not self.organisation_ids:
            raise ReportError("You have no organisation whose cases you may see.")


@dataclass
class Series:
    key: str
    label: str
    values: list[int]


@dataclass
class Monthly:
    """Figures month by month: each series has one value per month of `months`."""

    months: list[Period]
    series: dict[str, Series]

    @property
    def labels(self) -> list[str]:
        return [m.label for m in self.months]

    def __getitem__(self, key: str) -> list[int]:
        return self.series[key].values


@dataclass
class Ranked:
    """Counts by a category (theme, service), largest first; `total` counts each case once."""

    title: str
    rows: list[tuple[str, int]]
    total: int


@dataclass
class Dashboard:
    period: int
    months: list[Period]
    activity: Monthly
    themes: Ranked
    services: Ranked
    received_spc: spc.XmR
    within_spc: spc.XmR
    within_percent: list[float | None]
    # R10: matters redirected outside the complaints procedure in the period, by kind.
    redirected: Ranked | None = None

    @property
    def deadlines(self) -> Monthly:
        """Within and after the agreed timescale: series of `activity`."""
        return self.activity

    @property
    def first_day(self) -> date:
        return self.months[0].start.date()

    @property
    def last_day(self) -> date:
        return self.months[-1].end.date() - timedelta(days=1)


MONTHLY = {
    "received": "Complaints received",
    "open": "Open at the end of the month",
    "overdue": "Open and past the response date at the end of the month",
    "responded": "Complaints responded to",
    "upheld": "Upheld or partly upheld",
    "within": "Within the agreed timescale",
    "late": "After the agreed timescale",
}


def _bucket(field: str, periods: list[Period], *, dates: bool = False) -> Case:
    """Which month `field` falls in: its index in `periods`, -1 before the first, and
    len(periods) after the last or when empty. Plain comparisons, so that the database works
    out the month of each case once, not once per month."""
    n = len(periods)

    def span(p: Period) -> tuple:
        return (p.start.date(), p.end.date()) if dates else (p.start, p.end)

    whens = [When(**{f"{field}__lt": span(periods[0])[0]}, then=Value(-1))]
    whens += [
        When(**{f"{field}__gte": span(p)[0], f"{field}__lt": span(p)[1]}, then=Value(i))
        for i, p in enumerate(periods)
    ]
    return Case(*whens, default=Value(n), output_field=IntegerField())


def _flag(q: Q) -> Case:
    return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())


def monthly(scope: Scope, periods: list[Period]) -> Monthly:
    """Month by month, in two grouped queries over the cases (however many months):

    - received: complaints received in the month (own and provider-led, as the annual
      report's "Complaints received");
    - open: complaints received before the month ended and not yet responded to, withdrawn
      or closed when it ended (a case between the response to one stage and the request for
      the next is not open);
    - overdue: of those, the ones whose response date (the stage's) had passed (due on or
      before the last day of the month);
    - responded, upheld: final responses to complaints sent in the month (each stage's
      once), and those upheld or partly upheld (the annual report's "Well founded" table);
    - within, late: of those responses, within the agreed timescale or after it by the
      deadline engine's stored verdict (the annual report's "Final responses within the
      agreed timescale").
    """
    n = len(periods)
    first, last = periods[0].start, periods[-1].end
    lifetimes = (
        scope.cases()
        .filter(
            COMPLAINT
            & Q(received_at__lt=last)
            & (Q(received_at__gte=first) | Q(ended_at__isnull=True) | Q(ended_at__gte=first))
        )
        .annotate(
            got=_bucket("received_at", periods),
            ended=_bucket("ended_at", periods),
            due=_bucket("response_due", periods, dates=True),
        )
        .values("got", "ended", "due")
        .annotate(n=CountOf("id"))
        .order_by()
    )
    received, still_open, overdue = [0] * n, [0] * n, [0] * n
    for row in lifetimes:
        got, ended, due, count = row["got"], row["ended"], row["due"], row["n"]
        if 0 <= got < n:
            received[got] += count
        for i in range(max(got, 0), min(ended, n)):
            still_open[i] += count
            if due <= i:
                overdue[i] += count
    _earlier_stages(scope, periods, still_open, overdue)
    answers = (
        scope.responses()
        .filter(RESOLVED & Q(responded_at__gte=first, responded_at__lt=last))
        .annotate(
            month=_bucket("responded_at", periods),
            within=_flag(WITHIN_TARGET),
            upheld=_flag(WELL_FOUNDED),
        )
        .values("month", "within", "upheld")
        .annotate(n=CountOf("id"))
        .order_by()
    )
    responded, within, upheld = [0] * n, [0] * n, [0] * n
    for row in answers:
        responded[row["month"]] += row["n"]
        within[row["month"]] += row["n"] * row["within"]
        upheld[row["month"]] += row["n"] * row["upheld"]
    late = [r - w for r, w in zip(responded, within, strict=True)]
    values = {
        "received": received,
        "open": still_open,
        "overdue": overdue,
        "responded": responded,
        "upheld": upheld,
        "within": within,
        "late": late,
    }
    return Monthly(
        periods, {key: Series(key, label, values[key]) for key, label in MONTHLY.items()}
    )


def _earlier_stages(
    scope: Scope, periods: list[Period], still_open: list[int], overdue: list[int]
) -> None:
    """Correct the months of cases reopened into a further stage, which their dates alone
    count as open from receipt to the end of their current stage with its response date:
    from the response to a stage until the next began they were not open, and until that
    response they were overdue by that stage's own response date."""
    n = len(periods)
    first, last = periods[0].start, periods[-1].end
    stages = (
        scope.responses()
        .filter(through_case(COMPLAINT), reopened_at__gte=first, responded_at__lt=last)
        .annotate(
            began=_bucket("started_at", periods),
            answered=_bucket("responded_at", periods),
            next_began=_bucket("reopened_at", periods),
            due=_bucket("response_due", periods, dates=True),
        )
        .values("began", "answered", "next_began", "due")
        .annotate(n=CountOf("id"))
        .order_by()
    )
    for row in stages:
        count = row["n"]
        for i in range(max(row["answered"], 0), min(row["next_began"], n)):
            still_open[i] -= count  # answered, and the next stage not yet asked for
        # A case received before the period, or reopened, counts as open from the start of
        # this stage by its dates; overdue then by this stage's date, not its current one.
        for i in range(max(row["began"], 0), min(row["answered"], n)):
            if row["due"] <= i:
                overdue[i] += count


def _ranked(scope: Scope, base: Q, group: str, label: str, empty: str, title: str) -> Ranked:
    rows = (
        scope.cases()
        .filter(base)
        .values(group, label)
        .annotate(n=CountOf("id", distinct=True))
        .order_by()
    )
    out: dict[str, int] = {}
    for r in rows:
        name = r[label] or empty
        out[name] = out.get(name, 0) + r["n"]
    total = scope.counts({"total": base}, where=base)["total"].value
    return Ranked(title, sorted(out.items(), key=lambda kv: (-kv[1], kv[0].lower())), total)


def themes(scope: Scope, periods: list[Period]) -> Ranked:
    """Own complaints received in the period by theme (as the annual report's themes): a
    complaint with several themes is counted under each."""
    base = OWN & Q(received_at__gte=periods[0].start, received_at__lt=periods[-1].end)
    return _ranked(
        scope, base, "themes__theme_id", "themes__theme__name", "No theme recorded", "Themes"
    )


def services(scope: Scope, periods: list[Period]) -> Ranked:
    """Complaints received in the period by the service complained about."""
    base = COMPLAINT & Q(received_at__gte=periods[0].start, received_at__lt=periods[-1].end)
    return _ranked(scope, base, "service", "service", "No service recorded", "Services")


def dashboard(
    user, organisation: Organisation | None = None, period: int = 12, today: date | None = None
) -> Dashboard:
    """The dashboard of `organisation` (and those below it), or of every organisation the
    user may see, over the last `period` complete months."""
    if period not in PERIODS:
        raise ReportError(f"Choose a period of {' or '.join(map(str, PERIODS))} months.")
    scope = Reach(user, organisation)
    periods = months(period, today)
    activity = monthly(scope, periods)
    within_percent = [
        percent(w, r) for w, r in zip(activity["within"], activity["responded"], strict=True)
    ]
    return Dashboard(
        period=period,
        months=periods,
        activity=activity,
        themes=themes(scope, periods),
        services=services(scope, periods),
        received_spc=spc.xmr(activity["received"], floor=0),
        # Months with no responses have no percentage and are left out of the chart.
        within_spc=spc.xmr(
            [p for p in within_percent if p is not None], improvement="up", floor=0, ceiling=100
        ),
        within_percent=within_percent,
        redirected=_redirected(scope, periods),
    )


def _redirected(scope: Scope, periods: list[Period]) -> Ranked:
    """R10 (seed 002 §13): what was redirected outside the procedure, counted, never dropped."""
    rows = redirections.counts(scope.organisation_ids, periods[0].start, periods[-1].end)
    return Ranked("Matters outside the procedure", rows, sum(n for _, n in rows))


@dataclass
class Section:
    """One chart of the dashboard with the numbers it draws, for the table beside it."""

    key: str
    title: str
    chart: charts.Chart
    columns: list[str]
    rows: list[list]
    note: str = ""
    text_columns: tuple[int, ...] = (0,)  # the rest are figures, aligned right

    @property
    def numeric(self) -> list[bool]:
        return [i not in self.text_columns for i in range(len(self.columns))]


def _month_rows(labels: list[str], *columns: list) -> list[list]:
    return [[label, *values] for label, *values in zip(labels, *columns, strict=True)]


def _fmt(value: float | None) -> str:
    return "No responses" if value is None else f"{value:.1f}%"


def sections(d: Dashboard) -> list[Section]:
    """The dashboard's charts in order, each with its table."""
    labels = d.activity.labels
    a, m = d.activity, d.deadlines
    with_responses = [lab for lab, p in zip(labels, d.within_percent, strict=True) if p is not None]
    spc_received = d.received_spc
    spc_within = d.within_spc
    return [
        Section(
            "received",
            "Complaints received and upheld",
            charts.bars(
                "chart-received",
                "Complaints received, responded to and upheld, by month",
                labels,
                [
                    ("Received", a["received"], charts.NHS_BLUE),
                    ("Responded to", a["responded"], charts.NHS_DARK_GREY),
                    ("Upheld or partly upheld", a["upheld"], charts.NHS_WARM_YELLOW),
                ],
            ),
            ["Month", "Received", "Responded to", "Upheld or partly upheld"],
            _month_rows(labels, a["received"], a["responded"], a["upheld"]),
            note="Received counts every complaint, including those forwarded to a provider; "
            "responded to and upheld count the complaints we answered ourselves, in the "
            "month of the final response.",
        ),
        Section(
            "open",
            "Open and overdue complaints",
            charts.lines(
                "chart-open",
                "Complaints open and overdue at the end of each month",
                labels,
                [
                    ("Open", a["open"], charts.NHS_BLUE),
                    ("Overdue", a["overdue"], charts.NHS_RED),
                ],
            ),
            ["Month", "Open at the end", "Overdue at the end"],
            _month_rows(labels, a["open"], a["overdue"]),
            note="Open: received and not yet responded to, withdrawn or closed when the month "
            "ended. Overdue: open and past its response date.",
        ),
        Section(
            "deadlines",
            "Deadlines met",
            charts.stacked(
                "chart-deadlines",
                "Final responses within and after the agreed timescale, by month",
                labels,
                [
                    ("Within the agreed timescale", m["within"], charts.NHS_BLUE),
                    ("After it", m["late"], charts.NHS_WARM_YELLOW),
                ],
            ),
            ["Month", "Within", "After", "% within"],
            _month_rows(labels, m["within"], m["late"], [_fmt(p) for p in d.within_percent]),
        ),
        Section(
            "spc-received",
            "Complaints received: statistical process control",
            charts.xmr(
                "chart-spc-received",
                "XmR chart of complaints received each month",
                labels,
                spc_received,
            ),
            ["Month", "Received", "Moving range", "Special cause"],
            _spc_rows(labels, spc_received),
            note=spc_received.summary(),
            text_columns=(0, 3),
        ),
        Section(
            "spc-within",
            "Responded to within target: statistical process control",
            charts.xmr(
                "chart-spc-within",
                "XmR chart of the percentage of final responses within the agreed timescale",
                with_responses,
                spc_within,
                unit="% within the agreed timescale",
            ),
            ["Month", "% within", "Moving range", "Special cause"],
            _spc_rows(with_responses, spc_within, percent=True),
            text_columns=(0, 3),
            note=spc_within.summary()
            + (
                " Months with no final responses have no percentage and are left out."
                if len(with_responses) < len(labels)
                else ""
            ),
        ),
        Section(
            "themes",
            "Themes",
            charts.ranked("chart-themes", "Complaints received by theme", d.themes.rows, TOP),
            ["Theme", "Complaints"],
            [[name, n] for name, n in d.themes.rows]
            + [["Complaints (each counted once)", d.themes.total]],
            note="Complaints we answered ourselves. A complaint with several themes is counted "
            "under each.",
        ),
        Section(
            "services",
            "By service",
            charts.ranked("chart-services", "Complaints received by service", d.services.rows, TOP),
            ["Service", "Complaints"],
            [[name, n] for name, n in d.services.rows] + [["Complaints", d.services.total]],
        ),
        # Shown once something has been redirected in the period.
        *([_outside(d.redirected)] if d.redirected and d.redirected.total else []),
    ]


def _outside(redirected: Ranked) -> Section:
    return Section(
        "outside",
        "Matters outside the procedure",
        charts.ranked(
            "chart-outside",
            "Matters redirected outside the complaints procedure, by kind",
            redirected.rows,
            TOP,
        ),
        ["Kind of matter", "Redirected"],
        [[name, n] for name, n in redirected.rows] + [["Redirected", redirected.total]],
        note="Staff employment, individual funding requests, continuing healthcare decisions "
        "and information requests redirected to their own procedures, each "
        "with its reason and where it went.",
    )


def _spc_rows(labels: list[str], chart: spc.XmR, percent: bool = False) -> list[list]:
    rows = []
    for label, p in zip(labels, chart.points, strict=True):
        value = f"{p.value:.1f}%" if percent else f"{p.value:g}"
        mr = (
            ""
            if p.moving_range is None
            else f"{p.moving_range:.1f}"
            if percent
            else f"{p.moving_range:g}"
        )
        causes = "; ".join(spc.RULE_LABELS[r] for r in sorted(p.rules)) or "None"
        rows.append([label, value, mr, causes])
    return rows
