"""What the records say, read through the API alone, and the figures each report should show
worked out from them here, in the test, by the counting rules the reports state (their module
docstrings, REGULATIONS.md §3): never by asking the reports' own code.

A case's records are its detail (status, outcome, dates, its deadlines with the verdict `met`
the case page shows, its Ombudsman referrals, each stage's response as kept) and its coding.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from candour.cases.models import Outcome, Status

from .door import Door
from .scenario import LONDON, local

FINDINGS = ("upheld", "partly_upheld", "not_upheld")
DAY_BANDS = [(0, 14), (15, 28), (29, 42), (43, 56), (57, 90), (91, None)]
DASHBOARD_SERIES = ("received", "open", "overdue", "responded", "upheld", "within", "late")
KINDS = (
    "complaint",
    "concern",
    "compliment",
    "comment",
    "suggestion",
    "enquiry",
    "mp_enquiry",
    "inbox_enquiry",
)


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(LONDON) if value else None


def day_of(value: str | datetime | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = moment(value)
    return value.astimezone(LONDON).date()


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


def month_start(year: int, month: int) -> datetime:
    return local(date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1), 0)


@dataclass(frozen=True)
class Period:
    """What a report covers, London time: a financial year (its quarters the columns), a
    quarter of one (its months) or a month (one column)."""

    label: str
    start: datetime
    end: datetime
    parts: tuple[tuple[str, datetime], ...] = ()  # each column's label and start

    @classmethod
    def financial_year(cls, first: int) -> Period:
        quarters = tuple((f"Q{i + 1}", month_start(first, 4 + 3 * i)) for i in range(4))
        label = f"{first}-{str(first + 1)[-2:]}"
        return cls(label, month_start(first, 4), month_start(first, 16), quarters)

    @classmethod
    def quarter(cls, first: int, n: int) -> Period:
        months = [4 + 3 * (n - 1) + i for i in range(3)]
        parts = tuple(
            (f"{MONTHS[(m - 1) % 12]} {first + (m - 1) // 12}", month_start(first, m))
            for m in months
        )
        label = f"{first}-{str(first + 1)[-2:]}-Q{n}"
        return cls(label, parts[0][1], month_start(first, months[-1] + 1), parts)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(f"{year}-{month:02d}", month_start(year, month), month_start(year, month + 1))

    @property
    def columns(self) -> list[str]:
        return [label for label, _ in self.parts] + ["Total" if self.parts else "Month"]

    def holds(self, when: datetime | None) -> bool:
        return when is not None and self.start <= when < self.end

    def holds_day(self, day: date | None) -> bool:
        return day is not None and self.start.date() <= day < self.end.date()

    def part(self, when: datetime) -> int:
        return sum(when >= start for _, start in self.parts[1:])


@dataclass
class Response:
    """One stage's response as the records hold it."""

    stage: int
    started_at: datetime
    responded_at: datetime
    outcome: str
    met: bool | None
    extensions: int
    response_due: date | None
    reopened_at: datetime | None


@dataclass
class Record:
    """One case as the API shows it."""

    detail: dict
    coding: dict
    responses: list[Response] = field(default_factory=list)

    def __getitem__(self, name: str):
        return self.detail[name]

    @property
    def reference(self) -> str:
        return self.detail["reference"]

    @property
    def organisation(self) -> str:
        return self.detail["organisation"]

    @property
    def kind(self) -> str:
        return self.detail["kind"]

    @property
    def received_at(self) -> datetime:
        return moment(self.detail["received_at"])

    def at(self, name: str) -> datetime | None:
        return moment(self.detail.get(name))

    @property
    def provider_led(self) -> bool:
        if "forwarded_to_provider_at" in self.detail:
            return self.detail["forwarded_to_provider_at"] is not None
        return self.detail["outcome"] == Outcome.FORWARDED

    def deadline(self, key: str) -> dict | None:
        return next((d for d in self.detail["deadlines"] if d["key"] == key), None)

    @property
    def acknowledged_met(self) -> bool | None:
        d = self.deadline("acknowledge")
        return d["met"] if d else None

    @property
    def ended_at(self) -> datetime | None:
        """When the current stage ended: its response, a withdrawal that ended the case, or
        its closing (the KO41 summary's rule)."""
        if self.at("responded_at"):
            return self.at("responded_at")
        if self.detail["status"] == Status.WITHDRAWN and self.at("withdrawn_at"):
            return self.at("withdrawn_at")
        return self.at("closed_at")

    def waiting(self, t: datetime) -> bool:
        """Between the response to one stage and the request for the next at `t`."""
        return any(
            s.responded_at < t and s.reopened_at is not None and s.reopened_at >= t
            for s in self.responses
        )

    def open_at(self, t: datetime) -> bool:
        """Received before `t`, its current stage not ended by then, not between stages."""
        ended = self.ended_at
        return self.received_at < t and (ended is None or ended >= t) and not self.waiting(t)

    def due_at(self, t: datetime) -> date | None:
        """The response date of the stage running at `t`: an earlier stage's, kept with its
        response, or the current one's."""
        for s in self.responses:
            if s.started_at <= t < s.responded_at and s.stage < self.detail["stage"]:
                return s.response_due
        due = self.detail["response_due"]
        return date.fromisoformat(due) if due else None

    @property
    def themes(self) -> list[str]:
        return self.coding["themes"]

    @property
    def subjects(self) -> list[str]:
        return self.coding["subjects"]


def _responses(detail: dict) -> list[Response]:
    return [
        Response(
            r["stage"],
            moment(r["started_at"]),
            moment(r["responded_at"]),
            r["outcome"],
            r["met"],
            r["extensions"],
            date.fromisoformat(r["response_due"]) if r["response_due"] else None,
            moment(r["reopened_at"]),
        )
        for r in detail["responses"]
    ]


def read_records(door: Door, code: str) -> list[Record]:
    """Every case of organisation `code`, found through the case list and read in full:
    its detail and its coding."""
    references, cursor = [], None
    while True:
        params = {"organisation": code, "sort": "received_at", "limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = door.get("/cases", **params)
        references += [item["reference"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    out = []
    for reference in references:
        detail = door.get(f"/cases/{reference}")
        coding = door.get(f"/cases/{reference}/coding")
        out.append(Record(detail, coding, _responses(detail)))
    return out


# --- the figures ---------------------------------------------------------------------------

Figures = dict[str, dict[str, list]]  # table key -> row key -> values, one per column


class Cases(frozenset):
    """The cases a figure counts, by reference (a stage's response as "REF stage N", as a
    case answered at two stages in a year is counted twice): its value is how many."""

    @property
    def references(self) -> set[str]:
        return {name.split(" ")[0] for name in self}


def name_of(item) -> str:
    if isinstance(item, tuple):
        record, response = item
        return f"{record.reference} stage {response.stage}"
    return item.reference


def cases(items) -> Cases:
    return Cases(name_of(i) for i in items)


def value(cell):
    return len(cell) if isinstance(cell, Cases) else cell


def band(record: Record, name: str, unknown: str) -> str:
    mapped = record.coding[name]
    return mapped["key"] if record.coding["coded"] and mapped else unknown


def percent(numerator, denominator) -> float | None:
    numerator, denominator = value(numerator), value(denominator)
    return round(100 * numerator / denominator, 1) if denominator else None


def lower_median(values: list[int]) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


class Books:
    """The figures an organisation's records make for a financial year."""

    def __init__(self, records: list[Record], period: Period):
        self.records = records
        self.year = period

    # what each report counts
    def received(self, kind: str | None = None) -> list[Record]:
        return [
            r
            for r in self.records
            if self.year.holds(r.received_at) and (kind is None or r.kind == kind)
        ]

    @property
    def complaints(self) -> list[Record]:
        return self.received("complaint")

    @property
    def own(self) -> list[Record]:
        return [r for r in self.complaints if not r.provider_led]

    @property
    def answered(self) -> list[tuple[Record, Response]]:
        """Each stage's response to a complaint, with a finding, sent in the year."""
        return [
            (r, s)
            for r in self.records
            if r.kind == "complaint"
            for s in r.responses
            if s.outcome in FINDINGS and self.year.holds(s.responded_at)
        ]

    def by_quarter(self, items, when) -> list[Cases]:
        """The items in each column (a quarter of a year, a month of a quarter), and in all."""
        items = list(items)
        if not self.year.parts:
            return [cases(items)]
        cells: list[set] = [set() for _ in self.year.parts]
        for item in items:
            cells[self.year.part(when(item))].add(name_of(item))
        return [*map(Cases, cells), cases(items)]

    def annual(self) -> Figures:
        received = lambda r: r.received_at  # noqa: E731
        responded = lambda pair: pair[1].responded_at  # noqa: E731
        answered = self.answered
        within = [p for p in answered if p[1].met is True]
        out: Figures = {}
        out["received"] = {
            "total": self.by_quarter(self.complaints, received),
            "own": self.by_quarter(self.own, received),
            "provider_led": self.by_quarter(
                [r for r in self.complaints if r.provider_led], received
            ),
        }
        r_counts = self.by_quarter(answered, responded)
        w_counts = self.by_quarter(within, responded)
        out["within_target"] = {
            "responded": r_counts,
            "within": w_counts,
            "within_percent": [percent(w, r) for w, r in zip(w_counts, r_counts, strict=True)],
        }
        by_outcome = {
            o: self.by_quarter([p for p in answered if p[1].outcome == o], responded)
            for o in FINDINGS
        }
        well = [
            Cases(u | p)
            for u, p in zip(by_outcome["upheld"], by_outcome["partly_upheld"], strict=True)
        ]
        out["outcomes"] = {
            "resolved": r_counts,
            "upheld": by_outcome["upheld"],
            "partly_upheld": by_outcome["partly_upheld"],
            "well_founded": well,
            "well_founded_percent": [percent(w, r) for w, r in zip(well, r_counts, strict=True)],
            "not_upheld": by_outcome["not_upheld"],
        }
        own = self.own
        names = {t for r in own for t in r.themes}
        out["themes"] = {f"theme:{t}": [cases(r for r in own if t in r.themes)] for t in names}
        out["themes"]["none"] = [cases(r for r in own if not r.themes)]
        out["themes"]["total"] = [cases(own)]
        keys = {k for r in own for k in r.subjects}
        out["subjects"] = {k: [cases(r for r in own if k in r.subjects)] for k in keys}
        out["subjects"]["none"] = [cases(r for r in own if not r.subjects)]
        out["subjects"]["total"] = [cases(own)]
        compliments = self.received("compliment")
        out["compliments"] = {
            "total": self.by_quarter(compliments, received),
            "own": self.by_quarter(
                [r for r in compliments if not r.detail.get("provider_name")], received
            ),
            "providers": self.by_quarter(
                [r for r in compliments if r.detail.get("provider_name")], received
            ),
        }
        out["enquiries"] = {
            key: self.by_quarter(self.received(kind), received)
            for key, kind in (
                ("mp", "mp_enquiry"),
                ("inbox", "inbox_enquiry"),
                ("other", "enquiry"),
            )
        }
        out["feedback"] = {kind: [cases(self.received(kind))] for kind in KINDS}
        out["feedback"]["total"] = [cases(self.received())]
        out["ombudsman"] = self.ombudsman()
        acknowledged = [r for r in own if r.at("acknowledged_at")]
        ack_within = cases(r for r in acknowledged if r.acknowledged_met is True)
        extended = cases(p for p in answered if p[1].extensions > 0)
        out["handling"] = {
            "received": [cases(own)],
            "ack_within": [ack_within],
            "ack_late": [cases(r for r in acknowledged if r.acknowledged_met is not True)],
            "not_ack": [cases(r for r in own if not r.at("acknowledged_at"))],
            "ack_percent": [percent(ack_within, len(own))],
            "resolved": [cases(answered)],
            "extended": [extended],
            "extended_percent": [percent(extended, len(answered))],
        }

        def days(pair) -> int:
            _, s = pair
            return (day_of(s.responded_at) - day_of(s.started_at)).days

        out["days_to_respond"] = {
            f"days_{low}": [
                cases(p for p in answered if days(p) >= low and (high is None or days(p) <= high))
            ]
            for low, high in DAY_BANDS
        }
        out["days_to_respond"]["total"] = [cases(answered)]
        out["days_to_respond"]["median"] = [lower_median([days(p) for p in answered])]
        out["summary"] = {
            "received": [cases(self.complaints)],
            "well_founded": [well[-1]],
            "referred": out["ombudsman"]["referred"],
        }
        return out

    def periodic(self) -> Figures:
        """The quarterly and monthly reports: the annual tables over the period, and the
        caseload of own complaints (each stage's response ends it once)."""
        out = self.annual()
        start, end = self.year.start, self.year.end
        own = [
            r
            for r in self.records
            if r.kind == "complaint" and not r.provider_led and r.received_at < end
        ]
        stages = [(r, s) for r in own for s in r.responses]
        closed = [r for r in own if not r.at("responded_at") and self.year.holds(r.ended_at)]
        ended = [p for p in stages if self.year.holds(p[1].responded_at)] + closed
        out["caseload"] = {
            "open_start": [cases(r for r in own if r.open_at(start))],
            "received": [cases(r for r in own if self.year.holds(r.received_at))],
            "reopened": [cases(p for p in stages if self.year.holds(p[1].reopened_at))],
            "ended": [cases(ended)],
            "open_end": [cases(r for r in own if r.open_at(end))],
        }
        return out

    def dashboard(self, months: list[datetime]) -> dict:
        """The dashboard month by month over `months` (each month's first moment, and the
        first moment after the last): as the API writes it, with each figure's cases."""
        complaints = [r for r in self.records if r.kind == "complaint"]
        answered = [(r, s) for r in complaints for s in r.responses if s.outcome in FINDINGS]
        series: dict[str, list] = {key: [] for key in DASHBOARD_SERIES}
        for start, end in itertools.pairwise(months):
            month = Period("", start, end)
            opened = [r for r in complaints if r.open_at(end)]
            sent = [p for p in answered if month.holds(p[1].responded_at)]
            series["received"].append(cases(r for r in complaints if month.holds(r.received_at)))
            series["open"].append(cases(opened))
            series["overdue"].append(
                cases(r for r in opened if r.due_at(end) and r.due_at(end) < end.date())
            )
            series["responded"].append(cases(sent))
            series["upheld"].append(cases(p for p in sent if p[1].outcome != "not_upheld"))
            series["within"].append(cases(p for p in sent if p[1].met is True))
            series["late"].append(cases(p for p in sent if p[1].met is not True))
        first, last = months[0], months[-1]
        own = [r for r in complaints if not r.provider_led and first <= r.received_at < last]
        themes = Counter(t for r in own for t in r.themes)
        themes.update({"No theme recorded": sum(1 for r in own if not r.themes)})
        received = [r for r in complaints if first <= r.received_at < last]
        services = Counter(r["service"] or "No service recorded" for r in received)
        return {
            "series": series,
            "within_percent": [
                percent(w, r) for w, r in zip(series["within"], series["responded"], strict=True)
            ],
            "themes": ({k: n for k, n in themes.items() if n}, len(own)),
            "services": (dict(services), len(received)),
        }

    def ombudsman(self) -> dict[str, list[int]]:
        referred, decided, awaiting = set(), defaultdict(set), set()
        for r in self.records:
            for x in r.detail.get("ombudsman_referrals", []):
                if self.year.holds_day(date.fromisoformat(x["referred_on"])):
                    referred.add(r.reference)
                    if not x["outcome"]:
                        awaiting.add(r.reference)
                if x["decided_on"] and self.year.holds_day(date.fromisoformat(x["decided_on"])):
                    decided[x["outcome"]].add(r.reference)
        out = {"referred": [Cases(referred)]}
        for o in ("upheld", "partly_upheld", "not_upheld", "declined", "not_investigated"):
            out[o] = [Cases(decided[o])]
        out["awaiting"] = [Cases(awaiting)]
        return out

    # the KO41 return
    def ko41(self, return_code: str) -> Figures:
        y = self.year
        start, end = y.start, y.end
        base = [
            r
            for r in self.records
            if r.kind == "complaint"
            and not r.provider_led
            and r.coding["return_code"] == return_code
        ]

        new = [r for r in base if y.holds(r.received_at)]
        stages = [(r, s) for r in base for s in r.responses]
        resolved = [p for p in stages if p[1].outcome in FINDINGS and y.holds(p[1].responded_at)]
        summary = {
            "brought_forward": cases(r for r in base if r.open_at(start)),
            "new": cases(new),
            "reopened": cases(p for p in stages if y.holds(p[1].reopened_at)),
            "resolved": cases(resolved),
            **{o: cases(p for p in resolved if p[1].outcome == o) for o in FINDINGS},
            "closed_other": cases(
                r
                for r in base
                if r.received_at < end
                and not r.at("responded_at")
                and r.ended_at is not None
                and y.holds(r.ended_at)
            ),
            "carried_forward": cases(r for r in base if r.open_at(end)),
        }
        out: Figures = {"summary": {k: [v] for k, v in summary.items()}}
        # A coded case counts in the age band and complainant status its coding maps to; one
        # not coded yet, in the 'unknown' rows (the coding API shows the bands it will have
        # once coded; candour/coding/codelists/ko41b.json names the unknown codes).
        for table, name, unknown in (
            ("age_band", "age_band", "age_unknown"),
            ("status", "complainant_status", "status_unknown"),
        ):
            keys = {band(r, name, unknown) for r in new}
            out[table] = {k: [cases(r for r in new if band(r, name, unknown) == k)] for k in keys}
        chosen = [("subject", "subjects"), ("profession", "professions")]
        if return_code == "KO41a":
            chosen.insert(1, ("service", "services"))
        for table, name in chosen:
            keys = {k for r in new for k in r.coding[name]}
            rows = {k: [cases(r for r in new if k in r.coding[name])] for k in keys}
            rows["not_coded"] = [cases(r for r in new if not r.coding[name])]
            out[table] = rows
        return out

    # the anonymised summary's list of cases
    def summary_cases(self) -> list[dict]:
        statuses, outcomes = dict(Status.choices), dict(Outcome.choices)
        out = []
        for r in sorted(self.complaints, key=lambda r: (r.received_at, r.reference)):
            latest = max(r.responses, key=lambda s: s.stage) if r.responses else None
            outcome = r["outcome"] or (latest.outcome if latest else "")
            out.append(
                {
                    "reference": r.reference,
                    "received": day_of(r.received_at).isoformat(),
                    "themes": "; ".join(sorted(r.themes)),
                    "provider_led": "Yes" if r.provider_led else "No",
                    "status": statuses[r["status"]],
                    "stage": r["stage"],
                    "outcome": outcomes.get(outcome, "") if outcome else "",
                    "responded": day_of(latest.responded_at).isoformat() if latest else None,
                    "days": (day_of(latest.responded_at) - day_of(latest.started_at)).days
                    if latest
                    else None,
                    "within_target": ("Yes" if latest.met else "No")
                    if latest and latest.met is not None
                    else "",
                    "ombudsman": "Yes" if r.detail.get("ombudsman_referrals") else "No",
                }
            )
        return out
