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
from candour.cases import (
    attachments,
    contacts,
    deadlines,
    escalation,
    investigation,
    listing,
    restrictions,
)
from candour.cases.access import (
    CaseNotFound,
    cases_for,
    complainant_name,
    get_case,
    may_see_identity,
    open_case,
    parties_as_seen_by,
)
from candour.cases.intake import InvalidCase
from candour.cases.models import Kind, Status
from candour.cases.workflow import CaseError
from candour.coding.coding import may_code
from candour.organisations.access import organisation_ids_for
from candour.text import whole_number
from candour.web import actions, scope, timeline
from candour.web import intake as recording
from candour.web import joint as joint_pages
from candour.web import letters as letter_pages
from candour.web.forms import Field, Form

PAGE_SIZE = 25


MAX_DUE_WITHIN = 60

# The worklist's sortable columns: column → (sort ascending, sort descending or None).
SORT_LABELS = {
    "response_due": "Response due, soonest first",
    "next_due": "Next due, soonest first",
    "received_at": "Received, oldest first",
    "-received_at": "Received, newest first",
    "reference": "Reference",
}


@dataclass
class WorklistFilters:
    """The worklist's query string, checked: a value that is not on offer is dropped with a
    message saying what to choose, and the page is shown without it."""

    queue: str = listing.Queue.OPEN.value
    status: str = ""
    kind: str = ""
    stage: str = ""
    grade: str = ""
    service: str = ""
    due_within: int = listing.DUE_SOON_WORKING_DAYS
    sort: str = "response_due"
    q: str = ""
    cursor: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> tuple[WorklistFilters, dict[str, str]]:
        errors = {}
        q = " ".join(query.get("q", "").split())[:200]
        # A search looks at every case the user may see unless a queue is chosen.
        default_queue = listing.Queue.ALL.value if q else listing.Queue.OPEN.value
        filters = cls(
            queue=query.get("queue", "") or default_queue,
            status=query.get("status", ""),
            kind=query.get("kind", ""),
            stage=query.get("stage", "").strip(),
            grade=query.get("grade", "").strip(),
            service=" ".join(query.get("service", "").split())[:200],
            sort=query.get("sort", "") or "response_due",
            q=q,
            cursor=query.get("cursor", ""),
        )
        if filters.queue not in {q.value for q in listing.Queue}:
            errors["queue"] = "Choose a queue from the list"
            filters.queue = default_queue
        if filters.status and filters.status not in Status.values:
            errors["status"] = "Choose a status from the list"
            filters.status = ""
        if filters.kind and filters.kind not in Kind.values:
            errors["kind"] = "Choose a kind from the list"
            filters.kind = ""
        for field, name in (("stage", "stage"), ("grade", "grade")):
            value = getattr(filters, field)
            if value and not 1 <= (whole_number(value) or 0) <= 9:
                errors[field] = f"Choose a {name} from the list"
                setattr(filters, field, "")
        raw_days = query.get("due_within", "").strip()
        if raw_days:
            days = whole_number(raw_days) or 0
            if 1 <= days <= MAX_DUE_WITHIN:
                filters.due_within = days
            else:
                errors["due_within"] = (
                    f"Enter the number of working days as a whole number from 1 to "
                    f"{MAX_DUE_WITHIN}, like 5"
                )
        if filters.sort not in listing.SORTS:
            errors["sort"] = "Choose a sort from the column headings"
            filters.sort = "response_due"
        return filters, errors

    def listing_arguments(self) -> dict:
        return {
            "queue": self.queue,
            "status": self.status or None,
            "kind": self.kind or None,
            "stage": int(self.stage) if self.stage else None,
            "grade": int(self.grade) if self.grade else None,
            "service": self.service or None,
            "due_within": self.due_within,
            "sort": self.sort,
            "q": self.q or None,
        }

    def facet_arguments(self) -> dict:
        arguments = self.listing_arguments()
        for field in ("sort", "q"):
            arguments.pop(field)
        return arguments

    @property
    def filtering(self) -> bool:
        return any((self.status, self.kind, self.stage, self.grade, self.service))

    def query(self, **changes) -> str:
        values = {
            "q": self.q,
            "queue": self.queue,
            "status": self.status,
            "kind": self.kind,
            "stage": self.stage,
            "grade": self.grade,
            "service": self.service,
            "due_within": self.due_within
            if self.due_within != listing.DUE_SOON_WORKING_DAYS
            else "",
            "sort": self.sort if self.sort != "response_due" else "",
            "cursor": "",
        } | changes
        params = QueryDict(mutable=True)
        params.update({k: v for k, v in values.items() if v not in ("", None)})
        return params.urlencode()


def _handler_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _options(choices, chosen: str, counts: dict | None, any_text: str) -> list[dict]:
    """Select items with the number of cases each would show, when counted."""
    items = [{"value": "", "text": any_text}]
    for value, label in choices:
        text = label
        if counts is not None:
            text = f"{label} ({counts.get(value, 0):,})"
        items.append({"value": str(value), "text": text, "selected": str(value) == chosen})
    return items


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
        if error.field == "q":
            # A search that cannot be read (a date that is not a date): say how to write it
            # and show the first page of the queue without it.
            errors["q"] = "Search: " + str(error).split(": ", 1)[1]
            filters.q = ""
        else:
            errors["cursor"] = f"That page link no longer works ({error}); this is the first page"
        filters.cursor = ""
        page = listing.page(
            request.user, within=within, limit=PAGE_SIZE, **filters.listing_arguments()
        )
    counts = listing.queue_counts(request.user, within=within, due_within=filters.due_within)
    labels = listing.queue_labels(
        [within] if within is not None else scope.member_organisations(request.user)
    )
    counted = filters.queue in {q.value for q in listing.COUNTED_QUEUES} and not filters.q
    facets = (
        listing.facet_counts(request.user, within=within, **filters.facet_arguments())
        if counted
        else None
    )
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
    services = sorted(
        {s for s in (facets or {}).get("service", {}) if s} | ({filters.service} - {""}),
        key=str.lower,
    )
    stages = sorted({1, 2} | set((facets or {}).get("stage", {})) - {None})
    grades = sorted({1, 2, 3, 4} | set((facets or {}).get("grade", {})) - {None})

    def facet(name):
        return None if facets is None else facets[name]

    return render(
        request,
        "web/worklist.jinja",
        {
            "rows": rows,
            "may_code": may_code(request.user),
            "sees_cases": bool(organisation_ids_for(request.user)),
            "filters": filters,
            "errors": errors,
            "within": within,
            "queues": [
                {
                    "value": q.value,
                    "label": labels[q],
                    "count": counts.get(q),
                    "query": filters.query(
                        queue=q.value, status="", kind="", stage="", grade="", service=""
                    ),
                }
                for q in listing.Queue
            ],
            "queue_label": labels[listing.Queue(filters.queue)],
            "status_items": _options(Status.choices, filters.status, facet("status"), "Any status"),
            "kind_items": _options(Kind.choices, filters.kind, facet("kind"), "Any kind"),
            "stage_items": _options(
                [(s, f"Stage {s}") for s in stages], filters.stage, facet("stage"), "Any stage"
            ),
            "grade_items": _options(
                [(g, f"Grade {g}") for g in grades], filters.grade, facet("grade"), "Any grade"
            ),
            "service_items": _options(
                [(s, s) for s in services], filters.service, facet("service"), "Any service"
            ),
            "sort_links": {
                sort: filters.query(sort=sort if sort != "response_due" else "")
                for sort in listing.SORTS
            },
            "sort_label": SORT_LABELS[filters.sort],
            "next_query": filters.query(cursor=page.next_cursor) if page.next_cursor else None,
            "first_query": filters.query() if filters.cursor else None,
            "urgency_labels": deadlines.URGENCY_LABELS,
            "urgency_rule": deadlines.urgency_rule,
            "restrictions_due": restrictions.due_for_review(request.user).count(),
            "parts_due": joint_pages.due_rows(request.user),
            "parts_awaited": joint_pages.awaited_rows(request.user),
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
    identity_visible = may_see_identity(request.user, found)
    return render(
        request,
        "web/case.jinja",
        {
            "case": found,
            "complainant": complainant_name(request.user, found),
            "identity_visible": identity_visible,
            "parties": parties_as_seen_by(request.user, found),
            "deadlines": case_deadlines,
            "issues": found.issues.order_by("stage", "number"),
            "contacts": contacts.as_seen_by(request.user, found),
            "timeline": timeline.entries(events, identity_visible=identity_visible),
            "urgency_labels": deadlines.URGENCY_LABELS,
            "urgency_rule": deadlines.urgency_rule,
            "actions": actions.offered(found, request.user),
            "attachments": found.attachments.select_related("uploaded_by"),
            "blockers": actions.blockers(found, request.user),
            "awaiting_response": investigation.awaiting_signed_response(found),
            "letters": letter_pages.rows(request.user, found),
            "may_code": may_code(request.user, found.organisation_id),
            "provider_response": escalation.provider_response(found),
            "time_limit_from": deadlines.time_limit_from(found),
            "restrictions": restrictions.in_force_for(found),
            "joint": joint_pages.section(request.user, found),
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
    blocked, before = "", None
    if request.method == "POST":
        form = Form(chosen.fields, request.POST, aliases=dict(chosen.aliases), **context)
        if form.valid:
            try:
                result = chosen.run(found, request.user, form.data)
            except CaseError as error:
                form.refuse(error)
            else:
                messages.success(request, f"{chosen.done_after(result)}.")
                return redirect("web:case", reference=found.reference)
    else:
        form = Form(chosen.fields, **context)
        if chosen.prefill:
            form.values.update(chosen.prefill(found, request.user))
        for name in form.values:
            if name in request.GET:
                form.values[name] = request.GET[name]
        allowed = actions.allowed_actions(found, request.user)
        if not chosen.offered(allowed) or chosen.unavailable_on(found, request.user):
            blocked = chosen.why_not(found, request.user)
            first = actions.BY_SLUG.get(chosen.first)
            if first and first.offered(allowed) and not first.unavailable_on(found, request.user):
                before = first
    return render(
        request,
        "web/action.jinja",
        {
            "case": found,
            "action": chosen,
            "form": form,
            "errors": form.errors,
            "blocked": blocked,
            "first": before,
        },
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
                if arrival := restrictions.arrival_warning(found):
                    messages.warning(request, arrival)
                if found.urgent_clinical_need:
                    messages.warning(
                        request,
                        "Urgent clinical need raised: make sure the patient's immediate medical "
                        "needs are being met now.",
                    )
                if not cases_for(request.user).filter(pk=found.pk).exists():
                    # A receptionist records feedback but does not see cases: back to a
                    # fresh form rather than to a case page that would not be found.
                    messages.info(
                        request,
                        "Your role does not show you cases: the complaints team takes it "
                        "from here.",
                    )
                    return redirect(request.path)
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


def _contact_entries(case, user):
    return [
        (str(seen.entry.number), f"{seen.entry.number}: {seen.entry.get_channel_display()}, "
         f"{timezone.localtime(seen.entry.happened_at):%d %b %Y %H:%M}, {seen.who}")
        for seen in contacts.as_seen_by(user, case)
    ]  # fmt: skip


CONTACT = Field(
    "contact",
    "Did it come with, or go out in, an entry of the contact log?",
    "select",
    choices=_contact_entries,
    hint="Leave it unchosen for a file of the case alone.",
    short="Contact log entry",
)


def attach(request, reference: str):
    """Attach a letter or statement to the case, or to an entry of its contact log."""
    found = _visible_case(request.user, reference)
    fields = [*ATTACH, CONTACT] if found.contacts.exists() else ATTACH
    context = {"case": found, "user": request.user}
    if request.method == "POST":
        form = Form(fields, request.POST, **context)
        upload = request.FILES.get("file")
        if form.valid:
            try:
                added = attachments.add_attachment(
                    found,
                    by=request.user,
                    name=upload.name if upload else "",
                    content=attachments.upload_content(upload),
                    description=form.data["description"],
                    contact=whole_number(form.data.get("contact", "")),
                )
            except CaseError as error:
                form.refuse(error)
            else:
                messages.success(request, f"{added.filename} attached.")
                return redirect("web:case", reference=found.reference)
    else:
        form = Form(fields, **context)
        form.values["contact"] = request.GET.get("contact", "")
    return render(
        request,
        "web/attach.jinja",
        {"case": found, "form": form, "errors": form.errors},
        status=400 if form.errors else 200,
    )


def attachment(request, reference: str, pk: int):
    """Download a file, only through a case the user may see; every download is logged."""
    found = _visible_case(request.user, reference)
    try:
        kept, handle = attachments.open_on_case(found, pk, by=request.user)
    except attachments.AttachmentNotFound as error:
        raise Http404(str(error)) from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=kept.filename,
        content_type="application/octet-stream",
    )


@require_POST
def choose_organisation(request):
    raw = request.POST.get("organisation", "")
    scope.choose(request, whole_number(raw))
    return redirect("web:worklist")
