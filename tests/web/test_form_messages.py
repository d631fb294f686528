"""What the action forms say when something is missing: what to do, in the form's words,
never the keys the domain takes ("must be one of written, email") or its field names
("body: …", "Enter referred on")."""

from __future__ import annotations

import re
from datetime import date

import pytest

from candour.audit.models import AuditEvent
from candour.cases import escalation

from ..conftest import make_case, sign_in
from .test_case_actions import responded

pytestmark = pytest.mark.usefixtures("frozen")


def messages(response) -> list[str]:
    summary = re.search(r"nhsuk-error-summary__list(.*?)</ul>", response.content.decode(), re.S)
    items = re.findall(r"<li>(.*?)</li>", summary.group(1), re.S) if summary else []
    return [re.sub(r"<[^>]+>|\s+", " ", i).strip() for i in items]


@pytest.fixture
def bobs(client, bob):
    return sign_in(client, bob)


def test_options_left_unchosen_ask_the_question_again(bobs, org_b, bob):
    case = make_case(org_b, bob)
    before = AuditEvent.objects.count()
    response = bobs.post(f"/cases/{case.reference}/grade/", {})
    assert response.status_code == 400
    assert messages(response) == ["Which level fits this case? Choose one."]
    response = bobs.post(f"/cases/{case.reference}/assign-handler/", {"handler": ""})
    assert messages(response) == ["Who will handle this case? Choose one."]
    # A value that is not one of the options still gets the domain's own message.
    response = bobs.post(f"/cases/{case.reference}/grade/", {"level": "9"})
    assert "must be one of" in messages(response)[0]
    assert AuditEvent.objects.count() == before


def test_the_ombudsman_forms_say_which_date_is_missing(bobs, org_b, bob):
    case = responded(make_case(org_b, bob), bob)
    response = bobs.post(f"/cases/{case.reference}/refer-to-ombudsman/", {"body": "phso"})
    assert messages(response) == ["Enter the date you learned of the referral"]
    response = bobs.post(
        f"/cases/{case.reference}/refer-to-ombudsman/", {"referred_on": "2026-11-02"}
    )
    assert messages(response) == ["Who is it referred to? Choose one."]
    escalation.refer_to_ombudsman(case, by=bob, body="phso", referred_on=date(2026, 11, 2))
    response = bobs.post(f"/cases/{case.reference}/ombudsman-step/", {"on": "2026-11-02"})
    assert messages(response) == ["What happened? Choose one."]
    response = bobs.post(f"/cases/{case.reference}/ombudsman-step/", {"step": "requested"})
    assert messages(response) == ["Enter the date it happened"]


def test_a_refusal_about_the_whole_form_names_no_field(bobs, org_b, bob):
    case = make_case(org_b, bob)
    response = bobs.post(f"/cases/{case.reference}/handling-plan/", {})
    assert response.status_code == 400
    (message,) = messages(response)
    assert message.startswith("Changes nothing") and "body" not in message
