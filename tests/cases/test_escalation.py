"""Provider-led complaints (R32) and Ombudsman referrals (R30)."""

from __future__ import annotations

from datetime import date

import pytest

from candour.cases.consent import record_share_consent
from candour.cases.escalation import (
    forward_to_provider,
    name_provider,
    record_ombudsman_outcome,
    refer_to_ombudsman,
    request_ombudsman_information,
    send_ombudsman_information,
)
from candour.cases.intake import InvalidCase
from candour.cases.models import OmbudsmanReferral, Outcome, Status
from candour.cases.people import PersonDetails
from candour.cases.workflow import TransitionNotAllowed

from ..conftest import make_case
from .conftest import events, last_event, reach, reload, snapshot

REPRESENTED = {
    "relationship": "relative",
    "patient": PersonDetails(first_name="Tom", last_name="Example"),
}


def test_a_commissioner_forwards_a_complaint_to_the_provider_and_it_closes_as_provider_led(
    org_a, alice, frozen
):
    case = record_share_consent(make_case(org_a, alice), by=alice, method="verbal")
    forward_to_provider(
        case, by=alice, provider=" Example Community Trust ", note="Consent by phone"
    )
    case = reload(case)
    assert case.status == Status.CLOSED
    assert case.outcome == Outcome.FORWARDED
    assert case.provider_name == "Example Community Trust"
    assert case.forwarded_to_provider_at == case.closed_at is not None
    event = last_event(case)
    assert event.event == "forwarded_to_provider"
    assert event.data["after"]["provider_name"] == "Example Community Trust"
    assert event.data["note"] == "Consent by phone"


def test_forwarding_needs_the_patients_consent_as_well(org_a, alice, frozen):
    case = make_case(org_a, alice, **REPRESENTED)
    case = record_share_consent(case, by=alice, method="verbal")
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed, match="needs the patient's consent"):
        forward_to_provider(case, by=alice, provider="Example Community Trust")
    assert snapshot(case) == before


def test_forwarding_needs_the_providers_name(org_a, alice, frozen):
    case = record_share_consent(make_case(org_a, alice), by=alice, method="verbal")
    with pytest.raises(InvalidCase, match="provider: is empty"):
        forward_to_provider(case, by=alice, provider=" ")
    assert reload(case).status == Status.RECEIVED


def test_a_compliment_about_a_provider_names_it(org_a, alice, frozen):
    case = make_case(org_a, alice, kind="compliment")
    name_provider(case, by=alice, provider="Example Community Trust")
    assert reload(case).provider_name == "Example Community Trust"
    assert events(case)[-1] == "provider_named"


def test_an_ombudsman_referral_its_information_request_and_outcome(org_a, alice, frozen):
    case = reach(org_a, alice, Status.CLOSED)
    referral = refer_to_ombudsman(case, by=alice, body="phso", referred_on=date(2026, 11, 2))
    request_ombudsman_information(
        referral, by=alice, requested_on=date(2026, 11, 2), due=date(2026, 11, 16)
    )
    frozen.move_to("2026-11-20 10:00")
    send_ombudsman_information(referral, by=alice, sent_on=date(2026, 11, 19))
    record_ombudsman_outcome(
        referral, by=alice, outcome="partly_upheld", decided_on=date(2026, 11, 20), summary="..."
    )
    referral = OmbudsmanReferral.objects.get(pk=referral.pk)
    assert (referral.outcome, referral.decided_on) == ("partly_upheld", date(2026, 11, 20))
    assert referral.information_sent_on == date(2026, 11, 19)
    assert events(case)[-4:] == [
        "ombudsman_referral_recorded",
        "ombudsman_information_requested",
        "ombudsman_information_sent",
        "ombudsman_outcome_recorded",
    ]
    sent = case.audit_events.filter(event="ombudsman_information_sent")
    assert sent[0].data["late"] is True


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"body": "pope", "referred_on": date(2026, 11, 2)}, "body"),
        ({"body": "adr", "referred_on": date(2026, 11, 2)}, "body_name"),
        ({"body": "phso", "referred_on": date(2026, 11, 3)}, "referred_on"),
        ({"body": "phso", "referred_on": date(2026, 1, 3)}, "referred_on"),
    ],
)
def test_a_bad_referral_is_refused_naming_the_field(org_a, alice, frozen, kwargs, field):
    case = reach(org_a, alice, Status.CLOSED)
    before = snapshot(case)
    with pytest.raises(InvalidCase) as error:
        refer_to_ombudsman(case, by=alice, **kwargs)
    assert error.value.field == field
    assert snapshot(case) == before
    assert not OmbudsmanReferral.objects.exists()


def test_a_bad_ombudsman_outcome_is_refused(org_a, alice, frozen):
    case = reach(org_a, alice, Status.CLOSED)
    referral = refer_to_ombudsman(case, by=alice, body="phso", referred_on=date(2026, 11, 2))
    with pytest.raises(InvalidCase, match="outcome: must be one of upheld"):
        record_ombudsman_outcome(referral, by=alice, outcome="maybe", decided_on=date(2026, 11, 2))
    with pytest.raises(TransitionNotAllowed, match="No information has been requested"):
        send_ombudsman_information(referral, by=alice, sent_on=date(2026, 11, 2))
    with pytest.raises(InvalidCase, match="due: must be a date on or after the request"):
        request_ombudsman_information(
            referral, by=alice, requested_on=date(2026, 11, 2), due=date(2026, 11, 1)
        )
    assert OmbudsmanReferral.objects.get(pk=referral.pk).outcome == ""
