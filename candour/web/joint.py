"""Joint complaints on the staff pages (R31).

- The lead: the case page's "Joint complaint" section (`section`), and the choices and
  words of its forms, which are Actions of candour.web.actions calling candour.cases.joint.
- A contributor: the page of its part (`part`), reached from its worklist (`due_rows`),
  which shows what is asked of it, the issues it answers and its due date, and takes its
  reply; nothing else of the case. Its access is candour.cases.access.parts_for's.

This module does not import candour.web.actions (which imports it); the part page declares
the transition it performs as `performs` would.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from candour.audit.chain import record
from candour.cases import deadlines, joint
from candour.cases.access import PartNotFound, get_part, sees_whole_case
from candour.cases.intake import InvalidCase
from candour.cases.joint_models import JointPart
from candour.cases.models import Case
from candour.cases.workflow import CaseError, named
from candour.organisations.models import Organisation, calendars_of
from candour.text import whole_number
from candour.web.forms import Field, Form, now_local

# --- the lead's forms (candour.web.actions.JOINT_ACTIONS) -------------------------------------


def lead_hint(case: Case) -> str:
    """The rule of seed 001 §8, in words for staff (forms do not cite the seeds)."""
    return (
        f"{case.organisation.name} leads: the case is its own. The organisation with the most "
        "serious complaint, or the largest number of issues, would normally take the lead, "
        "and the complainant is sent a single, coordinated response."
    )


def organisations(case: Case, user) -> list[tuple[str, str]]:
    """Every other organisation in Candour, by name: the contributors its staff can see
    their part of."""
    return [
        (str(o.pk), f"{o.name} ({o.code})")
        for o in Organisation.objects.exclude(pk=case.organisation_id).order_by("name")
    ]


ISSUE_NUMBERS = re.compile(r"^\s*\d{1,5}(\s*[,;\s]\s*\d{1,5})*\s*$")


def issue_numbers(raw: str) -> list[int]:
    if not raw.strip():
        return []
    if not ISSUE_NUMBERS.match(raw):
        raise InvalidCase("issues", "must be issue numbers separated by commas, for example 1, 3")
    return [int(n) for n in re.findall(r"\d+", raw)]


def issues_hint(case: Case) -> str:
    listed = "; ".join(
        f"{i.number}: {i.description[:60]}" for i in case.issues.filter(stage=case.stage)
    )
    return (
        "A part is shared with its organisation only once the complainant consents to sharing "
        f"it there, or a reason is recorded. This stage's issues: {listed or 'none yet'}."
    )


def add_part(case: Case, user, data: dict):
    organisation = Organisation.objects.filter(pk=whole_number(data["organisation"]) or 0).first()
    return joint.add_part(
        case,
        by=user,
        organisation=organisation,
        organisation_name=data["organisation_name"],
        asked=data["asked"],
        issues=issue_numbers(data["issues"]),
        due=data["due"],
        at=data["at"],
    )


# Which parts a form offers, of those standing (not withdrawn): not yet shared; shared and
# awaiting its reply; unanswered; without a reply (that may be withdrawn).
WHICH = {
    "unshared": lambda p: p.shared_at is None,
    "awaited": lambda p: p.shared_at is not None and p.reply_at is None,
    "unanswered": lambda p: not p.answered,
    "replyless": lambda p: p.reply_at is None,
}


def _parts(case: Case, which: str) -> list[JointPart]:
    return [
        p
        for p in JointPart.objects.filter(case=case, withdrawn_at__isnull=True).select_related(
            "organisation"
        )
        if WHICH[which](p)
    ]


def parts(which: str):
    def choices(case: Case, user):
        return [(str(p.number), f"Part {p.number}: {p.contributor}") for p in _parts(case, which)]

    return choices


def none_left(which: str, why: str):
    """An Action's `unavailable`: why no part fits the form."""

    def unavailable(case: Case, user) -> str:
        return "" if _parts(case, which) else f"{case.reference}: {why}."

    return unavailable


def part_number(data: dict) -> int:
    return whole_number(data["part"]) or 0


def change_part(case: Case, user, data: dict):
    """The change form: an empty box keeps what is recorded."""
    issues = data["issues"]
    return joint.change_part(
        case,
        by=user,
        number=part_number(data),
        asked=data["asked"] or None,
        organisation_name=data["organisation_name"] or None,
        issues=issue_numbers(issues) if issues.strip() else None,
        due=data["due"],
        at=data["at"],
    )


def _issue_list(part: JointPart) -> str:
    return ", ".join(str(i.number) for i in part.issues.all())


def _described(part: JointPart) -> str:
    issues = _issue_list(part)
    return (
        f"part {part.number} ({part.contributor}), due {deadlines.fmt(part.due)}"
        f"{', issues ' + issues if issues else ''}: {deadlines.shorten(part.asked, 50)}"
    )


def change_hint(case: Case) -> str:
    """What each part awaiting its reply asks now, for the change form."""
    listed = "; ".join(_described(p) for p in _parts(case, "unanswered"))
    return (
        "Leave a box empty to keep what is recorded. The name can be changed only for an "
        f"organisation outside Candour. Awaiting their replies: {listed or 'none'}."
    )


def change_prefill(case: Case, user) -> dict:
    """With one part to change, the form starts from what it records."""
    found = _parts(case, "unanswered")
    if len(found) != 1:
        return {}
    p = found[0]
    return {
        "part": str(p.number),
        "asked": p.asked,
        "organisation_name": p.organisation_name,
        "issues": _issue_list(p),
        "due": p.due.isoformat(),
    }


# --- the lead's section of the case page ------------------------------------------------------


def _urgency(due, today, calendar, answered: bool):
    return None if answered else deadlines.urgency(due, today, calendar)


def section(user, case: Case) -> dict | None:
    """The case page's "Joint complaint" section, for a joint complaint."""
    found = joint.joint_of(case)
    if found is None:
        return None
    today = timezone.localdate()
    calendar = case.organisation.working_calendar()
    rows = [
        {"part": p, "urgency": _urgency(p.due, today, calendar, p.answered or p.withdrawn)}
        for p in joint.parts_of(case)
    ]
    return {
        "joint": found,
        "rows": rows,
        "waits": joint.parts_unanswered(case) if rows else None,
    }


# --- the contributor ---------------------------------------------------------------------------


def _rows(found: list[JointPart]) -> list[dict]:
    if not found:
        return []
    calendars = calendars_of({p.case.organisation for p in found})
    today = timezone.localdate()
    return [
        {
            "part": p,
            "urgency": deadlines.urgency(p.due, today, calendars[p.case.organisation_id]),
        }
        for p in found
    ]


def due_rows(user) -> list[dict]:
    """The worklist's parts due from the user's organisations, with their urgency."""
    return _rows(joint.parts_due(user))


def awaited_rows(user) -> list[dict]:
    """The worklist's parts that the user's organisations' joint complaints await, overdue
    or due soon (by the lead's calendar), with their urgency."""
    return [
        row
        for row in _rows(joint.parts_awaited(user))
        if row["urgency"] in (deadlines.Urgency.OVERDUE, deadlines.Urgency.DUE_SOON)
    ]


REPLY = [
    Field("text", "Your reply", "textarea", hint="What your organisation found, on each issue."),
    Field(
        "reference",
        "Or the reference of the letter or file it was sent in",
        max_length=200,
        short="Reference",
    ),
    Field(
        "at",
        "When was it sent to the lead organisation?",
        "datetime",
        hint="The date and time, in UK time.",
        default=now_local,
        short="When",
    ),
]


def part(request, reference: str, number: int):
    """A part of a joint complaint (GET), and its reply (POST). Its contributor's staff see
    this and nothing else of the case; the lead's staff see it as the contributor does."""
    try:
        found = get_part(request.user, reference, number)
    except PartNotFound as error:
        raise Http404(str(error)) from None
    whole = sees_whole_case(request.user, found)
    may_reply = joint.may_reply(request.user, found)
    form = Form(REPLY)
    if request.method == "POST":
        form = Form(REPLY, request.POST)
        if form.valid:
            try:
                joint.record_reply(
                    found.case,
                    by=request.user,
                    number=found.number,
                    text=form.data["text"],
                    reference=form.data["reference"],
                    at=form.data["at"],
                )
            except CaseError as error:
                form.refuse(error)
            else:
                messages.success(request, f"Reply to part {found.number} recorded.")
                return redirect("web:joint-part", reference=found.case.reference, number=number)
    else:
        with transaction.atomic():
            record("case_viewed", actor=request.user, case=found.case, purpose=f"part {number}")
    seen = joint.contributor_view(request.user, found, whole_case=whole)
    today = timezone.localdate()
    urgency = (
        deadlines.urgency(found.due, today, found.case.organisation.working_calendar())
        if seen["open"]
        else None
    )
    return render(
        request,
        "web/joint/part.jinja",
        {
            "part": seen,
            "whole_case": whole,
            "may_reply": may_reply and seen["open"],
            "form": form,
            "errors": form.errors,
            "urgency": urgency,
            "urgency_labels": deadlines.URGENCY_LABELS,
            "urgency_rule": deadlines.urgency_rule,
        },
        status=400 if form.errors else 200,
    )


part.transitions = named("record_part_reply")
