"""Joint complaints (R31) on the staff pages: the lead's case page shows each organisation's
part; a contributor in Candour finds the parts due from it on its worklist, opens its part,
sees what is asked of it and nothing else of the case, and records its reply; grade 4 ("Level
4 Complex: A serious complaint involving more than one provider", seed 001 Appendix B) needs
the lead named, on the grade form and at intake."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases import joint
from candour.cases.models import Case
from candour.cases.people import PersonDetails
from candour.letters.signoff import start_letter
from candour.organisations.setup import add_member, ensure_roles

from ..conftest import make_case, organisation, sign_in, user
from .test_intake import CALL

pytestmark = pytest.mark.usefixtures("frozen")

DUE = date(2026, 11, 16)


@pytest.fixture
def shared(org_a, alice, org_b):
    """Part 1 asked of Bob's practice and shared; part 2 asked of a trust outside Candour."""
    case = make_case(
        org_a,
        alice,
        relationship="relative",
        patient=PersonDetails(first_name="Tom", last_name="Example"),
        consent_state="received",
        issues=["Funding decision was late", "The practice lost the referral letter"],
        desired_outcome="A written apology from the commissioner.",
    )
    joint.start_joint(case, by=alice, lead_basis="most_issues", lead_reason="Most are ours.")
    joint.add_part(case, by=alice, organisation=org_b, asked="What became of the letter?",
                   issues=[2], due=DUE)  # fmt: skip
    joint.add_part(case, by=alice, organisation_name="Example Acute Trust",
                   asked="When did the clinic receive it?", due=DUE)  # fmt: skip
    joint.share_part(case, by=alice, number=1, consent="given", consent_on=date(2026, 11, 2))
    return case


def page(client, path, status=200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.content.decode()


def test_the_lead_sees_every_part_on_the_case_page(client, shared, alice):
    text = page(sign_in(client, alice), reverse("web:case", args=[shared.reference]))
    assert 'id="joint"' in text and "Most are ours." in text
    assert "What became of the letter?" in text and "When did the clinic receive it?" in text
    assert "Given on Mon 2 Nov 2026" in text and "Not shared yet" in text
    assert "its coordinated response covers every contributor&#39;s part" in text
    assert reverse("web:joint-part", args=[shared.reference, 1]) in text
    # Everything else of the case is there for the lead, as ever.
    assert "A written apology from the commissioner." in text and "Timeline" in text


def test_the_contributor_sees_its_part_and_nothing_else(client, shared, bob, alice):
    """R31: a contributor inside Candour sees only its part."""
    signed_in = sign_in(client, bob)
    worklist = page(signed_in, reverse("web:worklist"))
    assert "Parts of joint complaints due from you" in worklist
    part_url = reverse("web:joint-part", args=[shared.reference, 1])
    assert part_url in worklist and "Mon 16 Nov 2026" in worklist

    text = page(signed_in, part_url)
    assert "What became of the letter?" in text
    assert "The practice lost the referral letter" in text  # its issue
    assert "Walsall Commissioning" in text and "Tom Example" in text
    for hidden in (
        "Funding decision was late",  # another issue
        "When did the clinic receive it?",  # another part
        "Example Acute Trust",
        "A written apology from the commissioner.",  # the case's own details
        "did not call me back",
        "ada@example.invalid",
        "Timeline",
    ):
        assert hidden not in text, hidden
    assert AuditEvent.objects.filter(case=shared, event="case_viewed", actor=bob).exists()

    # Nothing else of the case is reachable: the case page, its actions, files, letters,
    # coding, another part.
    letter = start_letter(shared, "acknowledgement", by=alice)
    for path in (
        reverse("web:case", args=[shared.reference]),
        reverse("web:case-action", args=[shared.reference, "joint-reply"]),
        reverse("web:case-action", args=[shared.reference, "grade"]),
        reverse("web:attach", args=[shared.reference]),
        reverse("web:letters", args=[shared.reference]),
        reverse("web:letter", args=[shared.reference, letter.pk]),
        reverse("web:case-coding", args=[shared.reference]),
        reverse("web:joint-part", args=[shared.reference, 2]),
    ):
        page(signed_in, path, 404)
    listed = page(signed_in, reverse("web:worklist") + "?queue=all")
    assert reverse("web:case", args=[shared.reference]) not in listed


def test_the_contributor_records_its_reply_on_its_part(client, shared, bob):
    signed_in = sign_in(client, bob)
    part_url = reverse("web:joint-part", args=[shared.reference, 1])
    response = signed_in.post(part_url, {"text": "", "reference": "", "at": "2026-11-02T09:00"})
    assert response.status_code == 400
    assert "Text is empty; give the reply, or the reference" in response.content.decode()

    response = signed_in.post(
        part_url, {"text": "It went to the wrong clinic.", "at": "2026-11-02T09:00"}
    )
    assert response.status_code == 302 and response.url == part_url
    event = AuditEvent.objects.filter(case=shared).latest("sequence")
    assert (event.event, event.actor, event.data["by_contributor"]) == (
        "joint_part_replied",
        bob,
        True,
    )
    text = page(signed_in, part_url)
    assert "It went to the wrong clinic." in text and "Send the reply" not in text
    assert "Parts of joint complaints due from you" not in page(signed_in, reverse("web:worklist"))


def test_a_colleague_who_does_not_handle_cases_sees_the_part_but_no_form(client, shared, org_b):
    ensure_roles(["Partner"])
    partner = user("pat")
    add_member(partner, org_b, "Partner")
    text = page(sign_in(client, partner), reverse("web:joint-part", args=[shared.reference, 1]))
    assert "Your role does not allow recording the reply" in text
    response = client.post(reverse("web:joint-part", args=[shared.reference, 1]), {"text": "x"})
    assert response.status_code == 400
    assert "You do not have a role at Minster Medical Group or at Walsall" in (
        response.content.decode()
    )


def test_another_organisation_reaches_no_part(client, shared):
    third = organisation("Example Community Services", "ECS", "trust", "nhs-england-2009")
    ensure_roles(["Executive Manager"])
    carol = user("carol")
    add_member(carol, third, "Executive Manager")
    signed_in = sign_in(client, carol)
    for number in (1, 2, 3):
        page(signed_in, reverse("web:joint-part", args=[shared.reference, number]), 404)
    assert "Parts of joint complaints" not in page(signed_in, reverse("web:worklist"))


def test_grade_4_is_refused_on_the_grade_form_until_the_lead_is_named(client, org_a, alice):
    case = make_case(org_a, alice)
    signed_in = sign_in(client, alice)
    grade = reverse("web:case-action", args=[case.reference, "grade"])
    response = signed_in.post(grade, {"level": "4"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Level 4 (more than one provider) needs the lead organisation named" in text
    assert Case.objects.get(pk=case.pk).grade is None
    joint.start_joint(case, by=alice, lead_basis="agreed", lead_reason="Agreed at the meeting.")
    assert signed_in.post(grade, {"level": "4"}).status_code == 302
    assert Case.objects.get(pk=case.pk).grade == 4


def test_grade_4_is_refused_at_intake_and_nothing_is_recorded(client, org_a, alice):
    signed_in = sign_in(client, alice)
    form = {**CALL, "organisation": org_a.pk, "level": "4"}
    response = signed_in.post(reverse("web:record"), form)
    assert response.status_code == 400
    assert "leave it ungraded and do this from its page" in response.content.decode()
    assert not Case.objects.exists()


# --- a part's deadline on the case page and the worklists; changing and withdrawing it -----------


def test_a_parts_due_date_is_among_the_cases_deadlines_on_its_page(client, shared, alice):
    text = page(sign_in(client, alice), reverse("web:case", args=[shared.reference]))
    deadlines_part = text[text.index('id="deadlines-caption"') :]
    assert "Part 1: reply from Minster Medical Group" in deadlines_part
    assert "Part 2: reply from Example Acute Trust" in deadlines_part


def test_the_leads_worklist_shows_a_part_due_soon(client, shared, alice, bob, frozen):
    from ..conftest import at

    frozen.move_to(at(date(2026, 11, 13), 9))
    lead = page(sign_in(client, alice), reverse("web:worklist"))
    assert "Parts your joint complaints await" in lead
    assert reverse("web:case", args=[shared.reference]) + "#part-1" in lead
    assert "Example Acute Trust" in lead and "Due soon" in lead
    client.logout()
    contributor = page(sign_in(client, bob), reverse("web:worklist"))
    assert "Parts of joint complaints due from you" in contributor
    assert "Parts your joint complaints await" not in contributor


def test_the_lead_changes_and_withdraws_a_part_on_the_case_page(client, shared, alice, bob):
    signed_in = sign_in(client, alice)
    change = reverse("web:case-action", args=[shared.reference, "joint-change-part"])
    form = page(signed_in, change)
    assert (
        "part 2 (Example Acute Trust), due Mon 16 Nov 2026: When did the clinic receive it?" in form
    )
    response = signed_in.post(change, {"part": "1", "organisation_name": "Other Practice",
                                       "at": "2026-11-02T09:00"})  # fmt: skip
    assert response.status_code == 400
    assert "is for a contributor outside Candour" in response.content.decode()
    response = signed_in.post(change, {"part": "2", "organisation_name": "Example Hospitals",
                                       "due": "2026-11-20", "at": "2026-11-02T09:00"})  # fmt: skip
    assert response.status_code == 302
    part = joint.parts_of(shared)[1]
    assert (part.contributor, part.due, part.asked) == (
        "Example Hospitals", date(2026, 11, 20), "When did the clinic receive it?",
    )  # fmt: skip

    withdraw = reverse("web:case-action", args=[shared.reference, "joint-withdraw-part"])
    response = signed_in.post(withdraw, {"part": "1", "reason": "", "at": "2026-11-02T09:00"})
    assert response.status_code == 400 and "Reason is empty" in response.content.decode()
    response = signed_in.post(
        withdraw,
        {"part": "1", "reason": "The practice had no part in it.", "at": "2026-11-02T09:00"},
    )
    assert response.status_code == 302
    text = page(signed_in, reverse("web:case", args=[shared.reference]))
    assert "Withdrawn" in text and "The practice had no part in it." in text
    assert "Part 1: reply from Minster Medical Group" not in text  # no longer a deadline
    client.logout()
    bobs = sign_in(client, bob)
    page(bobs, reverse("web:joint-part", args=[shared.reference, 1]), 404)
    assert "Parts of joint complaints due from you" not in page(bobs, reverse("web:worklist"))
