"""The case page's action forms: each calls its domain function and writes its audit event;
a refusal re-shows the form with the domain's message and writes nothing; a case outside the
user's organisations is 404 on every action."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases import consent, escalation, handling, investigation
from candour.cases.models import Case
from candour.cases.people import PersonDetails
from candour.cases.workflow import TRANSITIONS
from candour.web.actions import ACTIONS

from .. import joint_steps
from ..conftest import at, make_case, sign_in
from ..responding import send_final_response, without_sign_off

ON_BEHALF = {
    "patient": PersonDetails(first_name="Pat", last_name="Patient", postcode="WS2 2BB"),
    "relationship": "relative",
}


def url(case, slug):
    return reverse("web:case-action", args=[case.reference, slug])


def acknowledged(case, by):
    return handling.acknowledge_case(case, by=by, method="letter")


def found(case, by):
    case = acknowledged(case, by)
    investigation.record_finding(
        case, by=by, issue_number=1, finding="upheld", summary="The call back was missed."
    )
    return case


def responded(case, by):
    """Found, the outcome recorded and the signed final response dispatched (R26)."""
    case = found(case, by)
    case = investigation.record_outcome(case, by=by, summary="We are sorry; calls now logged.")
    return send_final_response(case)


def closed(case, by):
    return handling.close_case(responded(case, by), by=by)


def paused(case, by):
    return handling.pause_case(acknowledged(case, by), by=by, reason="police", detail="Inquiry")


def consent_received(case, by):
    return consent.receive_consent(case, by=by, method="written")


def withdrawn_representative(case, by):
    return consent.withdraw_representative(case, by=by, note="Rang to say so.")


def share_consent(case, by):
    return consent.record_share_consent(case, by=by, method="verbal")


def forwarded(case, by):
    from candour.cases.escalation import forward_to_provider

    return forward_to_provider(share_consent(case, by), by=by, provider="Example Hospitals")


def identified(case, by):
    return handling.identify_external_notification(case, by=by, body="CQC")


def unchanged(case, by):
    return case


def with_action(case, by):
    from candour.cases import actions as plans

    plans.add_action(
        case, by=by, description="Retrain reception.", owner=by, due=date(2026, 11, 30)
    )
    return case


def action_done(case, by):
    from candour.cases import actions as plans

    with_action(case, by)
    plans.complete_action(case, by=by, number=1, evidence="Training log signed.")
    return case


def with_referral(case, by):
    from candour.cases import referrals

    referrals.raise_referral(
        case, by=by, kind="safeguarding_adult", detail="Bruising.", owner=by, due=date(2026, 11, 3)
    )
    return case


def with_staff(case, by):
    case = acknowledged(case, by)
    investigation.add_staff_involved(case, by=by, name="Dr Example", job_title="GP")
    return case


def staff_ready(case, by):
    case = with_staff(case, by)
    for step in ("informed", "shown_complaint"):
        investigation.record_staff_step(case, by=by, staff=1, step=step)
    return case


def with_statement(case, by):
    case = staff_ready(case, by)
    investigation.request_statement(case, by=by, staff=1, due=date(2026, 11, 9))
    return case


def referred(case, by):
    closed_case = closed(case, by)
    escalation.refer_to_ombudsman(closed_case, by=by, body="phso", referred_on=date(2026, 11, 2))
    return closed_case


# slug, case overrides, how to get it ready, the form, the audit event it writes
CASES = [
    ("acknowledge", {}, unchanged, {"method": "letter"}, "case_acknowledged"),
    ("request-consent", ON_BEHALF, unchanged, {}, "consent_requested"),
    ("receive-consent", ON_BEHALF, unchanged, {"method": "written"}, "consent_received"),
    ("refuse-consent", ON_BEHALF, unchanged, {"note": "Does not agree."}, "consent_refused"),
    (
        "withdraw-consent",
        ON_BEHALF,
        consent_received,
        {"note": "Rang on Monday to withdraw.", "stop_representative": "yes"},
        "consent_withdrawn",
    ),
    (
        "withdraw-representative",
        ON_BEHALF,
        unchanged,
        {"note": "The patient rang: her daughter no longer speaks for her."},
        "representative_withdrawn",
    ),
    (
        "reinstate-representative",
        ON_BEHALF,
        withdrawn_representative,
        {"note": "The patient wrote: her daughter may act again."},
        "representative_reinstated",
    ),
    (
        "override-consent",
        ON_BEHALF,
        unchanged,
        {"grounds": "safeguarding", "reason": "A child may be at risk of harm."},
        "consent_overridden",
    ),
    (
        "approve-summary",
        {"channel": "phone"},
        unchanged,
        {"summary": "No call back about test results."},
        "summary_approved",
    ),
    ("grade", {}, unchanged, {"level": "2"}, "case_graded"),
    ("add-issue", {}, unchanged, {"description": "Rude receptionist"}, "issue_added"),
    ("assign-handler", {}, unchanged, {"handler": "alice"}, "handler_assigned"),
    ("assign-investigator", {}, unchanged, {"investigator": "ivan"}, "investigator_assigned"),
    (
        "agree-response-date",
        {},
        unchanged,
        {"response_date": "2026-12-01", "note": "By phone"},
        "response_date_agreed",
    ),
    (
        "agree-extension",
        {},
        acknowledged,
        {"new_date": "2027-02-01", "reason": "Waiting for a statement."},
        "extension_agreed",
    ),
    (
        "late-decision",
        {"received_at": at(date(2026, 11, 2), 8), "event_date": date(2024, 1, 5)},
        unchanged,
        {"decision": "accepted", "reason": "Was in hospital for a year."},
        "late_complaint_decided",
    ),
    (
        "log-update",
        {},
        acknowledged,
        {"method": "email", "note": "Still waiting for a statement."},
        "complainant_updated",
    ),
    ("external-notification", {}, unchanged, {"body": "CQC"}, "external_notification_identified"),
    ("external-notification-done", {}, identified, {}, "external_body_notified"),
    (
        "pause",
        {},
        acknowledged,
        {"reason": "police", "detail": "Police inquiry"},
        "case_paused",
    ),
    ("resume", {}, paused, {"note": "Inquiry over"}, "case_resumed"),
    (
        "record-finding",
        {},
        acknowledged,
        {"issue_number": "1", "finding": "upheld", "summary": "No call was logged."},
        "finding_recorded",
    ),
    ("record-outcome", {}, found, {"summary": "We are sorry."}, "outcome_recorded"),
    ("close", {}, responded, {"note": "Response sent"}, "case_closed"),
    ("withdraw", {}, unchanged, {"reason": "Sorted out with the GP."}, "case_withdrawn"),
    ("reopen", {}, closed, {"reason": "Still unhappy with the answer."}, "case_reopened"),
    (
        "resolve-informally",
        {"kind": "concern"},
        unchanged,
        {"resolution": "Called back the same day."},
        "concern_resolved_informally",
    ),
    (
        "convert-to-complaint",
        {"kind": "concern"},
        unchanged,
        {"reason": "Wants a written response."},
        "concern_made_formal",
    ),
    ("name-provider", {}, unchanged, {"provider": "Example Hospitals"}, "provider_named"),
    (
        "share-consent",
        {},
        unchanged,
        {"method": "verbal", "at": "2026-11-02T09:00"},
        "share_consent_recorded",
    ),
    (
        "forward-to-provider",
        {},
        share_consent,
        {"provider": "Example Hospitals", "at": "2026-11-02T09:00", "note": "With consent"},
        "forwarded_to_provider",
    ),
    (
        "forward-further-issues",
        {},
        forwarded,
        {"issues": "Wrong address\nNo reply", "consent": "verbal", "at": "2026-11-02T09:00"},
        "further_issues_forwarded",
    ),
    (
        "refer-to-ombudsman",
        {},
        closed,
        {"body": "phso", "referred_on": "2026-11-02"},
        "ombudsman_referral_recorded",
    ),
    (
        "ombudsman-step",
        {},
        referred,
        {"step": "requested", "on": "2026-11-02", "due": "2026-11-30"},
        "ombudsman_information_requested",
    ),
    (
        "add-action",
        {},
        unchanged,
        {
            "description": "Retrain reception.",
            "owner": "alice",
            "due": "2026-11-30",
            "promised": "yes",
            "themes": "Communication, Access",
        },
        "action_added",
    ),
    (
        "complete-action",
        {},
        with_action,
        {"number": "1", "evidence": "Training log signed.", "at": "2026-11-02T09:00"},
        "action_completed",
    ),
    (
        "verify-action",
        {},
        action_done,
        {"number": "1", "check": "Audited calls."},
        "action_verified",
    ),
    ("cancel-action", {}, with_action, {"number": "1", "reason": "Overtaken."}, "action_cancelled"),
    (
        "record-lesson",
        {},
        unchanged,
        {"text": "Call back the same day.", "themes": "Access"},
        "lesson_recorded",
    ),
    (
        "raise-referral",
        {},
        unchanged,
        {
            "kind": "safeguarding_adult",
            "detail": "Bruising.",
            "owner": "alice",
            "due": "2026-11-03",
        },
        "referral_raised",
    ),
    (
        "record-referral",
        {},
        with_referral,
        {"number": "1", "at": "2026-11-02T09:00", "their_reference": "LA-1"},
        "referral_made",
    ),
    (
        "handling-plan",
        {},
        unchanged,
        {"desired_outcomes": "An apology.", "meeting_offered_at": "2026-11-02T09:00"},
        "handling_plan_changed",
    ),
    (
        "investigation-plan",
        {},
        acknowledged,
        {"root_cause_analysis": "yes"},
        "investigation_plan_changed",
    ),
    (
        "add-staff",
        {},
        acknowledged,
        {"name": "Dr Example", "job_title": "GP"},
        "staff_involved_added",
    ),
    (
        "staff-step",
        {},
        with_staff,
        {"staff": "1", "step": "informed", "at": "2026-11-02T09:00"},
        "staff_step_recorded",
    ),
    (
        "request-statement",
        {},
        staff_ready,
        {"staff": "1", "due": "2026-11-09"},
        "statement_requested",
    ),
    ("remind-statement", {}, with_statement, {"number": "1"}, "statement_reminder_sent"),
    (
        "receive-statement",
        {},
        with_statement,
        {"number": "1", "at": "2026-11-02T09:00"},
        "statement_received",
    ),
    (
        "record-evidence",
        {},
        acknowledged,
        {"kind": "records", "description": "GP record."},
        "evidence_reviewed",
    ),
    (
        "offer-remedy",
        {},
        acknowledged,
        {"kind": "reimburse", "description": "Taxi fares.", "amount": "24.50"},
        "remedy_offered",
    ),
    (
        "log-contact",
        {},
        unchanged,
        {
            "channel": "phone",
            "direction": "from_complainant",
            "party": "complainant",
            "happened_at": "2026-11-02T09:00",
            "summary": "Asked when to expect a response.",
        },
        "contact_logged",
    ),
    (
        "correct-details",
        {},
        unchanged,
        {
            "description": "The practice did not call me back about my test results.",
            "service": "Phlebotomy",
            "channel": "letter",
            "received_at": "2026-11-02T09:00",
            "reason": "Misheard the service.",
        },
        "details_corrected",
    ),
    (
        # Issue 17 (R10, seed 002 §13): a staff employment matter, to the policy's place for it.
        "redirect-outside-procedure",
        {},
        unchanged,
        {
            "category": "staff_employment",
            "reason": "A grievance about a rota.",
            "at": "2026-11-02T09:00",
        },
        "redirected_outside_procedure",
    ),
    (
        "correct-complainant",
        {},
        unchanged,
        {
            "title": "Ms",
            "first_name": "Ada",
            "last_name": "Exemple",
            "email": "ada@example.invalid",
            "postcode": "WS1 1AA",
            "relationship": "self",
            "reason": "Surname misspelt.",
        },
        "person_corrected",
    ),
    (
        "correct-patient",
        ON_BEHALF,
        unchanged,
        {"first_name": "Pat", "last_name": "Patient", "postcode": "WS2 3CC", "reason": "Moved."},
        "person_corrected",
    ),
    (
        "correct-representative",
        ON_BEHALF,
        unchanged,
        {
            "title": "Ms",
            "first_name": "Ada",
            "last_name": "Example",
            "email": "ada@example.org",
            "postcode": "WS1 1AA",
            "relationship": "relative",
            "reason": "New email address.",
        },
        "person_corrected",
    ),
    (
        "add-patient",
        {"relationship": "relative"},
        unchanged,
        {"first_name": "Tom", "last_name": "Example", "reason": "Named on the second call."},
        "person_added",
    ),
    (
        "add-representative",
        {},
        unchanged,
        {
            "first_name": "Sam",
            "last_name": "Example",
            "relationship": "relative",
            "reason": "Her son now speaks for her.",
        },
        "person_added",
    ),
    *joint_steps.FORMS,
]


def test_every_transition_has_a_form():
    """A form on the case page, or a page of its own declared with @performs (the survey and
    case study pages: a longer form than the case page holds)."""
    from django.urls import get_resolver

    from tests.api.test_transition_coverage import _views

    covered = {t for action in ACTIONS for t in action.transitions}
    views = [view for _, view in _views(get_resolver().url_patterns)]
    pages = {t for view in views for t in getattr(view, "transitions", ())}
    assert covered | pages == set(TRANSITIONS)
    assert {slug for slug, *_ in CASES} == {a.slug for a in ACTIONS}


@pytest.mark.parametrize(("slug", "overrides", "ready", "form", "event"), CASES)
def test_each_action_form_calls_the_domain(
    client, org_a, alice, ivan, frozen, slug, overrides, ready, form, event
):
    case = ready(make_case(org_a, alice, **overrides), alice)
    signed_in = sign_in(client, alice)
    page = signed_in.get(reverse("web:case", args=[case.reference])).content.decode()
    assert url(case, slug) in page  # offered on the case page
    assert signed_in.get(url(case, slug)).status_code == 200

    response = signed_in.post(url(case, slug), form)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert response.url == reverse("web:case", args=[case.reference])
    last = AuditEvent.objects.filter(case=case).exclude(event="case_viewed").latest("sequence")
    assert (last.event, last.actor.username) == (event, "alice")
    banner = signed_in.get(response.url).content.decode()
    assert "nhsuk-notification-banner--success" in banner


def test_withdrawing_but_carrying_on_for_learning(client, org_a, alice, frozen):
    case = make_case(org_a, alice)
    response = sign_in(client, alice).post(
        url(case, "withdraw"),
        {"reason": "Does not want to go on.", "continue_because": "Learning for the practice."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "received"
    assert AuditEvent.objects.filter(case=case, event="case_withdrawn_but_continued").exists()


def test_the_grade_form_shows_the_policys_guidance(client, org_a, alice, frozen):
    case = make_case(org_a, alice)
    text = sign_in(client, alice).get(url(case, "grade")).content.decode()
    for level in org_a.policy.grading:
        assert level.name in text
        assert level.handling in text


def test_assignment_offers_only_people_with_the_capability(client, org_a, alice, ivan, bob, frozen):
    case = make_case(org_a, alice)
    signed_in = sign_in(client, alice)
    handlers = signed_in.get(url(case, "assign-handler")).content.decode()
    assert 'value="alice"' in handlers
    assert 'value="ivan"' not in handlers  # an investigating officer does not handle cases
    assert 'value="bob"' not in handlers  # another organisation
    investigators = signed_in.get(url(case, "assign-investigator")).content.decode()
    assert 'value="ivan"' in investigators


def _writes(case) -> int:
    return AuditEvent.objects.filter(case=case).exclude(event="case_viewed").count()


def test_a_refused_action_shows_the_domains_message_and_writes_nothing(
    client, org_a, alice, frozen
):
    case = make_case(org_a, alice)
    before = _writes(case)
    response = sign_in(client, alice).post(url(case, "close"), {"note": "Done"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    assert f"{case.reference} cannot be closed: it is received, awaiting acknowledgement" in text
    assert 'href="#note"' in text
    assert _writes(case) == before
    assert Case.objects.get(pk=case.pk).status == "received"


def test_invalid_input_is_shown_beside_its_field_and_kept(client, org_a, alice, frozen):
    case = make_case(org_a, alice, **ON_BEHALF)
    before = _writes(case)
    response = sign_in(client, alice).post(
        url(case, "override-consent"), {"grounds": "safeguarding", "reason": "Risk"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#reason"' in text
    assert "Reason is too short; explain why consent is not needed here" in text
    assert 'value="safeguarding" checked' in text  # what was entered is kept
    assert _writes(case) == before


def test_a_date_that_is_not_a_date_is_refused_before_the_domain(client, org_a, alice, frozen):
    case = make_case(org_a, alice)
    response = sign_in(client, alice).post(
        url(case, "agree-response-date"), {"response_date": "next week"}
    )
    assert response.status_code == 400
    assert "Response date must be a real date" in response.content.decode()


def test_someone_without_the_role_is_told_why(client, org_a, alice, ivan, frozen):
    case = make_case(org_a, alice)
    signed_in = sign_in(client, ivan)
    page = signed_in.get(reverse("web:case", args=[case.reference])).content.decode()
    assert url(case, "acknowledge") not in page  # not offered
    response = signed_in.post(url(case, "acknowledge"), {"method": "letter"})
    assert response.status_code == 400
    assert "You do not have a role at Walsall Commissioning" in response.content.decode()
    assert not AuditEvent.objects.filter(case=case, event="case_acknowledged").exists()


def test_an_action_not_allowed_now_explains_itself_instead_of_a_form(client, org_a, alice, frozen):
    case = make_case(org_a, alice)
    text = sign_in(client, alice).get(url(case, "reopen")).content.decode()
    assert "This cannot be done now." in text
    assert "cannot be reopened into the next stage: it is received" in text
    assert '<form method="post" action="' + url(case, "reopen") not in text


def test_the_case_page_says_what_blocks_the_investigation(client, org_a, alice, frozen):
    case = make_case(org_a, alice, **ON_BEHALF)
    consent.request_consent(case, by=alice)
    text = sign_in(client, alice).get(reverse("web:case", args=[case.reference])).content
    assert "cannot be investigated yet: consent is requested" in text.decode()


def test_the_finding_link_preselects_the_issue(client, org_a, alice, frozen):
    case = acknowledged(make_case(org_a, alice), alice)
    text = sign_in(client, alice).get(url(case, "record-finding") + "?issue_number=1")
    assert '<option value="1" selected' in text.content.decode()


@pytest.mark.parametrize("slug", [a.slug for a in ACTIONS])
def test_an_outsider_gets_not_found_on_every_action(client, org_a, alice, bob, frozen, slug):
    case = make_case(org_a, alice)
    signed_in = sign_in(client, bob)
    before = _writes(case)
    assert signed_in.get(url(case, slug)).status_code == 404
    assert signed_in.post(url(case, slug), {"note": "x", "reason": "x"}).status_code == 404
    assert _writes(case) == before


def test_an_unknown_action_is_not_found(client, org_a, alice, frozen):
    case = make_case(org_a, alice)
    assert sign_in(client, alice).get(url(case, "delete")).status_code == 404


def test_received_date_is_checked_by_the_domain(client, org_a, alice, frozen):
    case = make_case(org_a, alice)
    future = date(2026, 11, 2) + timedelta(days=3)
    response = sign_in(client, alice).post(
        url(case, "acknowledge"), {"method": "letter", "at": f"{future}T10:00"}
    )
    assert response.status_code == 400
    assert "When is in the future" in response.content.decode()


def test_the_page_offers_only_what_the_domain_would_accept_now(client, org_a, alice, frozen):
    """A complaint from the patient needs no consent, was written and is in time: recording,
    refusing, withdrawing or overriding consent, summary approval, the late-complaint decision
    and recording an external notification nobody has named are not offered
    (workflow.GUARDS)."""
    case = make_case(org_a, alice)
    page = sign_in(client, alice).get(reverse("web:case", args=[case.reference])).content.decode()
    for slug in (
        "receive-consent",
        "refuse-consent",
        "withdraw-consent",
        "override-consent",
        "approve-summary",
        "late-decision",
        "external-notification-done",
    ):
        assert url(case, slug) not in page, slug
    assert url(case, "acknowledge") in page
    # Asking for consent stays open: the complaint may draw on someone else's records.
    assert url(case, "request-consent") in page
    # Opened directly, the refused action explains itself instead of showing its form.
    response = client.get(url(case, "receive-consent"))
    assert "cannot record consent while consent is not needed" in response.content.decode()


@pytest.mark.parametrize("slug", ["acknowledge", "receive-consent"])
def test_the_default_time_works_in_the_minute_the_case_arrived(client, org_a, alice, frozen, slug):
    """The "When" input is to the minute and defaults to now; a case recorded at 09:00:40
    and acted on at once gets "09:00", which is when it arrived, not before it. A minute
    earlier is still refused."""
    frozen.move_to(at(date(2026, 11, 2), 9, 0) + timedelta(seconds=40))
    case = make_case(org_a, alice, **ON_BEHALF)
    frozen.move_to(at(date(2026, 11, 2), 9, 0) + timedelta(seconds=55))
    client = sign_in(client, alice)
    form = client.get(url(case, slug)).content.decode()
    assert 'value="2026-11-02T09:00"' in form
    method = "letter" if slug == "acknowledge" else "written"
    earlier = client.post(url(case, slug), {"method": method, "at": "2026-11-02T08:59"})
    assert earlier.status_code == 400
    assert "When is before the case was received" in earlier.content.decode()
    response = client.post(url(case, slug), {"method": method, "at": "2026-11-02T09:00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    when = case.acknowledged_at if slug == "acknowledge" else case.consent_received_at
    assert when == case.received_at


def test_with_a_chain_the_outcome_form_says_the_signed_letter_is_the_response(
    client, org_a, alice, frozen
):
    case = found(make_case(org_a, alice), alice)
    signed_in = sign_in(client, alice)
    form = signed_in.get(url(case, "record-outcome")).content.decode()
    assert "Record the outcome, then send the signed final response" in form
    assert "Final response (Accountable Officer or Director signs)" in form
    done = signed_in.post(
        url(case, "record-outcome"), {"summary": "We are sorry.", "at": "2026-11-02T09:00"}
    )
    assert done.status_code == 302
    page = signed_in.get(done.url).content.decode()
    assert "Outcome recorded. Now send the signed final response" in page
    assert '<div id="awaiting-response">' in page
    assert "The outcome is recorded (upheld). The complaint is answered when its final" in page
    case.refresh_from_db()
    assert (case.status, case.outcome, case.responded_at) == ("open", "upheld", None)
    send_final_response(case)
    page = signed_in.get(reverse("web:case", args=[case.reference])).content.decode()
    assert "awaiting-response" not in page and "Response sent" in page


def test_without_a_chain_the_outcome_form_is_the_response_sent_when_given(
    client, org_a, alice, frozen
):
    case = found(make_case(without_sign_off(org_a), alice), alice)
    frozen.move_to(at(date(2026, 11, 3), 12))
    signed_in = sign_in(client, alice)
    form = signed_in.get(url(case, "record-outcome")).content.decode()
    assert "Recording it is the response: give when the response was sent." in form
    early = signed_in.post(
        url(case, "record-outcome"), {"summary": "We are sorry.", "at": "2026-11-02T08:00"}
    )
    assert early.status_code == 400
    assert "When is before the case was received" in early.content.decode()
    done = signed_in.post(
        url(case, "record-outcome"), {"summary": "We are sorry.", "at": "2026-11-03T10:30"}
    )
    assert done.status_code == 302
    assert "the response is sent" in signed_in.get(done.url).content.decode()
    case.refresh_from_db()
    assert (case.status, case.responded_at) == ("responded", at(date(2026, 11, 3), 10, 30))


def test_the_reopen_form_takes_when_the_request_was_received(client, org_a, alice, frozen):
    case = responded(make_case(org_a, alice), alice)
    frozen.move_to(at(date(2026, 11, 20), 9))
    signed_in = sign_in(client, alice)
    form = signed_in.get(url(case, "reopen")).content.decode()
    assert "When was their request for the next stage received?" in form
    before = signed_in.post(
        url(case, "reopen"), {"reason": "Still unhappy.", "received_at": "2026-11-01T09:00"}
    )
    assert before.status_code == 400
    assert "Received is before the case was received" in before.content.decode()
    done = signed_in.post(
        url(case, "reopen"), {"reason": "Still unhappy.", "received_at": "2026-11-16T14:00"}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.stage, case.stage_started_at) == (2, at(date(2026, 11, 16), 14))
