"""Need-to-know access (R8, R38): every query on case data starts from the user's
organisations; a case elsewhere does not exist as far as the user can tell."""

from __future__ import annotations

import pytest

from candour.audit.models import AuditEvent
from candour.cases.access import (
    CaseNotFound,
    cases_for,
    get_case,
    may_see_identity,
    open_case,
    parties_as_seen_by,
    people_for,
)
from candour.cases.models import Person
from candour.cases.people import PersonDetails
from candour.organisations.models import Capability

from ..conftest import make_case, user
from .conftest import events, last_event

ON_BEHALF = {
    "relationship": "relative",
    "complainant": PersonDetails(first_name="Sam", last_name="Relative"),
    "patient": PersonDetails(first_name="Tom", last_name="Patient"),
}


def test_an_outsider_sees_nothing_of_another_organisations_cases(org_a, alice, bob, frozen):
    case = make_case(org_a, alice)
    assert cases_for(alice).count() == 1

    assert cases_for(bob).count() == 0
    assert not cases_for(bob).filter(reference=case.reference).exists()
    assert people_for(bob).count() == 0


@pytest.mark.parametrize("how", [get_case, open_case])
def test_an_outsider_asking_for_a_case_by_reference_is_told_it_does_not_exist(
    org_a, alice, bob, frozen, how
):
    case = make_case(org_a, alice)
    audit_before = AuditEvent.objects.count()

    with pytest.raises(CaseNotFound) as error:
        how(bob, case.reference)

    # The same words as for a reference that does not exist at all, so none can be probed.
    assert str(error.value) == f"There is no case {case.reference} that you can see."
    with pytest.raises(CaseNotFound) as missing:
        how(bob, "WAL-2026-99999")
    assert str(missing.value) == "There is no case WAL-2026-99999 that you can see."
    assert AuditEvent.objects.count() == audit_before


def test_an_outsiders_own_cases_stay_separate(org_a, alice, org_b, bob, frozen):
    mine = make_case(org_b, bob)
    theirs = make_case(org_a, alice)
    assert list(cases_for(bob)) == [mine]
    assert list(cases_for(alice)) == [theirs]
    assert set(people_for(bob)) == {mine.parties.get().person}


@pytest.mark.parametrize(
    "who",
    ["nobody", "superuser without a membership", "inactive member"],
)
def test_someone_without_an_active_membership_sees_nothing(org_a, alice, frozen, who):
    make_case(org_a, alice)
    if who == "nobody":
        someone = user("nobody")
    elif who == "superuser without a membership":
        from django.contrib.auth import get_user_model

        someone = get_user_model().objects.create_superuser("root", password="x" * 20)
    else:
        someone = alice
        someone.is_active = False
        someone.save()
        someone.__dict__.pop("_candour_org_ids", None)
    assert cases_for(someone).count() == 0
    assert people_for(someone).count() == 0


def test_cases_for_a_capability_only_covers_organisations_where_the_user_has_it(
    org_a, alice, ivan, frozen
):
    make_case(org_a, alice)
    assert cases_for(ivan).count() == 1
    assert cases_for(ivan, Capability.HANDLE_CASES).count() == 0
    with pytest.raises(CaseNotFound):
        get_case(ivan, "WAL-2026-00001", Capability.HANDLE_CASES)


def test_opening_a_case_writes_an_access_event(org_a, alice, ivan, frozen):
    case = make_case(org_a, alice)
    opened = open_case(ivan, case.reference, purpose="investigation")

    assert opened == case
    assert events(case) == ["case_recorded", "case_viewed"]
    event = last_event(case)
    assert event.actor == ivan
    assert event.organisation_id == org_a.pk
    assert event.data == {"purpose": "investigation"}


def test_a_confidential_complainant_is_hidden_from_staff_without_need_to_know(
    org_a, alice, ivan, frozen
):
    # R8, 002 §9.6: ivan (investigating officer) has no view_confidential; alice has.
    case = make_case(org_a, alice, confidential=True, **ON_BEHALF)

    assert may_see_identity(alice, case)
    assert not may_see_identity(ivan, case)
    assert {(p.role, p.person.last_name) for p in parties_as_seen_by(alice, case)} == {
        ("complainant", "Relative"),
        ("representative", "Relative"),
        ("patient", "Patient"),
    }
    # The investigation must know whom it is about; it need not know who complained.
    assert [(p.role, p.person.last_name) for p in parties_as_seen_by(ivan, case)] == [
        ("patient", "Patient")
    ]
    assert set(people_for(alice).values_list("last_name", flat=True)) == {"Relative", "Patient"}
    assert list(people_for(ivan).values_list("last_name", flat=True)) == ["Patient"]


def test_a_confidential_patient_complaining_for_themselves_is_hidden_entirely(
    org_a, alice, ivan, frozen
):
    case = make_case(org_a, alice, confidential=True)
    assert parties_as_seen_by(ivan, case) == []
    assert people_for(ivan).count() == 0
    assert [p.person.last_name for p in parties_as_seen_by(alice, case)] == ["Example"]


def test_a_person_complaining_openly_elsewhere_stays_visible(org_a, alice, ivan, frozen):
    # Only the confidential case's parties are hidden, not everyone in the organisation.
    make_case(org_a, alice, confidential=True)
    open_case_ = make_case(org_a, alice, **ON_BEHALF)
    assert len(parties_as_seen_by(ivan, open_case_)) == 3
    assert set(people_for(ivan).values_list("last_name", flat=True)) == {"Relative", "Patient"}
    assert Person.objects.count() == 3
