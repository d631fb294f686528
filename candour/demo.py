"""Synthetic demonstration data: organisations for every policy preset, demo logins, and as
many cases as asked for, loaded fast enough for a million (`candour demo --cases 1000000`).

Everything here is made up: names such as "Ada Example", emails at example.invalid, NHS
numbers from the 999 test range, postcodes from a small invented list and telephone numbers
from Ofcom's ranges for drama. Nothing may be copied in from a real record.

How the cases are loaded, and why it can be trusted:
- each case is a real, unsaved `Case`; its deadlines and the verdicts stored on it come from
  `deadlines.compute` and `deadlines.refresh`, and its response from
  `responses.response_values`, the same code the domain functions call (tests compare them);
- the calendar is the organisation's own, with its working days precomputed into a table
  (`PrecomputedCalendar`): same answers, without walking day by day;
- a batch of a few thousand cases is written in one transaction with one multi-row insert
  per table (SQLite `executemany`, PostgreSQL `COPY`), never a query per row;
- reference numbers are taken from `CaseSequence` in blocks, so `record_case` continues the
  numbering afterwards;
- each audit event's canonical content is built in the planning processes
  (`audit.chain.content_parts`); the writer adds the case id and sequence and hashes it with
  the audit key (`audit.chain.linker`), continuing from the locked `AuditChainHead`, which is
  moved on in the same transaction, so `verify()` passes; each batch's commit is
  checkpointed, as every commit that appends events is (`audit.checkpoints`).
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import os
import random
import time
from collections import Counter, deque
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.base import ModelState
from django.utils import timezone

from candour.audit import checkpoints
from candour.audit.chain import (
    FIELDS,
    canonical_json,
    content_parts,
    linker,
    to_the_millisecond,
)
from candour.audit.models import AuditChainHead, AuditEvent
from candour.bulkload import deferred_indexes
from candour.calendars import Nation, WorkingCalendar
from candour.cases import deadlines, responses
from candour.cases.intake import NO_CONSENT_NEEDED_FROM
from candour.cases.investigation import overall_outcome
from candour.cases.models import (
    VERBAL_CHANNELS,
    AckMethod,
    Case,
    CaseParty,
    CaseSequence,
    Channel,
    ConsentMethod,
    ConsentState,
    Finding,
    Issue,
    Kind,
    LateDecision,
    Outcome,
    PartyRole,
    Pause,
    PauseReason,
    Person,
    Relationship,
    StageResponse,
    Status,
)
from candour.cases.people import nhs_number_is_valid
from candour.cases.workflow import FORMAL_KINDS
from candour.config.statistics import refresh
from candour.organisations import two_factor
from candour.organisations.access import can
from candour.organisations.models import Capability, Organisation
from candour.organisations.policy import LetterKind
from candour.organisations.setup import add_member, create_organisation, update_letterhead

# The one password of every demo login. Synthetic data only; never use it for real data.
DEMO_PASSWORD = "candour-demo"
DEMO_URL = "http://127.0.0.1:8000/"
LOCAL = timezone.get_default_timezone()  # Europe/London: deadlines are local dates


# --- organisations and logins ----------------------------------------------------------------


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    kind: str
    preset: str | None = None
    parent: str | None = None
    nation: str = Nation.ENGLAND
    weight: float = 1.0  # share of the demo cases


# The letterheads (issue 17): invented streets, postcodes from the ZZ area (none is real),
# telephone numbers from Ofcom's drama range, emails at example.invalid.
LETTERHEADS = {
    "EVMP": ("1 Example Lane\nExample Valley\nSampleshire\nZZ1 1AB", "0117 496 0101"),
    "EXICB": ("Example House\n2 Sample Street\nSampletown\nZZ2 3CD", "0117 496 0202"),
    "EXSC": ("3 Example Parade\nSampletown\nZZ4 5EF", "0117 496 0303"),
    "EXHT": ("Example General Hospital\n4 Infirmary Road\nExampleton\nZZ6 7GH", "0117 496 0404"),
    "ESH": ("5 Example Square\nLondon\nZZ8 9JK", "020 7946 0505"),
    "ESHN": ("6 Sample Court\nNorthtown\nZZ9 2LM", "0113 496 0606"),
    "ESHS": ("7 Example Quay\nSouthport Sample\nZZ3 4NP", "029 2018 0707"),
    "ESHM": ("Healthcare Department\nHMP Example Moor\nMoor Road\nZZ5 6QR", "0113 496 0808"),
    "ESHF": ("Healthcare Department\nHMP Sample Fell\nFell Lane\nZZ7 8ST", "0113 496 0909"),
    "ESHV": ("Healthcare Department\nHMP Example Vale\nVale Road\nZZ1 9UV", "0117 496 0110"),
    "ESHB": ("Healthcare Department\nHMP Sample Bay\nBay Road\nZZ2 8WX", "029 2018 0111"),
}


ORGANISATIONS = [
    OrgSpec("EVMP", "Example Valley Medical Practice", "practice", "gp-practice", weight=10),
    OrgSpec(
        "EXICB",
        "Example and Sampleshire Integrated Care Board",
        "icb",
        "commissioner",
        weight=14,
    ),
    OrgSpec("EXSC", "Example Skin Clinic", "clinic", "private-clinic", weight=5),
    OrgSpec("EXHT", "Example Hospitals NHS Trust", "trust", "nhs-england-2009", weight=30),
    OrgSpec("ESH", "Example Secure Health", "national", "national-provider", weight=1),
    OrgSpec("ESHN", "Example Secure Health North", "region", parent="ESH", weight=2),
    OrgSpec("ESHS", "Example Secure Health South and Wales", "region", parent="ESH", weight=2),
    OrgSpec("ESHM", "HMP Example Moor", "site", parent="ESHN", weight=11),
    OrgSpec("ESHF", "HMP Sample Fell", "site", parent="ESHN", weight=9),
    OrgSpec("ESHV", "HMP Example Vale", "site", parent="ESHS", weight=9),
    OrgSpec("ESHB", "HMP Sample Bay", "site", parent="ESHS", nation=Nation.WALES, weight=7),
]


@dataclass(frozen=True)
class LoginSpec:
    username: str
    organisation: str
    role: str
    full_name: str = ""  # letters name staff by name and job title, never by username


LOGINS = [
    LoginSpec("gp.manager", "EVMP", "Executive Manager", "Ada Example"),
    LoginSpec("gp.reception", "EVMP", "Receptionist", "Ben Sample"),
    LoginSpec("gp.partner", "EVMP", "Partner", "Dr Cara Example"),
    LoginSpec("icb.governance", "EXICB", "Head of Governance", "Dev Sample"),
    LoginSpec("icb.officer", "EXICB", "Customer Care Officer", "Eve Example"),
    LoginSpec("icb.investigator", "EXICB", "Investigating Officer", "Finn Sample"),
    LoginSpec("clinic.manager", "EXSC", "Complaints Manager", "Gail Example"),
    LoginSpec("clinic.clinician", "EXSC", "Clinician", "Hal Sample"),
    LoginSpec("trust.manager", "EXHT", "Complaints Manager", "Iris Example"),
    LoginSpec("trust.investigator", "EXHT", "Investigating Officer", "Jon Sample"),
    LoginSpec("trust.chief", "EXHT", "Responsible Person", "Kay Example"),
    LoginSpec("national.reviewer", "ESH", "National Complaints Reviewer", "Lee Sample"),
    LoginSpec("national.director", "ESH", "National Medical Director", "Dr Mia Example"),
    LoginSpec("north.governance", "ESHN", "Regional Governance Manager", "Ned Sample"),
    LoginSpec("south.governance", "ESHS", "Regional Governance Manager", "Ola Example"),
    LoginSpec("moor.hoh", "ESHM", "Head of Healthcare", "Pat Sample"),
    LoginSpec("fell.hoh", "ESHF", "Head of Healthcare", "Quinn Example"),
    LoginSpec("vale.hoh", "ESHV", "Head of Healthcare", "Rae Sample"),
    LoginSpec("bay.hoh", "ESHB", "Head of Healthcare", "Sam Example"),
]
ADMIN_USERNAME = "admin"


def ensure_organisations() -> dict[str, Organisation]:
    """The demo organisations by code, created if missing (safe to run again)."""
    existing = Organisation.objects.in_bulk([o.code for o in ORGANISATIONS], field_name="code")
    for spec in ORGANISATIONS:
        if spec.code in existing:
            continue
        existing[spec.code] = create_organisation(
            name=spec.name,
            code=spec.code,
            kind=spec.kind,
            parent=existing[spec.parent] if spec.parent else None,
            nation=spec.nation,
            preset_name=spec.preset,
        )
    for spec in ORGANISATIONS:
        organisation = existing[spec.code]
        if not organisation.address and spec.code in LETTERHEADS:
            address, telephone = LETTERHEADS[spec.code]
            update_letterhead(
                organisation,
                address=address,
                telephone=telephone,
                email=f"complaints@{spec.code.lower()}.example.invalid",
                by=None,
            )
    return {spec.code: existing[spec.code] for spec in ORGANISATIONS}


def ensure_logins(
    organisations: dict[str, Organisation], specs=None, *, admin: bool = True
) -> dict[str, object]:
    """The demo users (`specs`, LOGINS unless given) and, with `admin`, the `admin`
    superuser. A password is set only when the user is created, so a password someone
    changed on purpose stays changed; it is hashed once (each hash of a strong password
    hasher takes a noticeable time)."""
    User = get_user_model()
    users, hashed = {}, None
    for spec in LOGINS if specs is None else specs:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            hashed = hashed or make_password(DEMO_PASSWORD)
            user = User.objects.create_user(spec.username, email=f"{spec.username}@example.invalid")
            user.password = hashed
            user.save(update_fields=["password"])
        if spec.full_name and not user.get_full_name():
            user.first_name, _, user.last_name = spec.full_name.rpartition(" ")
            user.save(update_fields=["first_name", "last_name"])
        add_member(user, organisations[spec.organisation], spec.role)
        users[spec.username] = user
    everyone = list(users.values())
    if admin:
        superuser = User.objects.filter(username=ADMIN_USERNAME).first()
        if superuser is None:
            superuser = User.objects.create_superuser(
                ADMIN_USERNAME, email="admin@example.invalid", password=DEMO_PASSWORD
            )
        everyone.append(superuser)
    # Every staff sign-in asks for a code: the demo logins share one known authenticator key.
    for user in everyone:
        two_factor.ensure_device(user, two_factor.DEMO_KEY)
    return users


def login_lines(specs, width: int, names: dict[str, str]) -> list[str]:
    """One line a login: its username, role and organisation (`names` by code), for
    `candour demo`'s output."""
    return [
        f"  {s.username:<{width}}  {s.role}, {names.get(s.organisation, s.organisation)}"
        for s in specs
    ]


def logins_text() -> str:
    """What `candour demo` prints at the end: where to go and how to sign in."""
    width = max(len(s.username) for s in LOGINS)
    lines = [
        f"Candour is at {DEMO_URL} once served (`.venv/bin/candour serve`).",
        f"Demo logins (synthetic data only), all with the password {DEMO_PASSWORD!r}:",
        f"  {ADMIN_USERNAME:<{width}}  Django admin superuser (sees no case data)",
    ]
    lines += login_lines(LOGINS, width, {o.code: o.name for o in ORGANISATIONS})
    lines += [
        "Then a 6-digit code: `.venv/bin/candour totp USERNAME` prints the current one; or add the",
        f"key {two_factor.DEMO_SECRET} to an authenticator app (the same for every demo login).",
    ]
    return "\n".join(lines)


# --- a precomputed working-day calendar -------------------------------------------------------


class PrecomputedCalendar:
    """An organisation's `WorkingCalendar` with its working days between two dates turned
    into lookup tables, so that adding 25 working days is an index, not a walk. Outside the
    table it asks the calendar it wraps, so the answers are always the same."""

    def __init__(self, base: WorkingCalendar, first: date, last: date):
        self.base = base
        self.nation = base.nation
        self.closures = base.closures
        self._first = first.toordinal()
        days = (last - first).days + 1
        self._working = [base.is_working_day(first + timedelta(days=i)) for i in range(days)]
        # _count[i]: working days from `first` up to and including day i.
        self._count = list(accumulate(int(w) for w in self._working))
        self._ordinals = [self._first + i for i, w in enumerate(self._working) if w]

    def _index(self, day: date) -> int | None:
        i = day.toordinal() - self._first
        return i if 0 <= i < len(self._working) else None

    def is_bank_holiday(self, day: date) -> bool:
        return self.base.is_bank_holiday(day)

    def is_working_day(self, day: date) -> bool:
        i = self._index(day)
        return self.base.is_working_day(day) if i is None else self._working[i]

    def add_working_days(self, start: date, days: int) -> date:
        if days < 0:
            raise ValueError("days must not be negative")
        i = self._index(start)
        if i is None:
            return self.base.add_working_days(start, days)
        if days == 0 and self._working[i]:
            return start
        k = self._count[i] + max(days, 1) - 1
        if k >= len(self._ordinals):
            return self.base.add_working_days(start, days)
        return date.fromordinal(self._ordinals[k])

    def working_days_between(self, start: date, end: date) -> int:
        if end <= start:
            return 0
        i, j = self._index(start), self._index(end)
        if i is None or j is None:
            return self.base.working_days_between(start, end)
        return self._count[j] - self._count[i]

    def next_working_day(self, day: date) -> date:
        return self.add_working_days(day, 1)


# --- synthetic people and words ---------------------------------------------------------------

# Names come in a population's proportions: a few common, a long tail of rare ones. Weighted by
# rank as 1 / (rank + k), the commonest first name is about 3% of people and the commonest
# surname about 1.3%, so the commonest full name is about 1 person in 2,000. Uniform choices
# from short lists made every full name 1 person in 300, far commoner than any name is in life,
# and a search by full name then had thousands of people to list.
FIRST_NAMES = [
    "Ada",
    "Alex",
    "Amir",
    "Bea",
    "Cal",
    "Dee",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jas",
    "Kit",
    "Lou",
    "Max",
    "Nia",
    "Oli",
    "Pip",
    "Raj",
    "Sam",
    "Tam",
    "Uma",
    "Vic",
    "Wes",
    "Yas",
    "Zac",
    "Abi",
    "Ben",
    "Cara",
    "Dan",
    "Eve",
    "Finn",
    "Gia",
    "Hal",
    "Isla",
    "Joe",
    "Kai",
    "Lena",
    "Mo",
    "Ned",
    "Ola",
    "Pat",
    "Quin",
    "Rae",
    "Sol",
    "Tess",
    "Ugo",
    "Val",
    "Wyn",
    "Xan",
    "Yve",
    "Zoe",
    "Ari",
    "Bo",
    "Cy",
    "Dev",
    "Em",
    "Flo",
    "Gil",
    "Hew",
]
# The surnames are plainly made up: a dozen words for "not real", then stems that say the same
# joined to common endings of English place names.
_NOT_REAL = [
    "Example",
    "Sample",
    "Specimen",
    "Placeholder",
    "Fictitious",
    "Madeup",
    "Testington",
    "Dummy",
    "Mockford",
    "Pretendley",
    "Notreal",
    "Invented",
]
LAST_NAMES = _NOT_REAL + [
    stem + ending
    for ending in (
        [
            "by",
            "croft",
            "den",
            "field",
            "ford",
            "ham",
            "hurst",
            "ley",
            "mere",
            "stone",
            "ton",
            "well",
            "wick",
            "wood",
            "worth",
        ]
    )
    for stem in [
        "Mock",
        "Test",
        "Sample",
        "Dummy",
        "Fake",
        "Pretend",
        "Spec",
        "Proto",
        "Draft",
        "Trial",
        "Pseudo",
        "Faux",
        "Ersatz",
        "Token",
        "Model",
        "Stand",
        "Proxy",
        "Decoy",
        "Replica",
        "Copy",
    ]
    if stem + ending not in _NOT_REAL
]


def _rank_weights(names, k: int) -> list[float]:
    return list(accumulate(1 / (rank + k) for rank in range(1, len(names) + 1)))


FIRST_NAME_WEIGHTS = _rank_weights(FIRST_NAMES, 20)
LAST_NAME_WEIGHTS = _rank_weights(LAST_NAMES, 30)
TITLES = ("Mr", "Ms", "Mrs", "Mx", "Dr", "")
POSTCODES = ("ZZ1 1AA", "ZZ2 3BB", "ZZ4 5CC", "ZZ6 7DD", "ZZ8 9EE", "ZZ9 2FF")
STREETS = ("Example Street", "Sample Road", "Placeholder Lane", "Specimen Close", "Test Avenue")
TOWNS = ("Exampleton", "Sampleford", "Testbury", "Mockington")
LANGUAGES = ("", "", "", "", "", "", "", "", "Welsh", "Polish", "Urdu", "Punjabi", "Romanian")

SERVICES = (
    "Appointments",
    "Reception",
    "Prescriptions",
    "Nursing care",
    "Clinical treatment",
    "Communication",
    "Discharge",
    "Medication",
    "Waiting times",
    "Staff attitude",
    "Mental health",
    "Dental care",
)
ISSUES = (
    "No call back about test results",
    "Waited too long for an appointment",
    "Repeat prescription not issued on time",
    "Rude manner of a member of reception staff",
    "Diagnosis was delayed",
    "Pain relief was not given when asked for",
    "Discharged without a care plan",
    "Medication was changed without explanation",
    "Letter sent to the wrong address",
    "Not told about the side effects of the treatment",
    "Could not get through on the telephone",
    "Dignity not respected on the ward",
    "Referral was not made as promised",
    "Records not shared with the hospital",
)
DESIRED = (
    "An apology and an explanation.",
    "Assurance that this will not happen to anyone else.",
    "A meeting to discuss what went wrong.",
    "A review of the treatment given.",
    "An explanation of the decision.",
)
COMPLIMENTS = (
    "Thanks to the nurses for their kindness during a difficult stay",
    "The receptionist went out of their way to help",
    "Praise for the care given by the clinic team",
)
PAUSE_DETAILS = {
    PauseReason.POLICE: "Waiting for the outcome of a police enquiry (synthetic).",
    PauseReason.LEGAL: "Legal proceedings have been issued (synthetic).",
    PauseReason.DISCIPLINARY: "A disciplinary process is under way (synthetic).",
    PauseReason.CORONER: "Waiting for the coroner's inquest (synthetic).",
    PauseReason.COMPLAINANT: "The complainant asked for time (synthetic).",
}


def test_nhs_numbers(rng: random.Random, how_many: int) -> list[str]:
    """NHS numbers from the 999 range kept for testing, each with a valid check digit."""
    numbers: list[str] = []
    while len(numbers) < how_many:
        stem = "999" + f"{rng.randrange(10**6):06d}"
        total = sum(int(d) * w for d, w in zip(stem, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check == 10:
            continue
        number = stem + str(check)
        assert nhs_number_is_valid(number)
        numbers.append(number)
    return numbers


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    """A weighted choice from [(value, weight)…] whose weights add up to 1."""
    x = rng.random()
    for value, weight in table:
        x -= weight
        if x < 0:
            return value
    return table[-1][0]


KINDS = [
    (Kind.COMPLAINT, 0.46),
    (Kind.CONCERN, 0.24),
    (Kind.COMPLIMENT, 0.11),
    (Kind.MP_ENQUIRY, 0.05),
    (Kind.INBOX_ENQUIRY, 0.05),
    (Kind.ENQUIRY, 0.04),
    (Kind.COMMENT, 0.03),
    (Kind.SUGGESTION, 0.02),
]
CHANNELS = {
    Kind.COMPLAINT: [
        (Channel.EMAIL, 0.3),
        (Channel.LETTER, 0.2),
        (Channel.WEB_FORM, 0.2),
        (Channel.PHONE, 0.15),
        (Channel.IN_PERSON, 0.05),
        (Channel.VIA_ADVOCATE, 0.05),
        (Channel.PROVIDER, 0.05),
    ],
    Kind.CONCERN: [
        (Channel.PHONE, 0.45),
        (Channel.IN_PERSON, 0.25),
        (Channel.EMAIL, 0.2),
        (Channel.WEB_FORM, 0.1),
    ],
    Kind.MP_ENQUIRY: [(Channel.VIA_MP, 1.0)],
    Kind.INBOX_ENQUIRY: [(Channel.EMAIL, 1.0)],
}
OTHER_CHANNELS = [
    (Channel.EMAIL, 0.35),
    (Channel.WEB_FORM, 0.25),
    (Channel.LETTER, 0.2),
    (Channel.IN_PERSON, 0.1),
    (Channel.PHONE, 0.1),
]
RELATIONSHIPS = [
    (Relationship.SELF, 0.64),
    (Relationship.RELATIVE, 0.12),
    (Relationship.PARENT_GUARDIAN, 0.06),
    (Relationship.CARER, 0.05),
    (Relationship.BEREAVED, 0.04),
    (Relationship.ADVOCATE, 0.03),
    (Relationship.LACKS_CAPACITY, 0.02),
    (Relationship.FRIEND, 0.02),
    (Relationship.SOLICITOR, 0.02),
]
FINDINGS = [(Finding.UPHELD, 0.3), (Finding.PARTLY_UPHELD, 0.3), (Finding.NOT_UPHELD, 0.4)]
PAUSE_REASONS = [
    (PauseReason.POLICE, 0.2),
    (PauseReason.LEGAL, 0.25),
    (PauseReason.DISCIPLINARY, 0.2),
    (PauseReason.CORONER, 0.1),
    (PauseReason.COMPLAINANT, 0.25),
]


# --- planning one case ------------------------------------------------------------------------


@dataclass
class OrgContext:
    """What the loader needs about one organisation, read once."""

    organisation: Organisation
    policy: object
    calendar: PrecomputedCalendar
    handler: object  # a user who may handle its cases
    investigator: object  # a user who may investigate them


@dataclass
class Plan:
    """One case to load: the unsaved Case and what belongs to it, without ids yet."""

    case: Case
    code: str
    people: list[tuple] = field(default_factory=list)  # Person columns after organisation
    parties: list[tuple] = field(default_factory=list)  # (person index, role, relationship)
    issues: list[tuple] = field(default_factory=list)  # Issue columns after case
    pauses: list[tuple] = field(default_factory=list)  # Pause columns after case
    events: list[tuple] = field(default_factory=list)  # (at, actor, event, data)
    responses: list[tuple] = field(default_factory=list)  # StageResponse columns after case


def _changed(before: dict, after: dict, **details) -> dict:
    """Audit data in the shape `changes.apply` writes: old and new values of what changed."""
    return {"before": before, "after": after, **details}


CASE_FIELDS = [f.attname for f in Case._meta.concrete_fields]
_CASE_DEFAULTS = [f.get_default() for f in Case._meta.concrete_fields]
_CASE_INDEX = {name: i for i, name in enumerate(CASE_FIELDS)}
_CASE_DEFAULT_ATTRIBUTES = dict(zip(CASE_FIELDS, _CASE_DEFAULTS, strict=True))


def new_case(**values) -> Case:
    """An unsaved Case with every field not given at its default: what `Case(**values)`
    makes (tested), with its attributes set at once rather than one descriptor at a time
    (Case has no pre_init or post_init receivers)."""
    case = Case.__new__(Case)
    attributes = dict(_CASE_DEFAULT_ATTRIBUTES)
    attributes.update(values)
    case.__dict__ = attributes
    case._state = ModelState()
    return case


class Planner:
    """Makes realistic cases for the demo: a random mix of kinds and channels whose state
    follows from how long ago each was received."""

    def __init__(self, rng: random.Random, contexts: list[OrgContext], now: datetime, nhs_numbers):
        self.rng = rng
        self.contexts = contexts
        self.now = now
        weight = {o.code: o.weight for o in ORGANISATIONS}
        self.weights = list(accumulate(weight.get(c.organisation.code, 1) for c in contexts))
        self.nhs_numbers = nhs_numbers
        self.index = 0

    def context_for(self, index: int) -> OrgContext:
        # The first cases go one to each organisation, so even a small demo fills them all.
        if index < len(self.contexts):
            return self.contexts[index]
        x = self.rng.random() * self.weights[-1]
        for ctx, upto in zip(self.contexts, self.weights, strict=True):
            if x < upto:
                return ctx
        return self.contexts[-1]

    def person(self, *, patient: bool, mp: bool = False) -> tuple:
        rng = self.rng
        (first,) = rng.choices(FIRST_NAMES, cum_weights=FIRST_NAME_WEIGHTS)
        (last,) = rng.choices(LAST_NAMES, cum_weights=LAST_NAME_WEIGHTS)
        n = f"{self.index}{'p' if patient else ''}"
        title = "" if mp else rng.choice(TITLES)
        if mp:
            last += " MP"
        birth = None
        if patient or rng.random() < 0.5:
            birth = date(1930, 1, 1) + timedelta(days=rng.randrange(365 * 90))
        return (
            title,
            first,
            last,
            f"{rng.randrange(1, 200)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}",
            rng.choice(POSTCODES),
            f"0113 496 {rng.randrange(10000):04d}" if rng.random() < 0.5 else "",
            f"07700 900{rng.randrange(1000):03d}" if rng.random() < 0.7 else "",
            f"{first.lower()}.{last.split()[0].lower()}.{n}@example.invalid",
            birth,
            rng.choice(self.nhs_numbers) if patient else "",
            False,
            rng.choice(("post", "email", "phone", "email", "")),
            rng.choice(LANGUAGES),
            False,
            "",
            "",
        )

    def plan(self, index: int, received_at: datetime) -> Plan:
        rng, now = self.rng, self.now
        self.index = index
        ctx = self.context_for(index)
        org, policy = ctx.organisation, ctx.policy
        handler = ctx.handler
        kind = _pick(rng, KINDS)
        channel = _pick(rng, CHANNELS.get(kind, OTHER_CHANNELS))
        if kind == Kind.MP_ENQUIRY:
            relationship = Relationship.MP
        elif kind in (Kind.COMPLAINT, Kind.CONCERN):
            relationship = _pick(rng, RELATIONSHIPS)
        else:
            relationship = Relationship.SELF
        if channel == Channel.VIA_ADVOCATE:
            relationship = Relationship.ADVOCATE
        anonymous = (kind == Kind.COMPLIMENT and rng.random() < 0.3) or (
            kind in (Kind.CONCERN, Kind.COMMENT) and rng.random() < 0.04
        )
        if anonymous:
            relationship = Relationship.SELF
        # Mirrors intake.record_case: the patient, an MP or anonymous feedback need no consent.
        needs_consent = (
            not anonymous and kind != Kind.COMPLIMENT and relationship not in NO_CONSENT_NEEDED_FROM
        )
        formal = kind in FORMAL_KINDS
        issues_text = rng.sample(
            ISSUES, rng.choice((1, 1, 2, 2, 3)) if kind != Kind.COMPLIMENT else 1
        )
        if kind == Kind.COMPLIMENT:
            issues_text = [rng.choice(COMPLIMENTS)]
        recorded_at = received_at + timedelta(minutes=rng.randrange(5, 60 * 24))
        recorded_at = min(recorded_at, now)
        event_date = (received_at - timedelta(days=rng.randrange(0, 90))).date()
        if formal and rng.random() < 0.02:
            event_date = (received_at - timedelta(days=rng.randrange(400, 600))).date()
        summary_required = kind == Kind.COMPLAINT and channel in VERBAL_CHANNELS
        case = new_case(
            organisation_id=org.id,
            kind=kind,
            channel=channel,
            received_at=received_at,
            recorded_at=recorded_at,
            recorded_by_id=handler.id,
            event_date=event_date,
            description="; ".join(issues_text) + ". (Synthetic demo case.)",
            summary="Typed summary of the call (synthetic)." if summary_required else "",
            desired_outcome=rng.choice(DESIRED) if kind != Kind.COMPLIMENT else "",
            service=rng.choice(SERVICES),
            anonymous=anonymous,
            confidential=formal and rng.random() < 0.02,
            urgent_clinical_need=formal and rng.random() < 0.01,
            stage_started_at=received_at,
            handler_id=handler.id,
            consent_state=ConsentState.NEEDED if needs_consent else ConsentState.NOT_NEEDED,
            summary_required=summary_required,
        )
        if case.urgent_clinical_need:
            case.urgent_clinical_note = "Advised to attend the urgent treatment centre (synthetic)."
        case.out_of_time = deadlines.is_out_of_time(case, policy, ctx.calendar)
        plan = Plan(case, code=org.code)

        # People (R11): the complainant, and the patient when someone else complains.
        if not anonymous:
            plan.people.append(
                self.person(
                    patient=relationship == Relationship.SELF, mp=relationship == Relationship.MP
                )
            )
            plan.parties.append((0, PartyRole.COMPLAINANT, relationship))
            if relationship != Relationship.SELF:
                plan.people.append(self.person(patient=True))
                plan.parties.append((1, PartyRole.PATIENT, Relationship.SELF))
                plan.parties.append((0, PartyRole.REPRESENTATIVE, relationship))

        plan.events.append(
            (
                recorded_at,
                handler,
                "case_recorded",
                {
                    "reference": None,  # filled in when the reference is given
                    "kind": kind,
                    "channel": channel,
                    "received_at": received_at.isoformat(),
                    "consent_state": case.consent_state,
                    "out_of_time": case.out_of_time,
                    "issues": len(issues_text),
                },
            )
        )
        if case.urgent_clinical_need:
            plan.events.append(
                (
                    recorded_at,
                    handler,
                    "urgent_clinical_need_raised",
                    {"note": case.urgent_clinical_note},
                )
            )

        issues_completed_at = None
        if formal:
            issues_completed_at = self._formal(plan, ctx, issues_text)
        elif kind == Kind.CONCERN:
            self._concern(plan, ctx)
        else:
            self._record_only(plan, ctx)

        if not plan.issues:  # no findings yet
            plan.issues = [(n, 1, text, "", "", "", None) for n, text in enumerate(issues_text, 1)]

        spans = [deadlines.PauseSpan(p[2], p[3]) for p in plan.pauses]
        deadlines.refresh(
            case,
            deadlines.compute(
                case,
                policy,
                ctx.calendar,
                pauses=spans,
                issues_completed_at=issues_completed_at,
                now=now,
            ),
        )
        if case.responded_at is not None:
            # The stage's response as the responding domain function keeps it, with the
            # verdict `refresh` has just stored (ADR 0018).
            values = responses.response_values(case)
            plan.responses.append(tuple(values.get(c) for c in RESPONSE_COLUMNS[1:]))
        return plan

    def _response_due(self, plan: Plan, ctx: OrgContext) -> date | None:
        """When the response is due, to decide when it was sent: the response rule of
        `deadlines.compute` alone (the stored dates come from `compute` itself)."""
        case, policy = plan.case, ctx.policy
        if case.agreed_response_date:
            return case.agreed_response_date
        clock = deadlines.response_clock_start(case, policy)
        if clock.at is None:
            return None
        due, due_at = deadlines.period_end(ctx.calendar, clock.at, policy.response)
        spans = [deadlines.PauseSpan(p[2], p[3]) for p in plan.pauses]
        due, _, _ = deadlines.shift_for_pauses(
            ctx.calendar, due, due_at, policy.response, spans, clock.at, self.now
        )
        return due

    def _record_only(self, plan: Plan, ctx: OrgContext) -> None:
        """Compliments, comments, suggestions and enquiries are recorded and closed."""
        case, rng = plan.case, self.rng
        if case.kind == Kind.COMPLIMENT:
            closed = case.recorded_at
            event = "compliment_recorded"
        else:
            closed = case.recorded_at + timedelta(hours=rng.randrange(1, 24 * 5))
            event = "case_closed"
            if closed > self.now:
                return  # still received
        case.status, case.closed_at, case.outcome = Status.CLOSED, closed, Outcome.RECORDED
        details = {"note": ""} if event == "case_closed" else {}
        plan.events.append(
            (
                closed,
                ctx.handler,
                event,
                _changed(
                    {"closed_at": None, "outcome": "", "status": Status.RECEIVED},
                    {
                        "closed_at": closed.isoformat(),
                        "outcome": Outcome.RECORDED,
                        "status": Status.CLOSED,
                    },
                    **details,
                ),
            )
        )

    def _concern(self, plan: Plan, ctx: OrgContext) -> None:
        """R6: most concerns are resolved informally within a day; some take longer."""
        case, rng = plan.case, self.rng
        hours = rng.randrange(1, 20) if rng.random() < 0.75 else rng.randrange(20, 24 * 6)
        resolved = case.received_at + timedelta(hours=hours)
        resolved = max(resolved, case.recorded_at)
        if resolved > self.now:
            return
        if rng.random() < 0.03:
            self._withdraw(plan, ctx, resolved)
            return
        summary = "Explained and apologised; the person was satisfied (synthetic)."
        case.status, case.closed_at = Status.CLOSED, resolved
        case.outcome, case.outcome_summary = Outcome.RESOLVED_INFORMALLY, summary
        plan.events.append(
            (
                resolved,
                ctx.handler,
                "concern_resolved_informally",
                _changed(
                    {
                        "closed_at": None,
                        "outcome": "",
                        "outcome_summary": "",
                        "status": Status.RECEIVED,
                    },
                    {
                        "closed_at": resolved.isoformat(),
                        "outcome": Outcome.RESOLVED_INFORMALLY,
                        "outcome_summary": summary,
                        "status": Status.CLOSED,
                    },
                ),
            )
        )

    def _withdraw(self, plan: Plan, ctx: OrgContext, at: datetime) -> None:
        case = plan.case
        before_status = case.status
        if case.status == Status.PAUSED:
            started, detail_reason = plan.pauses[-1][2], plan.pauses[-1][0]
            plan.pauses[-1] = (detail_reason, plan.pauses[-1][1], started, at)
        case.status, case.withdrawn_at, case.outcome, case.paused_at = (
            Status.WITHDRAWN,
            at,
            Outcome.WITHDRAWN,
            None,
        )
        plan.events.append(
            (
                at,
                ctx.handler,
                "case_withdrawn",
                _changed(
                    {
                        "withdrawn_at": None,
                        "outcome": "",
                        "paused_at": None,
                        "status": before_status,
                    },
                    {
                        "withdrawn_at": at.isoformat(),
                        "outcome": Outcome.WITHDRAWN,
                        "paused_at": None,
                        "status": Status.WITHDRAWN,
                    },
                    reason="The complainant no longer wishes to pursue it (synthetic).",
                ),
            )
        )

    def _formal(self, plan: Plan, ctx: OrgContext, issues_text: list[str]) -> datetime | None:
        """A complaint or MP enquiry from receipt to closure, as far as its age allows.
        Returns when the last finding was recorded (the investigation's completion)."""
        case, rng, now = plan.case, self.rng, self.now
        handler, policy = ctx.handler, ctx.policy
        events = plan.events

        def happened(at: datetime) -> bool:
            return at <= now

        # Acknowledgement (reg 13): usually within a couple of days, sometimes late.
        ack = case.recorded_at + timedelta(
            hours=rng.randrange(1, 48 if rng.random() < 0.9 else 24 * 7)
        )
        if not happened(ack):
            return None
        method = rng.choice((AckMethod.LETTER, AckMethod.EMAIL, AckMethod.EMAIL, AckMethod.PHONE))
        # Late or not by the deadline engine's one rule, as acknowledge_case judges it (to the
        # minute for a rule in hours: 004's 48 hours).
        ack_due, ack_due_at = deadlines.period_end(
            ctx.calendar, case.received_at, policy.acknowledgement
        )
        late = not deadlines.met_by(ack_due, ack_due_at, ack)
        case.status, case.acknowledged_at, case.acknowledgement_method = Status.OPEN, ack, method
        events.append(
            (
                ack,
                handler,
                "case_acknowledged",
                _changed(
                    {
                        "acknowledged_at": None,
                        "acknowledgement_method": "",
                        "status": Status.RECEIVED,
                    },
                    {
                        "acknowledged_at": ack.isoformat(),
                        "acknowledgement_method": method,
                        "status": Status.OPEN,
                    },
                    late=late,
                ),
            )
        )
        # Grade 4 (more than one provider) needs a joint complaint with its lead named (R31),
        # which the generated cases are not: a draw of 4 is graded 3, and the draws stay as
        # they were. The extras make a few joint complaints and grade them 4
        # (demo_extras.Enricher.joint_complaints), through the domain functions.
        grade = min(rng.choice((1, 1, 2, 2, 2, 3, 4)), 3)
        case.grade = grade
        events.append(
            (
                ack,
                handler,
                "case_graded",
                _changed(
                    {"grade": None},
                    {"grade": grade},
                    grade_name=policy.grade(grade).name,
                    suggested_owner=policy.grade(grade).default_owner_role,
                ),
            )
        )

        # R7: a complaint made out of time needs a decision before anything else.
        if case.out_of_time:
            decided = ack + timedelta(days=rng.randrange(1, 10))
            if not happened(decided):
                return None
            decision = LateDecision.ACCEPTED if rng.random() < 0.7 else LateDecision.DECLINED
            reason = (
                "Good reason for the delay; a fair investigation is still possible (synthetic)."
            )
            before = {"late_decision": "", "late_decision_reason": ""}
            case.late_decision, case.late_decision_reason = decision, reason
            after = {"late_decision": decision, "late_decision_reason": reason}
            if decision == LateDecision.DECLINED:
                case.late_decision_reason = reason = "No good reason for the delay (synthetic)."
                after["late_decision_reason"] = reason
                summary = f"Declined as out of time: {reason}"
                before.update(status=Status.OPEN, outcome="", closed_at=None, outcome_summary="")
                case.status, case.outcome, case.closed_at = Status.CLOSED, Outcome.DECLINED, decided
                case.outcome_summary = summary
                after.update(
                    status=Status.CLOSED,
                    outcome=Outcome.DECLINED,
                    closed_at=decided.isoformat(),
                    outcome_summary=summary,
                )
            events.append(
                (
                    decided,
                    handler,
                    "late_complaint_decided",
                    _changed(before, after, escalation=policy.escalation.name),
                )
            )
            if decision == LateDecision.DECLINED:
                return None

        # Consent (R12): asked for on acknowledgement; usually arrives in one to four weeks.
        ready = ack  # when investigation may start
        if case.consent_state == ConsentState.NEEDED:
            case.consent_state, case.consent_requested_at = ConsentState.REQUESTED, ack
            events.append(
                (
                    ack,
                    handler,
                    "consent_requested",
                    _changed(
                        {"consent_state": ConsentState.NEEDED, "consent_requested_at": None},
                        {
                            "consent_state": ConsentState.REQUESTED,
                            "consent_requested_at": ack.isoformat(),
                        },
                    ),
                )
            )
            arrives = ack + timedelta(days=rng.randrange(3, 30), hours=rng.randrange(8))
            if rng.random() < 0.04 or not happened(arrives):
                # Still waiting (or never coming: the complainant withdraws after a while).
                give_up = ack + timedelta(days=rng.randrange(40, 70))
                if happened(give_up):
                    self._withdraw(plan, ctx, give_up)
                return None
            method = rng.choice((ConsentMethod.WRITTEN, ConsentMethod.EMAIL, ConsentMethod.VERBAL))
            case.consent_state, case.consent_received_at, case.consent_method = (
                ConsentState.RECEIVED,
                arrives,
                method,
            )
            events.append(
                (
                    arrives,
                    handler,
                    "consent_received",
                    _changed(
                        {
                            "consent_state": ConsentState.REQUESTED,
                            "consent_received_at": None,
                            "consent_method": "",
                            "representative_on_hold": False,
                        },
                        {
                            "consent_state": ConsentState.RECEIVED,
                            "consent_received_at": arrives.isoformat(),
                            "consent_method": method,
                            "representative_on_hold": False,
                        },
                    ),
                )
            )
            ready = arrives

        # R5: the complainant approves the typed summary of a verbal complaint.
        if case.summary_required:
            approved = ack + timedelta(days=rng.randrange(1, 10))
            if happened(approved):
                case.summary_approved_at = approved
                events.append(
                    (
                        approved,
                        handler,
                        "summary_approved",
                        _changed(
                            {"summary": case.summary, "summary_approved_at": None},
                            {"summary": case.summary, "summary_approved_at": approved.isoformat()},
                        ),
                    )
                )
                ready = max(ready, approved)
            elif policy.response_clock.waits_for_summary_approval:
                return None

        investigator = ctx.investigator
        case.investigator_id = investigator.id
        events.append(
            (
                ready,
                handler,
                "investigator_assigned",
                _changed({"investigator": None}, {"investigator": investigator.id}),
            )
        )

        # A GP practice agrees a response date with the complainant (R18).
        if ctx.organisation.kind == "practice" and rng.random() < 0.6:
            agreed = ack.astimezone(LOCAL).date() + timedelta(days=rng.randrange(28, 56))
            case.agreed_response_date = agreed
            events.append(
                (
                    ack,
                    handler,
                    "response_date_agreed",
                    _changed(
                        {"agreed_response_date": None},
                        {"agreed_response_date": agreed.isoformat()},
                        note="",
                    ),
                )
            )

        # R23: some cases were paused for a while on the way.
        roll = rng.random()
        if roll < 0.05:
            start = ready + timedelta(days=rng.randrange(2, 20))
            if happened(start):
                reason = _pick(rng, PAUSE_REASONS)
                # Police, coroners and courts take months; a complainant's request, weeks.
                longest = 45 if reason == PauseReason.COMPLAINANT else 240
                end = start + timedelta(days=rng.randrange(5, longest))
                events.append(
                    (
                        start,
                        handler,
                        "case_paused",
                        _changed(
                            {"paused_at": None, "status": Status.OPEN},
                            {"paused_at": start.isoformat(), "status": Status.PAUSED},
                            reason=reason,
                            detail=PAUSE_DETAILS[reason],
                        ),
                    )
                )
                if not happened(end):
                    case.status, case.paused_at = Status.PAUSED, start
                    plan.pauses.append((reason, PAUSE_DETAILS[reason], start, None))
                    return None
                plan.pauses.append((reason, PAUSE_DETAILS[reason], start, end))
                events.append(
                    (
                        end,
                        handler,
                        "case_resumed",
                        _changed(
                            {"paused_at": start.isoformat(), "status": Status.PAUSED},
                            {"paused_at": None, "status": Status.OPEN},
                            note="",
                            paused_since=start.isoformat(),
                        ),
                    )
                )
                ready = max(ready, end)
        elif roll < 0.09:
            withdrawn = ready + timedelta(days=rng.randrange(3, 40))
            if happened(withdrawn):
                self._withdraw(plan, ctx, withdrawn)
            return None

        # When is the response due? Ask the domain, then answer on time three times in four.
        due = self._response_due(plan, ctx)
        if due is None:
            return None
        offset = rng.randrange(-15, 0) if rng.random() < 0.75 else rng.randrange(1, 20)
        responded = datetime.combine(due + timedelta(days=offset), ready.timetz()) + timedelta(
            hours=rng.randrange(0, 6)
        )
        responded = max(responded, ready + timedelta(days=2))

        # An update to the complainant on a long case (R19).
        if (min(responded, now) - case.received_at).days > 35:
            updated = case.received_at + timedelta(days=rng.randrange(25, 35), hours=3)
            if happened(updated):
                case.last_update_at = updated
                events.append(
                    (
                        updated,
                        handler,
                        "complainant_updated",
                        _changed(
                            {"last_update_at": None},
                            {"last_update_at": updated.isoformat()},
                            method="letter",
                            note="Told the investigation is continuing (synthetic).",
                        ),
                    )
                )
        if not happened(responded):
            return None

        # Findings on each issue (R22), then the outcome and response.
        findings = []
        last_found = None
        for number, text in enumerate(issues_text, start=1):
            finding = _pick(rng, FINDINGS)
            found_at = responded - timedelta(hours=rng.randrange(2, 72))
            found_at = max(found_at, ready + timedelta(hours=1))
            summary = f"Finding on '{text}' after review of the records (synthetic)."
            plan.issues.append((number, 1, text, "", finding, summary, found_at))
            findings.append(finding)
            last_found = found_at if last_found is None else max(last_found, found_at)
            events.append(
                (
                    found_at,
                    investigator,
                    "finding_recorded",
                    _changed(
                        {"finding": "", "finding_summary": ""},
                        {"finding": finding, "finding_summary": summary},
                        issue=number,
                    ),
                )
            )
        # The investigator's findings come before the response.
        responded = max(responded, last_found + timedelta(minutes=30))
        self._respond(plan, ctx, overall_outcome(findings), last_found, responded)
        closed = responded + timedelta(days=rng.randrange(14, 42))
        if happened(closed):
            case.status, case.closed_at = Status.CLOSED, closed
            events.append(
                (
                    closed,
                    handler,
                    "case_closed",
                    _changed(
                        {"closed_at": None, "status": Status.RESPONDED},
                        {"closed_at": closed.isoformat(), "status": Status.CLOSED},
                        note="",
                    ),
                )
            )
        return last_found

    def _respond(
        self, plan: Plan, ctx: OrgContext, outcome: str, last_found: datetime, responded: datetime
    ) -> None:
        """The outcome and the response, with the events investigation.record_outcome and
        send_response write: where the policy signs the final response off (R26), the outcome
        is recorded after the last finding and the response is the signed letter's dispatch;
        else recording the outcome is the response. (The loader writes no letter rows.)"""
        case = plan.case
        summary = "Response sent with the findings on each issue (synthetic)."
        sent = responded.isoformat()
        chain = ctx.policy.chain_for(LetterKind.FINAL_RESPONSE, case.stage)
        case.status, case.responded_at, case.outcome, case.outcome_summary = (
            Status.RESPONDED,
            responded,
            outcome,
            summary,
        )
        if chain is None:
            plan.events.append(
                (
                    responded,
                    ctx.handler,
                    "outcome_recorded",
                    _changed(
                        {
                            "outcome": "",
                            "outcome_summary": "",
                            "responded_at": None,
                            "status": Status.OPEN,
                        },
                        {
                            "outcome": outcome,
                            "outcome_summary": summary,
                            "responded_at": sent,
                            "status": Status.RESPONDED,
                        },
                        happened_at=sent,
                    ),
                )
            )
            return
        decided = last_found + timedelta(minutes=15)
        plan.events.append(
            (
                decided,
                ctx.handler,
                "outcome_recorded",
                _changed(
                    {"outcome": "", "outcome_summary": ""},
                    {"outcome": outcome, "outcome_summary": summary},
                    happened_at=decided.isoformat(),
                    response=f"the final response signed off by '{chain.name}', when it is sent",
                ),
            )
        )
        plan.events.append(
            (
                responded,
                ctx.handler,
                "response_sent",
                _changed(
                    {"responded_at": None, "status": Status.OPEN},
                    {"responded_at": sent, "status": Status.RESPONDED},
                    happened_at=sent,
                ),
            )
        )


# --- writing ----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _sqlite_datetime(value: datetime) -> str:
    # As Django's SQLite backend stores it: naive UTC, in str() form (which is isoformat
    # with a space, so the aware form without its "+00:00"). Cached: a case's moments recur
    # in its row, its events and their content; the text depends only on the instant (equal
    # aware datetimes are the same instant), so a cached answer is always the right one.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ")[:-6]


class TableWriter:
    """Writes rows (tuples in the order of `columns`) to one model's table with one statement
    per batch: `executemany` on SQLite, `COPY` on PostgreSQL. Columns not named take the
    field's default. `prepare` turns Python values into what the database stores; it runs in
    the planning processes so that the writing process has less to do."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        self.table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no field {sorted(unknown)}")
        rest = [
            f for f in model._meta.concrete_fields if f.attname not in columns and not f.primary_key
        ]
        for f in rest:
            if f.get_default() is None and not f.null:
                raise ValueError(f"{model.__name__}.{f.attname} needs a value")
        self.extra = tuple(f.get_default() for f in rest)
        chosen = [fields[c] for c in columns] + rest
        self.columns = [f.column for f in chosen]
        self.vendor = connection.vendor
        self.convert = []
        for i, f in enumerate(chosen):
            kind = f.get_internal_type()
            # Dates and times as the text the database reads (plain values travel between
            # processes more cheaply: see plan_batch_marshalled).
            if kind == "DateTimeField":
                self.convert.append((i, _sqlite_datetime if self.vendor == "sqlite" else _iso))
            elif kind == "DateField":
                self.convert.append((i, str))
            elif f.choices and isinstance(f.get_default(), str):
                # Enum members as plain strings: cheaper to send between processes (an
                # unpickled member is looked up by value) and to bind.
                self.convert.append((i, str.__str__))
        self.count = 0

    def prepare_row(self, values: list) -> list:
        """One row (a list, changed in place) with the defaults added and values converted."""
        values += self.extra
        for i, to_db in self.convert:
            if values[i] is not None:
                values[i] = to_db(values[i])
        return values

    def prepare(self, rows: list[tuple]) -> list[tuple]:
        extra, convert = self.extra, self.convert
        if not convert:
            return [[*row, *extra] for row in rows]
        prepared = []
        for row in rows:
            values = [*row, *extra]
            for i, to_db in convert:
                if values[i] is not None:
                    values[i] = to_db(values[i])
            prepared.append(values)
        return prepared

    def write(self, rows: list) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in self.columns)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(self.table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({names}) VALUES ({marks})", rows
                )
        self.count += len(rows)


def reserve_ids(model, how_many: int) -> list[int] | range:
    """Primary keys for rows written with explicit ids. Call inside the batch's transaction:
    on SQLite it holds the write lock; on PostgreSQL the sequence hands out unique values."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, how_many],
            )
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        highest = max(highest, row[0] if row else 0)
        return range(highest + 1, highest + 1 + how_many)


def take_numbers(organisation_id: int, year: int, how_many: int) -> int:
    """Take a block of `how_many` reference numbers, as intake.next_reference takes one, so
    that a case recorded afterwards continues the numbering. Returns the block's first."""
    for _ in range(3):
        rows = CaseSequence.objects.filter(organisation_id=organisation_id, year=year)
        if rows.update(last_number=F("last_number") + how_many):
            break
        try:
            with transaction.atomic():
                CaseSequence.objects.create(
                    organisation_id=organisation_id, year=year, last_number=how_many
                )
            break
        except IntegrityError:
            continue  # created by someone else meanwhile; take the block from theirs
    last = CaseSequence.objects.get(organisation_id=organisation_id, year=year).last_number
    return last - how_many + 1


def _locked_head() -> AuditChainHead:
    # As audit.chain.record does: the head row stays locked until the batch commits, so a
    # domain function recording an event meanwhile waits and then continues the chain.
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


PERSON_COLUMNS = [
    "id",
    "organisation_id",
    "title",
    "first_name",
    "last_name",
    "address",
    "postcode",
    "telephone",
    "mobile",
    "email",
    "date_of_birth",
    "nhs_number",
    "deceased",
    "preferred_channel",
    "language",
    "interpreter_needed",
    "accessible_format",
    "times_to_avoid",
]
ISSUE_COLUMNS = [
    "case_id",
    "number",
    "stage",
    "description",
    "desired_outcome",
    "finding",
    "finding_summary",
    "found_at",
]
RESPONSE_COLUMNS = [
    "case_id",
    "organisation_id",
    "stage",
    "kind",
    "started_at",
    "responded_at",
    "outcome",
    "summary",
    "response_due",
    "met",
    "agreed_response_date",
    "extensions",
    "reopened_at",
]
AUDIT_COLUMNS = list(FIELDS)  # sequence, at, actor_id, actor_label, ..., prev_hash, hash
_ID, _REFERENCE = _CASE_INDEX["id"], _CASE_INDEX["reference"]


class Tables:
    """The writers of every table the demo fills."""

    def __init__(self):
        self.cases = TableWriter(Case, CASE_FIELDS)
        self.people = TableWriter(Person, PERSON_COLUMNS)
        self.parties = TableWriter(CaseParty, ["case_id", "person_id", "role", "relationship"])
        self.issues = TableWriter(Issue, ISSUE_COLUMNS)
        self.pauses = TableWriter(Pause, ["case_id", "reason", "detail", "started_at", "ended_at"])
        self.responses = TableWriter(StageResponse, RESPONSE_COLUMNS)
        self.events = TableWriter(AuditEvent, AUDIT_COLUMNS)

    def counts(self) -> dict[str, int]:
        return {
            "cases": self.cases.count,
            "people": self.people.count,
            "parties": self.parties.count,
            "issues": self.issues.count,
            "pauses": self.pauses.count,
            "stage responses": self.responses.count,
            "audit events": self.events.count,
        }


# A planned case travels from a planning process to the writer as one plain tuple (cheap to
# pickle): (case row without id and reference, organisation id, organisation code, local
# year of receipt, people, parties, issues, pauses, responses, events), where
# - people are prepared Person rows whose first value (the id) is still to give,
# - parties are (index into people, role, relationship),
# - issues, pauses and stage responses are prepared rows whose first value (the case id) is
#   still to give,
# - events are (at as stored, actor id, actor label, event, content before the case id,
#   content between the case id and the sequence, data as stored JSON): see
#   `audit.chain.content_parts`. The first event, case_recorded, holds REFERENCE_MARK where
#   its reference goes.
PlannedCase = tuple
REFERENCE_MARK = "\x00reference\x00"
_REFERENCE_MARK_JSON = canonical_json(REFERENCE_MARK)


def write_batch(tables: Tables, batch: list[PlannedCase]) -> None:
    """Write one batch in one transaction: references, ids, rows, the audit chain's links."""
    with transaction.atomic():
        _write_batch(tables, batch)


def _write_batch(tables: Tables, batch: list[PlannedCase]) -> None:
    # Reference numbers: one block per organisation and year, in the batch's order.
    wanted = Counter((planned[1], planned[3]) for planned in batch)
    numbers = {key: take_numbers(*key, how_many) for key, how_many in wanted.items()}

    case_ids = iter(reserve_ids(Case, len(batch)))
    person_ids = iter(reserve_ids(Person, sum(len(planned[4]) for planned in batch)))
    cases, people, parties, issues, pauses, answers, events = [], [], [], [], [], [], []
    party_extra = tables.parties.extra
    head = _locked_head()
    sequence, prev = head.sequence, head.hash
    link = linker()
    mark = _REFERENCE_MARK_JSON
    for (
        row,
        org_id,
        code,
        year,
        persons,
        roles,
        case_issues,
        case_pauses,
        case_responses,
        planned,
    ) in batch:
        number = numbers[org_id, year]
        numbers[org_id, year] = number + 1
        reference = f"{code}-{year}-{number:05d}"
        case_id = next(case_ids)
        row[_ID], row[_REFERENCE] = case_id, reference
        cases.append(row)
        ids = []
        for person in persons:
            person[0] = person_id = next(person_ids)
            ids.append(person_id)
            people.append(person)
        for i, role, relationship in roles:
            parties.append((case_id, ids[i], role, relationship, *party_extra))
        for issue in case_issues:
            issue[0] = case_id
            issues.append(issue)
        for pause in case_pauses:
            pause[0] = case_id
            pauses.append(pause)
        for answer in case_responses:
            answer[0] = case_id
            answers.append(answer)
        case_text = str(case_id)
        reference_json = f'"{reference}"'
        for n, (at, actor_id, label, event, before, after, data_json) in enumerate(planned):
            if not n:  # case_recorded: its reference is known now
                after = after.replace(mark, reference_json)
                data_json = data_json.replace(mark, reference_json)
            sequence += 1
            digest = link(prev + before + case_text + after + str(sequence) + "}")
            events.append(
                (sequence, at, actor_id, label, org_id, case_id, event, data_json, prev, digest)
            )
            prev = digest

    tables.people.write(people)
    tables.cases.write(cases)
    tables.parties.write(parties)
    tables.issues.write(issues)
    tables.pauses.write(pauses)
    tables.responses.write(answers)
    tables.events.write(events)
    AuditChainHead.objects.filter(pk=1).update(sequence=sequence, hash=prev)
    checkpoints.after_commit()


# --- planning batches (in this process or in worker processes) --------------------------------


@dataclass
class LoadPlan:
    """Everything a planning process needs, fixed before the first batch."""

    total: int
    batch_size: int
    seed: int
    now: datetime
    start: datetime
    end: datetime
    contexts: list[OrgContext]
    nhs_numbers: list[str]


_LOAD: LoadPlan | None = None  # set before worker processes fork; read by plan_batch
_TABLES: Tables | None = None


def plan_batch(index: int) -> list[PlannedCase]:
    """Plan batch `index`. Each batch has its own random stream, so the data do not depend
    on how many processes plan them."""
    load, tables = _LOAD, _TABLES
    first = index * load.batch_size
    last = min(load.total, first + load.batch_size)
    rng = random.Random(f"{load.seed}/{index}")
    stored_at = _sqlite_datetime if tables.cases.vendor == "sqlite" else _iso
    planner = Planner(rng, load.contexts, load.now, load.nhs_numbers)
    prepare_case, prepare_person = tables.cases.prepare_row, tables.people.prepare_row
    prepare_issue, prepare_pause = tables.issues.prepare_row, tables.pauses.prepare_row
    prepare_response = tables.responses.prepare_row
    case_values = itemgetter(*CASE_FIELDS)
    batch = []
    for i, received_at in enumerate(receipt_times(rng, load, first, last), start=first):
        plan = planner.plan(i, received_at)
        case = plan.case
        org_id = case.organisation_id
        values = case.__dict__
        events = []
        for n, (at, user, event, data) in enumerate(plan.events):
            if not n:
                data["reference"] = REFERENCE_MARK  # case_recorded; given when written
            data_json = canonical_json(data)
            actor_id, label = user.id, user.username
            at = to_the_millisecond(at)  # already is (run_demo, receipt_times): a check
            before, after = content_parts(
                at=at,
                actor_id=actor_id,
                actor_label=label,
                organisation_id=org_id,
                event=event,
                data_json=data_json,
            )
            events.append((stored_at(at), actor_id, label, event, before, after, data_json))
        batch.append(
            (
                prepare_case(list(case_values(values))),
                org_id,
                plan.code,
                received_at.astimezone(LOCAL).year,
                [prepare_person([0, org_id, *p]) for p in plan.people],
                [(i, str.__str__(role), str.__str__(rel)) for i, role, rel in plan.parties],
                [prepare_issue([0, *issue]) for issue in plan.issues],
                [prepare_pause([0, *pause]) for pause in plan.pauses],
                [prepare_response([0, *answer]) for answer in plan.responses],
                events,
            )
        )
    return batch


def _iso(value: datetime) -> str:
    # The text depends on the zone as well as the instant: only UTC datetimes (all the
    # planner makes) share the cache.
    return _utc_isoformat(value) if value.tzinfo is UTC else value.isoformat()


@lru_cache(maxsize=4096)
def _utc_isoformat(value: datetime) -> str:
    return value.isoformat()


def plan_batch_marshalled(index: int) -> bytes:
    """`plan_batch` for a planning process: the batch is only plain values (strings,
    numbers, None, lists, tuples), which `marshal` encodes and decodes faster than pickle."""
    with gc_paused():
        return marshal.dumps(plan_batch(index))


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector off while a batch is planned or written. A batch is
    hundreds of thousands of lists, tuples and dicts that stay alive until it is written, so
    the collector would scan it again and again for cycles it does not hold (~15% of the
    planning time); its memory is freed as usual, by reference counting, when the batch is
    dropped. Anything cyclic made meanwhile is collected once the collector is back on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def receipt_times(rng: random.Random, load: LoadPlan, first: int, last: int) -> list[datetime]:
    """Receipt times of cases first..last-1, spread evenly over the period in order, most in
    office hours, so references rise with receipt."""
    span = (load.end - load.start).total_seconds()
    lo = load.start + timedelta(seconds=span * first / load.total)
    width = span * (last - first) / load.total
    times = []
    for _ in range(last - first):
        at = lo + timedelta(seconds=rng.random() * width)
        if rng.random() < 0.8:
            at = at.astimezone(LOCAL).replace(hour=rng.randrange(8, 18), minute=rng.randrange(60))
        times.append(min(to_the_millisecond(at.astimezone(UTC)), load.end))
    times.sort()
    return times


# --- the load ---------------------------------------------------------------------------------


@dataclass
class LoadResult:
    cases: int
    seconds: float
    rows: dict[str, int]
    workers: int

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


def org_contexts(
    organisations: dict[str, Organisation], first: date, last: date
) -> list[OrgContext]:
    """Policy, precomputed calendar and acting users of each organisation, read once."""
    users = list(
        get_user_model()
        .objects.filter(username__in=[s.username for s in LOGINS])
        .prefetch_related("memberships__organisation")
    )
    order = {s.username: i for i, s in enumerate(LOGINS)}
    users.sort(key=lambda u: order[u.username])
    contexts = []
    calendars: dict[tuple, PrecomputedCalendar] = {}
    for org in organisations.values():
        base = org.working_calendar()
        key = (base.nation, base.closures)
        if key not in calendars:
            calendars[key] = PrecomputedCalendar(base, first, last)

        def nearest(capability, org=org):
            # The able user whose organisation is nearest above (or at) this one.
            able = [u for u in users if can(u, capability, org.pk)]
            if not able:
                raise ValueError(f"No demo user may {capability.label.lower()} at {org.name}")
            return max(
                able,
                key=lambda u: max(
                    len(m.organisation.path)
                    for m in u.memberships.all()
                    if org.path.startswith(m.organisation.path)
                ),
            )

        contexts.append(
            OrgContext(
                organisation=org,
                policy=org.policy,
                calendar=calendars[key],
                handler=nearest(Capability.HANDLE_CASES),
                investigator=nearest(Capability.INVESTIGATE),
            )
        )
    return contexts


def default_workers() -> int:
    """Planning processes beside the writing one: as many as there are processors, since the
    writer mostly waits for the database."""
    return max(1, min(4, os.cpu_count() or 1))


def load_cases(
    how_many: int,
    *,
    seed: int = 1,
    now: datetime | None = None,
    months: int = 18,
    batch_size: int = 5000,
    workers: int = 0,
    progress: Callable[[int, int, float], None] | None = None,
    defer_indexes: bool | None = None,
) -> LoadResult:
    """Load `how_many` synthetic cases received over the last `months` months into the demo
    organisations (and their logins, which must exist: see `ensure_logins`).

    With `workers`, that many forked processes plan the batches while this one writes them;
    0 plans here (tests: a forked process must not share a test's transaction).

    `defer_indexes` builds the tables' secondary indexes, full-text indexes and (PostgreSQL)
    foreign keys once after the load instead of row by row (`candour.bulkload`); by default
    it does so for a load of 20,000 cases or more that is larger than the cases already held.
    The time reported includes building them."""
    global _LOAD, _TABLES
    # To the millisecond, as audit events are stored and hashed: every planned moment is this,
    # or a receipt time (also cut), moved by whole seconds or more, so events need no cutting.
    now = to_the_millisecond((now or timezone.now()).astimezone(UTC))
    start = now - timedelta(days=round(months * 30.44))
    organisations = ensure_organisations()
    contexts = org_contexts(
        organisations, start.date() - timedelta(days=800), now.date() + timedelta(days=800)
    )
    _LOAD = LoadPlan(
        total=how_many,
        batch_size=batch_size,
        seed=seed,
        now=now,
        start=start,
        end=now - timedelta(minutes=5),
        contexts=contexts,
        nhs_numbers=test_nhs_numbers(random.Random(seed), 2000),
    )
    _TABLES = tables = Tables()
    batches = range((how_many + batch_size - 1) // batch_size)
    began = time.perf_counter()
    done = 0

    def wrote(batch: list[PlannedCase]) -> None:
        nonlocal done
        write_batch(tables, batch)
        done += len(batch)
        if progress:
            progress(done, how_many, done / (time.perf_counter() - began))

    if defer_indexes is None:
        defer_indexes = how_many >= 20_000 and how_many > Case.objects.count()
    with bulk_settings(), _maybe_deferred(defer_indexes):
        if workers and len(batches) > 1:
            # Fork after everything is read: the children never touch the database.
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                pending: deque = deque()
                for index in batches:
                    pending.append(pool.apply_async(plan_batch_marshalled, (index,)))
                    if len(pending) > workers + 1:  # bounded: never a million cases in memory
                        with gc_paused():
                            wrote(marshal.loads(pending.popleft().get()))
                while pending:
                    with gc_paused():
                        wrote(marshal.loads(pending.popleft().get()))
        else:
            for index in batches:
                with gc_paused():
                    wrote(plan_batch(index))
    analyse()
    return LoadResult(
        cases=how_many,
        seconds=time.perf_counter() - began,
        rows=tables.counts(),
        workers=workers,
    )


LOADED_MODELS = (Case, Person, CaseParty, Issue, Pause, StageResponse, AuditEvent)


@contextmanager
def _maybe_deferred(defer: bool):
    if not defer:
        yield
        return
    with deferred_indexes(LOADED_MODELS):
        yield


@contextmanager
def bulk_settings():
    """SQLite settings of this connection for the length of a load, put back afterwards:
    a larger page cache (the tables' ten-odd B-trees are updated at random places), and
    checkpoints of the write-ahead log every 20,000 pages rather than 1,000, so that a page
    written by several batches is copied into the database once. Both are settings of this
    connection only; what is written, and when it is durable, is the same."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -400000")  # KiB
        cursor.execute("PRAGMA wal_autocheckpoint = 20000")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache)}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")


def analyse() -> None:
    """Refresh the query planner's statistics after a bulk load (SQLite keeps none unless
    asked; PostgreSQL's autovacuum would get there, later, and set the visibility maps its
    index-only scans need: candour.config.statistics.refresh).

    SQLite reads every row (analysis_limit 0; 9 s at 1,000,000 cases): with a limit of 1,000
    rows an index's statistics said about 1,000 cases per organisation, not 90,000, and the
    planner sorted an organisation's cases rather than walk the index in the page's order
    (a national user's worklist took 1 s instead of 0.05 s; docs/performance.md)."""
    tables = [m._meta.db_table for m in LOADED_MODELS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            refresh(cursor, tables)
        else:
            cursor.execute("PRAGMA analysis_limit = 0")
            cursor.execute("ANALYZE")


@dataclass
class DemoResult:
    loaded: LoadResult | None
    skipped: bool


def run_demo(
    cases: int = 3000,
    *,
    if_empty: bool = False,
    seed: int = 1,
    batch_size: int = 5000,
    workers: int = 0,
    progress: Callable[[int, int, float], None] | None = None,
    extras: bool = True,
) -> DemoResult:
    """`candour demo`: organisations, logins and `cases` synthetic cases. With `if_empty`,
    nothing happens when the database already holds cases."""
    if if_empty and Case.objects.exists():
        return DemoResult(loaded=None, skipped=True)
    organisations = ensure_organisations()
    ensure_logins(organisations)
    loaded = None
    if cases > 0:
        loaded = load_cases(
            cases, seed=seed, batch_size=batch_size, workers=workers, progress=progress
        )
    if extras and cases > 0:
        # Letters, action plans, lessons, referrals and KO41 coding on a sample of the cases,
        # through the domain functions (`candour demo --no-extras` leaves them out).
        from candour import demo_extras  # it imports this module

        print(demo_extras.enrich(organisations, seed=seed).summary())
    return DemoResult(loaded=loaded, skipped=False)
