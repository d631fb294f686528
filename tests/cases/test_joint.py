"""Joint complaints (R31): a lead organisation, contributors inside Candour or named outside
it, each with its part, due date, consent to share and reply, and one coordinated response.
Grade 4 needs the lead named.

The seeds' words, quoted by the tests that hold them:
- seed 001 Appendix B: "Level 4 Complex: A serious complaint involving more than one
  provider. For example GP out of hours service, an Acute Trust and Community Services."
- seed 001 §8: "If the complaint involves another organisation as well, Minster Medical
  Group will endeavor to ensure that the complainant should be sent a single, coordinated
  response. The organisation which has the most serious complaint or large number of issues
  about it would normally take the lead."
- seed 002 §10.7.1: "then WCCG will liaise with them to ensure that, as far as it is possible
  for us to influence, the concern or complaint is dealt with in a co-ordinated way".
- seed 002 §10.5.1 III: "Complaints will not be passed forward for investigation without the
  complainant's explicit consent unless there is an over-riding public interest obligation".
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from candour.audit.models import AuditEvent
from candour.cases import deadlines, joint
from candour.cases.access import (
    CaseNotFound,
    PartNotFound,
    cases_for,
    get_case,
    get_part,
    parts_for,
)
from candour.cases.deadlines import DeadlineState, Urgency
from candour.cases.handling import acknowledge_case, grade_case
from candour.cases.intake import InvalidCase
from candour.cases.investigation import record_finding, record_outcome
from candour.cases.joint_models import JointPart
from candour.cases.models import Status
from candour.cases.people import PersonDetails
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed, allowed_actions
from candour.organisations.setup import add_member, ensure_roles
from candour.web import joint as joint_pages

from ..conftest import at, make_case, organisation, user
from ..responding import find_all, respond, send_final_response, without_sign_off
from .conftest import last_event, reload, snapshot

pytestmark = pytest.mark.usefixtures("frozen")

DUE = date(2026, 11, 16)
JOINT_ACTIONS = {
    "start_joint",
    "add_joint_part",
    "share_joint_part",
    "record_part_reply",
    "go_without_part",
}


def whole_snapshot(case) -> dict:
    """snapshot() and the joint complaint's rows: what a refused action must leave alone."""
    return {
        **snapshot(case),
        "joint": list(JointPart.objects.filter(case=case).order_by("number").values()),
        "started": joint.joint_of(reload(case)) is not None,
    }


def started(case, by):
    return joint.start_joint(
        case,
        by=by,
        lead_basis="most_issues",
        lead_reason="Two of the three issues are about the commissioner's own decisions.",
    )


@pytest.fixture
def case(org_a, alice, frozen):
    """Alice's commissioner leads: a complaint with two issues, acknowledged."""
    found = make_case(
        org_a,
        alice,
        relationship="relative",
        patient=PersonDetails(
            first_name="Tom", last_name="Example", date_of_birth=date(1950, 3, 4),
            nhs_number="9434765919",
        ),
        consent_state="received",
        issues=["Funding decision was late", "The practice lost the referral letter"],
    )  # fmt: skip
    return acknowledge_case(found, by=alice, method="email")


@pytest.fixture
def shared(case, alice, org_b):
    """A joint complaint: part 1 asked of Bob's practice (in Candour) and shared with the
    complainant's consent; part 2 asked of a trust outside Candour, not shared."""
    started(case, alice)
    joint.add_part(
        case, by=alice, organisation=org_b, asked="Explain what became of the referral letter.",
        issues=[2], due=DUE,
    )  # fmt: skip
    joint.add_part(
        case, by=alice, organisation_name="Example Acute Trust",
        asked="Say when the clinic received the referral.", due=DUE,
    )  # fmt: skip
    joint.share_part(case, by=alice, number=1, consent="given", consent_on=date(2026, 11, 2))
    return reload(case)


# --- grade 4 needs the lead named ----------------------------------------------------------------


def test_grade_4_is_refused_until_the_lead_is_named(case, alice):
    """Seed 001 Appendix B: "Level 4 Complex: A serious complaint involving more than one
    provider"; R31: one organisation leads. Grade 4 is refused with what to do, and nothing
    is written; once the joint complaint names the lead, grade 4 is given."""
    before = whole_snapshot(case)
    with pytest.raises(InvalidCase) as refused:
        grade_case(case, by=alice, level=4)
    assert refused.value.field == "level"
    assert "needs the lead organisation named: make" in str(refused.value)
    assert "a joint complaint first, saying why Walsall Commissioning leads" in str(refused.value)
    assert whole_snapshot(case) == before
    assert grade_case(case, by=alice, level=3).grade == 3  # the other levels need nothing

    started(case, alice)
    assert grade_case(reload(case), by=alice, level=4).grade == 4


# --- the lead ------------------------------------------------------------------------------------


def test_the_cases_organisation_leads_and_says_why(case, alice, frozen):
    """Seed 001 §8: "The organisation which has the most serious complaint or large number of
    issues about it would normally take the lead." The case's organisation leads, the basis
    and the reason are recorded with when it was agreed, in one audited change."""
    frozen.move_to(at(date(2026, 11, 3), 11))
    found = joint.start_joint(
        case, by=alice, lead_basis="most_serious", lead_reason="The funding decision.",
        at=at(date(2026, 11, 3), 10),
    )  # fmt: skip
    assert (found.lead_basis, found.lead_reason) == ("most_serious", "The funding decision.")
    event = last_event(case)
    assert event.event == "joint_complaint_started"
    assert event.data["lead"] == "WAL" and event.data["lead_basis"] == "most_serious"
    assert event.data["happened_at"].startswith("2026-11-03T10:00")

    with pytest.raises(TransitionNotAllowed, match="is already a joint complaint led by Walsall"):
        started(reload(case), alice)


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"lead_basis": "biggest"}, "lead_basis", "must be one of most_serious, most_issues"),
        ({"lead_reason": "  "}, "lead_reason", "is empty; say why Walsall Commissioning leads"),
        ({"at": at(date(2026, 11, 1))}, "at", "is before the case was received"),
    ],
)
def test_starting_a_joint_complaint_says_what_to_fix(case, alice, fields, field, message):
    before = whole_snapshot(case)
    with pytest.raises(InvalidCase) as refused:
        joint.start_joint(
            case, by=alice, **{"lead_basis": "most_issues", "lead_reason": "Most issues."} | fields
        )
    assert refused.value.field == field and message in str(refused.value)
    assert whole_snapshot(case) == before


def test_only_a_formal_complaint_is_joint_and_only_its_own_staff_start_it(org_a, alice, bob):
    concern = make_case(org_a, alice, kind="concern")
    with pytest.raises(TransitionNotAllowed, match="only a case of kind"):
        started(concern, alice)
    with pytest.raises(PermissionDenied, match="You do not have a role at Walsall"):
        started(make_case(org_a, alice), bob)


# --- the contributors and their parts ------------------------------------------------------------


def test_contributors_in_candour_and_outside_it_each_get_a_part(shared, org_b):
    """R31: "others contribute": an organisation in Candour, or one named outside it, each
    with what is asked of it, its issues and its due date."""
    first, second = JointPart.objects.filter(case=shared).order_by("number")
    assert (first.organisation, first.contributor, first.due) == (org_b, org_b.name, DUE)
    assert [i.number for i in first.issues.all()] == [2]
    assert (second.organisation, second.contributor) == (None, "Example Acute Trust")
    added = AuditEvent.objects.filter(case=shared, event="joint_part_added").order_by("sequence")
    assert [e.data["contributor"] for e in added] == [org_b.name, "Example Acute Trust"]
    assert added[0].data["issues"] == [2] and added[0].data["due"] == "2026-11-16"


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({}, "organisation", "is not chosen; choose the organisation in Candour, or name one"),
        ({"organisation_name": "Minster Medical Group"}, "organisation_name",
         "names Minster Medical Group, which is in Candour; choose it"),
        ({"lead": True}, "organisation", "which leads this joint complaint"),
        ({"organisation_name": "Example Acute Trust", "asked": " "}, "asked", "is empty; say"),
        ({"organisation_name": "Example Acute Trust", "issues": [7]}, "issues",
         "there is no issue 7 on WAL-2026-00001 at stage 1; its issues are 1, 2"),
        ({"organisation_name": "Example Acute Trust", "due": date(2026, 11, 1)}, "due",
         "is before the part was asked for"),
        ({"organisation_name": "Example Acute Trust", "due": None}, "due", "is missing"),
        ({"organisation_name": "x" * 201}, "organisation_name", "is longer than 200"),
    ],
)  # fmt: skip
def test_adding_a_part_says_what_to_fix(case, alice, org_a, org_b, fields, field, message):
    started(case, alice)
    fields = dict(fields)
    if fields.pop("lead", False):
        fields["organisation"] = org_a
    before = whole_snapshot(case)
    with pytest.raises(InvalidCase) as refused:
        joint.add_part(case, by=alice, **{"asked": "Explain.", "due": DUE} | fields)
    assert refused.value.field == field and message in str(refused.value), str(refused.value)
    assert whole_snapshot(case) == before


def test_a_contributor_is_asked_once_and_both_ways_is_refused(shared, alice, org_b):
    with pytest.raises(InvalidCase, match="Minster Medical Group already contributes part 1"):
        joint.add_part(shared, by=alice, organisation=org_b, asked="Again.", due=DUE)
    with pytest.raises(InvalidCase, match="Example Acute Trust already contributes part 2"):
        joint.add_part(
            shared, by=alice, organisation_name="example acute trust", asked="Again.", due=DUE
        )
    with pytest.raises(InvalidCase, match="not both"):
        joint.add_part(
            shared, by=alice, organisation=org_b, organisation_name="X", asked="X.", due=DUE
        )


def test_a_part_needs_a_joint_complaint_first(case, alice, org_b):
    assert not JOINT_ACTIONS - {"start_joint"} & set(allowed_actions(case, alice))
    with pytest.raises(TransitionNotAllowed, match="is not a joint complaint; make it one first"):
        joint.add_part(case, by=alice, organisation=org_b, asked="Explain.", due=DUE)


# --- consent to share ----------------------------------------------------------------------------


def test_a_part_is_shared_only_with_consent_or_a_reason(shared, alice, frozen):
    """Seed 002 §10.5.1 III: "Complaints will not be passed forward for investigation without
    the complainant's explicit consent unless there is an over-riding public interest
    obligation." Consent is recorded with its date; without it, the reason is."""
    first = JointPart.objects.get(case=shared, number=1)
    assert (first.consent, first.consent_on) == ("given", date(2026, 11, 2))
    assert first.shared_at is not None
    event = AuditEvent.objects.get(case=shared, event="joint_part_shared")
    assert event.data["consent"] == "given" and event.data["consent_on"] == "2026-11-02"

    with pytest.raises(InvalidCase, match="consent_reason: is empty; say why it is shared"):
        joint.share_part(shared, by=alice, number=2, consent="not_given")
    with pytest.raises(InvalidCase, match="consent_on: is missing; give the date the complainant"):
        joint.share_part(shared, by=alice, number=2, consent="given")
    with pytest.raises(InvalidCase, match="consent_on: is after it was shared"):
        joint.share_part(shared, by=alice, number=2, consent="given", consent_on=date(2026, 11, 3))
    with pytest.raises(InvalidCase, match="consent: must be one of given, not_given"):
        joint.share_part(shared, by=alice, number=2, consent="")
    with pytest.raises(InvalidCase, match="part: there is no part 9 of WAL-2026-00001"):
        joint.share_part(shared, by=alice, number=9, consent="given", consent_on=DUE)
    with pytest.raises(TransitionNotAllowed, match="part 1 was already shared with Minster"):
        joint.share_part(shared, by=alice, number=1, consent="given", consent_on=date(2026, 11, 2))

    second = joint.share_part(
        shared, by=alice, number=2, consent="not_given",
        consent_reason="A patient safety risk across both services: public interest.",
        due=date(2026, 11, 20),
    )  # fmt: skip
    assert (second.consent, second.consent_on, second.due) == (
        "not_given",
        None,
        date(2026, 11, 20),
    )


# --- who sees a part -----------------------------------------------------------------------------


def test_a_contributor_sees_its_part_and_nothing_else_of_the_case(shared, alice, bob, org_b):
    """R31: "A contributor inside Candour sees only its part." Bob's practice sees part 1,
    shared with it; not the case, not part 2, not part 1 before it was shared."""
    assert not cases_for(bob).filter(pk=shared.pk).exists()
    with pytest.raises(CaseNotFound):
        get_case(bob, shared.reference)
    assert get_part(bob, shared.reference, 1).organisation == org_b
    with pytest.raises(PartNotFound, match="There is no part 2 of WAL-2026-00001 that you"):
        get_part(bob, shared.reference, 2)
    assert list(parts_for(bob).values_list("number", flat=True)) == [1]
    # The lead's staff see every part, shared or not, and the case.
    assert sorted(parts_for(alice).values_list("number", flat=True)) == [1, 2]
    assert get_case(alice, shared.reference) == shared


def test_a_part_not_yet_shared_is_not_seen_by_its_contributor(case, alice, bob, org_b):
    started(case, alice)
    joint.add_part(case, by=alice, organisation=org_b, asked="Explain.", due=DUE)
    assert not parts_for(bob).exists()
    with pytest.raises(PartNotFound):
        get_part(bob, case.reference, 1)
    assert joint.parts_due(bob) == []


def test_another_organisation_sees_no_part_and_no_case(shared, org_b):
    """A leak across organisations is the worst bug: a third organisation, and a colleague at
    the contributor who sees no cases, reach nothing."""
    third = organisation("Example Community Services", "ECS", "trust", "nhs-england-2009")
    ensure_roles(["Executive Manager", "Receptionist"])
    carol = user("carol")
    add_member(carol, third, "Executive Manager")
    receptionist = user("rose")
    add_member(receptionist, org_b, "Receptionist")
    for person in (carol, receptionist):
        assert not parts_for(person).exists() and joint.parts_due(person) == []
        with pytest.raises(PartNotFound):
            get_part(person, shared.reference, 1)


def test_what_the_contributor_is_shown_of_its_part(shared, bob):
    """Need to know (R38): what is asked, its issues, its due date, the basis it was shared
    on, whose complaint it is and the patient's identifiers; never the complainant's address
    or contact details, the description of the whole case or the other parts."""
    seen = joint.contributor_view(bob, get_part(bob, shared.reference, 1), whole_case=False)
    assert (seen["lead"], seen["contributor"]) == ("Walsall Commissioning", "Minster Medical Group")
    assert seen["asked"] == "Explain what became of the referral letter."
    assert [i["number"] for i in seen["issues"]] == [2]
    assert seen["due"] == DUE and seen["consent"] == "given"
    assert seen["complainant"] == "Ms Ada Example"
    assert seen["patient"] == {
        "name": "Tom Example", "date_of_birth": date(1950, 3, 4), "nhs_number": "9434765919"
    }  # fmt: skip
    shown = repr(seen)
    for hidden in ("ada@example.invalid", "WS1 1AA", "did not call me back", "Acute Trust",
                   "Funding decision"):  # fmt: skip
        assert hidden.lower() not in shown.lower()


def test_a_confidential_complainant_is_not_named_to_a_contributor(org_a, alice, bob, org_b):
    case = make_case(org_a, alice, confidential=True, issues=["Lost letter"])
    started(case, alice)
    joint.add_part(case, by=alice, organisation=org_b, asked="Explain.", issues=[1], due=DUE)
    joint.share_part(case, by=alice, number=1, consent="given", consent_on=DUE - timedelta(14))
    seen = joint.contributor_view(bob, get_part(bob, case.reference, 1), whole_case=False)
    assert seen["complainant"] == "Confidential"


# --- the reply -----------------------------------------------------------------------------------


def test_the_contributor_records_its_own_reply(shared, bob, frozen):
    frozen.move_to(at(date(2026, 11, 17), 9))
    part = joint.record_reply(
        shared, by=bob, number=1, text="The letter was sent to the wrong clinic.",
        at=at(date(2026, 11, 17), 8),
    )  # fmt: skip
    assert part.reply_at == at(date(2026, 11, 17), 8) and part.reply_by == bob
    event = last_event(shared)
    assert (event.event, event.actor, event.data["by_contributor"]) == (
        "joint_part_replied",
        bob,
        True,
    )
    assert event.data["late"] is True  # due on 16 November
    with pytest.raises(TransitionNotAllowed, match="reply to part 1 was already recorded"):
        joint.record_reply(shared, by=bob, number=1, text="Again.")


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({}, "text", "is empty; give the reply, or the reference"),
        ({"text": "x", "at": at(date(2026, 11, 1))}, "at", "is before the case was received"),
        ({"reference": "x" * 201}, "reference", "is longer than 200 characters"),
    ],
)
def test_a_reply_says_what_to_fix(shared, bob, fields, field, message):
    before = whole_snapshot(shared)
    with pytest.raises(InvalidCase) as refused:
        joint.record_reply(shared, by=bob, number=1, **fields)
    assert refused.value.field == field and message in str(refused.value)
    assert whole_snapshot(shared) == before


def test_only_the_lead_or_the_contributor_records_a_reply(shared, alice, org_b):
    ensure_roles(["Partner"])
    partner = user("pat")
    add_member(partner, org_b, "Partner")  # sees cases, handles none
    with pytest.raises(PermissionDenied, match="at Minster Medical Group or at Walsall"):
        joint.record_reply(shared, by=partner, number=1, text="Found nothing.")
    # The lead records the reply of the organisation outside Candour, once it is shared.
    with pytest.raises(TransitionNotAllowed, match="part 2 has not been shared with Example"):
        joint.record_reply(shared, by=alice, number=2, text="Received on 5 November.")


# --- one coordinated response --------------------------------------------------------------------


def test_the_coordinated_response_waits_for_every_part(shared, alice, bob, org_a):
    """Seed 001 §8: "the complainant should be sent a single, coordinated response"; seed
    002 §10.7.1: "dealt with in a co-ordinated way". The lead's final response covers every
    contributor's part: refused while a part is unanswered, unless the lead records why."""
    case = find_all(shared, alice)
    assert "record_outcome" not in allowed_actions(case, alice)
    before = whole_snapshot(case)
    with pytest.raises(TransitionNotAllowed) as refused:
        record_outcome(case, by=alice, summary="We apologise.")
    assert "is a joint complaint: its coordinated response covers every contributor's part" in (
        str(refused.value)
    )
    assert "part 1 (Minster Medical Group) and part 2 (Example Acute Trust) have no reply" in (
        str(refused.value)
    )
    assert whole_snapshot(case) == before

    joint.record_reply(case, by=bob, number=1, reference="MMG letter of 5 November")
    joint.go_without(
        case, by=alice, number=2, reason="The trust did not answer by its due date, twice chased."
    )
    assert last_event(case).event == "joint_part_gone_without"
    with pytest.raises(TransitionNotAllowed, match="the response already goes without part 2"):
        joint.go_without(case, by=alice, number=2, reason="Again.")
    with pytest.raises(TransitionNotAllowed, match="part 1 already has Minster"):
        joint.go_without(case, by=alice, number=1, reason="Again.")
    assert joint.parts_unanswered(reload(case)) is None
    assert respond(reload(case), alice).status == Status.RESPONDED


def test_the_signed_response_is_not_sent_while_a_part_is_unanswered(org_a, alice, org_b):
    """The final response signed off and dispatched (R26) is the coordinated response too: a
    part added after the outcome was recorded holds its dispatch back."""
    case = acknowledge_case(make_case(org_a, alice), by=alice, method="email")
    case = find_all(case, alice)
    case = record_outcome(case, by=alice, summary="We apologise.")
    started(case, alice)
    joint.add_part(case, by=alice, organisation=org_b, asked="Explain.", due=DUE)
    with pytest.raises(TransitionNotAllowed, match="part 1 \\(Minster Medical Group\\) has no"):
        send_final_response(case)
    assert reload(case).status == Status.OPEN


def test_a_joint_complaint_without_sign_off_is_answered_by_its_outcome(org_a, alice, bob, org_b):
    org = without_sign_off(org_a)
    case = acknowledge_case(make_case(org, alice), by=alice, method="email")
    started(case, alice)
    joint.add_part(case, by=alice, organisation=org_b, asked="Explain.", issues=[1], due=DUE)
    joint.share_part(case, by=alice, number=1, consent="given", consent_on=date(2026, 11, 2))
    record_finding(case, by=alice, issue_number=1, finding="upheld", summary="It happened.")
    with pytest.raises(TransitionNotAllowed, match="has no reply yet"):
        record_outcome(case, by=alice, summary="We apologise.")
    joint.record_reply(case, by=bob, number=1, text="We lost it.")
    assert record_outcome(reload(case), by=alice, summary="Sorry.").status == Status.RESPONDED
    # Answered: the contributor's part takes no more replies, and no more parts are asked.
    with pytest.raises(TransitionNotAllowed, match="cannot be given a contributing"):
        joint.add_part(reload(case), by=alice, organisation_name="X Trust", asked="X.", due=DUE)


def test_a_closed_case_takes_no_reply_from_its_contributor(shared, alice, bob):
    joint.go_without(shared, by=alice, number=1, reason="Answered by phone instead.")
    joint.go_without(shared, by=alice, number=2, reason="Not shared: no consent.")
    respond(reload(shared), alice)
    with pytest.raises(TransitionNotAllowed, match="no longer takes replies to its parts; contact"):
        joint.record_reply(reload(shared), by=bob, number=1, text="Late.")
    assert joint.parts_due(bob) == []


def test_the_contributors_worklist_lists_the_parts_due_from_it(shared, bob, org_a, alice, org_b):
    other = make_case(org_a, alice, issues=["Another"])
    started(other, alice)
    joint.add_part(other, by=alice, organisation=org_b, asked="Explain.", due=date(2026, 11, 9))
    joint.share_part(other, by=alice, number=1, consent="given", consent_on=date(2026, 11, 2))
    due = joint.parts_due(bob)
    assert [(p.case.reference, p.number, p.due) for p in due] == [
        (other.reference, 1, date(2026, 11, 9)),
        (shared.reference, 1, DUE),
    ]
    joint.record_reply(other, by=bob, number=1, text="Done.")
    assert [p.case.reference for p in joint.parts_due(bob)] == [shared.reference]


# --- a part's due date is one of the case's deadlines ------------------------------------------


def part_deadlines(case) -> dict:
    return {
        d.key: (d.due, d.state, d.met)
        for d in deadlines.for_case(reload(case))
        if d.key.startswith("joint_part_")
    }


def test_a_parts_due_date_is_one_of_the_cases_deadlines(shared, alice, bob, frozen):
    """R31: each contributor's part "with its due date" is a deadline of the case: shown
    with the case's others, judged met or missed by the one rule (deadlines.met_by), and
    the case's next due date when it comes first, so that the lead's worklist sorts by it."""
    soon = date(2026, 11, 9)  # before the investigation's 16 Nov
    assert reload(shared).next_due == DUE
    for number in (1, 2):
        joint.change_part(shared, by=alice, number=number, due=soon)
    found = {d.key: d for d in deadlines.for_case(reload(shared))}
    assert found["joint_part_1"].label == "Part 1: reply from Minster Medical Group"
    assert found["joint_part_2"].label == "Part 2: reply from Example Acute Trust"
    assert found["joint_part_1"].basis == (
        "the date given to Minster Medical Group when the part was asked for on Mon 2 Nov 2026"
    )
    assert part_deadlines(shared) == {
        "joint_part_1": (soon, DeadlineState.PENDING, None),
        "joint_part_2": (soon, DeadlineState.PENDING, None),
    }
    assert reload(shared).next_due == soon

    frozen.move_to(at(soon + timedelta(days=1), 9))
    assert part_deadlines(shared)["joint_part_1"][1] == DeadlineState.OVERDUE
    # A reply sent late on the due day meets it (the date it was done on, as every deadline);
    # the next day misses it.
    joint.record_reply(shared, by=bob, number=1, text="It was lost.", at=at(soon, 23))
    joint.share_part(shared, by=alice, number=2, consent="given", consent_on=soon, at=at(soon, 9))
    frozen.move_to(at(soon + timedelta(days=2), 9))
    joint.record_reply(shared, by=alice, number=2, text="Received late.")
    assert part_deadlines(shared) == {
        "joint_part_1": (soon, DeadlineState.MET, True),
        "joint_part_2": (soon, DeadlineState.MISSED, False),
    }
    assert last_event(shared).data["late"] is True
    assert reload(shared).next_due == DUE  # the investigation's


def test_a_part_gone_without_or_withdrawn_is_no_longer_owed(shared, alice):
    joint.go_without(shared, by=alice, number=1, reason="Answered by phone instead.")
    joint.withdraw_part(shared, by=alice, number=2, reason="The trust was asked in error.")
    assert part_deadlines(shared) == {}


def test_the_leads_worklist_shows_its_parts_overdue_or_due_soon(shared, alice, bob, frozen):
    """The lead sees the parts its joint complaints await, beside the contributor's own
    list: listed when due within a fortnight, tagged by the lead's calendar."""
    assert [(p.case.reference, p.number) for p in joint.parts_awaited(alice)] == [
        (shared.reference, 1),
        (shared.reference, 2),
    ]
    assert joint.parts_awaited(bob) == []  # the contributor's are parts_due
    assert [row["part"].number for row in joint_pages.awaited_rows(alice)] == []  # on track
    frozen.move_to(at(DUE - timedelta(days=2), 9))
    assert [(row["part"].number, row["urgency"]) for row in joint_pages.awaited_rows(alice)] == [
        (1, Urgency.DUE_SOON),
        (2, Urgency.DUE_SOON),
    ]
    joint.record_reply(shared, by=bob, number=1, text="Found.")
    frozen.move_to(at(DUE + timedelta(days=1), 9))
    assert [(row["part"].number, row["urgency"]) for row in joint_pages.awaited_rows(alice)] == [
        (2, Urgency.OVERDUE)
    ]


# --- changing and withdrawing a part --------------------------------------------------------------


def test_the_lead_changes_a_part_awaiting_its_reply(shared, alice):
    """What is asked, its issues, its due date and the name of a contributor outside
    Candour change in one audited step with the values before and after; the case's
    deadline moves with it."""
    later = DUE + timedelta(days=7)
    part = joint.change_part(
        shared, by=alice, number=2, organisation_name="Example Hospitals Trust", issues=[1, 2],
        due=later,
    )  # fmt: skip
    assert (part.contributor, part.due, part.asked) == (
        "Example Hospitals Trust", later, "Say when the clinic received the referral.",
    )  # fmt: skip
    assert sorted(i.number for i in part.issues.all()) == [1, 2]
    event = last_event(shared)
    assert event.event == "joint_part_changed" and event.data["number"] == 2
    assert event.data["before"] == {
        "due": DUE.isoformat(),
        "issues": [],
        "organisation_name": "Example Acute Trust",
    }
    assert event.data["after"] == {
        "due": later.isoformat(),
        "issues": [1, 2],
        "organisation_name": "Example Hospitals Trust",
    }
    assert part_deadlines(shared)["joint_part_2"][0] == later
    joint.change_part(shared, by=alice, number=1, asked="Explain the lost letter.")
    assert [e.event for e in AuditEvent.objects.filter(case=shared).order_by("-sequence")[:2]] == [
        "joint_part_changed",
        "joint_part_changed",
    ]
    assert last_event(shared).data["after"] == {"asked": "Explain the lost letter."}


@pytest.mark.parametrize(
    ("number", "changes", "field", "message"),
    [
        (2, {}, "part", "nothing has changed; give what part 2 now asks"),
        (2, {"due": DUE}, "part", "nothing has changed"),
        (1, {"organisation_name": "Other"}, "organisation_name", "is for a contributor outside"),
        (2, {"organisation_name": "Minster Medical Group"}, "organisation_name", "which is in"),
        (2, {"issues": [9]}, "issues", "there is no issue 9"),
        (2, {"due": date(2026, 11, 1)}, "due", "is before the change; give a later date"),
        (3, {"due": DUE}, "part", "there is no part 3"),
    ],
)
def test_changing_a_part_says_what_to_fix(shared, alice, number, changes, field, message):
    before = whole_snapshot(shared)
    with pytest.raises(InvalidCase) as refused:
        joint.change_part(shared, by=alice, number=number, **changes)
    assert refused.value.field == field and message in str(refused.value)
    assert whole_snapshot(shared) == before


def test_a_part_with_its_reply_is_neither_changed_nor_withdrawn(shared, alice, bob):
    joint.record_reply(shared, by=bob, number=1, text="Found.")
    before = whole_snapshot(shared)
    with pytest.raises(TransitionNotAllowed, match="already has Minster Medical Group's reply"):
        joint.change_part(shared, by=alice, number=1, due=DUE + timedelta(days=1))
    with pytest.raises(TransitionNotAllowed, match="it cannot be withdrawn"):
        joint.withdraw_part(shared, by=alice, number=1, reason="No longer needed.")
    assert whole_snapshot(shared) == before


def test_a_withdrawn_part_no_longer_holds_up_the_response_nor_shows_to_its_contributor(
    shared, alice, bob, org_b
):
    """A part asked of the wrong organisation is withdrawn with a reason: the coordinated
    response no longer waits for it, and its contributor in Candour loses sight of it."""
    case = find_all(shared, alice)
    joint.go_without(case, by=alice, number=2, reason="Not shared: no consent.")
    assert get_part(bob, case.reference, 1).number == 1
    with pytest.raises(InvalidCase, match="reason: is empty; say why part 1 is withdrawn"):
        joint.withdraw_part(case, by=alice, number=1, reason=" ")
    part = joint.withdraw_part(case, by=alice, number=1, reason="The practice was not involved.")
    assert part.withdrawn and part.withdrawn_by == alice
    event = last_event(case)
    assert (event.event, event.data["reason"], event.data["was_shared"]) == (
        "joint_part_withdrawn", "The practice was not involved.", True,
    )  # fmt: skip
    assert joint.parts_unanswered(reload(case)) is None
    with pytest.raises(PartNotFound):
        get_part(bob, case.reference, 1)
    assert joint.parts_due(bob) == [] and not parts_for(bob).exists()
    with pytest.raises(PermissionDenied):
        joint.record_reply(reload(case), by=bob, number=1, text="Late.")
    for step in (
        lambda: joint.withdraw_part(reload(case), by=alice, number=1, reason="Again."),
        lambda: joint.go_without(reload(case), by=alice, number=1, reason="Again."),
        lambda: joint.change_part(reload(case), by=alice, number=1, asked="Again."),
    ):
        with pytest.raises(TransitionNotAllowed, match="part 1 \\(Minster Medical Group\\) was"):
            step()
    # The lead still sees it, marked withdrawn and taking no reply; the organisation may be
    # asked again.
    seen = joint.contributor_view(alice, get_part(alice, case.reference, 1), whole_case=True)
    assert seen["open"] is False
    assert joint.lead_view(reload(case))["parts"][0]["withdrawn_reason"] == (
        "The practice was not involved."
    )
    again = joint.add_part(reload(case), by=alice, organisation=org_b, asked="Now.", due=DUE)
    assert again.number == 3
    joint.withdraw_part(reload(case), by=alice, number=3, reason="Not needed after all.")
    assert respond(reload(case), alice).status == Status.RESPONDED
