"""When things happened, through the API (issue 16, R17 R22): each action that records
something that happened takes `at` (now if left out), refuses one in the future or before the
case was received (422 naming `at`), and the case's timeline gives both when an event was
recorded and when what it records happened."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from candour.cases.models import Case
from tests.api.conftest import complaint_body

from ..cases import test_when_on_case as steps
from ..conftest import at

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00

RECEIVED = "2026-11-02T08:30:00Z"
BEFORE_RECEIPT = "2026-11-02T08:00:00Z"
FUTURE = "2026-11-02T09:30:00Z"
REPRESENTED = {"relationship": "relative", "patient": {"first_name": "Tom"}}

# path, what the case is made with, what happens first, the body besides `at`
ENDPOINTS = {
    "consent/refuse": (REPRESENTED, steps.nothing, {"note": "No."}),
    "consent/withdraw": (REPRESENTED, steps.consent_given, {"note": "Stop."}),
    "consent/override": (
        REPRESENTED,
        steps.nothing,
        {"grounds": "safeguarding", "reason": "A risk to the patient."},
    ),
    "issues/1/finding": ({}, steps.opened, {"finding": "upheld", "summary": "It happened."}),
    "late-decision": (
        {"event_date": "2024-01-05"},
        steps.nothing,
        {"decision": "accepted", "reason": "In hospital for a year."},
    ),
    "external-notification": ({}, steps.nothing, {"body": "the CQC"}),
    "pause": ({}, steps.opened, {"reason": "police", "detail": "Police inquiry."}),
    "resume": ({}, steps.paused, {}),
    "close": ({}, steps.responded, {}),
    "withdraw": ({}, steps.nothing, {"reason": "No longer."}),
    "resolve-informally": ({"kind": "concern"}, steps.nothing, {"resolution": "Rebooked."}),
    "actions/1/verify": ({}, steps.an_action_done, {"check": "Audited."}),
    "lessons": ({}, steps.nothing, {"text": "Call back.", "themes": ["Communication"]}),
    "statements": ({}, steps.told_and_shown, {"staff": 1, "due": "2026-12-01"}),
    "statements/1/remind": ({}, steps.a_statement_asked_for, {}),
    "remedies": ({}, steps.opened, {"kind": "put_right", "description": "An appointment."}),
}


def ready(api, alice, path: str) -> tuple[str, dict]:
    extra, prepare, body = ENDPOINTS[path]
    response = api.post("/cases", complaint_body(received_at=RECEIVED, **extra))
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    prepare(Case.objects.get(reference=reference), alice)
    return reference, body


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("when", "says"),
    [(FUTURE, "is in the future"), (BEFORE_RECEIPT, "is before the case was received")],
)
def test_a_time_outside_the_case_is_422_naming_at(as_alice, alice, path, when, says):
    reference, body = ready(as_alice, alice, path)
    response = as_alice.post(f"/cases/{reference}/{path}", {**body, "at": when})
    assert response.status_code == 422, response.content
    assert response.json()["detail"] == [{"field": "at", "message": says}]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_late_entry_is_in_the_timeline_with_both_times(as_alice, alice, frozen, path):
    reference, body = ready(as_alice, alice, path)
    frozen.move_to(at(date(2026, 11, 5), 14))
    happened = "2026-11-02T10:15:00+00:00"
    response = as_alice.post(f"/cases/{reference}/{path}", {**body, "at": happened})
    assert response.status_code in (200, 201), response.content
    timeline = as_alice.get(f"/cases/{reference}/timeline").json()
    last = timeline[-1]
    assert last["at"] == "2026-11-05T14:00:00Z"
    assert last["happened_at"] == "2026-11-02T10:15:00Z"
    assert last["recorded_late"] is True
    assert last["data"]["happened_at"] == happened


def test_an_entry_made_as_it_happens_is_not_late(as_alice, alice):
    reference, _ = ready(as_alice, alice, "pause")
    as_alice.post(f"/cases/{reference}/pause", {"reason": "police", "detail": "Inquiry."})
    paused = as_alice.get(f"/cases/{reference}/timeline").json()[-1]
    assert paused["event"] == "case_paused"
    assert paused["happened_at"] == paused["at"] == "2026-11-02T09:00:00Z"
    assert paused["recorded_late"] is False
    received = as_alice.get(f"/cases/{reference}/timeline").json()[0]
    assert received["happened_at"] == received["at"]  # an event with no happened_at of its own


def test_closing_before_the_response_was_sent_is_422(as_alice, alice, frozen):
    reference, _ = ready(as_alice, alice, "close")
    frozen.move_to(at(date(2026, 11, 5), 14))
    sent = Case.objects.get(reference=reference).responded_at
    early = (sent - timedelta(minutes=20)).isoformat()
    response = as_alice.post(f"/cases/{reference}/close", {"at": early})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "at", "message": "is before the response was sent"}
    ]
