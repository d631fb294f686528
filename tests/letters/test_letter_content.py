"""Letters (R17, R24, R25; issue 17): staff by full name and job title, never a username; the
organisation's postal address on the letterhead (set by its managers on the manage pages or
through the API); a Word address with no blank line in it; the late-complaint decision filled
from the case, and started when a late complaint is declined; and approval checked against
the case's issues and findings as they are at approval."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from docx import Document
from pypdf import PdfReader

from candour.audit.models import AuditEvent
from candour.cases.handling import acknowledge_case, assign_handler, decide_late_complaint
from candour.cases.investigation import add_issue, record_finding
from candour.cases.people import PersonDetails
from candour.cases.workflow import TransitionNotAllowed
from candour.letters import render, signoff
from candour.letters.models import Letter, LetterStatus
from candour.organisations.models import ApiToken, Organisation
from candour.organisations.setup import update_letterhead

from ..conftest import make_case, sign_in
from .conftest import member
from .test_next_stage import quoted

pytestmark = pytest.mark.django_db

ADDRESS = "1 Example Lane\r\n\r\nExample Valley\r\n  ZZ1 1AB  "


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def docx_paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def latest(letter):
    return letter.versions.order_by("-number").first()


def named(user, first: str, last: str):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def edit(letter, by, **words):
    version = latest(letter)
    return signoff.revise(
        letter, by=by, sections=[[n, words.get(n, t)] for n, t in version.sections]
    )


WORDS = {
    "apology": "I am sorry that we did not call you back.",
    "investigation": "I read the call log and spoke to the reception team.",
    "learning": "Call back requests are now checked every morning.",
}


# --- staff named ------------------------------------------------------------------------------


def test_the_handler_is_named_by_full_name_and_job_title_never_a_username(org_b, bob, frozen):
    # Seed 004: "The acknowledgment provides contact details for the person who is handling
    # the complaint"; R17 (001 §7 §14).
    quoted("004", "The acknowledgment provides contact details for the person who is handling")
    named(bob, "Bob", "Example")
    case = make_case(org_b, bob)
    case = assign_handler(case, by=bob, handler=bob)
    letter = signoff.start_letter(case, "acknowledgement", by=bob)
    body = latest(letter).section("body")
    assert "You will hear from Bob Example (Executive Manager), who is looking after" in body
    assert "bob " not in body and "bob." not in body


def test_with_no_name_recorded_the_job_title_stands_in_for_it(org_b, bob, frozen):
    case = assign_handler(make_case(org_b, bob), by=bob, handler=bob)
    body = latest(signoff.start_letter(case, "acknowledgement", by=bob)).section("body")
    assert "You will hear from our Executive Manager, who is looking after" in body
    assert "bob" not in body


def test_the_signature_gives_the_signers_name_and_role_not_their_username(org_b, bob, frozen):
    partner = named(member("gp.partner", org_b, "Partner"), "Cara", "Example")
    case = acknowledge_case(make_case(org_b, bob), by=bob, method="letter")
    record_finding(case, by=bob, issue_number=1, finding="upheld", summary="No call was made.")
    letter = signoff.start_letter(case, "final_response", by=bob)
    edit(letter, bob, **WORDS)
    signoff.approve(letter, by=bob)
    signoff.approve(letter, by=partner)
    letter = Letter.objects.get(pk=letter.pk)
    text = pdf_text(render.pdf(letter, bob))
    assert "Cara Example" in text and "Partner" in text
    assert "gp.partner" not in text
    assert "gp.partner" not in "\n".join(docx_paragraphs(render.docx(letter, bob)))


# --- the letterhead -------------------------------------------------------------------------


def test_the_letterhead_carries_the_postal_address_with_no_blank_line_in_word(org_b, bob, frozen):
    # Seed 001 Appendix D: "Ensure you use MMG headed paper."
    quoted("001", "Ensure you use MMG headed paper.")
    update_letterhead(org_b, address=ADDRESS, telephone="0117 496 0101", email="", by=bob)
    org_b.refresh_from_db()
    assert org_b.address == "1 Example Lane\nExample Valley\nZZ1 1AB"
    complainant = PersonDetails(
        title="Ms",
        first_name="Ada",
        last_name="Example",
        address="2 Sample Street\r\n\r\nSampletown\r\n",
        postcode="zz2 3cd",
    )
    case = make_case(org_b, bob, complainant=complainant)
    letter = signoff.start_letter(case, "acknowledgement", by=bob)

    text = pdf_text(render.pdf(letter, bob))
    for line in ("1 Example Lane", "Example Valley", "ZZ1 1AB", "0117 496 0101"):
        assert line in text

    paragraphs = docx_paragraphs(render.docx(letter, bob))
    head = next(p for p in paragraphs if p.startswith("Minster Medical Group"))
    assert head.split("\n") == [
        "Minster Medical Group",
        "1 Example Lane",
        "Example Valley",
        "ZZ1 1AB",
        "Telephone: 0117 496 0101",
    ]
    to = next(p for p in paragraphs if p.startswith("Ms Ada Example"))
    assert to.split("\n") == ["Ms Ada Example", "2 Sample Street", "Sampletown", "ZZ2 3CD"]
    # No blank line inside any paragraph of the document.
    assert not [p for p in paragraphs if "\n\n" in p or p.startswith("\n") or p.endswith("\n")]


def test_a_manager_changes_the_letterhead_on_the_manage_pages(client, org_b, bob, frozen):
    sign_in(client, bob)
    url = f"/manage/{org_b.code}/letterhead/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"address": "  ", "telephone": "", "email": ""})
    assert refused.status_code == 400
    assert "postal address, each line on a line of its own" in refused.content.decode()
    done = client.post(url, {"address": ADDRESS, "telephone": "0117 496 0101", "email": ""})
    assert done.status_code == 302
    assert Organisation.objects.get(pk=org_b.pk).address.splitlines()[-1] == "ZZ1 1AB"
    assert "1 Example Lane" in client.get(f"/manage/{org_b.code}/").content.decode()
    event = AuditEvent.objects.filter(event="organisation_letterhead_changed").get()
    assert event.data["after"]["telephone"] == "0117 496 0101"


def test_the_letterhead_through_the_api(client, org_a, org_b, alice, ivan, bob, frozen):
    def call(user, method, code, body=None):
        _, token = ApiToken.issue(user, "tests")
        return getattr(client, method)(
            f"/api/v1/organisations/{code}/letterhead",
            json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    body = {"address": "Example House\n2 Sample Street\nZZ2 3CD", "email": "c@example.invalid"}
    changed = call(alice, "put", "WAL", body)
    assert changed.status_code == 200, changed.content
    assert changed.json()["address"] == "Example House\n2 Sample Street\nZZ2 3CD"
    assert call(ivan, "get", "WAL").json()["email"] == "c@example.invalid"
    # An investigator may read it but not change it; another organisation is not found.
    assert call(ivan, "put", "WAL", body).status_code == 403
    assert call(bob, "get", "WAL").status_code == 404
    assert call(bob, "put", "WAL", body).status_code == 404
    refused = call(alice, "put", "WAL", {"address": "\n \n"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "address"


# --- the late-complaint decision ------------------------------------------------------------


def test_declining_a_late_complaint_starts_its_letter_with_the_decision_recorded(
    org_b, bob, frozen
):
    # Seed 001 §9: "Where it is decided not to investigate, the complainant will have the
    # opportunity to approach the Ombudsman."
    quoted("001", "Where it is decided not to investigate, the complainant will have the")
    case = make_case(org_b, bob, event_date=date(2023, 11, 1))
    decide_late_complaint(case, by=bob, decision="declined", reason="No records survive.")
    letter = Letter.objects.get(case=case, kind="late_complaint_decision")
    body = latest(letter).section("body")
    assert "Our decision is that we will not look into your complaint." in body
    assert "[[" not in body
    assert "No records survive." in body
    assert "Parliamentary and Health Service Ombudsman" in body
    signoff.approve(letter, by=bob)
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.READY


def test_a_decision_letter_started_before_the_decision_cannot_be_approved(org_b, bob, frozen):
    case = make_case(org_b, bob, event_date=date(2023, 11, 1))
    letter = signoff.start_letter(case, "late_complaint_decision", by=bob)
    assert "Our decision is: [[state the decision]]." in latest(letter).section("body")
    with pytest.raises(TransitionNotAllowed, match="has no decision on the late complaint yet"):
        signoff.approve(letter, by=bob)


# --- approval against the case as it is -----------------------------------------------------


def test_an_issue_added_after_the_response_started_stops_its_approval(org_b, bob, frozen):
    # Seed 001 Appendix D 4: the issues as agreed with the complainant; R25: "It cannot be
    # approved while an agreed issue is unanswered".
    quoted("001", "Appendix D")
    case = acknowledge_case(make_case(org_b, bob), by=bob, method="letter")
    record_finding(case, by=bob, issue_number=1, finding="upheld", summary="No call was made.")
    letter = signoff.start_letter(case, "final_response", by=bob)
    add_issue(case, by=bob, description="Rude receptionist")
    record_finding(case, by=bob, issue_number=2, finding="not_upheld", summary="Polite.")
    edit(letter, bob, **WORDS)
    with pytest.raises(TransitionNotAllowed) as refused:
        signoff.approve(letter, by=bob)
    message = str(refused.value)
    assert "'The issues you raised' does not cover issue 2, 'Rude receptionist'" in message

    version = latest(letter)
    edit(
        letter,
        bob,
        issues=version.section("issues") + "\n2. Rude receptionist",
        conclusions=version.section("conclusions") + "\nIssue 2: we have not upheld it.",
    )
    signoff.approve(letter, by=bob)
    assert Letter.objects.get(pk=letter.pk).step == "signature"


def test_a_response_with_empty_sections_is_not_approved(org_b, bob, frozen):
    case = acknowledge_case(make_case(org_b, bob), by=bob, method="letter")
    record_finding(case, by=bob, issue_number=1, finding="upheld", summary="No call was made.")
    letter = signoff.start_letter(case, "final_response", by=bob)
    edit(letter, bob, **WORDS, issues="", explanation="", conclusions="")
    with pytest.raises(TransitionNotAllowed) as refused:
        signoff.approve(letter, by=bob)
    assert (
        "The sections 'The issues you raised', 'What happened and why', 'Our conclusions' "
        "are empty" in str(refused.value)
    )
    assert not AuditEvent.objects.filter(case=case, event="letter_approved").exists()
