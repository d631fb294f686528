"""Anonymised case studies drawn from closed cases (R37).

Seed 004, Reporting and Recording Complaints: "The complaints manager periodically prepares
case studies using anonymised individual complaints to demonstrate how complaints are resolved
and followed up, for the information of staff, and for use in audit and appraisal."
Seed 004, Records and Privacy: "Personal information in individual complaints is kept
confidential and is only made available to those who need it to deal with the complaint."
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from candour.cases import case_studies
from candour.cases.actions import add_action, record_lesson
from candour.cases.handling import close_case
from candour.cases.intake import InvalidCase
from candour.cases.models import Status
from candour.cases.people import PersonDetails
from candour.cases.redaction import Sensitive, leaks, redact
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed
from candour.organisations.setup import add_member, ensure_roles

from ..conftest import organisation, user
from ..responding import respond
from .conftest import events, reach

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026

SEED_004 = (
    "The complaints manager periodically prepares case studies using anonymised individual "
    "complaints to demonstrate how complaints are resolved and followed up"
)
ADA = PersonDetails(
    title="Mrs",
    first_name="Adaline",
    last_name="Quenby",
    address="12 Acacia Avenue\nPleck\nWalsall",
    postcode="WS2 9QQ",
    telephone="01922 654321",
    email="adaline.quenby@example.invalid",
    date_of_birth=date(1950, 3, 14),
    nhs_number="9434765919",
)
DESCRIPTION = (
    "On 14 September 2026 Mrs Adaline Quenby (NHS number 943 476 5919, born 14/03/1950) of "
    "12 Acacia Avenue, Pleck, Walsall WS2 9QQ was sent home by Dr Rupert Oakhurst without her "
    "medicines. Her son rang on 15/09/2026 from 01922 654321 and wrote from "
    "adaline.quenby@example.invalid. Mrs Quenby was readmitted on 2026-09-20."
)
# Everything that identifies someone on the case, as it may be written.
IDENTIFYING = [
    "Adaline",
    "Quenby",
    "Rupert",
    "Oakhurst",
    "943 476 5919",
    "9434765919",
    "14/03/1950",
    "14 September",
    "15/09/2026",
    "2026-09-20",
    "WS2 9QQ",
    "Acacia",
    "01922 654321",
    "adaline.quenby@",
]


@pytest.fixture
def tree(org_a):
    """Two practices under the commissioner: the case is North's; Olga works at South."""
    north = organisation("North Practice", "NTH", "practice", parent=org_a)
    south = organisation("South Practice", "STH", "practice", parent=org_a)
    return north, south


@pytest.fixture
def olga(tree):
    u = user("olga")
    add_member(u, tree[1], "Customer Care Officer")
    return u


@pytest.fixture
def dana(org_a):
    u = user("dana")
    add_member(u, org_a, "Director")
    return u


@pytest.fixture
def closed(tree, alice):
    case = reach(
        tree[0],
        alice,
        Status.OPEN,
        description=DESCRIPTION,
        complainant=ADA,
        event_date=date(2026, 9, 14),
        staff_involved="Dr Rupert Oakhurst",
        issues=["Dr Oakhurst discharged Mrs Quenby on 14/09/2026 without medicines."],
    )
    record_lesson(
        case, by=alice, text="Dr Oakhurst now checks medicines before discharge.", themes=["Care"]
    )
    add_action(
        case,
        by=alice,
        description="Remind Quenby's ward team of the discharge checklist.",
        owner=alice,
        due=date(2026, 11, 30),
        promised=False,
    )
    return reach_closed(case, alice)


def reach_closed(case, by):
    return close_case(respond(case, by), by=by)


def texts(study) -> str:
    return "\n".join([study.period, *study.texts().values()])


def survivors(text: str) -> list[str]:
    flat = re.sub(r"\s+", " ", text).lower()
    return [x for x in IDENTIFYING if x.lower() in flat or x.replace(" ", "") in flat]


def test_the_draft_takes_out_names_dates_nhs_numbers_addresses_and_contacts(closed, alice):
    """004: case studies "using anonymised individual complaints"; R37: names, dates and free
    text redacted before anyone outside the case sees them."""
    assert "anonymised individual complaints" in SEED_004
    study = case_studies.draft_case_study(closed, by=alice)
    assert study.status == "draft"
    assert survivors(texts(study)) == []
    assert study.period == "November 2026"
    assert "September 2026" in study.what_happened  # a date kept as its month and year
    assert "[date of birth]" in study.what_happened
    assert "[NHS number]" in study.what_happened and "[postcode]" in study.what_happened
    assert "[name]" in study.what_we_found and "[name]" in study.what_changed
    assert "discharge" in study.what_changed  # what was learned is kept
    assert events(closed)[-1] == "case_study_drafted"


def test_redaction_turns_dates_into_months_and_finds_what_is_left():
    sensitive = Sensitive(births={date(1950, 3, 14)}, dates={date(2026, 9, 14)})
    sensitive.add_name("Adaline", "Quenby")
    text = "Seen Monday 14th Sept 2026, 3/10/26 and on the 5th of October by Adaline Quenby."
    assert redact(text, sensitive) == (
        "Seen September 2026, October 2026 and on October by [name]."
    )
    assert redact("Born 14 March 1950; phone +44 7700 900123", sensitive) == (
        "Born [date of birth]; phone [phone number]"
    )
    assert leaks("Seen by adaline on 14/09/2026 at BH1 1AA", sensitive) == [
        "the name 'adaline'",
        "the date '14/09/2026'",
        "a postcode 'BH1 1AA'",
        "a full date '14/09/2026'",
    ]


def test_the_author_edits_and_a_second_person_approves(closed, alice, dana):
    """R37: the author reviews and edits; a second person approves. Approval refuses while
    a name, date, NHS number or postcode of the case is still there."""
    study = case_studies.draft_case_study(closed, by=alice)
    study = case_studies.edit_case_study(
        study, by=alice, what_happened=f"{study.what_happened}\n\nMrs Quenby rang on 15/09/2026."
    )
    with pytest.raises(InvalidCase) as refused:
        case_studies.approve_case_study(study, by=dana)
    assert refused.value.field == "what_happened"
    assert "the name 'Quenby'" in str(refused.value)
    assert "a full date '15/09/2026'" in str(refused.value)
    assert "Take it out, then approve the case study" in str(refused.value)
    study = case_studies.edit_case_study(
        study, by=alice, what_happened=study.what_happened.replace("Mrs Quenby rang", "They rang")
    )
    with pytest.raises(InvalidCase, match="what_happened: still gives a full date"):
        case_studies.approve_case_study(study, by=dana)
    fixed = study.what_happened.replace(" on 15/09/2026", " in September 2026")
    study = case_studies.edit_case_study(study, by=alice, what_happened=fixed)
    approved = case_studies.approve_case_study(study, by=dana)
    assert (approved.status, approved.approved_by) == ("approved", dana)
    assert survivors(texts(approved)) == []
    assert events(closed)[-3:] == ["case_study_edited", "case_study_edited", "case_study_approved"]
    with pytest.raises(Exception, match="only a draft can be edited"):
        case_studies.edit_case_study(approved, by=alice, title="Another title")


def test_whoever_drafted_or_edited_it_cannot_approve_it(closed, alice, dana, tree):
    ensure_roles(["Registered Manager"])
    rose = user("rose")
    add_member(rose, tree[0], "Registered Manager")  # handles cases and signs off
    study = case_studies.draft_case_study(closed, by=rose)
    with pytest.raises(PermissionDenied, match="needs a second person to approve it"):
        case_studies.approve_case_study(study, by=rose)
    with pytest.raises(PermissionDenied, match="approve and sign responses"):
        case_studies.approve_case_study(study, by=alice)  # no sign-off
    other = case_studies.draft_case_study(closed, by=alice)
    case_studies.edit_case_study(other, by=rose, title="Discharge without medicines")
    with pytest.raises(PermissionDenied, match="you drafted or last edited it"):
        case_studies.approve_case_study(other, by=rose)
    assert case_studies.approve_case_study(study, by=dana).status == "approved"


def test_only_a_closed_case_gives_a_case_study(tree, alice):
    open_case = reach(tree[0], alice, Status.OPEN)
    with pytest.raises(TransitionNotAllowed, match="cannot be drawn on for a case study"):
        case_studies.draft_case_study(open_case, by=alice)


def test_outside_the_case_only_approved_studies_are_seen_and_never_the_case(
    closed, alice, dana, olga, bob
):
    """004 Records and Privacy: personal information "is only made available to those who
    need it to deal with the complaint". Olga (another practice of the same commissioner)
    reads approved case studies, not drafts, and not the case; Bob, in another tree, none."""
    draft = case_studies.draft_case_study(closed, by=alice)
    approved = case_studies.approve_case_study(
        case_studies.draft_case_study(closed, by=alice), by=dana
    )
    withdrawn = case_studies.withdraw_case_study(
        case_studies.draft_case_study(closed, by=alice), by=alice, reason="Too easy to identify."
    )
    assert set(case_studies.studies_for(alice)) == {draft, approved, withdrawn}
    assert list(case_studies.studies_for(olga)) == [approved]
    assert not case_studies.sees_case(olga, approved)
    assert case_studies.sees_case(alice, approved)
    assert list(case_studies.studies_for(bob)) == []
    with pytest.raises(case_studies.CaseStudyNotFound):
        case_studies.get_study(olga, draft.pk)
    with pytest.raises(case_studies.CaseStudyNotFound):
        case_studies.get_study(bob, approved.pk)
    with pytest.raises(PermissionDenied):
        case_studies.withdraw_case_study(approved, by=olga, reason="Not mine.")


def test_withdrawing_needs_a_reason(closed, alice):
    study = case_studies.draft_case_study(closed, by=alice)
    with pytest.raises(InvalidCase, match="reason: is empty; say why"):
        case_studies.withdraw_case_study(study, by=alice, reason=" ")
    assert events(closed)[-1] == "case_study_drafted"
