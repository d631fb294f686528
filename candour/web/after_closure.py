"""After closure (R37): the satisfaction survey, its answers, and anonymised case studies.

Pages of their own (the case page links to them), each calling the same domain function as
the API (candour/api/after_closure.py), marked with `performs` for the transitions they take
(tests/api/test_transition_coverage.py). The survey's link to answer online is the public
page `answer` (outside the staff guard, as the feedback form is: ADR 0008).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from candour.cases import case_studies, key_attempts, surveys
from candour.cases.closure_models import CaseStudyStatus, SurveyChannel, SurveyOffer
from candour.cases.workflow import CaseError, allowed_actions, ensure_can
from candour.intake.limits import client_address
from candour.web.actions import performs, when
from candour.web.forms import Field, Form
from candour.web.signin import public
from candour.web.views import _visible_case

PAGE_SIZE = 20

SURVEY_FIELDS = (
    Field(
        "offer",
        "Was the survey sent, or offered and declined?",
        "radios",
        choices=SurveyOffer.choices,
        short="Offer",
    ),
    Field(
        "channel",
        "How was it sent or offered?",
        "radios",
        choices=SurveyChannel.choices,
        hint="A link to answer online gives a key to send to the complainant, shown once.",
        short="Channel",
    ),
    when("When was it sent or offered?"),
    Field("note", "Note (optional)", "textarea", short="Note"),
)
STUDY_FIELDS = (
    Field("title", "Title", max_length=200),
    Field("service", "Service", max_length=200),
    Field("what_happened", "What happened", "textarea"),
    Field("what_we_found", "What we found", "textarea"),
    Field("what_changed", "What changed as a result", "textarea"),
)
WITHDRAW_FIELDS = (Field("reason", "Why is it withdrawn?", "textarea", short="Reason"),)


def _page(request, case, template: str, **context):
    errors = context.get("form").errors if context.get("form") else {}
    return render(
        request,
        f"web/closure/{template}",
        {"case": case, "errors": errors, **context},
        status=400 if errors else 200,
    )


def _blocked(case, user, action: str) -> str:
    """Why `action` is not open to `user` on `case` now, in the domain's words, or ""."""
    if action in allowed_actions(case, user):
        return ""
    try:
        ensure_can(case, action, user)
    except CaseError as error:
        return str(error)
    return ""


@performs("send_survey")
def survey(request, reference: str):
    """Record the satisfaction survey as sent (how and when), or offered and declined."""
    case = _visible_case(request.user, reference)
    if request.method == "POST":
        form = Form(SURVEY_FIELDS, request.POST)
        if form.valid:
            try:
                sent = surveys.send_survey(case, by=request.user, **form.data)
            except CaseError as error:
                form.refuse(error)
            else:
                if sent.link_key:
                    link = request.build_absolute_uri(reverse("web:survey-answer"))
                    return _page(request, case, "survey_sent.jinja", survey=sent, link=link)
                offer = sent.get_offer_display().lower()
                messages.success(request, f"Satisfaction survey recorded: {offer}.")
                return redirect("web:case", reference=case.reference)
    else:
        form = Form(SURVEY_FIELDS)
    blocked = "" if request.method == "POST" else _blocked(case, request.user, "send_survey")
    questions = case.organisation.policy.survey.questions
    return _page(request, case, "survey.jinja", form=form, blocked=blocked, questions=questions)


def answer_fields(questions: list[dict]) -> list[Field]:
    """A field for each of a survey's questions: its answers as radios, or free text."""
    return [
        Field(
            q["key"],
            q["text"],
            "radios" if q["answers"] else "textarea",
            choices=[(a, a) for a in q["answers"]],
            short="The answer",
        )
        for q in questions
    ]


@performs("record_survey_answers")
def survey_answers(request, reference: str):
    """Record the answers to the survey sent, from a paper or phone survey."""
    case = _visible_case(request.user, reference)
    awaiting = surveys.awaiting(case)
    blocked = _blocked(case, request.user, "record_survey_answers")
    fields = [
        *answer_fields(awaiting.questions if awaiting else []),
        when("When were they received?", "received_at"),
    ]
    if request.method == "POST" and not blocked:
        form = Form(fields, request.POST)
        if form.valid:
            answers = {f.name: form.data[f.name] for f in fields if f.name != "received_at"}
            try:
                surveys.record_answers(
                    case, by=request.user, answers=answers, received_at=form.data["received_at"]
                )
            except CaseError as error:
                form.refuse(error)
            else:
                messages.success(request, "Survey answers recorded.")
                return redirect("web:case", reference=case.reference)
    else:
        form = Form(fields)
    return _page(request, case, "answers.jinja", form=form, blocked=blocked, survey=awaiting)


@performs("draft_case_study")
def draft_case_study(request, reference: str):
    """Draft an anonymised case study from the closed case (POST), or say why not (GET)."""
    case = _visible_case(request.user, reference)
    blocked = _blocked(case, request.user, "draft_case_study")
    if request.method == "POST" and not blocked:
        try:
            study = case_studies.draft_case_study(case, by=request.user)
        except CaseError as error:
            blocked = str(error)
        else:
            messages.success(
                request,
                f"Case study {study.number} drafted with names, dates, NHS numbers, addresses, "
                "postcodes, phone numbers and emails taken out. Read it through and edit it; "
                "a second person approves it.",
            )
            return redirect("web:case-study", reference=case.reference, number=study.number)
    return _page(request, case, "draft.jinja", blocked=blocked)


def _approval_refused(error: CaseError) -> str:
    """Approval's refusal in words, naming the part of the case study it is about."""
    named = getattr(error, "field", None)
    labels = {f.name: f.label for f in STUDY_FIELDS}
    if named in labels:
        return f"{labels[named]} {str(error).split(': ', 1)[-1]}"
    return str(error)


@performs("edit_case_study", "approve_case_study", "withdraw_case_study")
def case_study(request, reference: str, number: int):
    """One case study of the case: its text, the edit form while a draft, approval by a
    second person, and withdrawal."""
    case = _visible_case(request.user, reference)
    study = case.case_studies.filter(number=number).first()
    if study is None:
        raise Http404(f"{case.reference} has no case study {number}.")
    form = Form(STUDY_FIELDS)
    form.values.update(study.texts())
    withdraw = Form(WITHDRAW_FIELDS)
    refused = ""
    if request.method == "POST":
        do = request.POST.get("do", "")
        try:
            if do == "edit":
                form = Form(STUDY_FIELDS, request.POST)
                if form.valid:
                    case_studies.edit_case_study(study, by=request.user, **form.data)
                    messages.success(request, f"Case study {number} saved.")
                    return redirect("web:case-study", reference=case.reference, number=number)
            elif do == "approve":
                case_studies.approve_case_study(study, by=request.user)
                messages.success(
                    request,
                    f"Case study {number} approved: staff across the organisation can read it on "
                    "the learning page, without the case.",
                )
                return redirect("web:case-study", reference=case.reference, number=number)
            elif do == "withdraw":
                withdraw = Form(WITHDRAW_FIELDS, request.POST)
                if withdraw.valid:
                    case_studies.withdraw_case_study(
                        study, by=request.user, reason=withdraw.data["reason"]
                    )
                    messages.success(request, f"Case study {number} withdrawn.")
                    return redirect("web:case-study", reference=case.reference, number=number)
            else:
                refused = "Choose what to do: save, approve or withdraw."
        except CaseError as error:
            if do == "approve":
                refused = _approval_refused(error)
            else:
                (withdraw if do == "withdraw" else form).refuse(error)
    errors = {**form.errors, **withdraw.errors}
    if refused:
        errors["approve"] = refused
    return render(
        request,
        "web/closure/case_study.jinja",
        {
            "case": case,
            "study": study,
            "form": form,
            "withdraw": withdraw,
            "errors": errors,
            "draft": study.status == CaseStudyStatus.DRAFT,
            "may_edit": not _blocked(case, request.user, "edit_case_study"),
            "may_approve": not _blocked(case, request.user, "approve_case_study"),
            "may_withdraw": not _blocked(case, request.user, "withdraw_case_study"),
        },
        status=400 if errors else 200,
    )


def learning_case_studies(request):
    """The case studies the user may read: approved ones across their organisation tree
    (without their case), and the drafts of the cases they see."""
    found = case_studies.studies_for(request.user).select_related("case")
    shown = request.GET.get("show", "approved")
    if shown == "approved":
        found = found.filter(status=CaseStudyStatus.APPROVED)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"study": s, "sees_case": case_studies.sees_case(request.user, s)} for s in page]
    return render(
        request,
        "web/closure/learning.jinja",
        {"page": page, "rows": rows, "shown": shown},
    )


def learning_case_study(request, pk: int):
    try:
        study = case_studies.get_study(request.user, pk)
    except case_studies.CaseStudyNotFound as error:
        raise Http404(str(error)) from None
    return render(
        request,
        "web/closure/read.jinja",
        {"study": study, "sees_case": case_studies.sees_case(request.user, study)},
    )


@public
def answer(request):
    """The public page where the complainant answers their survey with the key sent to them:
    the key first, then the questions. No sign-in; the survey answers once."""
    # The key comes by POST only: a secret in a URL ends up in logs and browser history.
    key = (request.POST.get("key") or "").strip()
    context = {"public_page": True, "key": key, "errors": {}}
    if not key:
        return render(request, "web/closure/answer.jinja", context)
    # Keys that did not match are limited per client address (cases.key_attempts).
    address = client_address(request)
    wait, hour = key_attempts.take(address)
    if wait is not None:
        return _too_many_keys(request, context, wait)
    try:
        found = surveys.by_key(key)
    except surveys.SurveyNotFound:
        context["errors"] = {
            "key": "Key: there is no survey waiting for answers with that key. Check the key "
            "in the letter or email we sent you; a survey can be answered once."
        }
        return render(request, "web/closure/answer.jinja", context, status=400)
    key_attempts.give_back(address, hour)
    fields = answer_fields(found.questions)
    if request.method == "POST" and "answering" in request.POST:
        form = Form(fields, request.POST)
        given = {f.name: form.data[f.name] for f in fields}
        try:
            if not any(v.strip() for v in given.values()):
                raise CaseError("Answer at least one question, then send your answers.")
            surveys.answer_online(key, given)
        except surveys.SurveyNotFound:
            context["errors"] = {"key": "Key: this survey has already been answered."}
            return render(request, "web/closure/answer.jinja", context, status=400)
        except CaseError as error:
            form.refuse(error)
        else:
            return render(request, "web/closure/answered.jinja", {"public_page": True})
    else:
        form = Form(fields)
    context.update(form=form, errors=form.errors, organisation=found.case.organisation)
    return render(request, "web/closure/answer.jinja", context, status=400 if form.errors else 200)


def _too_many_keys(request, context: dict, wait_seconds: int):
    until = timezone.localtime() + timedelta(seconds=wait_seconds)
    context["errors"] = {
        "key": "Key: too many keys that did not match have been tried from your connection "
        f"this hour. Try again after {until:%H:%M}, with the key exactly as it is in the "
        "letter or email we sent you."
    }
    response = render(request, "web/closure/answer.jinja", context, status=429)
    response["Retry-After"] = str(wait_seconds)
    return response


# Staff pages, added to the web namespace's URLs (candour/web/urls.py).
urlpatterns = [
    path("cases/<str:reference>/closure/survey/", survey, name="survey"),
    path("cases/<str:reference>/closure/survey/answers/", survey_answers, name="survey-answers"),
    path(
        "cases/<str:reference>/closure/case-studies/new/",
        draft_case_study,
        name="draft-case-study",
    ),
    path(
        "cases/<str:reference>/closure/case-studies/<int:number>/",
        case_study,
        name="case-study",
    ),
    path("learning/case-studies/", learning_case_studies, name="case-studies"),
    path("learning/case-studies/<int:pk>/", learning_case_study, name="learning-case-study"),
    # Public: the complainant's own answers, with the key sent to them.
    path("survey/", answer, name="survey-answer"),
]
