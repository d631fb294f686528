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

from django.db.models import F, Prefetch, Q, QuerySet, prefetch_related_objects

from candour.cases.access import cases_for
from candour.cases.intake import InvalidCase
from candour.cases.models import CaseParty
from candour.cases.people import normalise_nhs_number
from candour.organisations.access import organisation_ids_for
from candour.organisations.models import Capability

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
    if descending:
        return Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": pk})
    return Q(**{f"{field}__gt": value}) | Q(**{field: value, "pk__gt": pk})


def page(
    user,
    *,
    status=None,
    kind=None,
    organisation=None,
    within=None,
    q=None,
    sort="response_due",
    limit=25,
    cursor=None,
    count=False,
) -> Page:
    cases = cases_for(user)
    if status:
        cases = cases.filter(status=status)
    if kind:
        cases = cases.filter(kind=kind)
    if organisation:
        cases = cases.filter(organisation__code=organisation.upper())
    if within is not None:
        # An Organisation: it and those below it (the web's organisation switcher). Inside
        # cases_for(user), so it only ever narrows.
        cases = cases.filter(organisation__path__startswith=within.path)
    if q:
        cases = search(user, cases, q)
    total = cases.count() if count else None

    field, descending = SORTS[sort]
    after = _decode(cursor, sort) if cursor else None
    rows = cases.select_related("organisation", "handler")
    order = ["-" + field, "-pk"] if descending else [field, "pk"]
    if sort == "response_due" and after is None:
        # NULLS LAST matches the indexes' own order on PostgreSQL, and SQLite reads it from
        # the index too, so the first page is an index walk that stops after `limit` rows.
        found = list(rows.order_by(F(field).asc(nulls_last=True), "pk")[: limit + 1])
    elif sort == "response_due" and after[0] is None:
        found = list(
            rows.filter(response_due__isnull=True, pk__gt=after[1]).order_by("pk")[: limit + 1]
        )
    elif sort == "response_due":
        # Two walks rather than one OR across the dated and undated cases, which no index
        # serves in order: the rest of the dated cases, then the undated ones by id.
        found = list(rows.filter(_after(field, False, *after)).order_by(*order)[: limit + 1])
        if len(found) <= limit:
            undated = rows.filter(response_due__isnull=True).order_by("pk")
            found += list(undated[: limit + 1 - len(found)])
    else:
        if after is not None:
            rows = rows.filter(_after(field, descending, *after))
        found = list(rows.order_by(*order)[: limit + 1])

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
