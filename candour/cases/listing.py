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
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL

from candour.cases.access import cases_for, cases_in
from candour.cases.intake import InvalidCase
from candour.cases.models import CaseParty
from candour.cases.people import normalise_nhs_number
from candour.organisations.access import organisation_ids_for
from candour.organisations.models import Capability, Organisation

SORTS = {
    # sort name: (field, descending)
    "response_due": ("response_due", False),
    "received_at": ("received_at", False),
    "-received_at": ("received_at", True),
    "reference": ("reference", False),
}


@dataclass
class Page:
    cases: list
    next_cursor: str | None
    count: int | None


def search(user, cases: QuerySet, q: str) -> QuerySet:
    q = " ".join(q.split())
    if not q:
        return cases
    by_reference = Q(reference__istartswith=q)
    people = CaseParty.objects.all()
    digits = normalise_nhs_number(q)
    if len(digits) == 10 and digits.isdigit():
        people = people.filter(person__nhs_number=digits)
    else:
        postcode = q.upper()
        by_name = Q()
        for word in q.split():
            by_name &= Q(person__first_name__istartswith=word) | Q(
                person__last_name__istartswith=word
            )
        people = people.filter(by_name | Q(person__postcode__startswith=postcode))
    may_see = Q(confidential=False) | Q(
        organisation_id__in=organisation_ids_for(user, Capability.VIEW_CONFIDENTIAL)
    )
    return cases.filter(by_reference | (Q(pk__in=people.values("case_id")) & may_see))


def _encode(sort: str, value, pk: int) -> str:
    if isinstance(value, date | datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: str):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, pk = json.loads(raw)
        if cursor_sort != sort or not isinstance(pk, int):
            raise ValueError
        if sort == "response_due":
            value = None if value is None else date.fromisoformat(value)
        elif sort in ("received_at", "-received_at"):
            value = datetime.fromisoformat(value)
        elif not isinstance(value, str):
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
    """The index walks that make a page, in order; a page is the first rows of each in turn.
    The response-due order puts undated cases last, so it is two walks once a cursor is
    among the dated cases: the rest of the dated cases, then the undated ones by id."""
    field, descending = SORTS[sort]
    if sort == "response_due":
        dated = (F(field).asc(nulls_last=True), "pk")
        undated = Walk(Q(response_due__isnull=True), ("pk",))
        if after is None:
            return [Walk(Q(), dated)]
        if after[0] is None:
            return [Walk(Q(response_due__isnull=True, pk__gt=after[1]), ("pk",))]
        return [Walk(_after(field, False, *after), dated), undated]
    order = ("-" + field, "-pk") if descending else (field, "pk")
    return [Walk(_after(field, descending, *after) if after else Q(), order)]


# An organisation-at-a-time walk pays off when a user sees several organisations; past this
# many it becomes one long statement (SQLite allows 500 terms in a compound SELECT).
MAX_BRANCHES = 100
# Sorts with an (organisation, field) index that each branch can walk.
BRANCHING_SORTS = {"response_due", "received_at", "-received_at"}


def _walk(
    scoped: QuerySet, branches: list[QuerySet], walk: Walk, sort: str, how_many: int
) -> QuerySet:
    """The first `how_many` rows of `walk` across the branches, as a queryset of cases.

    With one branch this is the plain ordered query. With several, SQLite cannot merge the
    ranges of an (organisation, field, id) index for `organisation_id IN (...)`: it reads
    and sorts every case of those organisations (a second for a national user at 1,000,000
    cases). So each organisation is walked on its own index range, `LIMIT how_many`, in one
    UNION ALL, and only those rows are ordered (docs/performance.md, "Case list")."""
    if len(branches) == 1:
        return branches[0].filter(walk.where).order_by(*walk.order)[:how_many]
    field, descending = SORTS[sort]
    parts, params = [], []
    for number, branch in enumerate(branches):
        inner = branch.filter(walk.where).order_by(*walk.order).values("id", field)[:how_many]
        sql, inner_params = inner.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS branch{number}")
        params.extend(inner_params)
    column = connection.ops.quote_name(field)
    direction = "DESC" if descending else "ASC"
    nulls_last = f"{column} IS NULL, " if sort == "response_due" else ""
    union = " UNION ALL ".join(parts)
    ids = RawSQL(
        f"SELECT id FROM ({union}) AS branches "
        f"ORDER BY {nulls_last}{column} {direction}, id {direction} LIMIT {int(how_many)}",
        params,
    )
    return scoped.filter(pk__in=ids).order_by(*walk.order)


def page(
    user,
    *,
    status=None,
    kind=None,
    organisation=None,
    q=None,
    sort="response_due",
    limit=25,
    cursor=None,
    count=False,
) -> Page:
    def narrowed(cases: QuerySet) -> QuerySet:
        if status:
            cases = cases.filter(status=status)
        if kind:
            cases = cases.filter(kind=kind)
        if q:
            cases = search(user, cases, q)
        return cases

    scope = organisation_ids_for(user)
    if organisation:
        scope = frozenset(
            Organisation.objects.filter(code=organisation.upper(), pk__in=scope).values_list(
                "pk", flat=True
            )
        )
    everything = narrowed(cases_for(user).filter(organisation_id__in=scope))
    total = everything.count() if count else None

    field, _ = SORTS[sort]
    after = _decode(cursor, sort) if cursor else None
    if 1 < len(scope) <= MAX_BRANCHES and sort in BRANCHING_SORTS and not q:
        branches = [narrowed(cases_in(user, pk)) for pk in sorted(scope)]
    else:
        branches = [everything]
    found: list = []
    for walk in _walks(sort, after):
        rows = _walk(everything, branches, walk, sort, limit + 1 - len(found))
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
