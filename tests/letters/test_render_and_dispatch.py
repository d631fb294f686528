"""PDF and Word renderings of a signed letter, and its dispatch: channel, date, by whom,
copies to staff named, hand delivery "medical in confidence", and the representative hold."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from candour.audit.models import AuditEvent
from candour.cases.consent import receive_consent, withdraw_consent
from candour.cases.handling import (
    acknowledge_case,
    agree_response_date,
    close_case,
    pause_case,
)
from candour.cases.intake import InvalidCase
from candour.cases.investigation import record_finding, record_outcome
from candour.cases.models import Case, StageResponse, Status
from candour.cases.people import PersonDetails
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed
from candour.letters import render, signoff
from candour.letters.access import LetterNotFound, get_letter
from candour.letters.dispatch import dispatch_letter
from candour.letters.models import Dispatch, Letter, LetterStatus
from candour.organisations.models import Organisation

from ..conftest import at, make_case
from .conftest import member

pytestmark = pytest.mark.django_db


def reload(letter) -> Letter:
    return Letter.objects.select_related("case__organisation").get(pk=letter.pk)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def signed_response(org, drafter, signer, case, letter=None, **words):
    """Draft the preset's final response in words, approve it and have `signer` sign it."""
    letter = letter or signoff.start_letter(case, "final_response", by=drafter)
    version = letter.versions.get()
    words = {
        "apology": "I am sorry that we did not call you back about your results.",
        "investigation": "I read the call log and spoke to the reception team.",
        "learning": "Call back requests are now checked every morning.",
        **words,
    }
    signoff.revise(letter, by=drafter, sections=[[n, words.get(n, t)] for n, t in version.sections])
    signoff.approve(letter, by=drafter)
    signoff.approve(letter, by=signer)
    return reload(letter)


@pytest.fixture
def practice(org_b):
    Organisation.objects.filter(pk=org_b.pk).update(
        address="1 Minster Road\nWalsall WS1 2AB",
        telephone="01922 000000",
        email="complaints@minster.example",
    )
    return Organisation.objects.get(pk=org_b.pk)


@pytest.fixture
def upheld_case(frozen, practice, bob):
    case = acknowledge_case(make_case(practice, bob), by=bob, method="letter")
    record_finding(case, by=bob, issue_number=1, finding="upheld", summary="No call was made.")
    return case


def test_the_pdf_is_a_real_a4_pdf_with_the_letter_and_letterhead(upheld_case, practice, bob):
    partner = member("pat", practice, "Partner")
    letter = signed_response(practice, bob, partner, upheld_case)
    data = render.pdf(letter, bob)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = pdf_text(data)
    for expected in (
        "Minster Medical Group",
        "1 Minster Road",
        "01922 000000",
        "complaints@minster.example",
        "Ms Ada Example",
        "WS1 1AA",
        upheld_case.reference,
        "Dear Ms Example,",
        "I am sorry that we did not call you back",
        "How we investigated your complaint",
        "Call back requests are now checked every morning.",
        "0345 015 4033",
        "Partner",
    ):
        assert expected in text, expected
    assert "Draft" not in text


def test_an_unsigned_letter_renders_as_a_draft(upheld_case, bob):
    letter = signoff.start_letter(upheld_case, "final_response", by=bob)
    assert "Draft: not signed (version 1)" in pdf_text(render.pdf(letter, bob))


def test_the_word_document_opens_and_has_the_sections(upheld_case, practice, bob):
    partner = member("pat", practice, "Partner")
    letter = signed_response(practice, bob, partner, upheld_case)
    document = Document(io.BytesIO(render.docx(letter, bob)))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "The issues you raised",
        "How we investigated your complaint",
        "What happened and why",
        "Our conclusions",
        "What we have learned and what will change",
        "If you have questions",
        "If you remain unhappy",
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "I am sorry that we did not call you back" in text
    assert "Minster Medical Group" in text and upheld_case.reference in text


def test_rendering_uses_the_signed_text_not_a_later_draft(upheld_case, practice, bob):
    partner = member("pat", practice, "Partner")
    letter = signed_response(practice, bob, partner, upheld_case)
    signed = letter.signed_version
    version = letter.versions.order_by("-number").first()
    signoff.revise(
        letter,
        by=bob,
        sections=[[n, "A new closing." if n == "closing" else t] for n, t in version.sections],
    )
    text = pdf_text(render.pdf(reload(letter), bob, version=signed))
    assert "A new closing." not in text and "Draft" not in text


def test_condolences_appear_where_the_patient_has_died(frozen, practice, bob):
    case = make_case(
        practice,
        bob,
        relationship="bereaved",
        patient=PersonDetails(first_name="Sam", last_name="Example", deceased=True),
        consent_state="not_needed",
    )
    letter = signoff.start_letter(case, "final_response", by=bob)
    assert "sincere condolences" in letter.versions.get().section("condolences")
    # A letter about a patient goes to the representative (R13).
    assert letter.recipient.role == "representative"


def test_dispatch_records_channel_date_sender_and_copies(upheld_case, practice, bob):
    partner = member("pat", practice, "Partner")
    named = member("nina", practice, "Receptionist")
    letter = signoff.start_letter(upheld_case, "final_response", by=bob, staff_named=[named])
    with pytest.raises(TransitionNotAllowed, match="has not finished its sign-off chain"):
        dispatch_letter(letter, by=bob, channel="post")
    signed_response(practice, bob, partner, upheld_case, letter)
    with pytest.raises(InvalidCase, match="channel: must be one of post, email"):
        dispatch_letter(letter, by=bob, channel="hand_delivery")
    with pytest.raises(PermissionDenied, match="Executive Manager or the Office Manager"):
        dispatch_letter(letter, by=partner, channel="post")
    with pytest.raises(InvalidCase, match="sent_on: is in the future"):
        dispatch_letter(letter, by=bob, channel="post", sent_on=date(2026, 11, 3))
    sent = dispatch_letter(letter, by=bob, channel="post")
    assert sent.sent_on == date(2026, 11, 2) and sent.by == bob and sent.channel == "post"
    assert sent.copies == [{"user": named.pk, "name": "nina", "email": ""}]
    assert sent.version == reload(letter).signed_version
    event = AuditEvent.objects.filter(case=upheld_case, event="letter_dispatched").get()
    assert event.data["copies"] == ["nina"] and event.data["text_hash"] == sent.version.text_hash
    assert reload(letter).status == LetterStatus.DISPATCHED
    with pytest.raises(TransitionNotAllowed, match="already been sent"):
        dispatch_letter(letter, by=bob, channel="post")


def test_sending_the_final_response_records_the_cases_response_in_one_go(
    upheld_case, practice, bob
):
    partner = member("pat", practice, "Partner")
    letter = signed_response(
        practice, bob, partner, upheld_case, conclusions="We did not call you back."
    )
    sent = dispatch_letter(letter, by=bob, channel="email")
    case = Case.objects.get(pk=upheld_case.pk)
    assert case.status == Status.RESPONDED and case.outcome == "upheld"
    # The response is dated when the letter was sent (R22): here, now.
    assert case.responded_at == sent.sent_at == timezone.now()
    assert case.outcome_summary.startswith("Final response (version 2) sent by email on")
    assert "We did not call you back." in case.outcome_summary
    names = list(AuditEvent.objects.filter(case=case).values_list("event", flat=True))
    # No outcome was recorded before: the findings make it, then the letter is the response.
    assert names[-3:] == ["letter_dispatched", "outcome_recorded", "response_sent"]
    answered = StageResponse.objects.get(case=case)
    assert (answered.stage, answered.responded_at, answered.outcome) == (
        1,
        sent.sent_at,
        "upheld",
    )
    assert answered.met is case.response_met is True


def test_with_a_chain_the_outcome_waits_for_the_letter_and_the_dispatch_time_is_the_response(
    frozen, upheld_case, practice, bob
):
    partner = member("pat", practice, "Partner")
    record_outcome(upheld_case, by=bob, summary="We did not call you back; we apologise.")
    case = Case.objects.get(pk=upheld_case.pk)
    assert (case.status, case.outcome, case.responded_at) == (Status.OPEN, "upheld", None)
    assert not StageResponse.objects.filter(case=case).exists()
    with pytest.raises(TransitionNotAllowed, match="cannot be closed: it is open"):
        close_case(case, by=bob)

    frozen.move_to(at(date(2026, 11, 2), 11))
    letter = signed_response(practice, bob, partner, case)  # signed at 11:00
    frozen.move_to(at(date(2026, 11, 3), 14))
    with pytest.raises(InvalidCase, match=r"^sent_at: is before the letter was signed"):
        dispatch_letter(letter, by=bob, channel="post", sent_at=at(date(2026, 11, 2), 10))
    with pytest.raises(InvalidCase, match=r"^sent_on: is not the day of sent_at"):
        dispatch_letter(
            letter,
            by=bob,
            channel="post",
            sent_on=date(2026, 11, 3),
            sent_at=at(date(2026, 11, 2), 16),
        )
    sent = dispatch_letter(letter, by=bob, channel="post", sent_at=at(date(2026, 11, 2), 16, 45))

    case = Case.objects.get(pk=upheld_case.pk)
    assert sent.sent_on == date(2026, 11, 2) and sent.sent_at == at(date(2026, 11, 2), 16, 45)
    assert (case.status, case.responded_at) == (Status.RESPONDED, at(date(2026, 11, 2), 16, 45))
    assert case.outcome_summary == "We did not call you back; we apologise."  # as recorded
    event = AuditEvent.objects.filter(case=case).latest("sequence")
    assert event.event == "response_sent"
    assert event.data == {
        "before": {"responded_at": None, "status": "open"},
        "after": {"responded_at": "2026-11-02T16:45:00+00:00", "status": "responded"},
        "happened_at": "2026-11-02T16:45:00+00:00",
        "letter": letter.pk,
    }
    assert StageResponse.objects.get(case=case).responded_at == at(date(2026, 11, 2), 16, 45)


def test_a_day_sent_without_a_time_is_the_end_of_that_day(frozen, upheld_case, practice, bob):
    partner = member("pat", practice, "Partner")
    letter = signed_response(practice, bob, partner, upheld_case)
    frozen.move_to(at(date(2026, 11, 4), 10))
    sent = dispatch_letter(letter, by=bob, channel="post", sent_on=date(2026, 11, 2))
    assert sent.sent_at == at(date(2026, 11, 2), 23, 59)
    assert Case.objects.get(pk=upheld_case.pk).responded_at == at(date(2026, 11, 2), 23, 59)


def test_a_refused_outcome_leaves_the_letter_unsent(upheld_case, practice, bob):
    partner = member("pat", practice, "Partner")
    letter = signed_response(practice, bob, partner, upheld_case)
    pause_case(upheld_case, by=bob, reason="police", detail="A police investigation.")
    with pytest.raises(TransitionNotAllowed):
        dispatch_letter(letter, by=bob, channel="post")
    assert reload(letter).status == LetterStatus.READY
    assert not Dispatch.objects.filter(letter=letter).exists()
    assert Case.objects.get(pk=upheld_case.pk).status == Status.PAUSED


def test_a_letter_to_a_representative_is_held_while_consent_is_disputed(frozen, org_a, alice):
    director = member("dora", org_a, "Director")
    case = make_case(
        org_a,
        alice,
        relationship="relative",
        patient=PersonDetails(first_name="Pat", last_name="Example"),
    )
    case = receive_consent(case, by=alice, method="written")
    case = acknowledge_case(case, by=alice, method="letter")
    case = agree_response_date(case, by=alice, response_date=date(2026, 12, 1))
    letter = signoff.start_letter(case, "holding", by=alice)
    assert letter.recipient.role == "representative"
    version = letter.versions.get()
    body = version.section("body").replace("[[say why, plainly]]", "records are awaited")
    signoff.revise(letter, by=alice, sections=[["body", body]])
    signoff.approve(letter, by=alice)
    case = withdraw_consent(case, by=alice, note="The patient asked us to stop by phone.")
    assert case.representative_on_hold
    with pytest.raises(
        TransitionNotAllowed, match="on hold until the patient's wishes are clarified"
    ):
        dispatch_letter(letter, by=alice, channel="post")
    assert not Dispatch.objects.exists()
    receive_consent(case, by=alice, method="written")
    assert dispatch_letter(letter, by=alice, channel="email").channel == "email"
    assert director  # the holding letter needs no director's signature


def test_stage_two_is_hand_delivered_medical_in_confidence(frozen, site, hugo, rita, regional_team):
    from .conftest import stage_two_case
    from .test_national_stage_two import fill

    t = regional_team
    case = stage_two_case(site, hugo)
    record_finding(case, by=rita, issue_number=2, finding="upheld", summary="Two weeks late.")
    letter = signoff.start_letter(case, "final_response", by=hugo)
    signoff.approve(letter, by=hugo)
    fill(letter, rita)
    for person in (rita, t["rmd"], t["rom"], t["rd"], t["rd"], rita, t["ncm"], t["nmd"]):
        signoff.approve(letter, by=person)
    assert "MEDICAL IN CONFIDENCE" in pdf_text(render.pdf(reload(letter), hugo)).upper()
    with pytest.raises(TransitionNotAllowed):
        dispatch_letter(letter, by=hugo, channel="hand_delivery")  # still to return to site
    signoff.approve(letter, by=rita)
    # 000 line 29: NHSE letters go back to NHSE by the RGM, not the HOHC.
    with pytest.raises(PermissionDenied, match="Regional Governance Manager"):
        dispatch_letter(letter, by=hugo, channel="returned_to_commissioner")
    sent = dispatch_letter(letter, by=hugo, channel="hand_delivery")
    assert sent.medical_in_confidence is True


def test_letters_are_reached_only_through_the_users_cases(upheld_case, bob, alice):
    letter = signoff.start_letter(upheld_case, "acknowledgement", by=bob)
    assert get_letter(bob, letter.pk) == letter
    with pytest.raises(LetterNotFound):
        get_letter(alice, letter.pk)


def test_a_confidential_complainant_is_hidden_from_staff_without_need_to_know(
    frozen, org_a, alice, ivan
):
    case = make_case(org_a, alice, confidential=True)
    letter = signoff.start_letter(case, "acknowledgement", by=alice)
    assert "Ms Ada Example" in pdf_text(render.pdf(letter, alice))
    text = pdf_text(render.pdf(letter, ivan))
    assert "Ms Ada Example" not in text and "Confidential" in text
