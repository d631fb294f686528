"""Staff pages: parse the request, call the domain, render. No rules here.

Every view in this module is in the `web` URL namespace, so VerifiedStaffMiddleware
(candour/web/signin.py) has already checked the signed-in, second-factor-verified user.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from candour.audit.models import AuditEvent
from candour.cases import attachments, deadlines, listing
from candour.cases.access import (
    CaseNotFound,
    complainant_name,
    get_case,
    may_see_identity,
    open_case,
    parties_as_seen_by,
)
from candour.cases.intake import InvalidCase
from candour.cases.models import Kind, Status
from candour.cases.workflow import CaseError
from candour.web import actions, scope, timeline
from candour.web import intake as recording
from candour.web.forms import Field, Form

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
            "actions": actions.offered(found, request.user),
            "attachments": found.attachments.select_related("uploaded_by"),
            "blockers": actions.blockers(found, request.user),
        },
    )


def _visible_case(user, reference: str):
    try:
        return get_case(user, reference)
    except CaseNotFound as error:
        raise Http404(str(error)) from None


def case_action(request, reference: str, action: str):
    """One action's form (GET) and the action itself (POST), then back to the case."""
    found = _visible_case(request.user, reference)
    chosen = actions.BY_SLUG.get(action)
    if chosen is None:
        raise Http404("There is no such action.")
    context = {"case": found, "user": request.user}
    blocked = ""
    if request.method == "POST":
        form = Form(chosen.fields, request.POST, **context)
        if form.valid:
            try:
                chosen.run(found, request.user, form.data)
            except CaseError as error:
                form.refuse(error)
            else:
                messages.success(request, f"{chosen.done}.")
                return redirect("web:case", reference=found.reference)
    else:
        form = Form(chosen.fields, **context)
        for name in form.values:
            if name in request.GET:
                form.values[name] = request.GET[name]
        if not chosen.offered(actions.allowed_actions(found, request.user)):
            blocked = chosen.why_not(found, request.user)
    return render(
        request,
        "web/action.jinja",
        {"case": found, "action": chosen, "form": form, "errors": form.errors, "blocked": blocked},
        status=400 if form.errors else 200,
    )


def _intake_page(request, fields, template: str, record, **extra):
    """The shared shape of the two intake pages: a form for one of the user's organisations,
    the domain's refusal beside its field, and on success the new case."""
    places = recording.organisations(request.user)
    chosen = scope.chosen(request)
    default = chosen if chosen in places else (places[0] if len(places) == 1 else None)
    if request.method == "POST":
        form = Form(fields, request.POST, aliases=recording.ALIASES, user=request.user)
        form.context["organisation"] = recording.chosen_organisation(form, request.user) or default
        if form.valid:
            try:
                found = record(form, request.user)
            except CaseError as error:
                form.refuse(error)
            else:
                messages.success(request, f"{found.get_kind_display()} {found.reference} recorded.")
                if found.urgent_clinical_need:
                    messages.warning(
                        request,
                        "Urgent clinical need raised: make sure the patient's immediate medical "
                        "needs are being met now.",
                    )
                return redirect("web:case", reference=found.reference)
    else:
        form = Form(fields, user=request.user, organisation=default)
        form.values["organisation"] = str(default.pk) if default else ""
        form.values.update(extra)
    return render(
        request,
        template,
        {"form": form, "errors": form.errors, "places": places, "sections": recording.SECTIONS},
        status=400 if form.errors else 200,
    )


def record_feedback(request):
    """Intake following the contact record sheet (seed 001 Appendix B)."""
    name = request.user.get_full_name() or request.user.get_username()
    return _intake_page(
        request,
        recording.FIELDS,
        "web/intake.jinja",
        recording.record,
        call_handler=name,
    )


def record_quickly(request):
    """A compliment or a concern resolved on the spot, in under a minute (R6)."""
    return _intake_page(
        request,
        recording.QUICK,
        "web/quick.jinja",
        lambda form, user: recording.record_quickly(form, user, timezone.now()),
    )


ATTACH = [
    Field(
        "file",
        "File",
        "file",
        hint=f"{attachments.ACCEPTED}; up to {settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB.",
    ),
    Field(
        "description",
        "What is it?",
        hint="For example: letter from the complainant.",
        max_length=200,
    ),
]


def attach(request, reference: str):
    """Attach a letter or statement to the case."""
    found = _visible_case(request.user, reference)
    if request.method == "POST":
        form = Form(ATTACH, request.POST)
        upload = request.FILES.get("file")
        if form.valid:
            try:
                # Read no more than one byte over the limit: the domain refuses it by size.
                content = upload.read(settings.ATTACHMENT_MAX_BYTES + 1) if upload else b""
                added = attachments.add_attachment(
                    found,
                    by=request.user,
                    name=upload.name if upload else "",
                    content=content,
                    description=form.data["description"],
                )
            except CaseError as error:
                form.refuse(error)
            else:
                messages.success(request, f"{added.filename} attached.")
                return redirect("web:case", reference=found.reference)
    else:
        form = Form(ATTACH)
    return render(
        request,
        "web/attach.jinja",
        {"case": found, "form": form, "errors": form.errors},
        status=400 if form.errors else 200,
    )


def attachment(request, reference: str, pk: int):
    """Download a file, only through a case the user may see; every download is logged."""
    found = _visible_case(request.user, reference)
    kept = found.attachments.filter(pk=pk).select_related("case").first()
    if kept is None:
        raise Http404("There is no such file on this case.")
    handle = attachments.open_attachment(kept, by=request.user)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=kept.filename,
        content_type="application/octet-stream",
    )


@require_POST
def choose_organisation(request):
    raw = request.POST.get("organisation", "")
    scope.choose(request, int(raw) if raw.isdigit() else None)
    return redirect("web:worklist")
