"""The case list: filters, search and keyset pagination over `cases_for(user)`.

Built for a million cases: each page is found by walking an index from a cursor (never
OFFSET), the default order ("response_due", "id") with no date last matches the
(organisation, response_due, id) and (response_due, id) indexes, and the total is counted
only when asked. A page costs the same number of queries whatever its size: the cases with
their organisation and handler, then their parties with their people.

Search reads identities, so a confidential case is found by name, NHS number or postcode
only by staff who may see its complainant (R8); otherwise a search would reveal who
complained.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils import timezone

from candour import text
from candour.cases import fulltext
from candour.cases.access import cases_for, cases_in
from candour.cases.intake import InvalidCase
from candour.cases.models import (
    INFORMATION_AWAITED,
    OPEN_STATUSES,
    Case,
    CaseParty,
    CaseSequence,
    ConsentState,
    OmbudsmanReferral,
    Person,
    Status,
)
from candour.cases.people import normalise_nhs_number
from candour.cases.workflow import RESPONDING_KINDS
from candour.organisations.access import organisation_ids_for
from candour.organisations.models import Capability, Membership, Organisation, calendars_for

SORTS = {
    # sort name: (field, descending)
    "response_due": ("response_due", False),
    "next_due": ("next_due", False),
    "received_at": ("received_at", False),
    "-received_at": ("received_at", True),
    "reference": ("reference", False),
}


# Sorts on a date that may be empty: undated cases come last, walked by id (see _walks).
UNDATED_LAST_SORTS = {"response_due", "next_due"}


class Queue(StrEnum):
    """The worklist's queues (issue 3): which cases a handler is looking at.

    AWAITING_SIGN_OFF: the open cases with a letter in its sign-off chain (issue 4), across
    the organisations the user sees. AWAITING_MY_SIGN_OFF: those whose letter is at a step
    the user may act at, holding one of its roles at the case's organisation or above
    (a chain's roles are in each letter's copy of the chain, which SQL cannot read cheaply
    on both databases, so the letters in sign-off are read and their steps checked here; a
    few hundred at most). At a joint step it stays in the queue of a role that has approved
    until the others have; the letter page says who it is waiting for.

    OMBUDSMAN_INFORMATION: the cases, open or not, whose Ombudsman or ADR referral has an
    information request still to answer (R30; OmbudsmanReferral.information_awaited).
    """

    OPEN = "open"
    MINE = "mine"
    TEAM = "team"
    UNASSIGNED = "unassigned"
    AWAITING_ACKNOWLEDGEMENT = "awaiting_acknowledgement"
    AWAITING_CONSENT = "awaiting_consent"
    AWAITING_SIGN_OFF = "awaiting_sign_off"
    AWAITING_MY_SIGN_OFF = "awaiting_my_sign_off"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    OMBUDSMAN_INFORMATION = "ombudsman_information"
    CLOSED = "closed"
    ALL = "all"


QUEUE_LABELS = {
    Queue.OPEN: "Open",
    Queue.MINE: "Mine",
    Queue.TEAM: "My team's",
    Queue.UNASSIGNED: "Not assigned",
    Queue.AWAITING_ACKNOWLEDGEMENT: "Awaiting acknowledgement",
    Queue.AWAITING_CONSENT: "Awaiting consent",
    Queue.AWAITING_SIGN_OFF: "Awaiting sign-off",
    Queue.AWAITING_MY_SIGN_OFF: "Awaiting my sign-off",
    Queue.DUE_SOON: "Due soon",
    Queue.OVERDUE: "Overdue",
    Queue.OMBUDSMAN_INFORMATION: "Information due to the escalation body",
    Queue.CLOSED: "Closed",
    Queue.ALL: "All",
}


def queue_labels(organisations) -> dict[Queue, str]:
    """QUEUE_LABELS, the escalation body's queue named as the policies of `organisations`
    (the user's, or the one chosen) name their escalation body, as the reports name it
    (Policy.escalation_named): "Information due to the Parliamentary and Health Service
    Ombudsman", or "… to an approved Alternative Dispute Resolution provider" for the
    private clinic (seed 004), never "Ombudsman" where the body is not one."""
    names = list(dict.fromkeys(o.policy.escalation_named for o in organisations))
    if not names:
        return dict(QUEUE_LABELS)
    return QUEUE_LABELS | {Queue.OMBUDSMAN_INFORMATION: f"Information due to {' or '.join(names)}"}


FINISHED_STATUSES = (Status.RESPONDED, Status.CLOSED, Status.WITHDRAWN)
# The queues that are not kept to the open cases.
NOT_OPEN_QUEUES = frozenset({Queue.OMBUDSMAN_INFORMATION, Queue.CLOSED, Queue.ALL})
# How far ahead "due soon" looks unless the caller says.
DUE_SOON_WORKING_DAYS = 5


class _InLiterals(Func):
    """`field IN ('a', 'b')` with the values written into the SQL, not bound as parameters:
    SQLite uses a partial index only when the query's condition matches the index's as
    written, and a bound parameter never does. For our own constants only."""

    output_field = BooleanField()

    def __init__(self, field: str, values):
        super().__init__(F(field))
        self.values = tuple(str(v) for v in values)

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        literals = ", ".join("'" + v.replace("'", "''") + "'" for v in self.values)
        return f"{column} IN ({literals})", params


def is_open() -> Q:
    """The case is still being worked: matches the open cases' partial indexes."""
    return Q(_InLiterals("status", OPEN_STATUSES))


def in_sign_off() -> QuerySet:
    """Letters in their sign-off chain. The letters app is above cases (it imports cases), so
    its model is reached through the case's reverse relation rather than imported."""
    letter = Case._meta.get_field("letters").related_model
    # Written into the SQL, as the partial index letter_in_sign_off's condition is.
    return letter.objects.filter(_InLiterals("status", letter.SIGN_OFF_STATUSES))


def awaiting_sign_off_by(user, organisation_ids) -> list[int]:
    """Ids of the open cases of `organisation_ids` with a letter at a sign-off step the user
    may act at: they hold one of the step's roles at the case's organisation or above it
    (as candour.letters.signoff.roles_held, for many letters in two queries)."""
    held: dict[int, set[str]] = {}
    for organisation_id, role in Membership.objects.filter(user=user).values_list(
        "organisation_id", "role__name"
    ):
        held.setdefault(organisation_id, set()).add(role)
    if not held:
        return []
    letters = (
        in_sign_off()
        .filter(case__organisation_id__in=organisation_ids, case__status__in=OPEN_STATUSES)
        .values_list("case_id", "step", "chain", "case__organisation__path")
    )
    found = []
    for case_id, step, chain, path in letters:
        roles = next((set(s["roles"]) for s in chain.get("steps", ()) if s["key"] == step), set())
        lineage = (int(i) for i in path.strip("/").split("/") if i)
        if any(held.get(pk, set()) & roles for pk in lineage):
            found.append(case_id)
    return found


def awaiting_ombudsman_information(organisation_ids) -> list[int]:
    """Ids of the cases of `organisation_ids` with an Ombudsman information request still to
    answer: a few, read from the referrals (a small table) rather than from the cases."""
    return sorted(
        set(
            OmbudsmanReferral.objects.filter(
                INFORMATION_AWAITED, case__organisation_id__in=organisation_ids
            ).values_list("case_id", flat=True)
        )
    )


@dataclass(frozen=True)
class Scope:
    """What a worklist is looking at: the user's organisations (narrowed to one organisation,
    or one and those below it), and the queue with its filters. `where()` turns it into a
    condition on cases; it never widens what cases_for(user) allows."""

    user: object
    queue: Queue | None = None
    status: str | None = None
    kind: str | None = None
    stage: int | None = None
    grade: int | None = None
    service: str | None = None
    due_within: int = DUE_SOON_WORKING_DAYS
    today: date | None = None

    def queue_condition(self, queue: Queue, organisation_ids, *, among_open=False) -> Q:
        """The cases of `queue`. Every queue but "closed" and "all" says the case is open, so
        a page reads the open cases' indexes; `among_open` leaves that out for a query that
        already keeps to the open cases (each condition is evaluated on every open case, and
        the open statuses once more each time: queue_counts 44 against 25 ms, national user,
        1,000,000 cases, SQLite)."""
        today = self.today or timezone.localdate()
        open_ = Q() if among_open else is_open()
        match queue:
            case Queue.OPEN:
                return open_
            case Queue.MINE:
                return open_ & (Q(handler=self.user) | Q(investigator=self.user))
            case Queue.TEAM:
                team = Membership.objects.filter(
                    organisation__in=Membership.objects.filter(user=self.user).values(
                        "organisation"
                    )
                ).values("user")
                return open_ & (Q(handler__in=team) | Q(investigator__in=team))
            case Queue.UNASSIGNED:
                return open_ & Q(handler__isnull=True, investigator__isnull=True)
            case Queue.AWAITING_ACKNOWLEDGEMENT:
                # `open_` as well, though implied, so the open cases' index is used.
                return open_ & Q(status=Status.RECEIVED, kind__in=RESPONDING_KINDS)
            case Queue.AWAITING_CONSENT:
                return open_ & Q(consent_state__in=(ConsentState.NEEDED, ConsentState.REQUESTED))
            case Queue.AWAITING_SIGN_OFF:
                return open_ & Q(pk__in=in_sign_off().values("case_id"))
            case Queue.AWAITING_MY_SIGN_OFF:
                return open_ & Q(pk__in=awaiting_sign_off_by(self.user, organisation_ids))
            case Queue.DUE_SOON:
                return open_ & Q(next_due__gte=today) & self._due_by(organisation_ids, today)
            case Queue.OVERDUE:
                return open_ & Q(next_due__lt=today)
            case Queue.OMBUDSMAN_INFORMATION:
                return Q(pk__in=awaiting_ombudsman_information(organisation_ids))
            case Queue.CLOSED:
                return Q(status__in=FINISHED_STATUSES)
        return Q()

    def _due_by(self, organisation_ids, today: date) -> Q:
        """Due within `due_within` working days of each organisation's own calendar (its
        nation's bank holidays and its closures): one condition per distinct last day."""
        by_day: dict[date, list[int]] = {}
        for pk, calendar in calendars_for(organisation_ids).items():
            by_day.setdefault(calendar.add_working_days(today, self.due_within), []).append(pk)
        condition = Q(pk__in=[])
        for day, pks in by_day.items():
            condition |= Q(organisation_id__in=pks, next_due__lte=day)
        return condition

    def where(self, organisation_ids) -> Q:
        # A chosen open status says the case is open already. On PostgreSQL the open
        # statuses are then left out: the planner multiplies the two conditions on status into
        # an estimate of a few cases, and sorts every one instead of walking the index in the
        # page's order (national user, open complaints with status open: 24 against 3 ms for
        # the page's query). It still reads the open cases' indexes, as status = 'open'
        # implies their condition. SQLite uses a partial index only when the query repeats
        # its condition, so keeps it.
        among_open = self.status in OPEN_STATUSES and connection.vendor == "postgresql"
        condition = (
            self.queue_condition(self.queue, organisation_ids, among_open=among_open)
            if self.queue
            else Q()
        )
        for field in ("status", "kind", "stage", "grade"):
            value = getattr(self, field)
            if value not in (None, ""):
                condition &= Q(**{field: value})
        if self.service:
            condition &= Q(service__iexact=self.service.strip())
        return condition


@dataclass
class Page:
    cases: list
    next_cursor: str | None
    count: int | None


# Search finds the matching case ids first, from an index, when there are at most this many
# (a list the page then orders); past it the term is common and each case walked in the
# page's order is checked instead, which finds a page after a few hundred rows. Listing costs
# about as many index reads as the ids it lists, walking about a page's worth of matches
# divided by how common the term is: at 1,000,000 cases a surname on 2,554 cases took 85-100
# ms walked and 27 ms listed, and the commonest (18,000 cases) 24 ms walked, 52 ms after
# trying to list 5,000 of them (docs/performance.md, "Worklist and search").
SEARCH_LIST_LIMIT = 5000

MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        date(2000, number, 1).strftime("%B").lower(),
        date(2000, number, 1).strftime("%b").lower(),
    )
}
MONTHS["sept"] = 9
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDED_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)? ([a-z]+),? (\d{2,4})$")
_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})$")
_OUTWARD_CODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")
_REFERENCE = re.compile(r"^[A-Z0-9]+-\d")


def parse_date_of_birth(text: str) -> date | None:
    """A date written as 12/03/1980, 12-03-1980, 12.03.1980, 12 March 1980, 12 Mar 1980 or
    1980-03-12; None if `text` does not look like a date; InvalidCase if it looks like one
    but is not a real date (say 31/02/1980) or its year is not written in full."""
    text = text.strip().lower()
    if match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _NUMERIC_DATE.match(text):
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) != 4:
            raise InvalidCase("q", "give the year of birth in full, like 12/03/1980")
    elif (match := _WORDED_DATE.match(text)) and match.group(2) in MONTHS:
        day, month, year = int(match.group(1)), MONTHS[match.group(2)], int(match.group(3))
        if len(match.group(3)) != 4:
            raise InvalidCase("q", "give the year of birth in full, like 12 March 1980")
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidCase(
            "q", f"'{text}' is not a real date; write a date of birth like 12/03/1980"
        ) from None


def _prefix(field: str, text: str) -> Q:
    """`field` starts with `text` (lower case already), as a range an index can walk."""
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    return Q(**{f"{field}__gte": text, f"{field}__lt": upper, f"{field}__startswith": text})


def _cases_of(people: Q) -> tuple[QuerySet, QuerySet]:
    parties = CaseParty.objects.alias(
        first_lower=Lower("person__first_name"), last_lower=Lower("person__last_name")
    ).filter(people)
    return parties.values_list("case_id", flat=True), parties


def _each_case(parties: QuerySet) -> Q:
    """The case has one of `parties` (a condition on the person only), checked on each case
    walked. On PostgreSQL it is written out so that its plan cannot depend on an estimate of
    how many people match: the case's own parties, each person then read by key and checked
    (OFFSET 0 keeps the planner from turning it into a join). Left to the planner, it joined
    every matching person to their cases first, or searched the matching people afresh for
    each case walked, as its estimate favoured, and estimates of a name's prefix are poor:
    191 people for "Example" (in fact 17,151; 0.29 s to join them all) and 1 for "Mockwell"
    (in fact 2,044; the search for each case made one page take 150 s)."""
    if connection.vendor != "postgresql":
        return Q(Exists(parties.filter(case_id=OuterRef("pk"))))
    query = parties.query
    where, params = query.get_compiler(connection=connection).compile(query.where)
    quote = connection.ops.quote_name
    person, party = quote(Person._meta.db_table), quote(CaseParty._meta.db_table)
    sql = (
        f"EXISTS (SELECT 1 FROM {party} p WHERE p.case_id = {quote(Case._meta.db_table)}.id "
        f"AND (SELECT true FROM {person} WHERE {person}.id = p.person_id AND {where}) "
        f"OFFSET 0)"
    )
    return Q(RawSQL(sql, params, output_field=BooleanField()))


@dataclass
class Matching:
    """A search as a condition on cases, and how it matches: `listed` ids found up front,
    `row_by_row` if some part is checked on each case walked (a common term)."""

    condition: Q
    listed: int = 0
    row_by_row: bool = False

    def either(self, ids, correlated) -> Q:
        """`pk IN (the ids)` when there are few enough to list; otherwise the row-by-row
        check (`ids` a query of case ids or a list of at most SEARCH_LIST_LIMIT + 1)."""
        ids = list(ids[: SEARCH_LIST_LIMIT + 1])
        if len(ids) <= SEARCH_LIST_LIMIT:
            self.listed += len(ids)
            return Q(pk__in=ids)
        return self.checked(correlated)

    def checked(self, correlated) -> Q:
        """The row-by-row check, without trying to list the ids first."""
        self.row_by_row = True
        return Q(correlated)


def search_condition(user, q: str) -> Q:
    return search_matching(user, q).condition


def search_matching(user, q: str) -> Matching:
    """What a search box query means, as a condition on the user's cases (docs/adr/0006):

    - ten digits (spaces allowed): an NHS number;
    - a date (12/03/1980, 12 March 1980, 1980-03-12): a date of birth;
    - a full postcode (WS1 1AA, WS11AA) or an outward code (WS1): a postcode;
    - a reference or the start of one (WAL-2026-00001, WAL-2026);
    - anything else: every word starts a first or last name of someone on the case, or
      every word is in the complaint's text (description, typed summary, desired outcome,
      issues), or the whole starts a reference.

    A person found by who they are is found only on cases whose identities the user may see
    (R8), and so is the complaint's text, which may name them. A reference is not an
    identity: it is found wherever the user may see the case.
    """
    q = " ".join(q.split())
    matching = Matching(Q())
    matching.condition = _search(user, q, matching)
    return matching


def _search(user, q: str, matching: Matching) -> Q:
    upper = q.upper()
    may_see = Q(confidential=False) | Q(
        organisation_id__in=organisation_ids_for(user, Capability.VIEW_CONFIDENTIAL)
    )

    def people(condition: Q) -> Q:
        ids, parties = _cases_of(condition)
        return matching.either(ids, _each_case(parties)) & may_see

    def by_reference() -> Q:
        starts = _prefix("reference", upper)
        return matching.either(Case.objects.filter(starts).values_list("pk", flat=True), starts)

    digits = normalise_nhs_number(q)
    if len(digits) == 10 and digits.isdigit():
        return people(Q(person__nhs_number=digits))
    born = parse_date_of_birth(q)
    if born is not None:
        return people(Q(person__date_of_birth=born))
    if match := _POSTCODE.match(upper):
        return people(Q(person__postcode=f"{match.group(1)} {match.group(2)}"))
    if _OUTWARD_CODE.match(upper):
        return people(_prefix("person__postcode", upper + " ")) | by_reference()
    if _REFERENCE.match(upper):
        return by_reference()

    found = by_reference()
    names = Q()
    # The longest word first: SQLite walks the name indexes for the first word's condition
    # and checks the others on each person it finds, and a longer prefix finds fewer ("Mo
    # Ersatzcroft" read every "Mo…" and "Mock…" name first: 0.5 s against 0.03 s).
    for word in sorted(q.lower().split(), key=len, reverse=True):
        names &= _prefix("first_lower", word) | _prefix("last_lower", word)
    if names:
        found |= people(names)
    if fulltext.surely_common(q, SEARCH_LIST_LIMIT):
        found |= matching.checked(fulltext.condition(q)) & may_see
    elif fulltext.words(q):
        ids = fulltext.matching_case_ids(q, SEARCH_LIST_LIMIT + 1)
        found |= matching.either(ids, fulltext.condition(q)) & may_see
    return found


def search(user, cases: QuerySet, q: str) -> QuerySet:
    q = " ".join(q.split())
    if not q:
        return cases
    return cases.filter(search_condition(user, q))


def _encode(sort: str, value, pk: int) -> str:
    if isinstance(value, date | datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: str):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, pk = json.loads(raw)
        # The cursor is read back from the client: its id must fit the column, and its text
        # be text (a NUL inside the base64 would reach PostgreSQL).
        if cursor_sort != sort or type(pk) is not int or not 0 < pk < 2**63:
            raise ValueError
        if sort in UNDATED_LAST_SORTS:
            value = None if value is None else date.fromisoformat(value)
        elif sort in ("received_at", "-received_at"):
            value = datetime.fromisoformat(value)
        elif not isinstance(value, str) or text.problem(value):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidCase(
            "cursor", "is not a cursor from this list with this sort; start from the first page"
        ) from None
    return value, pk


def _after(field: str, descending: bool, value, pk: int) -> Q:
    """Rows after (value, pk) in the sort order. The redundant `field >= value` gives the
    index walk a place to start; without it both databases read from the first row."""
    if descending:
        return Q(**{f"{field}__lte": value}) & (Q(**{f"{field}__lt": value}) | Q(pk__lt=pk))
    return Q(**{f"{field}__gte": value}) & (Q(**{f"{field}__gt": value}) | Q(pk__gt=pk))


@dataclass(frozen=True)
class Walk:
    """One walk along an index: the rows matching `where`, in `order`."""

    where: Q
    order: tuple


def _walks(sort: str, after) -> list[Walk]:
    """The index walks that make a page, in order; a page is the first rows of each in turn
    (one statement: `_walk`).
    The response-due order puts undated cases last, so it is two walks: the dated cases in
    the order of the (organisation, field, id) index, then the undated ones by id. (One
    walk ordered by "field IS NULL, field" would read and sort every case in scope: no
    index is in that order on SQLite. National user's open queue at 1,000,000 cases: each
    organisation's walk 0.54 against 0.04 ms for 343 open cases, growing with the cases.)"""
    field, descending = SORTS[sort]
    if sort in UNDATED_LAST_SORTS:
        # Both walks are ordered by (field, id), the index's order: among undated cases that
        # is the order of their ids. Ordered by id alone, PostgreSQL cannot see that the
        # index range "field IS NULL" is in id order, and may walk the primary key instead,
        # checking every case in the table (0.37 s for one site's team queue at 1,000,000).
        order = (field, "pk")
        undated = Walk(Q(**{f"{field}__isnull": True}), order)
        if after is None:
            return [Walk(Q(**{f"{field}__isnull": False}), order), undated]
        if after[0] is None:
            return [Walk(Q(**{f"{field}__isnull": True}, pk__gt=after[1]), order)]
        return [Walk(_after(field, False, *after), order), undated]
    order = ("-" + field, "-pk") if descending else (field, "pk")
    return [Walk(_after(field, descending, *after) if after else Q(), order)]


# An organisation-at-a-time walk pays off when a user sees several organisations; past this
# many it becomes one long statement (SQLite allows 500 terms in a compound SELECT).
MAX_BRANCHES = 100
# Ids a search lists, times branches: past this the statement has too many parameters.
MAX_LISTED_IN_BRANCHES = 20000
# Sorts with an (organisation, field) index that each branch can walk.
BRANCHING_SORTS = {"response_due", "next_due", "received_at", "-received_at", "reference"}


# On SQLite, the index each organisation's walk reads in a search checked row by row, by
# sort, for the open queues and for the rest (docs/performance.md, "Worklist and search").
# SQLite costs a correlated check (a common word's full-text lookup) as cheap, so with true
# statistics it would rather read every open case of the organisation by some other index
# and sort them than walk the one index already in the page's order: 4.3 s instead of
# 0.4 s for a national user's common-word search at 1,000,000 cases. Such a walk names its
# index (INDEXED BY, SQLite's own tuning clause). Only then: for a plain queue the planner
# chooses well, and better than a fixed index when the queue is tiny (three unassigned
# cases: 0.15 s by the counts index, 1.3 s walking every case by date). PostgreSQL costs
# the check and needs no such help.
WALK_INDEXES = {
    True: {"response_due": "case_open_org_response_due", "next_due": "case_open_org_next_due"},
    False: {
        "response_due": "case_org_response_due",
        "next_due": "case_org_next_due",
        "received_at": "case_org_received",
        "-received_at": "case_org_received",
        "reference": "case_org_reference",
    },
}


def _indexed_by(sql: str, sort: str, open_only: bool) -> str:
    """`sql` (one organisation's walk) reading the case table through its sort's index."""
    if connection.vendor != "sqlite":
        return sql
    index = WALK_INDEXES[open_only].get(sort) or WALK_INDEXES[False][sort]
    table = connection.ops.quote_name(Case._meta.db_table)
    head, found, rest = sql.partition(f" FROM {table} ")
    if not found:
        return sql
    return f"{head} FROM {table} INDEXED BY {index} {rest}"


def _walk(
    scoped: QuerySet,
    branches: list[QuerySet],
    walks: list[Walk],
    sort: str,
    how_many: int,
    open_only: bool = False,
    pinned: bool = False,
) -> QuerySet:
    """The first `how_many` rows of the walks, in turn, across the branches, as a queryset
    of cases: one statement, whatever the page size.

    With one branch and one walk this is the plain ordered query. With several branches,
    SQLite cannot merge the ranges of an (organisation, field, id) index for
    `organisation_id IN (...)`: it reads and sorts every case of those organisations (a
    second for a national user at 1,000,000 cases). So each organisation is walked on its
    own index range, `LIMIT how_many`, in one UNION ALL, and only those rows are ordered
    (docs/performance.md, "Case list"). Several walks (the dated cases, then the undated
    ones) join the same UNION ALL: their order is the sort's, undated last."""
    if len(branches) == 1 and len(walks) == 1:
        return branches[0].filter(walks[0].where).order_by(*walks[0].order)[:how_many]
    field, descending = SORTS[sort]
    parts, params = [], []
    for walk in walks:
        for branch in branches:
            inner = branch.filter(walk.where).order_by(*walk.order).values("id", field)
            try:
                sql, inner_params = inner[:how_many].query.sql_with_params()
            except EmptyResultSet:  # a walk that can match nothing (no organisations)
                continue
            if pinned and len(branches) > 1:  # each organisation's own walk (WALK_INDEXES)
                sql = _indexed_by(sql, sort, open_only)
            parts.append(f"SELECT * FROM ({sql}) AS branch{len(parts)}")
            params.extend(inner_params)
    if not parts:
        return scoped.none()
    column = connection.ops.quote_name(field)
    direction = "DESC" if descending else "ASC"
    nulls_last = f"{column} IS NULL, " if sort in UNDATED_LAST_SORTS else ""
    union = " UNION ALL ".join(parts)
    ids = RawSQL(
        f"SELECT id FROM ({union}) AS branches "
        f"ORDER BY {nulls_last}{column} {direction}, id {direction} LIMIT {int(how_many)}",
        params,
    )
    undated_last = (F(field).asc(nulls_last=True), "pk")
    order = undated_last if sort in UNDATED_LAST_SORTS else walks[0].order
    return scoped.filter(pk__in=ids).order_by(*order)


def share_of_cases(ids) -> float:
    """About what share of all cases the organisations `ids` hold, for choosing how to walk
    them: from the reference counters (CaseSequence, a row per organisation and year), not
    by counting cases."""
    sizes = dict(
        CaseSequence.objects.values("organisation_id")
        .annotate(n=Sum("last_number"))
        .values_list("organisation_id", "n")
        .order_by()
    )
    total = sum(sizes.values())
    return sum(sizes.get(pk, 0) for pk in ids) / total if total else 0.0


def scope_ids(user, *, organisation: str | None = None, within=None):
    """The user's organisations, narrowed to one organisation by code (`organisation`), or to
    one and those below it (`within`, the staff application's organisation switcher). It can
    only narrow: an organisation the user cannot see gives nothing."""
    ids = organisation_ids_for(user)
    if organisation:
        ids = frozenset(
            Organisation.objects.filter(code=organisation.upper(), pk__in=ids).values_list(
                "pk", flat=True
            )
        )
    if within is not None:
        within = getattr(within, "pk", within)  # an Organisation or its id
        top = Organisation.objects.filter(pk=within, pk__in=ids).values_list("path", flat=True)
        path = top.first()
        ids = frozenset(
            Organisation.objects.filter(pk__in=ids, path__startswith=path).values_list(
                "pk", flat=True
            )
            if path
            else ()
        )
    return ids


def parse_queue(value) -> Queue | None:
    """The queue named by `value` (None for no queue); a clear error for any other name."""
    if value in (None, ""):
        return None
    try:
        return Queue(value)
    except ValueError:
        names = ", ".join(q.value for q in Queue)
        raise InvalidCase("queue", f"is not a queue; choose one of {names}") from None


def parse_sort(value) -> str:
    if value not in SORTS:
        raise InvalidCase("sort", f"is not a sort; choose one of {', '.join(SORTS)}")
    return value


def page(
    user,
    *,
    queue: str | None = None,
    status=None,
    kind=None,
    stage: int | None = None,
    grade: int | None = None,
    service: str | None = None,
    due_within: int = DUE_SOON_WORKING_DAYS,
    organisation=None,
    within=None,
    q=None,
    sort="response_due",
    limit=25,
    cursor=None,
    count=False,
) -> Page:
    ids = scope_ids(user, organisation=organisation, within=within)
    sort = parse_sort(sort)
    filters = Scope(
        user,
        queue=parse_queue(queue),
        status=status,
        kind=kind,
        stage=stage,
        grade=grade,
        service=service,
        due_within=due_within,
    )
    where = filters.where(ids)
    q = " ".join((q or "").split())
    matching = search_matching(user, q) if q else None
    if matching:
        where &= matching.condition

    def narrowed(cases: QuerySet) -> QuerySet:
        return cases.filter(where)

    everything = narrowed(cases_for(user).filter(organisation_id__in=ids))
    total = everything.count() if count else None

    field, _ = SORTS[sort]
    after = _decode(cursor, sort) if cursor else None
    # A search checked row by row names each walk's index (WALK_INDEXES); every queue but
    # NOT_OPEN_QUEUES keeps to the open cases (Scope.queue_condition).
    open_only = filters.queue is not None and filters.queue not in NOT_OPEN_QUEUES
    pinned = matching is not None and matching.row_by_row
    # A search walks each organisation on its own too when it checks cases row by row (a
    # common term), unless the ids it lists would be repeated too often in one statement.
    # Outside the open queues (which each organisation's open-cases index serves) such a walk
    # reads about 1 / share of a page's worth of matches walking every case by date, and
    # `len(ids)` pages' worth walking each organisation, so it branches only when the user's
    # organisations are a small part of all cases (national user, 7 organisations with 41%
    # of the cases, a common word: 141 ms branching, 35 ms in one walk, on SQLite). In the
    # open queues one walk of every case by date passes every closed case (PostgreSQL, a
    # common word: 616,000 rows, 0.95 s).
    branch_search = matching is None or (
        matching.row_by_row
        and matching.listed * len(ids) <= MAX_LISTED_IN_BRANCHES
        and (open_only or len(ids) < 2 or len(ids) * share_of_cases(ids) <= 1)
    )
    if 1 < len(ids) <= MAX_BRANCHES and sort in BRANCHING_SORTS and branch_search:
        branches = [narrowed(cases_in(user, pk)) for pk in sorted(ids)]
    else:
        branches = [everything]
    # The walks in one statement, so a page costs the same queries whatever its size; but a
    # search walks them in turn, as the undated walk would otherwise check every undated case
    # for the words even when the dated ones fill the page (national user, a common word:
    # 75 against 45 ms for the page).
    walks = _walks(sort, after)
    found: list = []
    for group in [walks] if matching is None else [[walk] for walk in walks]:
        rows = _walk(everything, branches, group, sort, limit + 1 - len(found), open_only, pinned)
        found += list(rows.select_related("organisation", "handler"))
        if len(found) > limit:
            break

    more = len(found) > limit
    found = found[:limit]
    prefetch_related_objects(
        found, Prefetch("parties", queryset=CaseParty.objects.select_related("person"))
    )
    next_cursor = None
    if more and found:
        last = found[-1]
        next_cursor = _encode(sort, getattr(last, field), last.pk)
    return Page(found, next_cursor, total)


# Queues counted for the worklist's tabs. Closed and all cases are not counted: that would
# read every case the user can see, and nobody works from that number. The open queues are
# counted in one query over the open cases; the Ombudsman's from its referrals.
COUNTED_QUEUES = [q for q in Queue if q not in (Queue.CLOSED, Queue.ALL)]
OPEN_COUNTED_QUEUES = [q for q in COUNTED_QUEUES if q not in NOT_OPEN_QUEUES]


def queue_counts(
    user,
    *,
    organisation: str | None = None,
    within=None,
    due_within: int = DUE_SOON_WORKING_DAYS,
) -> dict[Queue, int]:
    """How many open cases each queue holds, in one query over the user's open cases. The
    open statuses are written as is_open() writes them, so the query reads only the open
    cases' counts index: with them bound as parameters SQLite cannot use a partial index and
    reads every open case's row (48 against 28 ms for 14,000 open cases). Counted by the
    organisation (never null; Django allows no COUNT(*) with a filter), not by the id, so
    PostgreSQL too can answer from that index alone (an index-only scan, once the table's
    visibility map is set: 35 against 5 ms). The cases awaiting Ombudsman information, open
    or not, are counted from the referrals, before."""
    ids = scope_ids(user, organisation=organisation, within=within)
    filters = Scope(user, due_within=due_within)
    beyond = {Queue.OMBUDSMAN_INFORMATION: len(awaiting_ombudsman_information(ids))}
    totals = (
        cases_for(user)
        .filter(is_open(), organisation_id__in=ids)
        .aggregate(
            **{
                q.value: Count(
                    "organisation", filter=filters.queue_condition(q, ids, among_open=True)
                )
                if q is not Queue.OPEN
                else Count("organisation")
                for q in OPEN_COUNTED_QUEUES
            }
        )
    )
    return {Queue(k): v for k, v in totals.items()} | beyond


FACETS = ("kind", "status", "stage", "grade", "service")
# The facets after status, in the order of the open cases' counts index (case_open_counts).
FACET_ORDER = ("kind", "stage", "grade", "service")


def facet_counts(
    user,
    *,
    queue: str,
    within=None,
    organisation: str | None = None,
    due_within: int = DUE_SOON_WORKING_DAYS,
    **filters,
) -> dict[str, dict]:
    """For the worklist's filters: how many cases of the queue have each kind, status, stage,
    grade and service, given the other filters chosen (so each count is what choosing that
    value would show, whatever is chosen for the same filter now). One grouped query over the
    queue (a few hundred groups at most); each filter's counts are then summed from the
    groups that pass the other filters. Only for the counted (open) queues, for the same
    reason as queue_counts."""
    queue = parse_queue(queue)
    ids = scope_ids(user, organisation=organisation, within=within)
    where = Scope(user, queue=queue, due_within=due_within).where(ids)
    # Grouped by organisation and status first, in the order of the open cases' counts index
    # (case_open_counts), so SQLite reads the groups as the index holds them rather than
    # sorting every open case (national user, 14,000 open cases: 15 against 27 ms); the
    # organisations' groups are added together below.
    rows = (
        cases_for(user)
        .filter(where, organisation_id__in=ids)
        .values_list("organisation_id", "status", *FACET_ORDER)
        .annotate(n=Count("organisation"))
        .order_by()
    )
    groups: dict[tuple, int] = {}
    for _, status, kind, stage, grade, service, n in rows:
        key = (kind, status, stage, grade, service)  # in the order of FACETS
        groups[key] = groups.get(key, 0) + n
    chosen = {f: v for f, v in filters.items() if f in FACETS and v not in (None, "")}
    if "service" in chosen:
        chosen["service"] = chosen["service"].strip().lower()
    position = {facet: i for i, facet in enumerate(FACETS)}

    def value_of(group: tuple, facet: str):
        value = group[position[facet]]
        return (value or "").lower() if facet == "service" else value

    out: dict[str, dict] = {facet: {} for facet in FACETS}
    for group, n in groups.items():
        passes = {f: value_of(group, f) == chosen[f] for f in chosen}
        for facet in FACETS:
            if all(ok for f, ok in passes.items() if f != facet):
                value = group[position[facet]]
                out[facet][value] = out[facet].get(value, 0) + n
    return out
