"""Corrections (issue 16): a case's details and its people put right after intake, each with
a reason, checked as intake checks them, the old and new values kept in the audit trail; a
person corrected on every case they are on; the clocks, consent and coding that follow."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from candour.audit.models import AuditEvent
from candour.cases import contacts, corrections
from candour.cases.handling import acknowledge_case
from candour.cases.intake import InvalidCase
from candour.cases.models import CaseParty, ConsentState, Person
from candour.cases.people import PersonDetails
from candour.cases.workflow import PermissionDenied
from candour.coding.codelists import load_shipped
from candour.coding.coding import code_case
from candour.coding.models import CaseCoding
from candour.web import timeline

from ..conftest import at, make_case
from .conftest import reload, snapshot
from .test_concurrent_writes import run_at_once

pytestmark = pytest.mark.usefixtures("frozen")

ON_BEHALF = {
    "patient": PersonDetails(
        first_name="Tom", last_name="Example", date_of_birth=date(1950, 11, 3)
    ),
    "relationship": "relative",
}
VALID_NHS_NUMBER = "943 476 5919"


def last(case, event: str) -> AuditEvent:
    return AuditEvent.objects.filter(case=case, event=event).latest("sequence")


# --- the case's details -----------------------------------------------------------------------


def test_a_correction_keeps_the_old_value_and_the_reason_in_the_audit_trail(org_a, alice):
    case = make_case(org_a, alice, service="Reception")

    case = corrections.correct_details(
        case,
        by=alice,
        reason="Typed the wrong service at intake.",
        service="Phlebotomy",
        description="The practice did not call me back about my blood test results.",
    )

    assert case.service == "Phlebotomy"
    event = last(case, "details_corrected")
    assert event.data["before"]["service"] == "Reception"
    assert event.data["after"]["service"] == "Phlebotomy"
    assert event.data["before"]["description"].endswith("about my test results.")
    assert event.data["reason"] == "Typed the wrong service at intake."
    told = timeline.entries([event])["entries"][0]
    assert told.what == "Corrected the case's details"
    assert "Service: Reception → Phlebotomy" in told.details
    assert "Reason: Typed the wrong service at intake." in told.details


@pytest.mark.parametrize(
    ("reason", "changes", "field", "says"),
    [
        ("  ", {"service": "Phlebotomy"}, "reason", "is empty"),
        ("Misheard.", {"service": ""}, "details", "are as recorded"),
        ("Misheard.", {"description": "  "}, "description", "is empty"),
        ("Misheard.", {"event_date": date(2026, 11, 3)}, "event_date", "after the date of receipt"),
        ("Misheard.", {"urgent_clinical_need": True}, "urgent_clinical_note", "is empty"),
        ("Misheard.", {"channel": "carrier_pigeon"}, "channel", "must be one of"),
        ("Misheard.", {"kind": "concern"}, "kind", "is not one of the case's details"),
    ],
)
def test_a_correction_is_refused_as_intake_would_and_writes_nothing(
    org_a, alice, reason, changes, field, says
):
    case = make_case(org_a, alice)
    before = snapshot(case)
    with pytest.raises(InvalidCase) as refused:
        corrections.correct_details(case, by=alice, reason=reason, **changes)
    assert (refused.value.field, says in str(refused.value)) == (field, True)
    assert snapshot(case) == before


def test_times_to_the_minute_and_new_lines_from_a_browser_are_not_corrections(org_a, alice):
    case = make_case(org_a, alice, received_at=at(date(2026, 11, 2), 8, 30) + timedelta(seconds=12))
    case.staff_involved = "Reception\nDr Jones"
    case.save(update_fields=["staff_involved"])
    with pytest.raises(InvalidCase) as refused:
        corrections.correct_details(
            case,
            by=alice,
            reason="None",
            received_at=at(date(2026, 11, 2), 8, 30),
            staff_involved="Reception\r\nDr Jones",
        )
    assert refused.value.field == "details"


def test_the_time_of_receipt_moves_the_clocks_while_the_case_awaits_acknowledgement(org_a, alice):
    case = make_case(org_a, alice, received_at=at(date(2026, 11, 2), 8, 30))
    due = case.acknowledge_due

    case = corrections.correct_details(
        case,
        by=alice,
        reason="Letter was date-stamped on Friday.",
        received_at=at(date(2026, 10, 30), 16),
    )

    assert case.received_at == case.stage_started_at == at(date(2026, 10, 30), 16)
    assert case.acknowledge_due < due
    stored = reload(case)
    assert (stored.received_at, stored.acknowledge_due) == (case.received_at, case.acknowledge_due)
    event = last(case, "details_corrected")
    assert event.data["before"]["received_at"].startswith("2026-11-02T08:30")
    assert event.data["after"]["received_at"].startswith("2026-10-30T16:00")


def test_the_time_of_receipt_is_not_corrected_once_acknowledged(org_a, alice):
    case = acknowledge_case(make_case(org_a, alice), by=alice, method="email")
    with pytest.raises(InvalidCase) as refused:
        corrections.correct_details(
            case, by=alice, reason="Wrong day.", received_at=at(date(2026, 10, 30), 16)
        )
    assert refused.value.field == "received_at"
    assert "awaits acknowledgement" in str(refused.value)


def test_the_time_of_receipt_is_not_moved_after_what_was_recorded_since(org_a, alice):
    case = make_case(org_a, alice, received_at=at(date(2026, 10, 30), 9))
    contacts.log_contact(
        case,
        by=alice,
        channel="phone",
        direction="to_complainant",
        party="complainant",
        summary="Rang to talk it through.",
        happened_at=at(date(2026, 10, 30), 11),
    )
    with pytest.raises(InvalidCase) as refused:
        corrections.correct_details(
            case, by=alice, reason="Wrong time.", received_at=at(date(2026, 10, 30), 12)
        )
    assert "contact log entry 1" in str(refused.value)
    with pytest.raises(InvalidCase, match="is in the future"):
        corrections.correct_details(
            case, by=alice, reason="Wrong time.", received_at=at(date(2026, 11, 3), 12)
        )


def test_a_new_channel_decides_again_whether_a_summary_is_needed(org_a, alice):
    case = make_case(org_a, alice, channel="letter")
    assert not case.summary_required
    case = corrections.correct_details(case, by=alice, reason="It was a call.", channel="phone")
    assert case.summary_required
    assert last(case, "details_corrected").data["after"]["summary_required"] is True


def test_an_event_date_corrected_decides_again_whether_it_was_made_in_time(org_a, alice):
    case = make_case(org_a, alice)
    case = corrections.correct_details(
        case, by=alice, reason="Year misheard.", event_date=date(2020, 1, 5)
    )
    assert case.out_of_time


def test_only_staff_who_may_see_identities_change_confidentiality(org_a, alice, rex):
    case = make_case(org_a, alice)
    with pytest.raises(PermissionDenied):
        corrections.correct_details(case, by=rex, reason="Asked us to.", confidential=True)
    case = corrections.correct_details(case, by=alice, reason="Asked us to.", confidential=True)
    assert case.confidential


def test_a_case_elsewhere_cannot_be_corrected(org_a, alice, bob):
    case = make_case(org_a, alice)
    with pytest.raises(PermissionDenied):
        corrections.correct_details(case, by=bob, reason="Mine now.", service="Dental")


# --- its people -------------------------------------------------------------------------------


def test_a_person_is_corrected_with_the_old_values_kept(org_a, alice):
    case = make_case(org_a, alice)

    person = corrections.correct_person(
        case,
        "complainant",
        by=alice,
        reason="Surname misspelt; new email.",
        last_name="Exemple",
        email="ada@example.org",
        nhs_number=VALID_NHS_NUMBER,
        postcode="ws1  1aa",
    )

    assert (person.last_name, person.nhs_number, person.postcode) == (
        "Exemple",
        "9434765919",
        "WS1 1AA",
    )
    event = last(case, "person_corrected")
    assert event.data["role"] == "complainant"
    assert event.data["before"] == {
        "last_name": "Example",
        "email": "ada@example.invalid",
        "nhs_number": "",
    }
    assert event.data["after"]["email"] == "ada@example.org"
    told = timeline.entries([event])["entries"][0]
    assert told.what == "Corrected the complainant's details"
    assert "Last name: Example → Exemple" in told.details


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"nhs_number": "943 476 5918"}, "nhs_number", "is not a valid NHS number"),
        ({"date_of_birth": date(2026, 11, 3)}, "date_of_birth", "is in the future"),
        ({"preferred_channel": "pigeon"}, "preferred_channel", "must be one of"),
        ({"relationship": "self"}, "relationship", "another person is recorded as the patient"),
        ({"shoe_size": "6"}, "shoe_size", "is not a detail of a person"),
        ({}, "details", "are as recorded"),
    ],
)
def test_a_person_is_checked_as_intake_checks_them(org_a, alice, changes, field, says):
    case = make_case(org_a, alice, **ON_BEHALF)
    before = snapshot(case)
    with pytest.raises(InvalidCase) as refused:
        corrections.correct_person(case, "complainant", by=alice, reason="Typo.", **changes)
    assert (refused.value.field, says in str(refused.value)) == (field, True)
    assert snapshot(case) == before


def test_a_correction_needs_a_reason(org_a, alice):
    case = make_case(org_a, alice)
    with pytest.raises(InvalidCase) as refused:
        corrections.correct_person(case, "complainant", by=alice, reason=" ", last_name="X")
    assert refused.value.field == "reason"


def test_a_person_on_two_cases_is_corrected_on_both_and_both_trails_say_so(org_a, alice):
    first = make_case(org_a, alice)
    second = make_case(org_a, alice, description="The receptionist was rude to me.")
    person = first.parties.get().person
    CaseParty.objects.filter(case=second).update(person=person)  # the same woman, twice
    Person.objects.exclude(pk=person.pk).delete()

    corrections.correct_person(first, "complainant", by=alice, reason="Moved.", postcode="WS3 3CC")

    assert second.parties.get().person.postcode == "WS3 3CC"
    here, there = last(first, "person_corrected"), last(second, "person_corrected")
    assert here.data["also_on"] == [second.reference]
    assert there.data["corrected_on"] == first.reference
    assert there.data["before"] == {"postcode": "WS1 1AA"}
    told = timeline.entries([there])["entries"][0]
    assert told.what == f"Corrected the complainant's details, on {first.reference}"


def test_a_relationship_corrected_asks_for_consent_while_it_was_not_asked(org_a, alice):
    case = make_case(org_a, alice)
    assert case.consent_state == ConsentState.NOT_NEEDED
    corrections.correct_person(
        case, "complainant", by=alice, reason="She is his daughter.", relationship="relative"
    )
    case = reload(case)
    assert case.consent_state == ConsentState.NEEDED
    event = last(case, "person_corrected")
    assert event.data["before"] == {"relationship": "self", "consent_state": "not_needed"}


def test_a_coded_case_takes_the_corrected_age_and_relationship(org_a, alice):
    load_shipped()
    case = make_case(org_a, alice, **ON_BEHALF)
    code_case(case, by=alice, subjects=["communications"])
    assert CaseCoding.objects.get(case=case).patient_age == 75

    corrections.correct_person(
        case, "patient", by=alice, reason="Wrong year of birth.", date_of_birth=date(1960, 11, 3)
    )
    corrections.correct_person(
        case, "complainant", by=alice, reason="She is his carer.", relationship="carer"
    )

    coding = CaseCoding.objects.get(case=case)
    assert (coding.patient_age, coding.complainant_relationship) == (65, "carer")
    first, second = AuditEvent.objects.filter(case=case, event="person_corrected").order_by(
        "sequence"
    )
    assert (
        first.data["before"]["coded_patient_age"],
        first.data["after"]["coded_patient_age"],
    ) == (
        75,
        65,
    )
    assert second.data["after"]["coded_complainant_relationship"] == "carer"


def test_a_confidential_complainant_is_corrected_only_by_staff_who_may_see_them(org_a, alice, rex):
    case = make_case(org_a, alice, confidential=True, **ON_BEHALF)
    with pytest.raises(PermissionDenied):
        corrections.correct_person(case, "complainant", by=rex, reason="Typo.", last_name="X")
    corrections.correct_person(case, "patient", by=rex, reason="Typo.", last_name="Exemple")
    corrections.correct_person(case, "complainant", by=alice, reason="Typo.", last_name="Smith")

    events = AuditEvent.objects.filter(case=case, event="person_corrected").order_by("sequence")
    seen = timeline.entries(events, identity_visible=False)["entries"]
    assert "Last name: Example → Exemple" in seen[0].details
    assert seen[1].details == ["Withheld: made in confidence"]


def test_a_representative_is_added_later_and_consent_is_then_needed(org_a, alice):
    case = make_case(org_a, alice)

    corrections.add_person(
        case,
        "representative",
        by=alice,
        reason="Her son now speaks for her.",
        details=PersonDetails(first_name="Sam", last_name="Example", telephone="01234 567890"),
        relationship="relative",
        relationship_detail="Son",
    )

    case = reload(case)
    party = case.parties.get(role="representative")
    assert (party.person.first_name, party.relationship) == ("Sam", "relative")
    assert case.consent_state == ConsentState.NEEDED
    event = last(case, "person_added")
    assert event.data["after"]["first_name"] == "Sam"
    assert timeline.entries([event])["entries"][0].what == "Added the representative"
    with pytest.raises(InvalidCase, match="already has a representative"):
        corrections.add_person(
            case, "representative", by=alice, reason="Again.", details=PersonDetails(),
            relationship="friend",
        )  # fmt: skip


def test_a_patient_is_added_when_the_complainant_speaks_for_someone_else(org_a, alice):
    case = make_case(org_a, alice, relationship="relative")
    corrections.add_person(
        case,
        "patient",
        by=alice,
        reason="Name given on the second call.",
        details=PersonDetails(first_name="Tom", last_name="Example", nhs_number=VALID_NHS_NUMBER),
    )
    roles = sorted(case.parties.values_list("role", flat=True))
    assert roles == ["complainant", "patient", "representative"]

    herself = make_case(org_a, alice)
    with pytest.raises(InvalidCase, match="the complainant is the patient"):
        corrections.add_person(
            herself, "patient", by=alice, reason="Wrong.", details=PersonDetails(last_name="X")
        )
    with pytest.raises(InvalidCase, match="is not a valid NHS number"):
        corrections.add_person(
            make_case(org_a, alice, relationship="relative"),
            "patient",
            by=alice,
            reason="Given later.",
            details=PersonDetails(last_name="X", nhs_number="1234567890"),
        )


def test_a_person_corrected_from_the_later_of_their_cases_is_corrected_on_both(org_a, alice):
    first, second = make_case(org_a, alice), make_case(org_a, alice)
    person = first.parties.get().person
    CaseParty.objects.filter(case=second).update(person=person)

    corrections.correct_person(second, "complainant", by=alice, reason="Moved.", postcode="B1 1AA")

    assert first.parties.get().person.postcode == "B1 1AA"
    assert last(first, "person_corrected").data["corrected_on"] == second.reference


@pytest.mark.django_db(transaction=True)
def test_two_corrections_of_one_person_from_two_cases_at_once_wait_never_deadlock(
    org_a, alice, caplog
):
    first, second = make_case(org_a, alice), make_case(org_a, alice)
    person = first.parties.get().person
    CaseParty.objects.filter(case=second).update(person=person)
    cases = [first, second]

    def correct(n: int) -> None:
        for attempt in range(3):
            corrections.correct_person(
                cases[n], "complainant", by=alice, reason="Phone numbers.",
                telephone=f"0121 000 {n}{attempt:03}",
            )  # fmt: skip

    with caplog.at_level("WARNING", logger="candour.config.transactions"):
        errors = run_at_once(2, correct)

    assert errors == []
    assert not caplog.records  # no transaction had to be tried again
    for case in cases:
        assert AuditEvent.objects.filter(case=case, event="person_corrected").count() == 6
