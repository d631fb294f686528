"""A financial year of cases (2025-26), as staff at three organisations would enter them
through the API alone: a commissioner (the demo ICB's preset), a private clinic (48-hour
acknowledgement, 30 calendar days to respond) and a GP practice (a response in six calendar
months, KO41b coding).

Each case is a story: a generator that yields the steps staff take, each with the moment it
happened, and is sent back what the API answered (so that a step can be timed from the
case's own deadlines: a response sent on the day it is due, an acknowledgement three minutes
either side of its 48 hours). `enter_year` plays every story's steps in the order staff
would enter them. Most are entered as they happen, the clock moved to that moment; about a
third of those whose endpoint takes the time it happened are entered later, with that time
(a late entry). Everything is seeded: the same year every run.

Nothing here touches the database: organisations, staff, API tokens and code lists are set up
by the fixture as an administrator would (conftest.py); every case is made and moved by HTTP.
"""

from __future__ import annotations

import heapq
import random
import re
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from .door import BASE, Door, Schema

LONDON = timezone.get_default_timezone()
SEED = 20251

# The year reported, and when the scenario ends and the reports are read.
YEAR = "2025-26"
FIRST_RECEIPT = date(2025, 2, 3)
LAST_RECEIPT = date(2026, 3, 27)
READ_AT = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
EARLY_ENOUGH = datetime(2026, 1, 1, tzinfo=LONDON)


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


# Receipts in the first or last minutes of a quarter, London time (plans()).
EDGES = {
    "icb": [
        local(date(2025, 4, 1), 0, 10),
        local(date(2025, 6, 30), 23, 50),
        local(date(2025, 10, 1), 0, 20),
        local(date(2026, 3, 31), 23, 55),
    ],
    "clinic": [local(date(2025, 7, 1), 0, 5), local(date(2025, 12, 31), 23, 59)],
    "gp": [local(date(2026, 1, 1), 0, 1), local(date(2025, 3, 31), 23, 40)],
}


def iso(moment: datetime) -> str:
    return moment.isoformat()


def minute(moment: datetime) -> datetime:
    """To the minute, as staff give times (and as time_machine keeps them exactly)."""
    return moment.replace(second=0, microsecond=0)


# --- the organisations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Organisation:
    """An organisation of the scenario and its staff: `jobs` names who does what (records
    and handles cases, investigates, drafts the final response, signs it, sends it, reads
    the reports, administers), each a (username, role)."""

    key: str
    code: str
    name: str
    kind: str
    preset: str
    jobs: dict[str, tuple[str, str]]
    themes: tuple[str, ...]
    # How many of each kind of feedback it receives in the scenario.
    mix: dict[str, int]
    providers: tuple[str, ...] = ()
    # How many of its complaints meet each fate (the rest are answered): forwarded to a
    # provider, withdrawn, out of time (declined or accepted), reopened into stage 2, taken to
    # the Ombudsman (or an ADR provider).
    fates: dict[str, int] = field(default_factory=dict)
    services: tuple[str, ...] = ()  # the services feedback names, at intake
    subjects: tuple[str, ...] = ()  # KO41 subject codes it codes with, if any
    professions: tuple[str, ...] = ()

    def username(self, job: str) -> str:
        return self.jobs[job][0]


ICB = Organisation(
    "icb",
    "YSICB",
    "Yarrow and Sampleshire Integrated Care Board",
    "icb",
    "commissioner",
    {
        "records": ("ys.officer", "Customer Care Officer"),
        "investigates": ("ys.investigator", "Investigating Officer"),
        "drafts": ("ys.governance", "Head of Corporate Governance"),
        "signs": ("ys.director", "Director"),
        "sends": ("ys.governance", "Head of Corporate Governance"),
        "reports": ("ys.governance", "Head of Corporate Governance"),
    },
    themes=(
        "Access to services",
        "Communication",
        "Continuing healthcare",
        "Commissioning decisions",
        "Prescribing",
        "Staff attitude",
    ),
    mix={"complaint": 24, "concern": 6, "compliment": 5, "mp_enquiry": 2, "enquiry": 2},
    fates={
        "forward": 3,
        "withdraw": 2,
        "declined": 1,
        "accepted": 1,
        "reopen": 3,
        "reopen_withdraw": 1,
        "ombudsman": 2,
        "pause": 2,
        "misdated": 2,
    },
    services=("Continuing healthcare", "Individual funding requests", "Wheelchair services"),
    providers=(
        "Sampleshire Community Health Services",
        "Yarrow Valley Hospitals NHS Trust",
        "Example Ambulance Service",
    ),
)
CLINIC = Organisation(
    "clinic",
    "YSKIN",
    "Yarrow Skin and Laser Clinic",
    "clinic",
    "private-clinic",
    {
        "records": ("skin.manager", "Complaints Manager"),
        "investigates": ("skin.clinician", "Clinician"),
        "drafts": ("skin.manager", "Complaints Manager"),
        "signs": ("skin.registered", "Registered Manager"),
        "sends": ("skin.manager", "Complaints Manager"),
        "reports": ("skin.manager", "Complaints Manager"),
    },
    themes=("Treatment results", "Aftercare", "Fees and billing", "Booking"),
    mix={"complaint": 11, "concern": 2, "compliment": 2},
    services=("Laser treatment", "Injectables", "Skin consultations"),
    fates={"withdraw": 1, "declined": 1, "reopen": 1, "ombudsman": 1, "misdated": 1},
)
GP = Organisation(
    "gp",
    "YMED",
    "Yarrow Medical Practice",
    "practice",
    "gp-practice",
    {
        "records": ("ymed.office", "Office Manager"),
        "investigates": ("ymed.manager", "Executive Manager"),
        "drafts": ("ymed.manager", "Executive Manager"),
        "signs": ("ymed.partner", "Partner"),
        "sends": ("ymed.manager", "Executive Manager"),
        "reports": ("ymed.manager", "Executive Manager"),
    },
    themes=("Appointments", "Prescriptions", "Staff attitude", "Clinical care"),
    mix={"complaint": 12, "concern": 2, "compliment": 2},
    services=("Reception", "Dispensary", "Practice nursing", "GP consultations"),
    fates={
        "withdraw": 1,
        "declined": 1,
        "accepted": 1,
        "reopen": 1,
        "ombudsman": 1,
        "pause": 1,
    },
    subjects=(
        "access_to_treatment",
        "appointments",
        "clinical_treatment",
        "communications",
        "prescribing",
        "values_and_behaviours",
        "other",
    ),
    professions=("medical", "nursing_midwifery", "admin_management"),
)
ORGANISATIONS = (ICB, CLINIC, GP)

# Who administers each organisation (themes, code lists): set up by the fixture.
ADMINISTRATORS = {ICB.key: "ys.governance", CLINIC.key: "skin.manager", GP.key: "ymed.manager"}


# --- a step, and what came of it ---------------------------------------------------------------


@dataclass
class Step:
    """One thing staff do: `at` is when it happened. `time_field`: the body field that says
    when, for a late entry (`late_by` after it happened), where the API takes it. `sets`: the
    case's fields that must then hold `at` (the records carry the true date)."""

    at: datetime
    job: str
    method: str
    path: str
    body: dict = field(default_factory=dict)
    time_field: str | None = None
    late_by: timedelta = timedelta(0)
    sets: tuple[str, ...] = ()
    label: str = ""


@dataclass
class Done:
    """What the API answered, and when the step happened and was entered."""

    body: dict
    at: datetime
    entered_at: datetime
    late: bool


@dataclass
class Plan:
    """A case's story and what the scenario knows of it."""

    index: int
    organisation: Organisation
    kind: str
    received_at: datetime
    rng: random.Random
    fate: str = ""
    reference: str = ""
    letter: int | None = None
    referral: int = 0
    # The true times the records must carry: field -> time (a reopened case's stage 1
    # response is kept in `responses`).
    truth: dict[str, datetime] = field(default_factory=dict)
    responses: list[tuple[int, datetime]] = field(default_factory=list)
    # When each step entered late happened (the timeline must show each as a late entry).
    late_steps: list[datetime] = field(default_factory=list)


Story = Generator[Step, Done, None]


# --- when things happen ----------------------------------------------------------------------


def weekday_hours(moment: datetime, rng: random.Random) -> datetime:
    """The same moment if in office hours on a weekday, else the next weekday morning."""
    moment = moment.astimezone(LONDON)
    while moment.weekday() >= 5:
        moment = local(moment.date() + timedelta(days=1), 9, rng.randint(0, 50))
    if moment.hour < 9:
        moment = local(moment.date(), 9, rng.randint(0, 50))
    elif moment.hour >= 17:
        moment = weekday_hours(local(moment.date() + timedelta(days=1), 9, 5), rng)
    return moment


def days_later(moment: datetime, rng: random.Random, low: float, high: float) -> datetime:
    """A weekday office-hours moment `low` to `high` days after `moment`."""
    return weekday_hours(moment + timedelta(days=rng.uniform(low, high)), rng)


def deadline(detail: dict, key: str) -> dict | None:
    return next((d for d in detail.get("deadlines", []) if d["key"] == key), None)


def due_moment(d: dict) -> datetime:
    """The last moment a deadline is met: its minute for an hours rule, else the end of its
    day."""
    if d.get("due_at"):
        return datetime.fromisoformat(d["due_at"]).astimezone(LONDON)
    return local(date.fromisoformat(d["due"]), 23, 59)


class Timing:
    """A story's clock: each step at or after the one before, and whether it is entered
    late (by up to `gap` before the next step, when the API takes its time)."""

    def __init__(self, rng: random.Random, start: datetime):
        self.rng = rng
        self.last = start

    def after(self, moment: datetime) -> datetime:
        moment = max(minute(moment), self.last + timedelta(minutes=1))
        self.last = moment
        return moment

    def late(self, gap: timedelta, share: float = 0.45) -> timedelta:
        if gap < timedelta(hours=3) or self.rng.random() > share:
            return timedelta(0)
        most = min(gap - timedelta(hours=1), timedelta(days=6))
        return timedelta(minutes=self.rng.randint(60, int(most.total_seconds() // 60)))


# --- people ------------------------------------------------------------------------------------

FIRST = ("Ada", "Ben", "Cara", "Dev", "Ella", "Femi", "Gus", "Hana", "Ivo", "Jo", "Kit", "Lena")
LAST = ("Example", "Sample", "Testing", "Placeholder", "Specimen", "Mock")
RELATIONSHIPS = ("relative", "carer", "parent_guardian", "friend", "bereaved")


def person(rng: random.Random, *, born: date | None = None, email: bool = True) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    out = {"title": rng.choice(["Ms", "Mr", "Mx", "Dr"]), "first_name": first, "last_name": last}
    if email:
        out["email"] = f"{first.lower()}.{last.lower()}@example.invalid"
    out["postcode"] = rng.choice(["YS1 1AA", "YS2 4BB", "YS9 9ZZ"])
    if born:
        out["date_of_birth"] = born.isoformat()
    return out


def born(rng: random.Random, received: date) -> date:
    age = rng.choice([4, 12, 16, 25, 38, 47, 59, 66, 71, 83, 90])
    return received - timedelta(days=365 * age + rng.randint(10, 300))


# --- the steps, as the API takes them ----------------------------------------------------------


WORDS = {
    "apology": "I am sorry that we let you down, and for the worry it caused.",
    "investigation": "Our complaints lead read the records and spoke to the staff involved.",
    "explanation": "We looked at what happened step by step.",
    "learning": "We have changed how we work so that this does not happen again.",
}
GUIDANCE = re.compile(r"\[\[.*?\]\]", re.S)


def written(sections: list[list[str]]) -> list[list[str]]:
    """A final response's sections with the writer's guidance replaced by words."""
    return [
        [name, GUIDANCE.sub(WORDS.get(name, "Synthetic words."), text)] for name, text in sections
    ]


class Steps:
    """The steps of one case, each a Step the driver sends to the API."""

    def __init__(self, plan: Plan):
        self.plan = plan

    def record(self, body: dict, entered_after: timedelta) -> Step:
        return Step(
            self.plan.received_at,
            "records",
            "POST",
            "/cases",
            body,
            late_by=entered_after,
            sets=("received_at",),
            label="record",
        )

    def act(
        self,
        at: datetime,
        action: str,
        body: dict | None = None,
        *,
        job: str = "records",
        time_field: str | None = "at",
        late_by: timedelta = timedelta(0),
        sets: tuple[str, ...] = (),
    ) -> Step:
        return Step(
            at,
            job,
            "POST",
            "/cases/{reference}/" + action,
            body or {},
            time_field,
            late_by,
            sets,
            action,
        )


# --- stories -----------------------------------------------------------------------------------


def new_case_body(plan: Plan, *, channel: str, relationship: str = "self", **extra) -> dict:
    rng = plan.rng
    received = plan.received_at.date()
    gp = plan.organisation is GP
    body = {
        "organisation": plan.organisation.code,
        "kind": plan.kind,
        "channel": channel,
        "received_at": iso(plan.received_at),
        "description": f"Synthetic {plan.kind.replace('_', ' ')} {plan.index} for the year's test.",
        "relationship": relationship,
    }
    if rng.random() < 0.7:
        body["service"] = rng.choice(plan.organisation.services)
    if relationship == "self":
        body["complainant"] = person(rng, born=born(rng, received) if gp else None)
    else:
        body["complainant"] = person(rng)
        body["patient"] = person(rng, born=born(rng, received) if gp else None, email=False)
    body.update(extra)
    return body


def compliment(plan: Plan) -> Story:
    s = Steps(plan)
    body = new_case_body(plan, channel=plan.rng.choice(["email", "letter", "web_form"]))
    done = yield s.record(body, timedelta(minutes=plan.rng.randint(5, 300)))
    providers = plan.organisation.providers
    if providers and plan.index % 2:  # every other one is about a provider
        at = days_later(done.at, plan.rng, 0, 2)
        yield s.act(at, "provider", {"provider": plan.rng.choice(providers)}, time_field=None)


def enquiry(plan: Plan) -> Story:
    s = Steps(plan)
    done = yield s.record(
        new_case_body(plan, channel="email"), timedelta(minutes=plan.rng.randint(5, 120))
    )
    at = days_later(done.at, plan.rng, 0.5, 6)
    yield s.act(
        at,
        "close",
        {"note": "Answered by email."},
        late_by=Timing(plan.rng, at).late(timedelta(days=3)),
        sets=("closed_at",),
    )


def acknowledgement_time(plan: Plan, detail: dict, after: datetime) -> datetime:
    """When the acknowledgement goes: mostly within its target, some late, and a few on
    the boundary (for an hours rule, three minutes either side of it)."""
    rng = plan.rng
    d = deadline(detail, "acknowledge")
    due = due_moment(d)
    roll = rng.random()
    if d.get("due_at") and roll < 0.3:
        return due + timedelta(minutes=-3 if roll < 0.15 else 3)
    if roll < 0.12:
        return days_later(due, rng, 0.5, 6)  # late
    if roll < 0.2 and not d.get("due_at"):
        return local(due.date(), 16, rng.randint(0, 50))  # the last day
    soon = after + timedelta(hours=rng.uniform(1, 30))
    return min(weekday_hours(soon, rng), due - timedelta(minutes=30))


def concern(plan: Plan) -> Story:
    """A concern: acknowledged, then resolved informally (in time or not), forwarded to the
    provider, or made a formal complaint."""
    rng, s = plan.rng, Steps(plan)
    channel = rng.choice(["phone", "email", "in_person"])
    done = yield s.record(
        new_case_body(plan, channel=channel), timedelta(minutes=rng.randint(2, 90))
    )
    clock = Timing(rng, done.at)
    roll = rng.random()
    if roll < 0.2:
        plan.kind = "complaint"
        at = clock.after(days_later(done.at, rng, 0.2, 2))
        yield s.act(
            at,
            "convert-to-complaint",
            {"reason": "They asked for a formal response."},
            time_field=None,
        )
        at = clock.after(at + timedelta(minutes=15))
        done = yield s.act(
            at,
            "issues",
            {"description": "What the concern was about, now a complaint."},
            time_field=None,
        )
        yield from complaint_after_intake(plan, s, clock, done.body)
        return
    if plan.organisation.providers and roll < 0.3:
        at = clock.after(days_later(done.at, rng, 0.5, 3))
        yield s.act(at, "share-consent", {"method": "verbal"})
        yield s.act(
            at,
            "forward-to-provider",
            {"provider": rng.choice(plan.organisation.providers)},
            sets=("forwarded_to_provider_at", "closed_at"),
        )
        return
    informal = deadline(done.body, "informal_resolution")
    due = due_moment(informal)
    if informal.get("due_at") and roll < 0.55:
        resolved = due + timedelta(minutes=-4 if roll < 0.42 else 4)
    elif roll < 0.8:
        resolved = min(due - timedelta(minutes=10), done.at + timedelta(hours=rng.uniform(1, 20)))
    else:
        resolved = days_later(due, rng, 0.2, 4)
    resolved = clock.after(resolved)
    yield s.act(
        resolved,
        "resolve-informally",
        {"resolution": "Explained and put right on the phone."},
        late_by=clock.late(timedelta(days=4)),
        sets=("closed_at",),
    )


def complaint(plan: Plan) -> Story:
    rng, s = plan.rng, Steps(plan)
    extra: dict = {}
    relationship = "self"
    if plan.kind == "mp_enquiry":
        relationship = "mp"
        channel = "letter"
    else:
        channel = rng.choices(["letter", "email", "web_form", "phone"], [3, 4, 2, 2])[0]
        if rng.random() < 0.3:
            relationship = rng.choice(RELATIONSHIPS)
    issues = [f"Issue {n} of case {plan.index}" for n in range(1, rng.choice([1, 1, 2, 3]) + 1)]
    extra["issues"] = issues
    if plan.fate in ("declined", "accepted"):
        # Made after the time limit: the event more than 12 months (3 years at the
        # practice) before receipt (R7).
        extra["event_date"] = (plan.received_at.date() - timedelta(days=4 * 365)).isoformat()
    body = new_case_body(plan, channel=channel, relationship=relationship, **extra)
    if relationship == "mp":
        body["complainant"] = person(rng) | {"title": "Rt Hon"}
        body["patient"] = person(rng, email=False)
    entered = timedelta(minutes=rng.randint(2, 240))
    if rng.random() < 0.15:
        entered = timedelta(days=rng.uniform(1, 3))  # arrived at the weekend, say
    if plan.fate == "misdated":
        # The date on the letter misread at intake, and corrected (with the reason) before
        # the acknowledgement: every clock follows the corrected time.
        body["received_at"] = iso(plan.received_at - timedelta(days=1, hours=2))
    done = yield s.record(body, entered)
    clock = Timing(rng, done.at)
    if plan.fate == "misdated":
        at = clock.after(done.entered_at + timedelta(minutes=40))
        done = yield Step(
            at,
            "records",
            "PATCH",
            "/cases/{reference}",
            {"reason": "The date on the letter was misread.", "received_at": iso(plan.received_at)},
            label="correct the time of receipt",
        )
    yield from complaint_after_intake(plan, s, clock, done.body)


def complaint_after_intake(plan: Plan, s: Steps, clock: Timing, detail: dict) -> Story:
    """A formal complaint (or MP enquiry) from its acknowledgement to its response, and
    whatever comes after: reopening into stage 2, the Ombudsman."""
    rng, org = plan.rng, plan.organisation
    # Acknowledgement (R17).
    if detail["status"] == "received":
        ack = acknowledgement_time(plan, detail, clock.last)
        ack = clock.after(ack)
        done = yield s.act(
            ack,
            "acknowledge",
            {"method": rng.choice(["letter", "email", "phone"])},
            late_by=clock.late(timedelta(hours=20)),
            sets=("acknowledged_at",),
        )
        detail = done.body
    # Coding: themes (and at the practice, KO41b codes), most cases as they go; the rest are
    # left (the practice codes them at the year's end, from its return's list of them).
    if plan.index % 5:
        at = clock.after(days_later(clock.last, rng, 0.1, 3))
        yield coding_step(plan, at)
        if org.subjects and plan.index % 4 == 0:
            # The patient's date of birth corrected after coding: the return's age band
            # follows it (R36).
            role = (
                "patient"
                if any(p["role"] == "patient" for p in detail["people"])
                else "complainant"
            )
            born_on = plan.received_at.date() - timedelta(days=365 * 70 + 40)
            at = clock.after(days_later(at, rng, 0.1, 2))
            yield Step(
                at,
                "records",
                "PATCH",
                "/cases/{reference}/people/" + role,
                {
                    "reason": "Date of birth taken from the records.",
                    "date_of_birth": born_on.isoformat(),
                },
                label="correct the date of birth",
            )
    if org.services and detail["service"] and plan.index % 6 == 0:
        at = clock.after(days_later(clock.last, rng, 0.1, 2))
        other = next(x for x in org.services if x != detail["service"])
        yield Step(
            at,
            "records",
            "PATCH",
            "/cases/{reference}",
            {"reason": "The service was chosen wrongly at intake.", "service": other},
            label="correct the service",
        )
    if rng.random() < 0.3:
        # A call with the complainant, in the contact log.
        at = clock.after(days_later(clock.last, rng, 0.2, 4))
        yield s.act(
            at,
            "contacts",
            {
                "channel": "phone",
                "direction": "to_complainant",
                "party": "complainant",
                "summary": "Called to talk through the complaint and agree the issues.",
            },
            time_field="happened_at",
            late_by=clock.late(timedelta(days=1)),
        )
    # Consent (R12), waited for by the commissioner's response clock.
    if detail["consent_state"] == "needed":
        asked = clock.after(clock.last + timedelta(minutes=rng.randint(5, 60)))
        yield s.act(asked, "consent/request", late_by=clock.late(timedelta(days=1)))
        if rng.random() < 0.15:
            at = clock.after(days_later(asked, rng, 3, 9))
            done = yield s.act(
                at,
                "consent/override",
                {
                    "grounds": "incapacity_best_interests",
                    "reason": "The patient lacks capacity and their carer acts in their best "
                    "interests.",
                },
            )
        else:
            at = clock.after(days_later(asked, rng, 2, 22))
            done = yield s.act(
                at,
                "consent/receive",
                {"method": rng.choice(["written", "email"])},
                late_by=clock.late(timedelta(days=2)),
                sets=("consent_received_at",),
            )
        detail = done.body
    if detail["summary_required"] and not detail["summary_approved_at"]:
        at = clock.after(days_later(clock.last, rng, 1, 8))
        done = yield s.act(
            at,
            "summary/approve",
            {"summary": "The complaint as the complainant told it on the phone, typed up."},
            late_by=clock.late(timedelta(days=1)),
            sets=("summary_approved_at",),
        )
        detail = done.body
    if detail["out_of_time"]:
        at = clock.after(days_later(clock.last, rng, 1, 5))
        decision = plan.fate
        done = yield s.act(
            at,
            "late-decision",
            {"decision": decision, "reason": "Considered against reg 12(2)."},
            late_by=clock.late(timedelta(hours=20)),
        )
        detail = done.body
        if decision == "declined":
            return
    if plan.fate == "withdraw":
        at = clock.after(days_later(clock.last, rng, 3, 20))
        yield s.act(
            at,
            "withdraw",
            {"reason": "They no longer wish to pursue it."},
            late_by=clock.late(timedelta(days=5)),
            sets=("withdrawn_at",),
        )
        return
    if plan.fate == "forward":
        at = clock.after(days_later(clock.last, rng, 1, 6))
        yield s.act(at, "share-consent", {"method": "written"})
        yield s.act(
            at,
            "forward-to-provider",
            {"provider": rng.choice(org.providers), "note": "With consent, for a direct response."},
            late_by=clock.late(timedelta(days=5)),
            sets=("forwarded_to_provider_at", "closed_at"),
        )
        return
    at = clock.after(weekday_hours(clock.last + timedelta(minutes=20), rng))
    done = yield s.act(
        at,
        "investigator",
        {"investigator": org.username("investigates")},
        time_field=None,
    )
    detail = done.body
    if org is GP and rng.random() < 0.3:
        # R18: a response date agreed in the handling plan, six to ten weeks on.
        agreed = (clock.last + timedelta(days=rng.randint(42, 70))).date()
        done = yield s.act(
            clock.after(clock.last + timedelta(minutes=10)),
            "response-date",
            {"response_date": agreed.isoformat(), "note": "Agreed on the phone."},
            time_field=None,
        )
        detail = done.body
    if plan.fate == "pause":
        # R23: a police investigation pauses the case; paused time does not count.
        at = clock.after(days_later(clock.last, rng, 2, 6))
        yield s.act(
            at,
            "pause",
            {"reason": "police", "detail": "Waiting for the police to finish their inquiries."},
            late_by=clock.late(timedelta(days=2)),
        )
        at = clock.after(days_later(at, rng, 10, 30))
        done = yield s.act(
            at,
            "resume",
            {"note": "The police have finished."},
            late_by=clock.late(timedelta(days=1)),
        )
        detail = done.body
    yield from respond(plan, s, clock, detail, stage=1)


def respond(plan: Plan, s: Steps, clock: Timing, detail: dict, *, stage: int) -> Story:
    """The findings, perhaps an extension, the outcome and the signed final response
    dispatched: on time, late, or on the boundary of its due date. Then perhaps closing,
    reopening into stage 2 and the Ombudsman."""
    rng = plan.rng
    response = deadline(detail, "response")
    due = due_moment(response) if response and response["due"] else clock.last + timedelta(days=30)
    roll = rng.random()
    if roll < 0.2 and due - clock.last > timedelta(days=3):
        # An extension agreed before the response date (R19).
        asked = clock.after(weekday_hours(due - timedelta(days=rng.uniform(1, 3)), rng))
        new_date = (due + timedelta(days=rng.randint(7, 21))).date()
        done = yield s.act(
            asked,
            "extension",
            {"new_date": new_date.isoformat(), "reason": "More time needed for statements."},
            time_field=None,
        )
        detail = done.body
        due = due_moment(deadline(detail, "response"))
        roll = rng.random() * 0.8 + 0.1  # then mostly in time
    if roll < 0.1:
        sent = local(due.date(), 16, rng.randint(0, 50))  # on the last day
    elif roll < 0.18:
        sent = local(due.date() + timedelta(days=1), 9, rng.randint(30, 55))  # a day late
    elif roll < 0.33:
        sent = days_later(due, rng, 2, 25)  # late
    else:
        sent = weekday_hours(due - timedelta(days=rng.uniform(0.5, 14)), rng)
    sent = max(sent, clock.last + timedelta(days=5))
    if sent > READ_AT - timedelta(days=10):
        return  # still being answered when the year's reports are read
    # Findings on every issue at this stage (R22), some days before.
    issues = [i for i in detail["issues"] if i["stage"] == stage and not i["finding"]]
    findings = []
    for issue in issues:
        finding = rng.choices(["upheld", "partly_upheld", "not_upheld"], [3, 2, 4])[0]
        findings.append(finding)
        at = clock.after(sent - timedelta(days=rng.uniform(3, 4.5)))
        yield s.act(
            at,
            f"issues/{issue['number']}/finding",
            {"finding": finding, "summary": f"Found {finding.replace('_', ' ')}."},
            job="investigates",
            late_by=clock.late(timedelta(hours=12), 0.3),
        )
    if rng.random() < 0.4:
        # The outcome recorded before the letter (it is not the response where the policy
        # signs responses off).
        at = clock.after(clock.last + timedelta(hours=rng.uniform(1, 20)))
        yield s.act(
            at,
            "outcome",
            {"summary": "Our conclusions, issue by issue."},
            late_by=clock.late(timedelta(hours=12)),
        )
    # The final response through the sign-off chain (R26), then sent (R22).
    at = clock.after(clock.last + timedelta(hours=1))
    letter = yield Step(
        at,
        "drafts",
        "POST",
        "/cases/{reference}/letters",
        {"kind": "final_response"},
        label="letter",
    )
    plan.letter = letter.body["id"]
    sections = written(letter.body["latest"]["sections"])
    at = clock.after(clock.last + timedelta(minutes=30))
    yield Step(
        at, "drafts", "POST", "/letters/{letter}/revise", {"sections": sections}, label="revise"
    )
    at = clock.after(clock.last + timedelta(minutes=30))
    yield Step(at, "drafts", "POST", "/letters/{letter}/approve", {}, label="approve draft")
    at = clock.after(min(sent - timedelta(hours=2), clock.last + timedelta(days=1)))
    yield Step(
        at, "signs", "POST", "/letters/{letter}/approve", {"comment": "Signed."}, label="sign"
    )
    sent = clock.after(sent)
    body = {"channel": rng.choice(["post", "email"])}
    done = yield Step(
        sent,
        "sends",
        "POST",
        "/letters/{letter}/dispatch",
        body,
        time_field="sent_at",
        late_by=clock.late(timedelta(days=2), 0.4),
        sets=("responded_at",),
        label="dispatch",
    )
    plan.responses.append((stage, done.at))
    if rng.random() < 0.6:
        at = clock.after(days_later(sent, rng, 1, 12))
        if at < READ_AT - timedelta(days=5):
            yield s.act(
                at,
                "close",
                {"note": "Response sent; nothing outstanding."},
                late_by=clock.late(timedelta(days=4)),
                sets=("closed_at",),
            )
    if stage == 1 and plan.fate in ("reopen", "reopen_withdraw"):
        # The complainant is still unhappy: stage 2, from the day their request arrived (R29).
        asked = clock.after(days_later(sent, rng, 8, 40))
        if asked < READ_AT - timedelta(days=40):
            done = yield s.act(
                asked,
                "reopen",
                {"reason": "They say the response did not answer their second point."},
                time_field="received_at",
                late_by=clock.late(timedelta(days=3), 0.6),
                sets=("stage_started_at",),
            )
            plan.truth.pop("responded_at", None)
            plan.truth.pop("closed_at", None)
            at = clock.after(clock.last + timedelta(hours=2))
            done = yield s.act(
                at,
                "issues",
                {"description": "The second point, not answered at stage 1."},
                time_field=None,
            )
            if plan.fate == "reopen_withdraw":
                at = clock.after(days_later(at, rng, 5, 15))
                yield s.act(
                    at,
                    "withdraw",
                    {"reason": "They have decided not to go on with stage 2."},
                    late_by=clock.late(timedelta(days=3)),
                    sets=("withdrawn_at",),
                )
                return
            yield from respond(plan, s, clock, done.body, stage=2)
            return
    if plan.fate == "ombudsman":
        yield from ombudsman(plan, s, clock, sent)


def ombudsman(plan: Plan, s: Steps, clock: Timing, sent: datetime) -> Story:
    """The complainant went to the Ombudsman (or, from the clinic, an ADR provider) (R30)."""
    rng = plan.rng
    referred = clock.after(days_later(sent, rng, 20, 60))
    if referred > READ_AT - timedelta(days=20):
        return
    adr = plan.organisation is CLINIC
    body = {"body": "adr" if adr else "phso", "referred_on": referred.date().isoformat()}
    if adr:
        body["body_name"] = "Example Dispute Resolution Service"
    yield s.act(referred, "ombudsman-referrals", body, time_field=None)
    plan.referral += 1
    n = plan.referral
    requested = clock.after(days_later(referred, rng, 5, 15))
    due = requested.date() + timedelta(days=28)
    yield s.act(
        requested,
        f"ombudsman-referrals/{n}/information-request",
        {"requested_on": requested.date().isoformat(), "due": due.isoformat()},
        time_field=None,
    )
    sent_on = clock.after(days_later(requested, rng, 3, 20))
    yield s.act(
        sent_on,
        f"ombudsman-referrals/{n}/information-sent",
        {"sent_on": sent_on.date().isoformat()},
        time_field=None,
    )
    decided = clock.after(days_later(sent_on, rng, 30, 120))
    if decided < READ_AT - timedelta(days=2) and rng.random() < 0.7:
        yield s.act(
            decided,
            f"ombudsman-referrals/{n}/outcome",
            {
                "outcome": rng.choice(["upheld", "not_upheld", "declined"]),
                "decided_on": decided.date().isoformat(),
            },
            time_field=None,
        )


def coding_step(plan: Plan, at: datetime) -> Step:
    rng, org = plan.rng, plan.organisation
    body: dict = {"themes": rng.sample(list(org.themes), rng.choice([1, 1, 2]))}
    if org.subjects:
        body["subjects"] = rng.sample(list(org.subjects), rng.choice([1, 1, 2]))
        if rng.random() < 0.7:
            body["professions"] = [rng.choice(org.professions)]
    return Step(at, "records", "PUT", "/cases/{reference}/coding", body, label="coding")


STORIES: dict[str, Callable[[Plan], Story]] = {
    "complaint": complaint,
    "mp_enquiry": complaint,
    "concern": concern,
    "compliment": compliment,
    "enquiry": enquiry,
}


# --- the year --------------------------------------------------------------------------------


def receipt(rng: random.Random) -> datetime:
    """A moment of receipt between FIRST_RECEIPT and LAST_RECEIPT: mostly in office hours,
    some in the evening or at the weekend (the web form, email)."""
    span = (LAST_RECEIPT - FIRST_RECEIPT).days
    day = FIRST_RECEIPT + timedelta(days=rng.randint(0, span))
    if rng.random() < 0.2:
        return local(day, rng.choice([6, 19, 21, 23]), rng.randint(0, 59))
    return local(day, rng.randint(8, 16), rng.randint(0, 59))


def plans(seed: int = SEED) -> list[Plan]:
    """Every case of the year, each with its own seeded random numbers."""
    rng = random.Random(seed)
    out = []
    for org in ORGANISATIONS:
        for kind, how_many in org.mix.items():
            for _ in range(how_many):
                index = len(out) + 1
                out.append(Plan(index, org, kind, receipt(rng), random.Random(seed * 1000 + index)))
        # Some received in the first or last minutes of a quarter, London time (in summer
        # the hour before midnight UTC): each counts in the quarter of its local date.
        edges = [p for p in out if p.organisation is org and p.kind in ("complaint", "compliment")]
        for plan, edge in zip(edges[:: max(1, len(edges) // 4)], EDGES[org.key], strict=False):
            plan.received_at = edge
        # Each fate to complaints received early enough for it to come about by READ_AT.
        complaints = [
            p
            for p in out
            if p.organisation is org and p.kind == "complaint" and p.received_at < EARLY_ENOUGH
        ]
        rng.shuffle(complaints)
        fates = [fate for fate, n in org.fates.items() for _ in range(n)]
        for plan, fate in zip(complaints, fates, strict=False):
            plan.fate = fate
    return out


@dataclass
class Entered:
    """What the scenario did: its plans (with their references and true times) and how many
    steps were entered live and late."""

    plans: list[Plan]
    steps: int = 0
    late: int = 0
    # Each "endpoint field" a late entry would give its time in, and whether the API takes it.
    late_fields: dict[str, bool] = field(default_factory=dict)
    # Steps the API has no endpoint for (the story ends there).
    missing: list[str] = field(default_factory=list)


def template(path: str) -> str:
    """A step's path as the schema writes it, for asking what its body takes."""
    path = re.sub(r"/(issues|ombudsman-referrals)/\d+/", r"/\1/{number}/", path)
    path = re.sub(r"/people/\w+$", "/people/{role}", path)
    return BASE + path.replace("{letter}", "{pk}")


def enter_year(
    doors: dict[str, dict[str, Door]], traveller, schema: Schema | None = None
) -> Entered:
    """Play every story, each step entered at its moment (the clock moved there by
    `traveller`, a time_machine traveller) or, a share of those whose endpoint takes the
    time it happened, later with that time."""
    schema = schema or Schema()
    all_plans = plans()
    entered = Entered(all_plans)
    stories = {p.index: STORIES[p.kind](p) for p in all_plans}
    last_entered: dict[int, datetime] = {}
    queue: list[tuple[datetime, int, int, Step]] = []
    order = 0

    def push(plan: Plan, step: Step) -> None:
        nonlocal order
        takes = step.time_field is not None and step.time_field in schema.fields(
            template(step.path), step.method.lower()
        )
        if step.time_field is not None:
            entered.late_fields[f"{template(step.path)} {step.time_field}"] = takes
        when = minute(step.at + (step.late_by if takes or step.label == "record" else timedelta(0)))
        when = max(when, last_entered.get(plan.index, when))
        order += 1
        heapq.heappush(queue, (when, order, plan.index, step))

    by_index = {p.index: p for p in all_plans}
    for plan in all_plans:
        push(plan, next(stories[plan.index]))
    while queue:
        when, _, index, step = heapq.heappop(queue)
        plan = by_index[index]
        if when >= READ_AT:
            continue
        if not schema.has(template(step.path), step.method.lower()):
            entered.missing.append(f"{step.method} {template(step.path)} ({plan.reference})")
            continue
        traveller.move_to(when)
        body = dict(step.body)
        happened = step.at if step.label == "record" else when
        late = False
        if (
            step.time_field
            and when > step.at
            and step.time_field in schema.fields(template(step.path), step.method.lower())
        ):
            body[step.time_field] = iso(step.at)
            happened, late = step.at, True
        path = step.path.format(reference=plan.reference, letter=plan.letter)
        door = doors[plan.organisation.key][step.job]
        answer = door.call(step.method, path, body)
        if step.label == "record":
            plan.reference = answer["reference"]
        for name in step.sets:
            plan.truth[name] = happened
        entered.steps += 1
        entered.late += late
        if late:
            plan.late_steps.append(happened)
        last_entered[index] = when
        try:
            nxt = stories[index].send(Done(answer, happened, when, late))
        except StopIteration:
            continue
        push(plan, nxt)
    return entered


def complete_ko41(door: Door, code: str, kind: str, period: str) -> tuple[list[str], dict]:
    """At the year's end the practice codes the new complaints its return lists without a
    subject or a staff group (from the return's own lists of them, in one bulk coding each)
    and marks the return submitted, which is refused while any is uncoded. Returns the
    references it coded and the submission."""
    references: list[str] = []
    for table, codes in (("subject", "subjects"), ("profession", "professions")):
        uncoded = door.get(
            f"/reports/{code}/{kind}/{period}/cases", table=table, row="not_coded", limit=1000
        )
        found = [c["reference"] for c in uncoded["cases"]]
        if found:
            done = door.post("/coding/bulk", {"references": found, codes: ["other"]})
            assert done["coded"] == found, done
        references += [r for r in found if r not in references]
    return references, door.post(f"/reports/{code}/{kind}/{period}/submission")
