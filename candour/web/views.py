"""Staff pages: parse the request, call the domain, render. No rules here.

Every view in this module is in the `web` URL namespace, so VerifiedStaffMiddleware
(candour/web/signin.py) has already checked the signed-in, second-factor-verified user.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from candour.audit.models import AuditEvent
from candour.cases import deadlines, listing
from candour.cases.access import (
    CaseNotFound,
    complainant_name,
    may_see_identity,
    open_case,
    parties_as_seen_by,
)
from candour.cases.intake import InvalidCase
from candour.cases.models import Kind, Status
from candour.web import scope, timeline

PAGE_SIZE = 25


@dataclass
class WorklistFilters:
    """The worklist's query string. More filters (grade, stage, mine, due within…) are
    added here and passed on to listing.page."""

    status: str = ""
    kind: str = ""
    cursor: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> tuple[WorklistFilters, dict[str, str]]:
        errors = {}
        filters = cls(
            status=query.get("status", ""),
            kind=query.get("kind", ""),
            cursor=query.get("cursor", ""),
        )
        if filters.status and filters.status not in Status.values:
            errors["status"] = "Choose a status from the list"
            filters.status = ""
        if filters.kind and filters.kind not in Kind.values:
            errors["kind"] = "Choose a kind from the list"
            filters.kind = ""
        return filters, errors

    def listing_arguments(self) -> dict:
        return {"status": self.status or None, "kind": self.kind or None}

    def query(self, **changes) -> str:
        values = {"status": self.status, "kind": self.kind, "cursor": ""} | changes
        params = QueryDict(mutable=True)
        params.update({k: v for k, v in values.items() if v})
        return params.urlencode()


def _handler_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def worklist(request):
    filters, errors = WorklistFilters.from_query(request.GET)
    within = scope.chosen(request)
    try:
        page = listing.page(
            request.user,
            within=within,
            cursor=filters.cursor or None,
            limit=PAGE_SIZE,
            **filters.listing_arguments(),
        )
    except InvalidCase as error:
        errors["cursor"] = f"That page link no longer works ({error}); this is the first page"
        page = listing.page(request.user, within=within, limit=PAGE_SIZE)
    urgencies = deadlines.next_due_urgencies(page.cases)
    rows = [
        {
            "case": case,
            "complainant": complainant_name(request.user, case),
            "handler": _handler_name(case.handler),
            "urgency": urgencies[case.pk],
        }
        for case in page.cases
    ]
    return render(
        request,
        "web/worklist.jinja",
        {
            "rows": rows,
            "filters": filters,
            "errors": errors,
            "within": within,
            "next_query": filters.query(cursor=page.next_cursor) if page.next_cursor else None,
            "first_query": filters.query() if filters.cursor else None,
            "statuses": Status.choices,
            "kinds": Kind.choices,
            "urgency_labels": deadlines.URGENCY_LABELS,
            "urgency_rule": deadlines.urgency_rule,
        },
        status=400 if errors else 200,
    )


def case(request, reference: str):
    try:
        found = open_case(request.user, reference)
    except CaseNotFound as error:
        raise Http404(str(error)) from None
    today = timezone.localdate()
    calendar = found.organisation.working_calendar()
    case_deadlines = [
        {
            "deadline": d,
            "urgency": deadlines.urgency(d.due, today, calendar) if d.open else None,
        }
        for d in deadlines.for_case(found)
    ]
    events = AuditEvent.objects.filter(case=found).select_related("actor").order_by("sequence")
    return render(
        request,
        "web/case.jinja",
        {
            "case": found,
            "complainant": complainant_name(request.user, found),
            "identity_visible": may_see_identity(request.user, found),
            "parties": parties_as_seen_by(request.user, found),
            "deadlines": case_deadlines,
            "issues": found.issues.order_by("stage", "number"),
            "timeline": timeline.entries(events),
            "urgency_labels": deadlines.URGENCY_LABELS,
            "urgency_rule": deadlines.urgency_rule,
        },
    )


@require_POST
def choose_organisation(request):
    raw = request.POST.get("organisation", "")
    scope.choose(request, int(raw) if raw.isdigit() else None)
    return redirect("web:worklist")
