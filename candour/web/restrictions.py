"""Staff pages for the routes about a person rather than one case (issue 17): the persistent,
serial or vexatious contact procedure (R33) and high service users' plans (R34). Thin: each
form parses types (candour.web.forms) and calls one domain function in
candour.cases.restrictions or candour.cases.high_users, whose refusal is shown beside its
field. Procedures and plans are found through the user's organisations (404 otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from candour.cases import high_users, person_records, restrictions
from candour.cases.access import CaseNotFound, get_case
from candour.cases.models import ContactMethod
from candour.cases.route_models import PlanStepKind, RestrictionStatus, ServiceUserPlanStatus
from candour.cases.workflow import CaseError
from candour.organisations.access import people_with
from candour.organisations.models import Capability
from candour.web.forms import Field, Form, now_local

S = RestrictionStatus


def _user(username: str):
    if not username:
        return None
    return get_user_model().objects.filter(username=username, is_active=True).first()


def _staff(capability):
    def choices(organisation, **_):
        return [
            (u.get_username(), u.get_full_name() or u.get_username())
            for u in people_with(capability, organisation)
        ]

    return choices


def _when(label: str) -> Field:
    return Field(
        "at",
        label,
        "datetime",
        hint="The date and time, in UK time.",
        default=now_local,
        short="When",
    )


@dataclass(frozen=True)
class Step:
    """One form on a procedure's or plan's page."""

    slug: str
    title: str
    fields: tuple[Field, ...]
    run: Callable[[object, object, dict], object]
    # The message once done; given what `run` returned, where it names it.
    done: str | Callable[[object], str]
    shown: Callable[[object], bool]
    hint: str = ""
    submit: str = ""  # the button, if not the title


CHANNEL_FIELDS = tuple(
    Field(f"channel_{value}", label, "checkbox") for value, label in ContactMethod.choices
)

RESTRICTION_STEPS = (
    Step(
        "evidence",
        "Add documented evidence",
        (
            Field(
                "description",
                "What does it show?",
                "textarea",
                short="Description",
                hint="For example: the stage 2 response of 3 March, answering every issue.",
            ),
            Field("dated", "Date of the letter, call or event", "date", needed=True, short="Date"),
            Field(
                "case_reference",
                "Which of the cases is it from?",
                width="10",
                max_length=32,
                short="Case",
                hint="A case reference, or leave blank.",
            ),
        ),
        lambda r, u, d: restrictions.add_evidence(r, by=u, **d),
        "Evidence added",
        lambda r: r.status in (S.EVIDENCE, S.REVIEWED),
    ),
    Step(
        "review",
        "Review the evidence",
        (
            Field(
                "summary",
                "What did the review find, and what does it recommend?",
                "textarea",
                short="Summary",
            ),
            _when("When was it reviewed?"),
        ),
        lambda r, u, d: restrictions.review(r, by=u, **d),
        "Review recorded",
        lambda r: r.status == S.EVIDENCE,
    ),
    Step(
        "approve",
        "Approve the decision and its restrictions",
        (
            *CHANNEL_FIELDS,
            Field(
                "single_point_of_contact",
                "Single point of contact",
                "select",
                choices=_staff(Capability.HANDLE_CASES),
                short="Single point of contact",
            ),
            Field(
                "review_due",
                "Review the restrictions by",
                "date",
                hint="Leave blank for the policy's review period.",
                short="Review date",
            ),
            Field("note", "Note", "textarea"),
            _when("When was it approved?"),
        ),
        lambda r, u, d: restrictions.approve(
            r,
            by=u,
            channels=[v for v, _ in ContactMethod.choices if d[f"channel_{v}"]],
            single_point_of_contact=_user(d["single_point_of_contact"]),
            review_due=d["review_due"],
            note=d["note"],
            at=d["at"],
        ),
        "Decision approved",
        lambda r: r.status == S.REVIEWED,
        hint="Tick the ways the person may still contact the organisation.",
    ),
    Step(
        "not-approved",
        "Do not approve",
        (
            Field("reason", "Why is it not approved?", "textarea", short="Reason"),
            _when("When was it decided?"),
        ),
        lambda r, u, d: restrictions.decline(r, by=u, **d),
        "Recorded as not approved",
        lambda r: r.status == S.REVIEWED,
    ),
    Step(
        "warning-sent",
        "Record the warning letter as sent",
        (
            Field(
                "letter",
                "Which warning letter was sent?",
                "select",
                short="Letter",
                choices=lambda restriction, **_: _warning_letters(restriction),
                hint="One drafted, signed and sent from a case's letters page; or leave this "
                "and say below how the letter went.",
            ),
            Field(
                "note",
                "How did the signed letter go?",
                "textarea",
                short="Note",
                hint="For example: hand delivered, marked 'medical in confidence'.",
            ),
            _when("When was it sent?"),
        ),
        lambda r, u, d: restrictions.record_warning(
            r,
            by=u,
            letter_id=int(d["letter"]) if d["letter"].isdigit() else None,
            note=d["note"],
            at=d["at"],
        ),
        "Warning letter recorded: the restrictions are in force",
        lambda r: r.status == S.APPROVED,
    ),
    Step(
        "keep",
        "Review the restrictions and keep them",
        (
            Field("next_review", "Next review by", "date", needed=True, short="Next review"),
            Field("note", "Why are they still needed?", "textarea", short="Note"),
            _when("When were they reviewed?"),
        ),
        lambda r, u, d: restrictions.keep(r, by=u, **d),
        "Restrictions kept until the next review",
        lambda r: r.status == S.IN_FORCE,
    ),
    Step(
        "lift",
        "Lift the restrictions",
        (
            Field("reason", "Why are they lifted?", "textarea", short="Reason"),
            _when("When were they lifted?"),
        ),
        lambda r, u, d: restrictions.lift(r, by=u, **d),
        "Restrictions lifted",
        lambda r: r.status in (S.APPROVED, S.IN_FORCE),
    ),
    Step(
        "link-case",
        "Add another of the person's cases",
        (Field("case", "Case reference", width="10", max_length=32),),
        lambda r, u, d: _link(r, u, d["case"]),
        "Case added",
        lambda r: r.status not in (S.NOT_APPROVED, S.LIFTED),
    ),
)
RESTRICTION_STEP = {s.slug: s for s in RESTRICTION_STEPS}


def _warning_letters(restriction):
    """The sent vexatious warning letters of the procedure's cases."""
    from candour.letters.models import Letter, LetterStatus

    letters = Letter.objects.filter(
        case__in=restriction.cases.all(),
        kind="vexatious_warning",
        status=LetterStatus.DISPATCHED,
    ).select_related("case")
    return [(str(x.pk), f"Warning letter on {x.case.reference}") for x in letters]


def _link(restriction, user, reference: str):
    try:
        case = get_case(user, reference.strip())
    except CaseNotFound:
        from candour.cases.intake import InvalidCase

        raise InvalidCase("case", f"{reference or 'that'} is not a case you can see") from None
    return restrictions.link_case(restriction, case, by=user)


ALIASES = {"channels": CHANNEL_FIELDS[0].name}


def step_page(
    request,
    *,
    steps: dict,
    target,
    slug: str,
    context: dict,
    back: str,
    caption: str,
    then: Callable[[object], str] | None = None,
):
    """One step's form (GET) and the step itself (POST), then back to the page of `target`
    (or to `then` of what the step returned: the procedure or plan it started)."""
    step = steps.get(slug)
    if step is None:
        raise Http404("There is no such step.")
    if not step.shown(target):
        messages.error(request, f"'{step.title}' cannot be done now.")
        return redirect(back)
    post = request.POST if request.method == "POST" else None
    form = Form(step.fields, post, aliases=ALIASES, user=request.user, **context)
    if post is not None and form.valid:
        try:
            result = step.run(target, request.user, form.data)
        except CaseError as error:
            form.refuse(error)
        else:
            done = step.done(result) if callable(step.done) else step.done
            messages.success(request, f"{done}.")
            return redirect(then(result) if then else back)
    return render(
        request,
        "web/routes/step.jinja",
        {"step": step, "form": form, "errors": form.errors, "back": back, "caption": caption},
        status=400 if form.errors else 200,
    )


def restriction_list(request):
    """Every procedure of the user's organisations; those due for review first."""
    due = list(restrictions.due_for_review(request.user))
    rows = list(restrictions.restrictions_for(request.user).order_by("-opened_at", "-pk")[:200])
    names = {r.pk: restrictions.person_name(request.user, r) for r in {*due, *rows}}
    return render(
        request,
        "web/routes/restrictions.jinja",
        {"due": due, "rows": rows, "names": names, "today": timezone.localdate()},
    )


def _restriction(request, pk: int):
    try:
        return restrictions.get_restriction(request.user, pk)
    except restrictions.RestrictionNotFound as error:
        raise Http404(str(error)) from None


def restriction(request, pk: int):
    found = _restriction(request, pk)
    return render(
        request,
        "web/routes/restriction.jinja",
        {
            "r": found,
            "name": restrictions.person_name(request.user, found),
            "steps": [s for s in RESTRICTION_STEPS if s.shown(found)],
            "procedure": found.organisation.policy.persistent_contact,
            "evidence": found.evidence.select_related("case"),
            "cases": found.cases.order_by("reference"),
            "history": person_records.history(found),
            "channels": restrictions.channels_text(found.channels) if found.channels else "",
        },
    )


def restriction_step(request, pk: int, step: str):
    found = _restriction(request, pk)
    return step_page(
        request,
        steps=RESTRICTION_STEP,
        target=found,
        slug=step,
        context={"organisation": found.organisation, "restriction": found},
        back=reverse("web:restriction", args=[found.pk]),
        caption=f"Persistent contact procedure {found.reference}",
    )


START_FIELDS = (
    Field(
        "grounds",
        "Why is the person's contact unreasonably persistent, serial or vexatious?",
        "textarea",
        short="Grounds",
        hint="It is seldom the case that a persistent complainant should be "
        "dealt with this way. Say what has happened and what reasonable efforts were made.",
    ),
    _when("When was the procedure started?"),
)


START_RESTRICTION = Step(
    "start",
    "Start the persistent contact procedure",
    START_FIELDS,
    lambda case, u, d: restrictions.open_procedure(case, by=u, **d),
    lambda found: f"Procedure {found.reference} started",
    lambda case: True,
    submit="Start the procedure",
)


def _start(request, reference: str, step: Step, then: Callable[[object], str]):
    """A procedure or plan started from a case: step_page on the case."""
    try:
        case = get_case(request.user, reference)
    except CaseNotFound as error:
        raise Http404(str(error)) from None
    return step_page(
        request,
        steps={step.slug: step},
        target=case,
        slug=step.slug,
        context={"organisation": case.organisation},
        back=reverse("web:case", args=[case.reference]),
        caption=f"{case.get_kind_display()} {case.reference}",
        then=then,
    )


def start_restriction(request, reference: str):
    """Start the procedure for a case's complainant."""
    return _start(
        request, reference, START_RESTRICTION, lambda r: reverse("web:restriction", args=[r.pk])
    )


# --- high service users ---------------------------------------------------------------------

STEP_KINDS = [(k.value, k.label) for k in PlanStepKind if k != PlanStepKind.MDT_MEETING]


def _plan_steps(plan):
    return [
        (str(s.number), f"{s.number}: {s.get_kind_display()}")
        for s in plan.steps.all()
        if not s.finished
    ]


PLAN_STEPS = (
    Step(
        "step",
        "Add a step",
        (
            Field("kind", "Which step?", "radios", choices=STEP_KINDS, short="Step"),
            Field("owner", "Owner", "select", choices=_staff(None)),
            Field("due", "Due by", "date", needed=True, short="Due date"),
            Field("detail", "What is planned?", "textarea", short="Detail"),
        ),
        lambda p, u, d: high_users.add_step(
            p, by=u, kind=d["kind"], owner=_user(d["owner"]), due=d["due"], detail=d["detail"]
        ),
        "Step added",
        lambda p: p.status == ServiceUserPlanStatus.OPEN,
        hint="Consider a capacity assessment and a referral to the mental health "
        "team; agree the communication plan after the MDT meeting; escalate to regional, then "
        "national, support only if the step before does not work.",
    ),
    Step(
        "done",
        "Record a step as done",
        (
            Field(
                "step",
                "Which step?",
                "radios",
                short="Step",
                choices=lambda plan, **_: _plan_steps(plan),
            ),
            Field("outcome", "What was done, and what came of it?", "textarea", short="Outcome"),
            _when("When was it done?"),
        ),
        lambda p, u, d: high_users.complete_step(
            p, by=u, step=int(d["step"] or 0), outcome=d["outcome"], at=d["at"]
        ),
        "Step recorded as done",
        lambda p: p.status == ServiceUserPlanStatus.OPEN,
    ),
    Step(
        "not-needed",
        "Record a step considered as not needed",
        (
            Field(
                "step",
                "Which step?",
                "radios",
                short="Step",
                choices=lambda plan, **_: _plan_steps(plan),
            ),
            Field("reason", "Why is it not needed?", "textarea", short="Reason"),
        ),
        lambda p, u, d: high_users.not_needed(
            p, by=u, step=int(d["step"] or 0), reason=d["reason"]
        ),
        "Step recorded as not needed",
        lambda p: p.status == ServiceUserPlanStatus.OPEN,
    ),
    Step(
        "close",
        "Close the plan",
        (
            Field("reason", "Why is it no longer needed?", "textarea", short="Reason"),
            _when("When was it closed?"),
        ),
        lambda p, u, d: high_users.close_plan(p, by=u, **d),
        "Plan closed",
        lambda p: p.status == ServiceUserPlanStatus.OPEN,
    ),
)
PLAN_STEP = {s.slug: s for s in PLAN_STEPS}


def plan_list(request):
    rows = list(high_users.plans_for(request.user).order_by("-opened_at", "-pk")[:200])
    return render(
        request,
        "web/routes/plans.jinja",
        {
            "due": list(high_users.steps_due(request.user)),
            "rows": rows,
            "names": {p.pk: restrictions.person_name(request.user, p) for p in rows},
        },
    )


def _plan(request, pk: int):
    try:
        return high_users.get_plan(request.user, pk)
    except high_users.PlanNotFound as error:
        raise Http404(str(error)) from None


def plan(request, pk: int):
    found = _plan(request, pk)
    return render(
        request,
        "web/routes/plan.jinja",
        {
            "p": found,
            "name": restrictions.person_name(request.user, found),
            "steps_open": [s for s in PLAN_STEPS if s.shown(found)],
            "steps": found.steps.select_related("owner"),
            "cases": found.cases.order_by("reference"),
            "history": person_records.history(found),
        },
    )


def plan_step(request, pk: int, step: str):
    found = _plan(request, pk)
    return step_page(
        request,
        steps=PLAN_STEP,
        target=found,
        slug=step,
        context={"organisation": found.organisation, "plan": found},
        back=reverse("web:plan", args=[found.pk]),
        caption=f"High service user plan {found.reference}",
    )


OPEN_PLAN_FIELDS = (
    Field(
        "reason",
        "Why are the patient's contacts about health needs rather than a complaint?",
        "textarea",
        short="Reason",
    ),
    Field(
        "mdt_owner", "Who arranges the MDT meeting?", "select", choices=_staff(None), short="Owner"
    ),
    Field("mdt_due", "MDT meeting due by", "date", needed=True, short="Due date"),
    _when("When was the plan opened?"),
)


START_PLAN = Step(
    "start",
    "Open a high service user plan",
    OPEN_PLAN_FIELDS,
    lambda case, u, d: high_users.open_plan(
        case,
        by=u,
        reason=d["reason"],
        mdt_owner=_user(d["mdt_owner"]),
        mdt_due=d["mdt_due"],
        at=d["at"],
    ),
    lambda found: f"Plan {found.reference} opened",
    lambda case: True,
    submit="Open the plan",
)


def start_plan(request, reference: str):
    """Open a high service user plan for a case's patient."""
    return _start(request, reference, START_PLAN, lambda p: reverse("web:plan", args=[p.pk]))
