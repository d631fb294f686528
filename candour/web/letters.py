"""The letters of a case (R24-R27): start one from the organisation's templates, write its text
(a new version each time), walk it through the sign-off chain, download it as PDF or Word, and
record its dispatch. Each page parses, calls one function of candour/letters, and renders.

A letter is found only through a case the user may see (letters.access.get_letter): any other
is 404, and so is a letter asked for under another case's reference.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from candour.cases.access import CaseNotFound, get_case
from candour.cases.consent import RECIPIENTS
from candour.cases.models import PartyRole
from candour.cases.workflow import CaseError
from candour.letters import compose, signoff
from candour.letters import render as rendering
from candour.letters.access import LetterNotFound, get_letter, letters_for
from candour.letters.dispatch import dispatch_letter, responds
from candour.letters.models import (
    CHANNEL_LABELS,
    LETTER_KIND_LABELS,
    LetterStatus,
    StepAction,
)
from candour.organisations.access import people_with
from candour.organisations.policy import DispatchChannel, LetterKind
from candour.text import whole_number
from candour.web.forms import Field, Form, now_local

COMMENT = [Field("text", "Comment", "textarea", hint="Seen by everyone on the chain.")]
APPROVE = [
    Field("approval_note", "Note with your approval (optional)", "textarea", short="Note"),
]


def _send_back_fields(earlier: list) -> list[Field]:
    return [
        Field(
            "to_step",
            "Send it back to",
            "radios",
            choices=[(s.key, s.label, ", ".join(s.roles)) for s in earlier],
            short="Step",
        ),
        Field("reason", "What needs to change", "textarea", short="Reason"),
    ]


def _case(user, reference: str):
    try:
        return get_case(user, reference)
    except CaseNotFound as error:
        raise Http404(str(error)) from None


def _letter(user, reference: str, pk: int):
    try:
        letter = get_letter(user, pk)
    except LetterNotFound as error:
        raise Http404(str(error)) from None
    if letter.case.reference != reference:
        raise Http404(f"There is no letter {pk} on {reference}.")
    return letter


def kind_label(kind: str) -> str:
    return LETTER_KIND_LABELS[LetterKind(kind)]


# --- a case's letters, and starting one --------------------------------------------------------


def _staff(organisation) -> list:
    """Who may be named in a letter (and so copied, R27): anyone with a role at the case's
    organisation or above it, whether or not they may see cases (a receptionist named in a
    complaint is sent a copy of the response)."""
    return people_with(None, organisation)


def _kinds(case) -> list[tuple[str, str]]:
    """The letters the organisation's policy has a sign-off chain for at the case's stage
    (each kind has a template: the preset's wording, or the organisation's own)."""
    policy = case.organisation.policy
    return [(k.value, kind_label(k)) for k in LetterKind if policy.chain_for(k, case.stage)]


def _start_fields(case) -> list[Field]:
    return [
        Field("kind", "Which letter", "radios", choices=_kinds(case), short="Letter"),
        Field(
            "to",
            "Who is it to?",
            "radios",
            choices=list(RECIPIENTS.items()),
            hint="Left unchosen: the complainant, or the patient while letters to the "
            "representative are held because the patient withdrew them.",
            short="Recipient",
        ),
    ]


def case_letters(request, reference: str):
    """The case's letters, and the form to start one (GET); starting it (POST)."""
    case = _case(request.user, reference)
    staff = _staff(case.organisation)
    fields = _start_fields(case)
    named: list[str] = []
    if request.method == "POST":
        form = Form(fields, request.POST)
        named = request.POST.getlist("staff_named")
        chosen = [u for u in staff if str(u.pk) in named]
        if not form.data["kind"]:
            form.errors["kind"] = "Choose which letter to start"
        if form.valid:
            try:
                letter = signoff.start_letter(
                    case, form.data["kind"], by=request.user, to=form.data["to"], staff_named=chosen
                )
            except CaseError as error:
                form.refuse(error)
            else:
                messages.success(request, f"{kind_label(letter.kind)} started.")
                if _may_edit(letter, request.user):
                    return redirect("web:letter-text", case.reference, letter.pk)
                return redirect("web:letter", case.reference, letter.pk)
    else:
        form = Form(fields)
        form.values["kind"] = request.GET.get("kind", "")
    letters = rows(request.user, case)
    return render(
        request,
        "web/letters/index.jinja",
        {
            "case": case,
            "letters": letters,
            "form": form,
            "errors": form.errors,
            "colleagues": [
                {"value": str(u.pk), "text": u.get_full_name() or u.get_username()} for u in staff
            ],
            "named": named,
        },
        status=400 if form.errors else 200,
    )


def rows(user, case) -> list[dict]:
    """The case's letters for a table: newest first, with the step each is at."""
    found = letters_for(user).filter(case=case).order_by("-created_at", "-pk")
    return [{"letter": x, "label": kind_label(x.kind), "step": _step_label(x)} for x in found]


def _step_label(letter) -> str:
    if not letter.step:
        return ""
    chain = signoff.chain_of(letter)
    return chain.steps[chain.index(letter.step)].label


# --- who may do what ---------------------------------------------------------------------------


def _may_edit(letter, user) -> bool:
    """Whether `user` may make a new version now: a holder of a drafting step while the letter
    is there, or (after signing, before sending) a holder of the chain's drafting step."""
    chain = signoff.chain_of(letter)
    if letter.status == LetterStatus.DISPATCHED:
        return False
    if letter.status == LetterStatus.IN_SIGN_OFF:
        step = chain.steps[chain.index(letter.step)]
        return step.edits and bool(signoff.roles_held(user, letter.case, step.roles))
    step = chain.steps[chain.drafting_index]
    return bool(signoff.roles_held(user, letter.case, step.roles))


def _why_not(letter, user, step) -> str:
    name = letter.case.organisation.name
    return (
        f"Only the {' or the '.join(step.roles)} at {name} or above may act at the step "
        f"'{step.label}'; you hold none of these roles there."
    )


# --- the letter page ---------------------------------------------------------------------------


def _page(request, letter, *, status=200, forms=None, errors=None, problems_refused=False):
    user = request.user
    case = letter.case
    chain = signoff.chain_of(letter)
    here = signoff.where(letter)
    versions = list(letter.versions.select_related("created_by", "signed_by").order_by("-number"))
    current = versions[0]
    step = index = None
    may_act = False
    earlier = []
    if letter.step:
        index = chain.index(letter.step)
        step = chain.steps[index]
        may_act = bool(signoff.roles_held(user, case, step.roles))
        earlier = chain.steps[:index]
    problems = []
    if index is not None and chain.drafting_index <= index <= chain.signing_index:
        problems = signoff.approval_problems(letter)
    forms = forms or {}
    forms.setdefault("comment", Form(COMMENT))
    forms.setdefault("approve", Form(APPROVE))
    if letter.status == LetterStatus.IN_SIGN_OFF and earlier:
        forms.setdefault("send_back", Form(_send_back_fields(earlier)))
    dispatchers = [o for o in chain.dispatch if signoff.roles_held(user, case, o.roles)]
    actions = list(letter.actions.select_related("by", "visit").order_by("at", "pk"))
    labels = {s.key: s.label for s in chain.steps}
    return render(
        request,
        "web/letters/letter.jinja",
        {
            "case": case,
            "letter": letter,
            "label": kind_label(letter.kind),
            "chain": chain,
            "here": here,
            "step": step,
            "steps": signoff.history(letter),
            "plan": signoff.plan(letter),
            "labels": labels,
            "versions": versions,
            "current": current,
            "sections": [(compose.heading(n), t) for n, t in current.sections],
            "may_act": may_act,
            "why_not": _why_not(letter, user, step) if step and not may_act else "",
            "may_edit": _may_edit(letter, user),
            "problems": problems,
            "problems_refused": problems_refused,
            "forms": forms,
            "errors": errors or {},
            "dispatchers": dispatchers,
            "dispatch_roles": sorted({r for o in chain.dispatch for r in o.roles}),
            "sent": getattr(letter, "dispatch", None)
            if letter.status == LetterStatus.DISPATCHED
            else None,
            "actions": actions,
            "step_actions": dict(StepAction.choices),
            "staff_named": _names(letter),
            "recipient": _recipient(request.user, letter),
        },
        status=status,
    )


def _names(letter) -> str:
    named = letter.staff_named.order_by("username")
    return ", ".join(u.get_full_name() or u.get_username() for u in named) or "None"


def _recipient(user, letter) -> str:
    p = rendering.printed(letter, user)
    return p.recipient.get("name") or "Not recorded"


def letter(request, reference: str, pk: int):
    return _page(request, _letter(request.user, reference, pk))


ACTIONS = {"comment": COMMENT, "approve": APPROVE, "send-back": None}


@require_POST
def act(request, reference: str, pk: int, action: str):
    """Comment, approve or send back at the current step; any refusal shown on the page."""
    found = _letter(request.user, reference, pk)
    if action not in ACTIONS:
        raise Http404("There is no such step action.")
    if action == "send-back":
        chain = signoff.chain_of(found)
        earlier = chain.steps[: chain.index(found.step)] if found.step else []
        fields, key = _send_back_fields(earlier), "send_back"
    else:
        fields, key = ACTIONS[action], action
    form = Form(fields, request.POST)
    refused_problems = False
    if form.valid:
        try:
            if action == "comment":
                signoff.comment(found, by=request.user, text=form.data["text"])
                done = "Comment added."
            elif action == "approve":
                found = signoff.approve(found, by=request.user, text=form.data["approval_note"])
                done = "Approved." if found.status == LetterStatus.IN_SIGN_OFF else "Signed."
            else:
                signoff.send_back(
                    found,
                    by=request.user,
                    to_step=form.data["to_step"],
                    reason=form.data["reason"],
                )
                done = "Sent back."
        except CaseError as error:
            problems = signoff.approval_problems(found) if action == "approve" else []
            if problems and "cannot be approved yet" in str(error):
                # Each missing section its own line of the error summary (compose.problems).
                refused_problems = True
                form.errors.update({f"problem-{i}": p for i, p in enumerate(problems, 1)})
            else:
                form.refuse(error)
        else:
            messages.success(request, done)
            return redirect("web:letter", reference, pk)
    return _page(
        request,
        _letter(request.user, reference, pk),
        status=400,
        forms={key: form},
        errors=form.errors,
        problems_refused=refused_problems,
    )


# --- the text: a new version -------------------------------------------------------------------


def _text_fields(version) -> list[Field]:
    fields = [Field("subject", "Subject line", max_length=200)]
    for name, _ in version.sections:
        fields.append(
            Field(f"section-{name}", compose.heading(name), "textarea", short=compose.heading(name))
        )
    return fields


def text(request, reference: str, pk: int):
    """The letter's text in its sections (for a final response, seed 001 Appendix D), filled
    from the template's merge; saving makes a new version (signoff.revise)."""
    found = _letter(request.user, reference, pk)
    latest = found.versions.order_by("-number").first()
    fields = _text_fields(latest)
    names = [n for n, _ in latest.sections]
    blocked = "" if _may_edit(found, request.user) else _edit_blocked(found, request.user)
    if request.method == "POST" and not blocked:
        form = Form(fields, request.POST)
        if form.valid:
            sections = [[n, form.data[f"section-{n}"]] for n in names]
            try:
                version = signoff.revise(
                    found, by=request.user, sections=sections, subject=form.data["subject"]
                )
            except CaseError as error:
                _refuse_text(form, error, names)
            else:
                messages.success(request, f"Version {version.number} saved.")
                return redirect("web:letter", reference, pk)
    else:
        form = Form(fields)
        form.values["subject"] = latest.subject
        for name, body in latest.sections:
            form.values[f"section-{name}"] = body
    return render(
        request,
        "web/letters/text.jinja",
        {
            "case": found.case,
            "letter": found,
            "label": kind_label(found.kind),
            "latest": latest,
            "form": form,
            "errors": form.errors,
            "blocked": blocked,
            "final": found.kind == LetterKind.FINAL_RESPONSE,
        },
        status=400 if form.errors else 200,
    )


def _edit_blocked(letter, user) -> str:
    if letter.status == LetterStatus.DISPATCHED:
        return "This letter has been sent; start a new letter instead."
    chain = signoff.chain_of(letter)
    if letter.status == LetterStatus.IN_SIGN_OFF:
        step = chain.steps[chain.index(letter.step)]
        if not step.edits:
            drafting = chain.steps[chain.drafting_index].label
            return (
                f"The text cannot be changed at the step '{step.label}'; send it back to "
                f"'{drafting}' to change it."
            )
        return _why_not(letter, user, step)
    return _why_not(letter, user, chain.steps[chain.drafting_index])


def _refuse_text(form: Form, error: CaseError, names: list[str]) -> None:
    field = getattr(error, "field", "")
    message = str(error).split(": ", 1)[-1]
    if field == "subject":
        form.refuse(error)
    elif field.startswith("sections.") and field[9:].isdigit() and int(field[9:]) < len(names):
        name = names[int(field[9:])]
        form.errors[f"section-{name}"] = f"{compose.heading(name)}: {message}"
    elif field == "sections" and message == "nothing has changed":
        form.errors["subject"] = "Nothing has changed: change the text, then save a new version"
    else:
        form.errors[f"section-{names[0]}" if names else "subject"] = str(error)


# --- downloads ---------------------------------------------------------------------------------


def download(request, reference: str, pk: int, format: str):
    """The letter as PDF or Word (the signed version, else the latest, or ?version=N); every
    download is logged (R38)."""
    found = _letter(request.user, reference, pk)
    if format not in rendering.FORMATS:
        raise Http404("Letters download as pdf or docx.")
    version = None
    raw = request.GET.get("version", "")
    if raw:
        number = whole_number(raw)
        version = found.versions.filter(number=number).first() if number else None
        if version is None:
            raise Http404(f"This letter has no version {raw}.")
    content, mime, name = rendering.download(found, by=request.user, format=format, version=version)
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- dispatch ----------------------------------------------------------------------------------


def _dispatch_fields(letter) -> list[Field]:
    chain = signoff.chain_of(letter)
    return [
        Field(
            "channel",
            "How was it sent?",
            "radios",
            choices=[
                (o.channel.value, CHANNEL_LABELS[DispatchChannel(o.channel)], o.note or None)
                for o in chain.dispatch
            ],
            short="Channel",
        ),
        Field(
            "sent_at",
            "When was it sent?",
            "datetime",
            hint="The date and time, in UK time. Now if left empty.",
            default=now_local,
            short="When sent",
        ),
    ]


def dispatch(request, reference: str, pk: int):
    """Record that the signed letter was sent: how, when, and the copies to the staff named in
    it (R27). Sending a final response records the case's response (letters.dispatch)."""
    found = _letter(request.user, reference, pk)
    fields = _dispatch_fields(found)
    refusal = ""
    if request.method == "POST":
        form = Form(fields, request.POST)
        if not form.data["channel"]:
            form.errors["channel"] = "Choose how the letter was sent"
        if form.valid:
            try:
                dispatch_letter(
                    found,
                    by=request.user,
                    channel=form.data["channel"],
                    sent_at=form.data["sent_at"],
                )
            except CaseError as error:
                if getattr(error, "field", None) in ("channel", "sent_at"):
                    form.refuse(error)
                else:
                    refusal = str(error)
                    form.errors["refusal"] = refusal
            else:
                messages.success(request, "Dispatch recorded.")
                return redirect("web:letter", reference, pk)
    else:
        form = Form(fields)
    case = found.case
    held = bool(
        found.recipient
        and found.recipient.role == PartyRole.REPRESENTATIVE
        and case.representative_on_hold
    )
    return render(
        request,
        "web/letters/dispatch.jinja",
        {
            "case": case,
            "letter": found,
            "label": kind_label(found.kind),
            "form": form,
            "errors": form.errors,
            "refusal": refusal,
            "held": held,
            "ready": found.status == LetterStatus.READY,
            "status": found.get_status_display(),
            "recipient": _recipient(request.user, found),
            "staff_named": _names(found),
            "responds": responds(found),
        },
        status=400 if form.errors else 200,
    )
