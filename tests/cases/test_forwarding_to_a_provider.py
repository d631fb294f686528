"""Forwarding a complaint to the provider it is about (R12, R32; issue 17).

Seed 003 §3.7: "When the CCG receives a complaint relating to commissioned services, consent
is sought from the complainant to pass their complaint to the provider for investigation.
The provider will respond directly to the complainant with a copy to the CCG."
Seed 002 §10.6.1: "agreement will be sought for the provider to investigate and respond to
the complaint". Seed 002 §11.2: "If a complaint lodged with the provider organisation is not
resolved locally, the complaint cannot then be referred to WCCG, although it can still be
referred to the Parliamentary and Health Service Ombudsman."
Seed 003 §4.1: "the remaining 78 were provider led and responded to directly by the
individual organisation." PRODUCT.md R12: "Sharing with a provider needs its own consent."
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases import consent, contacts, escalation, handling
from candour.cases.access import CaseNotFound, cases_for, get_case
from candour.cases.intake import FORWARDED, InvalidCase
from candour.cases.models import Case, Channel, ConsentState, Outcome, PartyRole, Status
from candour.cases.people import PersonDetails
from candour.cases.workflow import TransitionNotAllowed, allowed_actions
from candour.reporting.annual import annual_report
from tests.api.conftest import Api
from tests.responding import respond

from ..conftest import at, make_case, sign_in
from .conftest import last_event, reload, snapshot

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00

REPRESENTED = {
    "relationship": "relative",
    "patient": PersonDetails(first_name="Tom", last_name="Example", postcode="WS2 2BB"),
    "issues": ["No call back about test results", "Rude at reception"],
}
FORWARDED_AT = at(date(2026, 11, 2), 8, 30)


def consented(org, by, **overrides):
    """A complaint for a patient, with the patient's consent and the complainant's consent to
    pass it to the provider."""
    case = make_case(org, by, received_at=at(date(2026, 11, 2), 8), **REPRESENTED, **overrides)
    case = consent.receive_consent(case, by=by, method="written", at=at(date(2026, 11, 2), 8, 10))
    return consent.record_share_consent(
        case, by=by, method="verbal", at=at(date(2026, 11, 2), 8, 20)
    )


def test_forwarding_needs_the_complainants_consent_to_share_it_first(org_a, alice):
    case = make_case(org_a, alice)
    assert "forward_to_provider" not in allowed_actions(case, alice)
    assert "record_share_consent" in allowed_actions(case, alice)
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed) as refused:
        escalation.forward_to_provider(case, by=alice, provider="Example Community Trust")
    assert str(refused.value) == (
        f"{case.reference} needs the complainant's consent to pass it to the provider before "
        "it is forwarded. Record that consent, or why it is not needed, first."
    )
    assert snapshot(case) == before


def test_consent_to_share_is_recorded_with_its_date_or_why_it_is_not_needed(org_a, alice):
    case = make_case(org_a, alice, received_at=at(date(2026, 11, 2), 8))
    with pytest.raises(InvalidCase, match="note: is too short; say why the complainant's"):
        consent.record_share_consent(case, by=alice, method="not_needed", note="n/a")
    with pytest.raises(InvalidCase, match="method: must be one of written, email, verbal"):
        consent.record_share_consent(case, by=alice, method="telepathy")
    with pytest.raises(InvalidCase, match="at: is before the case was received"):
        consent.record_share_consent(case, by=alice, method="verbal", at=at(date(2026, 11, 1), 9))
    consent.record_share_consent(
        case,
        by=alice,
        method="not_needed",
        note="She wrote to the provider herself and copied us in.",
        at=at(date(2026, 11, 2), 8, 30),
    )
    case = reload(case)
    assert case.share_consent == "not_needed"
    assert case.share_consent_at == at(date(2026, 11, 2), 8, 30)
    event = last_event(case)
    assert event.event == "share_consent_recorded"
    assert event.data["happened_at"] == "2026-11-02T08:30:00+00:00"
    assert event.data["after"]["share_consent_note"].startswith("She wrote to the provider")


def test_forwarding_cannot_be_dated_before_the_consent_to_share(org_a, alice):
    case = consented(org_a, alice)
    with pytest.raises(InvalidCase, match="is before the complainant agreed to share it"):
        escalation.forward_to_provider(
            case, by=alice, provider="Example Trust", at=at(date(2026, 11, 2), 8, 15)
        )


def test_a_provider_in_candour_gets_a_case_of_its_own_with_only_what_was_forwarded(
    org_a, org_b, alice, bob
):
    case = consented(org_a, alice)
    contacts.log_contact(
        case,
        by=alice,
        channel="phone",
        direction="from_complainant",
        party="complainant",
        summary="Internal: she sounded distressed; our notes only.",
    )
    escalation.forward_to_provider(
        case, by=alice, organisation=org_b, at=FORWARDED_AT, note="Please answer directly."
    )
    case = reload(case)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.FORWARDED)
    assert case.provider_organisation == org_b
    assert case.provider_name == "Minster Medical Group"
    assert case.forwarded_to_provider_at == case.closed_at == FORWARDED_AT

    theirs = Case.objects.get(forwarded_from=case)
    assert theirs.organisation == org_b and theirs.reference.startswith("MMG-2026-")
    assert theirs.channel == Channel.VIA_COMMISSIONER
    assert theirs.received_at == FORWARDED_AT and theirs.status == Status.RECEIVED
    assert theirs.description == case.description
    assert [i.description for i in theirs.issues.order_by("number")] == REPRESENTED["issues"]
    roles = {p.role: p.person for p in theirs.parties.select_related("person")}
    assert roles[PartyRole.PATIENT].full_name == "Tom Example"
    assert roles[PartyRole.COMPLAINANT].full_name == "Ms Ada Example"
    assert roles[PartyRole.PATIENT].organisation == org_b  # held by the provider
    assert theirs.consent_state == ConsentState.RECEIVED
    assert "Walsall Commissioning" in theirs.consent_note
    assert not theirs.contacts.exists()  # the commissioner's own notes stay there
    recorded = AuditEvent.objects.get(case=theirs, event="case_recorded")
    assert recorded.data["via"] == FORWARDED
    assert recorded.data["forwarded_from"] == case.reference
    assert recorded.data["note"] == "Please answer directly."
    forwarded = last_event(case)
    assert forwarded.event == "forwarded_to_provider"
    assert forwarded.data["provider_reference"] == theirs.reference

    # The provider's staff see and answer their case; neither side sees the other's case.
    assert list(cases_for(bob)) == [theirs]
    assert theirs not in cases_for(alice)
    with pytest.raises(CaseNotFound):
        get_case(alice, theirs.reference)
    with pytest.raises(CaseNotFound):
        get_case(bob, case.reference)
    assert "acknowledge" in allowed_actions(theirs, bob)


def test_the_commissioner_gets_a_copy_of_the_providers_response(org_a, org_b, alice, bob):
    case = consented(org_a, alice)
    escalation.forward_to_provider(case, by=alice, organisation=org_b, at=FORWARDED_AT)
    theirs = Case.objects.get(forwarded_from=case)
    copy = escalation.provider_response(reload(case))
    assert copy.reference == theirs.reference and copy.organisation == "Minster Medical Group"
    assert copy.status == "Received, awaiting acknowledgement"
    assert copy.responded_at is None and copy.summary == ""

    theirs = handling.acknowledge_case(theirs, by=bob, method="letter")
    respond(theirs, bob, summary="We are sorry; results are now phoned the same day.")
    copy = escalation.provider_response(reload(case))
    assert copy.status == "Response sent" and copy.outcome == "Upheld"
    assert copy.responded_at == reload(theirs).responded_at is not None
    assert copy.summary == "We are sorry; results are now phoned the same day."


def test_a_provider_outside_candour_is_named(org_a, alice):
    case = consented(org_a, alice)
    escalation.forward_to_provider(case, by=alice, provider=" Example Community Trust ")
    case = reload(case)
    assert case.provider_name == "Example Community Trust"
    assert case.provider_organisation is None
    assert escalation.provider_response(case) is None
    assert not Case.objects.filter(forwarded_from=case).exists()


@pytest.mark.parametrize("where", ["own", "both", "commissioner"])
def test_the_provider_must_be_another_providing_organisation_or_a_name(org_a, org_b, alice, where):
    from ..conftest import organisation

    other_icb = organisation("Another Commissioner", "ANO", "icb", "commissioner")
    case = consented(org_a, alice)
    before = snapshot(case)
    given = {
        "own": {"organisation": org_a},
        "both": {"organisation": org_b, "provider": "Example Trust"},
        "commissioner": {"organisation": other_icb},
    }[where]
    with pytest.raises(InvalidCase) as refused:
        escalation.forward_to_provider(case, by=alice, **given)
    assert refused.value.field == ("provider" if where == "both" else "provider_organisation")
    assert snapshot(case) == before
    with pytest.raises(InvalidCase, match="provider: is empty; choose the provider from"):
        escalation.forward_to_provider(case, by=alice, provider=" ")


def test_a_forwarded_complaint_is_not_reopened_by_the_commissioner(org_a, org_b, alice):
    case = consented(org_a, alice)
    escalation.forward_to_provider(case, by=alice, organisation=org_b, at=FORWARDED_AT)
    case = reload(case)
    assert "reopen" not in allowed_actions(case, alice)
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed) as refused:
        handling.reopen_case(case, by=alice, reason="Unhappy with the practice's answer.")
    assert str(refused.value) == (
        f"{case.reference} was forwarded to Minster Medical Group, which answers the "
        "complainant directly; it is not reopened here. If the complainant is unhappy with the "
        "provider's response, they can ask the Parliamentary and Health Service Ombudsman to "
        "look at it."
    )
    assert snapshot(case) == before


def test_a_forwarded_complaint_is_counted_provider_led(org_a, org_b, alice, bob):
    escalation.forward_to_provider(
        consented(org_a, alice), by=alice, organisation=org_b, at=FORWARDED_AT
    )
    make_case(org_a, alice)  # one of the commissioner's own
    received = annual_report(alice, org_a, "2026-27").tables["received"].values()
    assert (received["total"][-1], received["own"][-1], received["provider_led"][-1]) == (2, 1, 1)
    # At the provider it is a complaint it received and answers itself.
    theirs = annual_report(bob, org_b, "2026-27").tables["received"].values()
    assert (theirs["total"][-1], theirs["own"][-1], theirs["provider_led"][-1]) == (1, 1, 0)


def test_the_api_records_consent_to_share_forwards_and_shows_the_copy(org_a, org_b, alice, bob):
    as_alice, as_bob = Api(alice), Api(bob)
    case = make_case(org_a, alice, received_at=at(date(2026, 11, 2), 8))
    ref = case.reference
    path = f"/cases/{ref}/forward-to-provider"
    assert as_alice.post(path, {"provider_organisation": "MMG"}).status_code == 409
    response = as_alice.post(
        f"/cases/{ref}/share-consent", {"method": "email", "at": "2026-11-02T08:20:00Z"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["share_consent"] == "email"
    assert "forward_to_provider" in response.json()["allowed_actions"]

    unknown = as_alice.post(path, {"provider_organisation": "NOPE"})
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["detail"]] == ["provider_organisation"]

    response = as_alice.post(path, {"provider_organisation": "mmg", "at": "2026-11-02T08:30:00Z"})
    assert response.status_code == 200, response.content
    detail = response.json()
    assert (detail["status"], detail["provider_organisation"]) == ("closed", "MMG")
    copy = detail["provider_response"]
    theirs = Case.objects.get(forwarded_from=case)
    assert copy == {
        "organisation": "Minster Medical Group",
        "reference": theirs.reference,
        "status": "Received, awaiting acknowledgement",
        "responded_at": None,
        "outcome": "",
        "summary": "",
    }
    assert "reopen" not in detail["allowed_actions"]

    mine = as_bob.get(f"/cases/{theirs.reference}").json()
    assert mine["forwarded_from"] == {"organisation": "Walsall Commissioning", "reference": ref}
    assert mine["provider_response"] is None
    assert as_bob.get(f"/cases/{ref}").status_code == 404
    assert as_alice.get(f"/cases/{theirs.reference}").status_code == 404


def test_the_case_page_forwards_to_a_provider_chosen_from_candour(client, org_a, org_b, alice):
    case = consented(org_a, alice)
    sign_in(client, alice)
    url = reverse("web:case-action", args=[case.reference, "forward-to-provider"])
    form = client.get(url).text
    assert re.search(r'value="MMG"\s*>Minster Medical Group</option>', form)
    assert ">Walsall Commissioning</option>" not in form  # not to itself
    response = client.post(
        url, {"provider_organisation": "MMG", "at": "2026-11-02T08:30", "note": "Direct reply."}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get(reverse("web:case", args=[case.reference])).text
    assert "Forwarded to" in page and "Minster Medical Group on Mon 2 Nov 2026" in page
    theirs = Case.objects.get(forwarded_from=case)
    assert f"{theirs.reference}: Received, awaiting acknowledgement" in page
    assert "Not sent yet" in page

    reopen = client.get(reverse("web:case-action", args=[case.reference, "reopen"])).text
    assert "it is not reopened here" in reopen


def test_the_case_page_asks_for_consent_to_share(client, org_a, alice):
    case = make_case(org_a, alice)
    sign_in(client, alice)
    url = reverse("web:case-action", args=[case.reference, "share-consent"])
    refused = client.post(url, {"method": "not_needed", "note": "", "at": "2026-11-02T09:00"})
    assert refused.status_code == 400
    assert "Note is too short; say why the complainant&#x27;s consent" in refused.text or (
        "Note is too short; say why the complainant&#39;s consent" in refused.text
    )
    done = client.post(url, {"method": "verbal", "at": "2026-11-02T09:00"})
    assert done.status_code == 302
    page = client.get(reverse("web:case", args=[case.reference])).text
    assert "Consent to share" in page and "Verbally, recorded by staff" in page
