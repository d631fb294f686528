"""When things happened, through the staff pages (issue 16, R17 R22): every action form that
records something that happened asks when (now unless changed), refuses a time in the future
beside the field, and a late entry reads as one on the case's timeline."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases import escalation, handling
from candour.web.actions import BY_SLUG

from ..conftest import at, make_case, sign_in
from .test_case_actions import CASES, closed, url

# Actions that record something that happened but are counted in days (the Ombudsman's steps
# and the referral to it take a date), or plan what is to come (no time of their own).
NOT_TIMED = {
    "grade", "add-issue", "assign-handler", "assign-investigator", "agree-response-date",
    "agree-extension", "name-provider", "refer-to-ombudsman", "ombudsman-step", "add-action",
    "cancel-action", "handling-plan", "investigation-plan", "add-staff", "convert-to-complaint",
    "record-outcome", "reopen",
    # Corrections put right what was recorded; they are not something that happened.
    "correct-details", "correct-complainant", "correct-patient", "correct-representative",
    "add-patient", "add-representative",
}  # fmt: skip
TIMED = [c for c in CASES if c[0] not in NOT_TIMED]


def when(slug: str) -> str:
    """The form's field for when it happened (a referral's is when the risk was identified; a
    contact log entry's, like the entry itself, when it happened)."""
    return {"raise-referral": "identified_at", "log-contact": "happened_at"}.get(slug, "at")


def test_every_action_that_records_what_happened_asks_when():
    for slug, *_ in TIMED:
        fields = {f.name: f for f in BY_SLUG[slug].fields}
        assert fields[when(slug)].kind == "datetime", slug


def _writes(case) -> int:
    return AuditEvent.objects.filter(case=case).exclude(event="case_viewed").count()


@pytest.mark.parametrize(("slug", "overrides", "ready", "form", "event"), TIMED)
def test_a_time_in_the_future_is_refused_beside_the_field(
    client, org_a, alice, ivan, frozen, slug, overrides, ready, form, event
):
    case = ready(make_case(org_a, alice, **overrides), alice)
    before = _writes(case)
    future = {**form, when(slug): "2026-11-09T09:00"}
    response = sign_in(client, alice).post(url(case, slug), future)
    assert response.status_code == 400
    text = response.content.decode()
    assert f'href="#{when(slug)}"' in text and "When is in the future" in text
    assert _writes(case) == before


@pytest.mark.parametrize(("slug", "overrides", "ready", "form", "event"), TIMED)
def test_a_late_entry_shows_when_it_happened_and_when_it_was_recorded(
    client, org_a, alice, ivan, frozen, slug, overrides, ready, form, event
):
    case = ready(make_case(org_a, alice, **overrides), alice)
    frozen.move_to(at(date(2026, 11, 4), 15, 30))
    signed_in = sign_in(client, alice)
    response = signed_in.post(url(case, slug), {**form, when(slug): "2026-11-02T09:00"})
    assert response.status_code == 302, response.content.decode()[:3000]
    last = AuditEvent.objects.filter(case=case).exclude(event="case_viewed").latest("sequence")
    assert last.event == event
    assert last.data["happened_at"] == at(date(2026, 11, 2), 9).isoformat()
    page = signed_in.get(reverse("web:case", args=[case.reference])).content.decode()
    assert "happened on Mon 2 Nov 2026 at 09:00, recorded on Wed 4 Nov 2026 at 15:30" in page


def test_an_entry_made_as_it_happens_reads_as_usual(client, org_a, alice, frozen):
    case = make_case(org_a, alice)
    signed_in = sign_in(client, alice)
    assert signed_in.post(url(case, "acknowledge"), {"method": "letter"}).status_code == 302
    page = signed_in.get(reverse("web:case", args=[case.reference])).content.decode()
    assert "<strong>Case acknowledged</strong> by alice, Mon 2 Nov 2026 at 09:00" in page
    assert "happened on" not in page


def test_an_ombudsman_step_recorded_days_later_is_a_late_entry(client, org_a, alice, frozen):
    case = closed(make_case(org_a, alice), alice)
    escalation.refer_to_ombudsman(case, by=alice, body="phso", referred_on=date(2026, 11, 2))
    frozen.move_to(at(date(2026, 11, 6), 10))
    signed_in = sign_in(client, alice)
    early = signed_in.post(
        url(case, "ombudsman-step"), {"step": "decided", "on": "2026-11-01", "outcome": "upheld"}
    )
    assert early.status_code == 400
    assert "Decided on is before the referral" in early.content.decode()
    done = signed_in.post(
        url(case, "ombudsman-step"), {"step": "decided", "on": "2026-11-03", "outcome": "upheld"}
    )
    assert done.status_code == 302
    page = signed_in.get(reverse("web:case", args=[case.reference])).content.decode()
    assert "happened on Tue 3 Nov 2026, recorded on Fri 6 Nov 2026 at 10:00" in page


def test_a_resume_before_the_pause_started_is_refused_beside_the_field(
    client, org_a, alice, frozen
):
    case = handling.acknowledge_case(make_case(org_a, alice), by=alice, method="letter")
    frozen.move_to(at(date(2026, 11, 4), 10))
    handling.pause_case(case, by=alice, reason="police", detail="Inquiry.")
    frozen.move_to(at(date(2026, 11, 6), 10))
    response = sign_in(client, alice).post(url(case, "resume"), {"at": "2026-11-03T10:00"})
    assert response.status_code == 400
    assert "When is before the pause started" in response.content.decode()
