"""A joint complaint's final response draws on its contributors' replies (R31).

Seed 001 §8: "If the complaint involves another organisation as well, Minster Medical Group
will endeavor to ensure that the complainant should be sent a single, coordinated response."
Seed 002 §10.7.1: "... to ensure that, as far as it is possible for us to influence, the
concern or complaint is dealt with in a co-ordinated way in line with these arrangements."

The final response's draft offers each reply, with its contributor's name, as a section the
handler edits into the one response that answers every issue."""

from __future__ import annotations

from datetime import date

import pytest

from candour.cases import joint
from candour.cases.handling import acknowledge_case
from candour.letters import compose, render, signoff

from ..conftest import make_case
from ..responding import find_all, holder

pytestmark = pytest.mark.usefixtures("frozen")

DUE = date(2026, 11, 16)


@pytest.fixture
def replied(org_a, alice, bob, org_b):
    """Part 1 of Bob's practice, replied; part 2 of a trust outside Candour, replied by
    reference only; part 3 withdrawn; part 4 gone without."""
    case = make_case(org_a, alice, issues=["Funding decision was late", "Letter lost"])
    case = acknowledge_case(case, by=alice, method="email")
    joint.start_joint(case, by=alice, lead_basis="most_issues", lead_reason="Most are ours.")
    joint.add_part(case, by=alice, organisation=org_b, asked="The letter.", issues=[2], due=DUE)
    joint.add_part(case, by=alice, organisation_name="Example Acute Trust", asked="The clinic.",
                   issues=[1, 2], due=DUE)  # fmt: skip
    joint.add_part(case, by=alice, organisation_name="Example Ambulance Service",
                   asked="The transport.", due=DUE)  # fmt: skip
    joint.add_part(case, by=alice, organisation_name="Example Care Home", asked="Care.", due=DUE)
    for number in (1, 2):
        joint.share_part(
            case, by=alice, number=number, consent="given", consent_on=DUE.replace(day=2)
        )
    joint.record_reply(case, by=bob, number=1, text="The letter was sent to the wrong clinic.")
    joint.record_reply(case, by=alice, number=2, reference="EAT/2026/7")
    joint.withdraw_part(case, by=alice, number=3, reason="Asked in error.")
    joint.go_without(case, by=alice, number=4, reason="No consent to share.")
    return find_all(case, alice)


def test_the_final_response_offers_each_reply_as_a_section_to_edit(replied):
    """One co-ordinated response: each contributor's reply is offered in the draft, after
    the explanation, by name; none for a part withdrawn or answered without a reply."""
    first = replied.organisation.policy.chain_for("final_response", 1).steps[0]
    letter = signoff.start_letter(replied, "final_response", by=holder(replied, first.roles))
    sections = letter.versions.get().sections
    names = [name for name, _ in sections]
    assert names[names.index("explanation") + 1 : names.index("explanation") + 3] == [
        "part_1",
        "part_2",
    ]
    assert "part_3" not in names and "part_4" not in names
    text = dict(sections)
    assert "Minster Medical Group looked into this on issue 2 and told us:" in text["part_1"]
    assert "The letter was sent to the wrong clinic." in text["part_1"]
    assert "Example Acute Trust looked into this on issues 1, 2" in text["part_2"]
    assert "[[Its reply is in EAT/2026/7: summarise it here.]]" in text["part_2"]
    assert compose.heading("part_1") == "Part 1: another organisation's reply"

    # The note in [[brackets]] stops approval until the handler has written it in.
    found = compose.problems("final_response", replied, replied.organisation.policy, sections)
    assert any("Part 1: another organisation's reply' still has guidance" in p for p in found)

    # Edited, it reads on in the printed letter as part of the explanation, without a heading.
    edited = [
        [name, "We asked the practice, which told us the letter went to the wrong clinic."]
        if name == "part_1"
        else [name, body]
        for name, body in sections
    ]
    drafter = letter.created_by
    signoff.revise(letter, by=drafter, sections=edited)
    printed = render.printed(letter, drafter)
    parts = [s for s in printed.sections if s["name"] == "part_1"]
    assert parts[0]["heading"] == ""
    assert parts[0]["paragraphs"] == [
        "We asked the practice, which told us the letter went to the wrong clinic."
    ]


def test_a_case_without_replies_drafts_the_response_as_ever(org_a, alice):
    case = find_all(acknowledge_case(make_case(org_a, alice), by=alice, method="email"), alice)
    first = case.organisation.policy.chain_for("final_response", 1).steps[0]
    letter = signoff.start_letter(case, "final_response", by=holder(case, first.roles))
    assert not [n for n, _ in letter.versions.get().sections if n.startswith("part_")]
