"""The patient withdraws the representative (R13; issue 17).

Seed 002 §9.5: "If it becomes apparent at any point in the process that a patient who is being
represented no longer wishes to continue with the complaint, or no longer wishes the person who
initially raised the complaint for them to continue acting on their behalf, then steps must be
taken to clarify this before continuing any correspondence with the representative."
PRODUCT.md R13: "If the patient no longer wants the representative, correspondence to the
representative stops until it is clarified."

Withdrawing the representative is its own action with its date: the consent and the clocks are
unchanged (the complaint goes on), letters to the representative are held, and a letter can be
addressed to the patient, chosen when it is started."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from candour.cases import consent, deadlines, handling
from candour.cases.intake import InvalidCase
from candour.cases.investigation import record_outcome
from candour.cases.models import ConsentState, PartyRole
from candour.cases.people import PersonDetails
from candour.cases.workflow import TransitionNotAllowed, allowed_actions
from candour.letters import signoff
from candour.letters.dispatch import dispatch_letter
from candour.letters.merge import recipient_fields
from candour.letters.models import Letter
from tests.api.conftest import Api
from tests.responding import find_all, holder, signed_final_response

from ..conftest import at, make_case, sign_in
from .conftest import last_event, reload, snapshot

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00

REPRESENTED = {
    "relationship": "relative",
    "patient": PersonDetails(
        title="Mr",
        first_name="Tom",
        last_name="Patient",
        address="2 Low Street",
        postcode="WS2 2BB",
    ),
}
WITHDRAWN_AT = at(date(2026, 11, 2), 8, 45)


def represented(org, by):
    case = make_case(org, by, received_at=at(date(2026, 11, 2), 8), **REPRESENTED)
    case = consent.receive_consent(case, by=by, method="written", at=at(date(2026, 11, 2), 8, 10))
    return handling.acknowledge_case(case, by=by, method="letter", at=at(date(2026, 11, 2), 8, 20))


def test_withdrawing_the_representative_holds_their_letters_and_the_clocks_run_on(org_a, alice):
    case = represented(org_a, alice)
    due = {d.key: d.due for d in deadlines.for_case(case)}
    consent.withdraw_representative(
        case, by=alice, note="The patient rang: his son no longer acts for him.", at=WITHDRAWN_AT
    )
    case = reload(case)
    assert case.representative_on_hold and case.representative_withdrawn_at == WITHDRAWN_AT
    assert case.consent_state == ConsentState.RECEIVED  # not withdrawn: the complaint goes on
    after = {d.key: d.due for d in deadlines.for_case(case)}
    assert after == due and after["response"] is not None
    response = next(d for d in deadlines.for_case(case) if d.key == "response")
    assert response.state != deadlines.DeadlineState.WAITING
    event = last_event(case)
    assert event.event == "representative_withdrawn"
    assert event.data["happened_at"] == "2026-11-02T08:45:00+00:00"
    assert event.data["after"] == {
        "representative_on_hold": True,
        "representative_withdrawn_at": "2026-11-02T08:45:00+00:00",
    }
    assert "withdraw_representative" not in allowed_actions(case, alice)
    assert "reinstate_representative" in allowed_actions(case, alice)


def test_withdrawing_needs_a_representative_a_note_and_a_true_date(org_a, alice):
    alone = make_case(org_a, alice)
    with pytest.raises(TransitionNotAllowed, match="has no representative recorded"):
        consent.withdraw_representative(alone, by=alice, note="The patient rang.")
    case = represented(org_a, alice)
    before = snapshot(case)
    with pytest.raises(InvalidCase, match="note: is empty; record what the patient said"):
        consent.withdraw_representative(case, by=alice, note=" ")
    with pytest.raises(InvalidCase, match="at: is before the case was received"):
        consent.withdraw_representative(
            case, by=alice, note="The patient rang.", at=at(date(2026, 11, 1), 9)
        )
    assert snapshot(case) == before


def test_letters_go_to_the_patient_and_a_letter_to_the_representative_is_held(org_a, alice):
    case = represented(org_a, alice)
    before = signoff.start_letter(case, "final_response", by=alice)
    assert before.recipient.role == PartyRole.REPRESENTATIVE
    consent.withdraw_representative(case, by=alice, note="The patient rang.", at=WITHDRAWN_AT)
    case = reload(case)

    default = signoff.start_letter(case, "final_response", by=alice)
    assert default.recipient.role == PartyRole.PATIENT
    assert default.recipient.person.full_name == "Mr Tom Patient"
    assert recipient_fields(alice, case, default.recipient)["salutation"] == "Mr Patient"
    to_them = signoff.start_letter(case, "final_response", by=alice, to="complainant")
    assert to_them.recipient.role == PartyRole.REPRESENTATIVE
    with pytest.raises(InvalidCase, match="to: must be one of complainant, patient"):
        signoff.start_letter(case, "final_response", by=alice, to="neighbour")

    # A signed letter to the representative is not sent while it is held.
    case = record_outcome(find_all(case, alice), by=alice, summary="We are sorry.")
    letter = signed_final_response(case)
    letter = Letter.objects.get(pk=letter.pk)
    Letter.objects.filter(pk=letter.pk).update(recipient=to_them.recipient)
    option = signoff.chain_of(letter).dispatch[0]
    with pytest.raises(TransitionNotAllowed, match="on hold until the patient's wishes are"):
        dispatch_letter(
            Letter.objects.get(pk=letter.pk),
            by=holder(case, option.roles),
            channel=option.channel,
        )


def test_a_letter_to_the_patient_needs_a_patient_who_is_alive(org_a, alice):
    alone = make_case(org_a, alice)  # the complainant is the patient
    assert signoff.start_letter(alone, "final_response", by=alice, to="patient").recipient
    bereaved = make_case(
        org_a,
        alice,
        relationship="bereaved",
        patient=PersonDetails(first_name="Tom", last_name="Patient", deceased=True),
    )
    with pytest.raises(InvalidCase, match="to: the patient has died"):
        signoff.start_letter(bereaved, "final_response", by=alice, to="patient")
    anonymous = make_case(org_a, alice, complainant=None, anonymous=True)
    with pytest.raises(InvalidCase, match="has no patient recorded"):
        signoff.start_letter(anonymous, "final_response", by=alice, to="patient")


def test_the_representative_may_act_again_once_it_is_clarified(org_a, alice):
    case = represented(org_a, alice)
    consent.withdraw_representative(case, by=alice, note="The patient rang.", at=WITHDRAWN_AT)
    with pytest.raises(InvalidCase, match="at: is before the representative was withdrawn"):
        consent.reinstate_representative(
            case, by=alice, note="He wrote.", at=at(date(2026, 11, 2), 8, 30)
        )
    consent.reinstate_representative(case, by=alice, note="The patient wrote: his son may act.")
    case = reload(case)
    assert not case.representative_on_hold and case.representative_withdrawn_at is None
    assert last_event(case).event == "representative_reinstated"
    letter = signoff.start_letter(case, "final_response", by=alice)
    assert letter.recipient.role == PartyRole.REPRESENTATIVE


def test_the_api_withdraws_the_representative_and_starts_a_letter_to_the_patient(org_a, alice):
    api = Api(alice)
    case = represented(org_a, alice)
    ref = case.reference
    response = api.post(
        f"/cases/{ref}/representative/withdraw",
        {"note": "The patient rang.", "at": "2026-11-02T08:45:00Z"},
    )
    assert response.status_code == 200, response.content
    detail = response.json()
    assert detail["representative_on_hold"] is True
    assert detail["representative_withdrawn_at"] == "2026-11-02T08:45:00Z"
    assert detail["consent_state"] == "received"
    again = api.post(f"/cases/{ref}/representative/withdraw", {"note": "Again."})
    assert again.status_code == 409

    letter = api.post(f"/cases/{ref}/letters", {"kind": "final_response", "to": "patient"})
    assert letter.status_code == 201, letter.content
    assert Letter.objects.get(pk=letter.json()["id"]).recipient.role == PartyRole.PATIENT
    wrong = api.post(f"/cases/{ref}/letters", {"kind": "final_response", "to": "neighbour"})
    assert wrong.status_code == 422

    response = api.post(f"/cases/{ref}/representative/reinstate", {"note": "He wrote to us."})
    assert response.status_code == 200, response.content
    assert response.json()["representative_on_hold"] is False


def test_the_case_page_withdraws_the_representative_and_starts_a_letter_to_the_patient(
    client, org_a, alice
):
    case = represented(org_a, alice)
    sign_in(client, alice)
    url = reverse("web:case-action", args=[case.reference, "withdraw-representative"])
    response = client.post(url, {"note": "The patient rang.", "at": "2026-11-02T08:45"})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(reverse("web:case", args=[case.reference])).text
    assert "Withdrawn by the patient on Mon 2 Nov 2026" in page

    letters = reverse("web:letters", args=[case.reference])
    assert "Who is it to?" in client.get(letters).text
    response = client.post(letters, {"kind": "final_response", "to": "patient"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Letter.objects.get().recipient.role == PartyRole.PATIENT
