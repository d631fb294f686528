"""The final response in Appendix D's sections: refusals for each missing part, templates as
versioned sandboxed Jinja, and the approved text frozen (a later change is a new version)."""

from __future__ import annotations

from datetime import date

import pytest

from candour.cases.handling import acknowledge_case, agree_response_date
from candour.cases.intake import InvalidCase
from candour.cases.investigation import add_issue, record_finding
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed
from candour.letters import signoff, templates
from candour.letters.compose import FINAL_SECTIONS
from candour.letters.models import Letter, LetterStatus, LetterTemplate

from ..conftest import make_case
from .conftest import events, last_event, member

pytestmark = pytest.mark.django_db

WORDS = {
    "investigation": "I read the call log and spoke to the reception team.",
    "learning": "Call back requests are now checked every morning.",
}


def reload(letter) -> Letter:
    return Letter.objects.select_related("case__organisation").get(pk=letter.pk)


def edit(letter, by, **changes):
    version = letter.versions.order_by("-number").first()
    words = {**WORDS, **changes}
    return signoff.revise(
        letter, by=by, sections=[[n, words.get(n, t)] for n, t in version.sections]
    )


@pytest.fixture
def answered(frozen, org_b, bob):
    """A GP case whose one issue is upheld, with a final response drafted from the preset."""
    case = acknowledge_case(make_case(org_b, bob), by=bob, method="letter")
    record_finding(case, by=bob, issue_number=1, finding="upheld", summary="No call was made.")
    letter = signoff.start_letter(case, "final_response", by=bob)
    return case, letter


def test_the_preset_final_response_has_appendix_d_sections_in_order(answered):
    case, letter = answered
    version = letter.versions.get()
    assert [n for n, _ in version.sections] == list(FINAL_SECTIONS)
    assert version.subject == f"Your complaint, reference {case.reference}"
    assert "No call was made." in version.section("explanation")
    assert "0345 015 4033" in version.section("ombudsman")
    assert letter.template.version == 1
    assert letter.template.source == "common/final_response.toml"
    # No bereavement on this case: the condolences section is empty.
    assert version.section("condolences") == ""


def test_approval_refused_while_an_issue_has_no_finding(answered, bob):
    case, letter = answered
    add_issue(case, by=bob, description="Rude receptionist")
    edit(letter, bob, apology="I am sorry we did not call you back.")
    with pytest.raises(TransitionNotAllowed, match="Issue 2 has no finding yet"):
        signoff.approve(letter, by=bob)
    assert reload(letter).step == "draft"


def test_approval_refused_without_the_escalation_rights_and_contact_details(answered, bob):
    _case, letter = answered
    edit(letter, bob, apology="I am sorry we did not call you back.", ombudsman="")
    with pytest.raises(TransitionNotAllowed, match="right to go to the Parliamentary and Health"):
        signoff.approve(letter, by=bob)
    # Naming the Ombudsman without any of its contact details is not enough either.
    edit(
        letter, bob, ombudsman="You may complain to the Parliamentary and Health Service Ombudsman."
    )
    with pytest.raises(TransitionNotAllowed, match="0345 015 4033"):
        signoff.approve(letter, by=bob)
    # The Ombudsman with a contact detail, and the practice's next stage (R29).
    edit(
        letter,
        bob,
        ombudsman="You can ask us for further local resolution. The Parliamentary and Health "
        "Service Ombudsman, telephone 0345 015 4033.",
    )
    signoff.approve(letter, by=bob)
    assert reload(letter).step == "signature"


def test_approval_refused_with_an_empty_apology_where_an_issue_is_upheld(answered, bob):
    case, letter = answered
    edit(letter, bob, apology="")
    with pytest.raises(TransitionNotAllowed, match="apology section is empty, but issue 1 is "):
        signoff.approve(letter, by=bob)
    assert "letter_approved" not in events(case)


def test_the_preset_apology_is_guidance_where_upheld(answered, bob):
    _case, letter = answered
    edit(letter, bob)
    with pytest.raises(TransitionNotAllowed, match="'Apology' still has guidance"):
        signoff.approve(letter, by=bob)


def test_approved_text_is_frozen_and_a_change_makes_a_new_version(answered, org_b, bob):
    case, letter = answered
    partner = member("pat", org_b, "Partner")
    edit(letter, bob, apology="I am sorry we did not call you back.")
    signoff.approve(letter, by=bob)
    signoff.approve(letter, by=partner)
    letter = reload(letter)
    signed = letter.signed_version
    assert letter.status == LetterStatus.READY and signed.number == 2
    signed_text, signed_hash = list(signed.sections), signed.text_hash

    # The Partner cannot change it; the Executive Manager can, as a new version that goes
    # back to the drafting step to be signed again.
    with pytest.raises(PermissionDenied):
        edit(letter, partner, closing="Thank you.")
    new = edit(letter, bob, closing="Thank you for your patience.")
    letter = reload(letter)
    assert new.number == 3 and new.signed_at is None
    assert letter.status == LetterStatus.IN_SIGN_OFF and letter.step == "draft"
    assert letter.signed_version is None
    signed.refresh_from_db()
    assert signed.sections == signed_text and signed.text_hash == signed_hash
    assert signed.signed_by == partner
    assert last_event(case).data["after_signing"] is True
    signoff.approve(letter, by=bob)
    signoff.approve(letter, by=partner)
    assert reload(letter).signed_version.number == 3


def test_an_unknown_section_or_nothing_changed_is_refused(answered, bob):
    _case, letter = answered
    with pytest.raises(InvalidCase, match="'postscript' is not a section of this letter"):
        signoff.revise(letter, by=bob, sections=[["postscript", "PS."]])
    version = letter.versions.get()
    with pytest.raises(InvalidCase, match="nothing has changed"):
        signoff.revise(letter, by=bob, sections=version.sections)


def test_templates_are_versioned_and_a_letter_keeps_its_version(frozen, org_b, bob):
    case = make_case(org_b, bob)
    first = signoff.start_letter(case, "acknowledgement", by=bob)
    assert first.template.version == 1
    saved = templates.save_template(
        org_b,
        "acknowledgement",
        subject="Complaint {{ reference }} received",
        sections=[
            ["body", "Dear {{ recipient.salutation }}, we received it on {{ received_date }}."]
        ],
        by=bob,
    )
    assert saved.version == 2
    second = signoff.start_letter(case, "acknowledgement", by=bob)
    assert second.template.version == 2
    assert second.versions.get().section("body") == (
        "Dear Ms Example, we received it on 2 November 2026."
    )
    assert reload(first).template.version == 1
    assert LetterTemplate.objects.filter(organisation=org_b, kind="acknowledgement").count() == 2


@pytest.mark.parametrize(
    "kind, subject, sections, message",
    [
        ("holding", "Hi", [["body", "{{ complainant.password }}"]], "sections.body:"),
        ("holding", "Hi", [["body", "{% for x in %}"]], "sections.body:"),
        ("holding", "", [["body", "Text"]], "subject: is empty"),
        ("holding", "Hi", [["body", "{{ ''.__class__.__mro__ }}"]], "sections.body:"),
        ("final_response", "Hi", [["apology", "Sorry"]], "needs the sections of Appendix D"),
        ("memo", "Hi", [["body", "Text"]], "kind: must be one of"),
    ],
)
def test_a_bad_template_is_refused_naming_the_part(
    frozen, org_b, bob, kind, subject, sections, message
):
    with pytest.raises(InvalidCase, match=message):
        templates.save_template(org_b, kind, subject=subject, sections=sections, by=bob)
    assert not LetterTemplate.objects.filter(organisation=org_b, version=2).exists()


def test_only_an_administrator_changes_templates(frozen, org_b, bob):
    partner = member("pat", org_b, "Partner")
    with pytest.raises(PermissionDenied, match="administer"):
        templates.save_template(
            org_b, "holding", subject="Hi", sections=[["body", "Text"]], by=partner
        )


def test_a_site_uses_the_templates_of_the_organisation_holding_its_policy(frozen, site, hugo):
    case = make_case(site, hugo)
    letter = signoff.start_letter(case, "acknowledgement", by=hugo)
    assert letter.template.organisation.name == "Secure Estate Health"


@pytest.mark.parametrize(
    ("telephone", "email", "phrases"),
    [
        ("01632 960 111", "", ["on 01632 960 111."]),
        ("", "team@example.invalid", ["at team@example.invalid."]),
        ("01632 960 111", "team@example.invalid", ["on 01632 960 111 or at team@example."]),
        ("", "", ["please contact our complaints team."]),
    ],
)
@pytest.mark.parametrize("kind", ["acknowledgement", "holding", "final_response"])
def test_a_letter_offers_only_the_contact_details_the_organisation_has(
    frozen, org_b, bob, kind, telephone, email, phrases
):
    """An organisation without a telephone number (or email address) gets no "call us on ."."""
    org_b.telephone, org_b.email = telephone, email
    org_b.save(update_fields=["telephone", "email"])
    case = acknowledge_case(make_case(org_b, bob), by=bob, method="letter")
    if kind == "holding":
        case = agree_response_date(case, by=bob, response_date=date(2026, 12, 1))
    letter = signoff.start_letter(case, kind, by=bob)
    text = " ".join(t for _, t in letter.versions.get().sections)
    for broken in (" on .", " on ,", " at .", " on  ", " or at ."):
        assert broken not in text
    if kind == "final_response":
        for phrase in phrases:
            assert phrase.rstrip(".") in text
    if telephone:
        assert telephone in text
