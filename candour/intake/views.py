"""The public feedback form and the status page: no sign-in, outside the staff `web`
namespace. Views parse, keep the answers in the session, and call the domain
(record_public_submission, status_for); the questions live in questions.py."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from candour.cases import status as case_status
from candour.cases.intake import InvalidCase, record_public_submission
from candour.cases.models import ConsentState
from candour.cases.workflow import RESPONDING_KINDS
from candour.intake import limits, questions
from candour.organisations.models import Organisation

SESSION_KEY = "candour_feedback"
HONEYPOT = "website"  # a field people never see; bots fill it in
# A public session lasts this long without a request, so that someone writing a long answer
# does not lose it (staff sessions keep their own shorter idle timeout).
PUBLIC_SESSION_SECONDS = 4 * 60 * 60


def _organisation(code: str) -> Organisation:
    organisation = Organisation.objects.filter(code=code.upper()).first()
    if organisation is None:
        raise Http404("No organisation has this code.")
    return organisation


def _progress(request, organisation: Organisation) -> dict:
    """This organisation's form in the session: {"answers": {...}, "done": [...]}."""
    forms = request.session.setdefault(SESSION_KEY, {})
    return forms.setdefault(organisation.code, {"answers": {}, "done": []})


def _save(request, organisation: Organisation, progress: dict) -> None:
    request.session[SESSION_KEY][organisation.code] = progress
    request.session.modified = True
    if not request.user.is_authenticated:
        request.session.set_expiry(PUBLIC_SESSION_SECONDS)


def _context(organisation: Organisation, **more) -> dict:
    return {"public_page": True, "public": organisation, "honeypot": HONEYPOT, **more}


def _refuse_oversized(request, organisation):
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.CANDOUR_PUBLIC_MAX_REQUEST_BYTES:
        return render(request, "intake/too_large.jinja", _context(organisation), status=413)
    return None


def _refuse_bots(request, organisation):
    if request.POST.get(HONEYPOT):
        # Nothing is kept. A person who somehow filled the hidden field is told how else to
        # reach the organisation rather than shown a false confirmation.
        return render(request, "intake/not_accepted.jinja", _context(organisation), status=400)
    return None


def _url(organisation, step: questions.Step | None, change: bool = False) -> str:
    if step is None:
        return reverse("intake:check", args=[organisation.code])
    url = reverse("intake:question", args=[organisation.code, step.slug])
    return f"{url}?change=1" if change else url


@require_http_methods(["GET"])
def start(request, code):
    organisation = _organisation(code)
    first = questions.STEPS[0]
    return render(
        request,
        "intake/start.jinja",
        _context(organisation, first_url=_url(organisation, first)),
    )


@require_http_methods(["GET", "POST"])
def question(request, code, slug):
    organisation = _organisation(code)
    step = questions.BY_SLUG.get(slug)
    if step is None:
        raise Http404("No such question.")
    progress = _progress(request, organisation)
    answers, done = progress["answers"], set(progress["done"])
    if not step.applies(answers):
        return redirect(_url(organisation, questions.first_unfinished(answers, done)))
    change = request.GET.get("change") == "1"
    errors: dict[str, str] = {}
    if request.method == "POST":
        refused = _refuse_oversized(request, organisation) or _refuse_bots(request, organisation)
        if refused:
            return refused
        # Keep what was typed, right or wrong, so nothing is lost on an error.
        for f in step.fields:
            answers[f.name] = f.raw(request.POST)
        errors = step.validate(answers)
        if not errors:
            done.add(step.slug)
        progress["done"] = sorted(done)
        _save(request, organisation, progress)
        if not errors:
            following = (
                questions.first_unfinished(answers, done)
                if change
                else questions.after(step, answers)
            )
            return redirect(_url(organisation, following, change=change and following))
    previous = questions.before(step, answers)
    back = (
        reverse("intake:check", args=[organisation.code])
        if change
        else _url(organisation, previous)
        if previous
        else reverse("intake:start", args=[organisation.code])
    )
    return render(
        request,
        "intake/question.jinja",
        _context(
            organisation,
            step=step,
            heading=step.heading(answers),
            answers=answers,
            errors=errors,
            back=back,
            action=request.get_full_path(),
        ),
    )


@require_http_methods(["GET", "POST"])
def check(request, code):
    organisation = _organisation(code)
    progress = _progress(request, organisation)
    answers, done = progress["answers"], set(progress["done"])
    unfinished = questions.first_unfinished(answers, done)
    if unfinished is not None:
        return redirect(_url(organisation, unfinished))
    if request.method == "POST":
        refused = _refuse_oversized(request, organisation) or _refuse_bots(request, organisation)
        if refused:
            return refused
        address = limits.client_address(request)
        wait = limits.retry_after(limits.submissions(), address)
        if wait is not None:
            return _rate_limited(request, organisation, wait)
        try:
            new = questions.to_new_case(answers, received_at=timezone.now())
            submission = record_public_submission(organisation, new)
        except (questions.Invalid, InvalidCase):
            # Answers changed under us (another tab): ask again rather than lose them.
            progress["done"] = []
            _save(request, organisation, progress)
            return redirect(_url(organisation, questions.first_unfinished(answers, set())))
        limits.count(limits.submissions(), address)
        case = submission.case
        # What the confirmation page says, kept from the submission itself: the public
        # side never reads a case back except through the status page's reference and code.
        progress = {
            "answers": {},
            "done": [],
            "sent": {
                "reference": case.reference,
                "secret": submission.status_secret,
                "kind": case.get_kind_display().lower(),
                "responds": case.kind in RESPONDING_KINDS,
                "anonymous": case.anonymous,
                "consent_needed": case.consent_state == ConsentState.NEEDED,
                "out_of_time": case.out_of_time,
                "acknowledge_due": case.acknowledge_due.isoformat()
                if case.acknowledge_due
                else None,
            },
        }
        _save(request, organisation, progress)
        return redirect("intake:sent", code=organisation.code)
    rows = [
        {
            "step": step,
            "fields": step.visible_fields(answers),
            "change": _url(organisation, step, change=True),
        }
        for step in questions.applicable(answers)
    ]
    last = questions.applicable(answers)[-1]
    return render(
        request,
        "intake/check.jinja",
        _context(
            organisation,
            rows=rows,
            answers=answers,
            back=_url(organisation, last),
            kind=answers.get("kind"),
        ),
    )


@require_http_methods(["GET"])
def sent(request, code):
    organisation = _organisation(code)
    progress = _progress(request, organisation)
    sent = progress.get("sent")
    if not sent:
        return redirect("intake:start", code=organisation.code)
    due = sent["acknowledge_due"]
    return render(
        request,
        "intake/sent.jinja",
        _context(
            organisation,
            sent=sent,
            acknowledge_due=date.fromisoformat(due) if due else None,
            acknowledgement=organisation.policy.acknowledgement,
            time_limit=organisation.policy.time_limit,
        ),
    )


def _rate_limited(request, organisation, wait_seconds: int):
    until = timezone.localtime() + timedelta(seconds=wait_seconds)
    response = render(
        request,
        "intake/rate_limited.jinja",
        _context(organisation, until=until),
        status=429,
    )
    response["Retry-After"] = str(wait_seconds)
    return response


@require_http_methods(["GET", "POST"])
def status(request):
    errors: dict[str, str] = {}
    shown = None
    reference = secret = ""
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > 4096:
            return render(request, "intake/too_large.jinja", _context(None), status=413)
        reference = request.POST.get("reference", "").strip()[:40]
        secret = request.POST.get("secret", "").strip()[:40]
        if not reference:
            errors["reference"] = "Enter your reference, like WAL-2026-00042"
        if not secret:
            errors["secret"] = "Enter the code we gave you with your reference"
        if not errors:
            address = limits.client_address(request)
            wait = limits.retry_after(limits.status_checks(), address)
            if wait is not None:
                return _rate_limited(request, None, wait)
            limits.count(limits.status_checks(), address)
            shown = case_status.status_for(reference, secret)
            if shown is None:
                errors["reference"] = (
                    "We could not find a case with this reference and code. Check both "
                    "against your confirmation or letter and try again"
                )
    return render(
        request,
        "intake/status.jinja",
        _context(None, errors=errors, shown=shown, reference=reference),
    )
