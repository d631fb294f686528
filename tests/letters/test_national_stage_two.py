"""Seed 000's Stage 2 sign-off, walked step by step through the national provider's preset
chain, including a send-back from national review to the regional draft."""

from __future__ import annotations

from datetime import date

import pytest

from candour.cases.deadlines import DeadlineState
from candour.cases.investigation import record_finding
from candour.cases.models import Case
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed
from candour.letters import signoff
from candour.letters.models import Letter, LetterStatus
from candour.organisations.setup import create_organisation

from ..conftest import at
from .conftest import last_event, member, stage_two_case

pytestmark = pytest.mark.django_db


def fill(letter, by, **overrides):
    """Replace the preset's [[guidance]] with words, as the regional team would."""
    version = letter.versions.order_by("-number").first()
    words = {
        "apology": "I am sorry that our call back came so late.",
        "investigation": "The Head of Healthcare reviewed the call log and spoke to staff.",
        "explanation": "The request was filed under the wrong clinic and not seen.",
        "learning": "Call back requests are now checked every morning.",
        "conclusions": "We have upheld your complaint that the call back came late.",
    }
    words.update(overrides)
    sections = [[n, words.get(n, t)] for n, t in version.sections]
    return signoff.revise(letter, by=by, sections=sections)


def reload(letter) -> Letter:
    return Letter.objects.select_related("case__organisation").get(pk=letter.pk)


def test_stage_two_walked_step_by_step_with_a_send_back(
    frozen, site, region, hugo, rita, regional_team
):
    t = regional_team
    case = stage_two_case(site, hugo)
    assert case.stage == 2

    letter = signoff.start_letter(case, "final_response", by=hugo)
    assert letter.chain["name"] == "Stage 2 sign-off (regional and national)"
    here = signoff.where(letter)
    # 000 line 9: documents to the Regional Governance Manager within 2-5 working days of
    # receipt of stage 2 (received Monday 2 November; 5 working days is Monday 9 November).
    assert here.step.key == "documents"
    assert here.step.due == date(2026, 11, 9)
    assert here.step.basis == (
        "5 working days from receipt of the stage 2 request (Mon 2 Nov 2026)"
    )
    assert here.held_by == ["hugo (Head of Healthcare)"]

    # Someone without the step's role is refused, and nothing is written.
    with pytest.raises(PermissionDenied, match="Only the Head of Healthcare"):
        signoff.approve(letter, by=rita)

    frozen.move_to(at(date(2026, 11, 5), 10))
    signoff.approve(letter, by=hugo, text="Documents attached: stage 1 letter, call log.")
    letter = reload(letter)
    assert letter.step == "regional_draft"
    assert signoff.history(letter)[0].state == DeadlineState.MET

    # 000 line 13: the regional draft is joint; the Head of Healthcare cannot draft it.
    with pytest.raises(PermissionDenied):
        fill(letter, hugo)
    # The preset's guidance must be replaced before anyone approves.
    with pytest.raises(TransitionNotAllowed, match="guidance in \\[\\[double brackets\\]\\]"):
        signoff.approve(letter, by=rita)
    fill(letter, rita)
    # An issue without a finding stops approval, and the refusal says which.
    with pytest.raises(TransitionNotAllowed, match="Issue 2 has no finding yet"):
        signoff.approve(letter, by=rita)
    record_finding(case, by=rita, issue_number=2, finding="upheld", summary="Two weeks late.")
    fill(letter, rita, explanation="The request was filed under the wrong clinic.")

    signoff.approve(letter, by=rita)
    assert last_event(case).data["waiting_for"] == [
        "Regional Medical Director",
        "Regional Operations Manager",
    ]
    assert reload(letter).step == "regional_draft"
    signoff.approve(letter, by=t["rmd"])
    here = signoff.where(reload(letter))
    assert here.waiting_for == ["Regional Operations Manager"]
    assert here.held_by == ["rom (Regional Operations Manager)"]
    signoff.approve(letter, by=t["rom"])

    # 000 line 15: the Regional Director comments; line 17: regional sign-off.
    letter = reload(letter)
    assert letter.step == "regional_director"
    signoff.comment(letter, by=t["rd"], text="Say when the new checks started.")
    with pytest.raises(TransitionNotAllowed, match="cannot be changed at the step"):
        fill(letter, t["rd"])
    signoff.approve(letter, by=t["rd"])
    assert reload(letter).step == "regional_sign_off"
    signoff.approve(letter, by=t["rd"])

    # 000 line 21: the RGM sends it to national review "within 10 working days (12-15
    # working days of receipt)": 15 working days from the receipt of the stage-2 request on
    # Monday 2 November is Monday 23 November, whenever the documents reached the region.
    letter = reload(letter)
    here = signoff.where(letter)
    assert here.step.key == "send_to_national"
    assert here.step.due == date(2026, 11, 23)
    assert here.step.basis.startswith("15 working days from receipt of the stage 2 request")
    frozen.move_to(at(date(2026, 11, 10), 11))
    signoff.approve(letter, by=rita)
    assert reload(letter).step == "national_review"
    # 000 line 23 gives the national review no time of its own: it is due by the stage's
    # response date (25 working days from the stage-2 request: Monday 7 December).
    here = signoff.where(reload(letter))
    assert (here.step.due, here.step.basis) == (date(2026, 12, 7), "the stage 2 response date")
    assert here.step.due == Case.objects.get(pk=case.pk).response_due

    # 000 line 23: national comments send it back to the Regional Governance Manager.
    with pytest.raises(Exception, match="must be an earlier step"):
        signoff.send_back(letter, by=t["ncm"], to_step="national_sign_off", reason="x")
    signoff.send_back(
        letter, by=t["ncm"], to_step="regional_draft", reason="Add the date the checks began."
    )
    letter = reload(letter)
    assert letter.step == "regional_draft"
    event = last_event(case)
    assert event.event == "letter_sent_back"
    assert event.data["to_step"] == "regional_draft"
    # A fresh visit: the joint approvals given before count no more.
    assert signoff.where(letter).waiting_for == [
        "Regional Governance Manager",
        "Regional Medical Director",
        "Regional Operations Manager",
    ]
    fill(letter, rita, learning="Since 9 November, call back requests are checked daily.")
    for person in (rita, t["rmd"], t["rom"], t["rd"], t["rd"], rita, t["ncm"]):
        signoff.approve(letter, by=person)
    letter = reload(letter)
    assert letter.step == "national_sign_off"

    # 000 line 25: only the National Medical Director signs.
    with pytest.raises(PermissionDenied, match="National Medical Director"):
        signoff.approve(letter, by=t["ncm"])
    signoff.approve(letter, by=t["nmd"])
    letter = reload(letter)
    signed = letter.signed_version
    assert letter.status == LetterStatus.SIGNED
    assert signed.signed_by == t["nmd"]
    event = last_event(case)
    assert event.event == "letter_signed"
    assert event.data["text_hash"] == signed.text_hash
    assert "checked daily" in signed.section("learning")

    # 000 line 29: the signed letter returns to the HOHC through the RGM or Regional Manager.
    assert letter.step == "return_to_site"
    signoff.approve(letter, by=t["rm"])
    letter = reload(letter)
    assert letter.status == LetterStatus.READY and letter.step == ""
    steps = [(s.key, s.left_how) for s in signoff.history(letter)]
    assert steps == [
        ("documents", "approved"),
        ("regional_draft", "approved"),
        ("regional_director", "approved"),
        ("regional_sign_off", "approved"),
        ("send_to_national", "approved"),
        ("national_review", "sent_back"),
        ("regional_draft", "approved"),
        ("regional_director", "approved"),
        ("regional_sign_off", "approved"),
        ("send_to_national", "approved"),
        ("national_review", "approved"),
        ("national_sign_off", "approved"),
        ("return_to_site", "approved"),
    ]


def test_a_role_held_in_another_region_does_not_reach_the_case(
    frozen, national, site, hugo, rita, regional_team
):
    other_region = create_organisation(
        name="Secure Estate Health South", code="SEHS", kind="region", parent=national
    )
    stranger = member("sara", other_region, "Regional Governance Manager")
    case = stage_two_case(site, hugo)
    letter = signoff.start_letter(case, "final_response", by=hugo)
    signoff.approve(letter, by=hugo)
    with pytest.raises(PermissionDenied, match="at HMP Example Site or above"):
        signoff.comment(letter, by=stranger, text="Looks fine.")
    # The same role at the case's own region may act.
    signoff.comment(letter, by=rita, text="Drafting now.")


def test_a_missed_step_due_date_is_recorded_as_missed(frozen, site, hugo, regional_team):
    case = stage_two_case(site, hugo)
    letter = signoff.start_letter(case, "final_response", by=hugo)
    frozen.move_to(at(date(2026, 11, 10), 9))  # Tuesday: the documents were due Monday 9th
    assert signoff.where(letter).step.state == DeadlineState.OVERDUE
    signoff.approve(letter, by=hugo)
    assert last_event(case).data["met"] is False
    assert signoff.history(reload(letter))[0].state == DeadlineState.MISSED


def test_a_stage_one_letter_uses_the_local_chain(frozen, site, hugo):
    from ..conftest import make_case

    case = make_case(site, hugo)
    letter = signoff.start_letter(case, "acknowledgement", by=hugo)
    assert letter.chain["name"] == "Local letters (Head of Healthcare)"
    signoff.approve(letter, by=hugo)
    letter = reload(letter)
    assert letter.status == LetterStatus.READY
    assert letter.signed_version.number == 1


def to_national_review(case, hugo, rita, t) -> Letter:
    """A stage-2 final response walked through the regional steps to the national review."""
    record_finding(case, by=rita, issue_number=2, finding="upheld", summary="Two weeks late.")
    letter = signoff.start_letter(case, "final_response", by=hugo)
    signoff.approve(letter, by=hugo)
    fill(reload(letter), rita)
    for person in (rita, t["rmd"], t["rom"], t["rd"], t["rd"], rita):
        signoff.approve(letter, by=person)
    letter = reload(letter)
    assert letter.step == "national_review"
    return letter


def test_every_step_is_due_from_the_receipt_of_the_stage_two_request_not_from_the_letter(
    frozen, site, hugo, rita, regional_team
):
    # Seed 000 Stage 2, step 1 (line 9): "within 2-5 working days of receipt of Stage 2";
    # step 3 (line 21): "within 10 working days (12-15 working days of receipt)".
    case = stage_two_case(site, hugo)  # the stage-2 request received Monday 2 November
    frozen.move_to(at(date(2026, 11, 12), 10))  # the letter is started ten days later
    letter = signoff.start_letter(case, "final_response", by=hugo)
    here = signoff.where(letter)
    assert here.step.due == date(2026, 11, 9)  # from receipt, so already overdue
    assert here.step.state == DeadlineState.OVERDUE
    signoff.approve(letter, by=hugo)
    here = signoff.where(reload(letter))
    assert here.step.key == "regional_draft"
    assert here.step.due == date(2026, 11, 23)  # 15 working days from 2 November
    assert here.step.basis == (
        "15 working days from receipt of the stage 2 request (Mon 2 Nov 2026)"
    )
    planned = {p.step.key: (p.due, p.due_words) for p in signoff.plan(reload(letter))}
    receipt = "within 15 working days of receipt of the stage 2 request"
    response = "by the stage 2 response date"
    assert planned == {
        "documents": (date(2026, 11, 9), "within 5 working days of receipt of the stage 2 request"),
        "regional_draft": (date(2026, 11, 23), receipt),
        "regional_director": (date(2026, 11, 23), receipt),
        "regional_sign_off": (date(2026, 11, 23), receipt),
        "send_to_national": (date(2026, 11, 23), receipt),
        "national_review": (date(2026, 12, 7), response),
        "national_sign_off": (date(2026, 12, 7), response),
        "return_to_site": (date(2026, 12, 7), response),
    }
    assert Case.objects.get(pk=case.pk).response_due == date(2026, 12, 7)


def test_a_stage_two_request_received_before_it_was_recorded_counts_from_its_receipt(
    frozen, site, hugo, rita, regional_team
):
    """The reopening records when the stage-2 request was received: the chain counts from
    that day, not from when the reopening was recorded."""
    from candour.cases.handling import acknowledge_case, reopen_case
    from candour.cases.investigation import add_issue, record_outcome

    from ..conftest import make_case
    from ..responding import send_final_response

    case = acknowledge_case(make_case(site, hugo), by=hugo, method="letter")
    record_finding(case, by=hugo, issue_number=1, finding="not_upheld", summary="Called back.")
    case = send_final_response(record_outcome(case, by=hugo, summary="Not upheld."))
    frozen.move_to(at(date(2026, 11, 16), 9))
    case = reopen_case(
        case, by=hugo, reason="Still unhappy.", received_at=at(date(2026, 11, 4), 15)
    )
    add_issue(case, by=hugo, description="The call back came two weeks late")
    letter = signoff.start_letter(case, "final_response", by=hugo)
    # Wednesday 4 November + 5 working days = Wednesday 11 November.
    assert signoff.where(letter).step.due == date(2026, 11, 11)


def test_the_national_medical_director_may_review_at_the_national_review_step(
    frozen, site, hugo, rita, regional_team
):
    # Seed 000 Stage 2, step 3 (line 23): "National Complaints reviewer and National Medical
    # team comments/ review. If there are any comments - sends back to the Regional
    # Governance manager. If no comments, The National Medical Director to sign off."
    t = regional_team
    case = stage_two_case(site, hugo)
    letter = to_national_review(case, hugo, rita, t)
    assert "National Medical Director" in signoff.where(letter).waiting_for
    # The site is not the national team: refused there.
    with pytest.raises(PermissionDenied, match="National Medical Director"):
        signoff.approve(letter, by=hugo)
    # The national medical team's comments send it back to the Regional Governance Manager.
    signoff.send_back(letter, by=t["nmd"], to_step="regional_draft", reason="Name the clinic.")
    assert reload(letter).step == "regional_draft"
    for person in (rita, t["rmd"], t["rom"], t["rd"], t["rd"], rita):
        signoff.approve(letter, by=person)
    # With no comments, the National Medical Director approves the review and signs.
    signoff.approve(letter, by=t["nmd"])
    assert reload(letter).step == "national_sign_off"
    signoff.approve(letter, by=t["nmd"])
    letter = reload(letter)
    assert letter.status == LetterStatus.SIGNED
    assert letter.signed_version.signed_by == t["nmd"]


def test_the_letter_page_shows_each_steps_due_date(client, frozen, site, hugo, regional_team):
    from django.urls import reverse

    from ..conftest import sign_in

    case = stage_two_case(site, hugo)
    letter = signoff.start_letter(case, "final_response", by=hugo)
    page = (
        sign_in(client, hugo)
        .get(reverse("web:letter", args=[case.reference, letter.pk]))
        .content.decode()
    )
    assert "Mon 9 Nov 2026, 5 working days from receipt of the stage 2 request" in page
    assert "due within 15 working days of receipt of the stage 2 request (Mon 23 Nov 2026)" in page
    assert "National Medical Director, due by the stage 2 response date (Mon 7 Dec 2026)" in page
