"""The persistent, serial or vexatious contact procedure (R33; issue 17): about a person
across cases, from documented evidence to approval by the accountable officer, the warning
letter, restrictions enforced and reviewed, and lifted."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from candour.audit.models import AuditEvent
from candour.cases import restrictions
from candour.cases.contacts import log_contact
from candour.cases.intake import InvalidCase
from candour.cases.models import Status
from candour.cases.people import PersonDetails
from candour.cases.route_models import RestrictionStatus
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed
from candour.organisations.policy import PRESETS, validate_policy
from candour.organisations.setup import add_member, ensure_roles

from ..conftest import at, make_case, user
from .conftest import reach

pytestmark = pytest.mark.django_db

SEED_000 = "../shared/seeds/000_5380ba2ff028fde6.txt"


@pytest.fixture
def olive(org_a):
    """The commissioner's Accountable Officer (seed 002 §13.7.3)."""
    u = user("olive")
    ensure_roles(["Accountable Officer"])
    add_member(u, org_a, "Accountable Officer")
    return u


def procedure_ready_for_approval(org, opener, reviewer):
    """A responded case, the procedure opened from it, evidence, and the review."""
    case = reach(org, opener, Status.RESPONDED)
    r = restrictions.open_procedure(
        case, by=opener, grounds="Twelve letters in a month repeating issues already answered."
    )
    restrictions.add_evidence(
        r,
        by=opener,
        description="Final response answering every issue",
        dated=date(2026, 11, 2),
        case_reference=case.reference,
    )
    return case, restrictions.review(
        r, by=reviewer, summary="Every issue has been answered; the route is recommended."
    )


@pytest.mark.parametrize(
    ("preset", "approvers", "seed"),
    [
        # Seed 000, vexatious step 3: "discuss with National Medical /Deputy Director regarding
        # the outcome and confirm/agree that the patient should be taken through the
        # vexatious route"; step 4: "The letter is signed by the National Medical Director."
        ("national-provider", ["National Medical Director"], "seed 000"),
        # Seed 002 §13.7.3: "All such letters must be approved and signed by the Accountable
        # Officer or the appropriate Director".
        ("commissioner", ["Accountable Officer", "Director"], "seed 002 §13.7.3"),
        # Seed 001 §13: "discuss with the Executive Manager who will take advise from an
        # appropriate source".
        ("gp-practice", ["Executive Manager"], "seed 001 §13"),
    ],
)
def test_the_presets_name_who_approves_as_each_seed_does(preset, approvers, seed):
    procedure = validate_policy(PRESETS[preset]).persistent_contact
    assert procedure.approver_roles == approvers
    assert seed in procedure.source


def test_the_national_provider_approver_is_the_national_medical_director_of_seed_000():
    text = Path(SEED_000).read_text(encoding="utf-8")
    assert "The letter is signed by the National Medical Director." in text
    procedure = validate_policy(PRESETS["national-provider"]).persistent_contact
    assert procedure.reviewer_roles == ["National Complaints Reviewer"]


def test_it_walks_from_evidence_to_approval_warning_and_review(frozen, org_a, alice, olive):
    case, r = procedure_ready_for_approval(org_a, alice, alice)
    assert r.status == RestrictionStatus.REVIEWED
    r = restrictions.approve(
        r, by=olive, channels=["letter", "email"], single_point_of_contact=alice
    )
    assert r.status == RestrictionStatus.APPROVED
    assert r.decided_as == "Accountable Officer"
    # The policy's review period: six calendar months from the decision, the day of the
    # decision counted as the first (deadlines.period_end).
    assert r.review_due == date(2027, 5, 1)
    r = restrictions.record_warning(r, by=alice, note="Posted, signed by the Accountable Officer")
    assert r.status == RestrictionStatus.IN_FORCE
    events = list(AuditEvent.objects.filter(data__restriction=r.pk).values_list("event", flat=True))
    assert events == [
        "persistent_contact_procedure_opened",
        "persistent_contact_evidence_added",
        "persistent_contact_reviewed",
        "persistent_contact_approved",
        "persistent_contact_warning_sent",
    ]
    # Due for review four weeks before its date.
    assert not restrictions.due_for_review(alice, today=date(2027, 4, 1)).exists()
    assert list(restrictions.due_for_review(alice, today=date(2027, 4, 10))) == [r]
    frozen.move_to(at(date(2027, 5, 3), 9))
    r = restrictions.keep(
        r, by=alice, next_review=date(2027, 11, 1), note="Still writing weekly on the same issues."
    )
    assert r.review_due == date(2027, 11, 1)
    r = restrictions.lift(r, by=olive, reason="No contact for six months.")
    assert r.status == RestrictionStatus.LIFTED
    assert not restrictions.in_force_for(case)


def test_review_needs_documented_evidence_and_a_response_already_sent(org_a, alice):
    """002 §13.7.3: "will only be invoked when there is clear, documented evidence that
    reasonable efforts have been made to respond to the complainant's concerns within the
    usual processes"."""
    unanswered = make_case(org_a, alice)
    r = restrictions.open_procedure(unanswered, by=alice, grounds="Daily calls.")
    with pytest.raises(InvalidCase, match="no documented evidence"):
        restrictions.review(r, by=alice, summary="Recommended.")
    restrictions.add_evidence(r, by=alice, description="Call log", dated=date(2026, 1, 5))
    with pytest.raises(InvalidCase, match="has had a response yet"):
        restrictions.review(r, by=alice, summary="Recommended.")


def test_only_the_approver_roles_may_approve(org_a, alice, olive):
    _, r = procedure_ready_for_approval(org_a, alice, alice)
    with pytest.raises(PermissionDenied, match="Accountable Officer or the Director"):
        restrictions.approve(r, by=alice, channels=["letter"])
    assert restrictions.decline(r, by=olive, reason="Seldom the case; keep answering.").status == (
        RestrictionStatus.NOT_APPROVED
    )
    with pytest.raises(TransitionNotAllowed, match="not approved"):
        restrictions.approve(r, by=olive, channels=["letter"])


def test_on_the_national_provider_the_national_medical_director_approves(site, hugo, national):
    """Seed 000: the National Complaints Reviewer reviews; the National Medical Director
    agrees the route and signs."""
    reviewer, director = user("nora"), user("ned")
    add_member(reviewer, national, "National Complaints Reviewer")
    add_member(director, national, "National Medical Director")
    _, r = procedure_ready_for_approval(site, hugo, reviewer)
    with pytest.raises(PermissionDenied, match="National Medical Director"):
        restrictions.approve(r, by=reviewer, channels=["letter"])
    with pytest.raises(PermissionDenied, match="National Complaints Reviewer"):
        restrictions.review(r, by=hugo, summary="x")
    r = restrictions.approve(r, by=director, channels=["letter"])
    assert r.decided_as == "National Medical Director"


def test_restrictions_are_enforced_on_contacts_with_the_person(frozen, org_a, alice, olive, rex):
    _, r = procedure_ready_for_approval(org_a, alice, alice)
    r = restrictions.approve(r, by=olive, channels=["letter"], single_point_of_contact=alice)
    restrictions.record_warning(r, by=alice, note="Posted")
    # A later case from the same person (found again by email) is covered too.
    later = make_case(org_a, alice, channel="phone")
    assert restrictions.in_force_for(later) == [r]
    assert "outside the restriction" in restrictions.arrival_warning(later)
    with pytest.raises(InvalidCase, match="channel: is not allowed: Ms Ada Example may be"):
        log_contact(
            later,
            by=alice,
            channel="phone",
            direction="to_complainant",
            party="complainant",
            summary="Called back.",
        )
    with pytest.raises(PermissionDenied, match="single point of contact"):
        log_contact(
            later,
            by=rex,
            channel="letter",
            direction="to_complainant",
            party="complainant",
            summary="Wrote.",
        )
    entry = log_contact(
        later,
        by=alice,
        channel="phone",
        direction="from_complainant",
        party="complainant",
        summary="Rang about the same issue.",
    )
    event = AuditEvent.objects.filter(case=later, event="contact_logged").latest("sequence")
    assert "outside the restriction" in event.data["outside_restriction"]
    assert restrictions.contact_recorded(entry).startswith("Contact recorded. This contact")
    # Someone else is not restricted.
    other = make_case(org_a, alice, complainant=PersonDetails(first_name="Bea", last_name="Other"))
    assert restrictions.in_force_for(other) == []


def test_the_procedure_is_about_a_person_across_cases(org_a, alice):
    case = make_case(org_a, alice)
    r = restrictions.open_procedure(case, by=alice, grounds="Serial complaints.")
    second = make_case(org_a, alice)
    with pytest.raises(InvalidCase, match="already has WAL-PC1"):
        restrictions.open_procedure(second, by=alice, grounds="Again.")
    restrictions.link_case(r, second, by=alice)
    assert set(r.cases.values_list("reference", flat=True)) == {case.reference, second.reference}


def test_another_organisation_neither_sees_nor_acts(org_a, alice, bob):
    r = restrictions.open_procedure(make_case(org_a, alice), by=alice, grounds="Serial.")
    with pytest.raises(restrictions.RestrictionNotFound):
        restrictions.get_restriction(bob, r.pk)
    with pytest.raises(PermissionDenied):
        restrictions.add_evidence(r, by=bob, description="x", dated=date(2026, 1, 1))


def test_dates_are_not_in_the_future(frozen, org_a, alice, olive):
    _, r = procedure_ready_for_approval(org_a, alice, alice)
    with pytest.raises(InvalidCase, match="at: is in the future"):
        restrictions.approve(r, by=olive, channels=["letter"], at=at(date(2026, 11, 2), 12))
    with pytest.raises(InvalidCase, match="review_due: must be after the decision"):
        restrictions.approve(r, by=olive, channels=["letter"], review_due=date(2026, 11, 2))
    with pytest.raises(InvalidCase, match="dated: is in the future"):
        restrictions.add_evidence(
            r, by=alice, description="x", dated=date(2026, 11, 2) + timedelta(days=1)
        )
