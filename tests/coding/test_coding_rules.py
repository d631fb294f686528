"""Coding as staff do it (issue 16, R36): themes alone where no KO41 is submitted or no list is
loaded for the year, the facts behind age band and complainant status, a submitted return
locking the coding of the cases it counts, and codes added to many cases at once."""

from __future__ import annotations

from datetime import date

import pytest

from candour.audit.models import AuditEvent
from candour.cases.intake import InvalidCase
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed
from candour.coding.coding import (
    choices,
    code_case,
    code_cases,
    coding_of,
    ensure_theme,
    save_theme,
)
from candour.coding.models import CaseCoding, CaseTheme, SubmittedReturn
from candour.coding.returns import ReturnSubmitted, mark_submitted, withdraw_submission
from candour.organisations.setup import add_member

from ..cases.conftest import snapshot
from ..conftest import at, make_case, organisation, user
from .conftest import codes as keys
from .conftest import on_behalf


def theme_names(case) -> list[str]:
    return sorted(CaseTheme.objects.filter(case=case).values_list("theme__name", flat=True))


def coded_events(case) -> int:
    return AuditEvent.objects.filter(case=case, event="case_coded").count()


# Themes alone


def test_a_commissioner_codes_a_case_with_its_themes_alone(org_a, alice, lists, frozen):
    save_theme(org_a, by=alice, name="Continuing healthcare")
    case = make_case(org_a, alice)
    assert not choices(case).subject_needed
    coding = code_case(case, by=alice, themes=["continuing healthcare"])
    assert (coding.return_code, coding.year) == ("KO41a", 2026)
    assert keys(case) == {}
    assert theme_names(case) == ["Continuing healthcare"]
    assert coded_events(case) == 1


def test_a_private_clinic_codes_with_themes_alone(db, lists, frozen):
    clinic = organisation("Luxira Aesthetics", "LUX", "clinic", "private-clinic")
    manager = user("clara")
    add_member(manager, clinic, "Complaints Manager")
    save_theme(clinic, by=manager, name="Aftercare")
    case = make_case(clinic, manager)
    code_case(case, by=manager, themes=["Aftercare"])
    assert theme_names(case) == ["Aftercare"]
    assert "does not submit a KO41 return" in choices(case).note


def test_a_practice_needs_a_subject_area_but_a_theme_that_counts_under_one_will_do(
    org_b, bob, lists, frozen
):
    save_theme(org_b, by=bob, name="Phones")
    save_theme(org_b, by=bob, name="Repeat prescriptions", subject_keys={"KO41b": "prescribing"})
    case = make_case(org_b, bob)
    before = snapshot(case)
    with pytest.raises(InvalidCase) as error:
        code_case(case, by=bob, themes=["Phones"])
    assert error.value.field == "subjects"
    assert "choose at least one subject area from the KO41b 2026-27 list" in str(error.value)
    assert snapshot(case) == before
    code_case(case, by=bob, themes=["Phones", "Repeat prescriptions"])
    assert keys(case) == {"subject": ["prescribing"]}
    assert theme_names(case) == ["Phones", "Repeat prescriptions"]


def test_a_past_year_with_no_list_is_coded_with_themes_only(org_b, bob, lists, frozen):
    save_theme(org_b, by=bob, name="Phones", subject_keys={"KO41b": "communications"})
    case = make_case(org_b, bob, received_at=at(date(2021, 6, 1)))
    offered = choices(case)
    assert (offered.year, offered.themes_only, offered.subject_needed) == (2021, True, False)
    assert "No KO41b 2021-22 code lists are loaded" in offered.note
    with pytest.raises(InvalidCase) as error:
        code_case(case, by=bob, subjects=["communications"])
    assert error.value.field == "subjects"
    assert "coded with themes only" in str(error.value)
    with pytest.raises(InvalidCase, match=r"themes: choose at least one theme$"):
        code_case(case, by=bob)
    # The theme's subject is not added: the year has no subject list to count it in.
    coding = code_case(case, by=bob, themes=["Phones"])
    assert (coding.year, keys(case), theme_names(case)) == (2021, {}, ["Phones"])


def test_a_theme_of_another_organisation_is_refused_naming_the_themes(
    org_a, alice, org_b, bob, lists, frozen
):
    save_theme(org_b, by=bob, name="Phones")
    case = make_case(org_a, alice)
    with pytest.raises(InvalidCase) as error:
        code_case(case, by=alice, themes=["Phones"])
    assert error.value.field == "themes"
    assert "'Phones' is not a theme of Walsall Commissioning (its themes: none yet)" in str(
        error.value
    )


# The facts behind age band and complainant status


def test_age_band_and_status_are_mapped_from_the_date_of_birth_and_relationship(
    org_b, bob, lists, frozen
):
    case = on_behalf(org_b, bob, born=date(1950, 1, 1))
    coding = coding_of(case)
    assert (coding.patient_age, coding.age_source) == (76, "date_of_birth")
    assert (coding.age_band.key, coding.status.key) == ("age_65_plus", "on_behalf")
    assert coding.relationship_label == "Relative"
    with pytest.raises(InvalidCase) as error:
        code_case(case, by=bob, subjects=["other"], patient_age=40)
    assert error.value.field == "patient_age"
    assert "date of birth gives 76 at receipt" in str(error.value)
    assert code_case(case, by=bob, subjects=["other"], patient_age=76).patient_age == 76


def test_staff_record_the_age_when_there_is_no_date_of_birth_and_it_is_kept(
    org_b, bob, lists, frozen
):
    case = make_case(org_b, bob)
    assert (coding_of(case).age_band.key, coding_of(case).age_source) == ("age_unknown", "")
    assert coding_of(case).status.key == "patient"
    for wrong in (-1, 131, "forty", True):
        with pytest.raises(InvalidCase, match="patient_age: must be the patient's age"):
            code_case(case, by=bob, subjects=["other"], patient_age=wrong)
    code_case(case, by=bob, subjects=["other"], patient_age=12)
    assert (coding_of(case).patient_age, coding_of(case).age_source) == (12, "recorded")
    assert coding_of(case).age_band.key == "age_0_17"
    code_case(case, by=bob, subjects=["communications"])  # not given: kept
    assert CaseCoding.objects.get(case=case).patient_age == 12
    code_case(case, by=bob, subjects=["communications"], patient_age=None)  # cleared
    assert CaseCoding.objects.get(case=case).patient_age is None


# A submitted return locks the coding of the cases it counts


def test_a_submitted_return_locks_its_cases_until_the_submission_is_withdrawn(
    org_b, bob, lists, frozen
):
    case = make_case(org_b, bob)
    code_case(case, by=bob, subjects=["other"], professions=["other"])
    last_year = make_case(org_b, bob, received_at=at(date(2026, 3, 2)))
    mark_submitted(org_b, "KO41b", 2026, by=bob)
    before = snapshot(case)
    with pytest.raises(ReturnSubmitted) as error:
        code_case(case, by=bob, subjects=["communications"])
    assert isinstance(error.value, TransitionNotAllowed)
    assert (
        f"{case.reference} is counted in the KO41b 2026-27 return of Minster Medical Group, "
        "marked submitted on 2 November 2026 by bob"
    ) in str(error.value)
    assert snapshot(case) == before
    assert keys(case) == {"subject": ["other"], "profession": ["other"]}
    code_case(last_year, by=bob, subjects=["other"])  # 2025-26 is not submitted
    with pytest.raises(TransitionNotAllowed, match="already marked submitted"):
        mark_submitted(org_b, "KO41b", 2026, by=bob)
    withdraw_submission(org_b, "KO41b", 2026, by=bob)
    code_case(case, by=bob, subjects=["communications"])
    assert keys(case) == {"subject": ["communications"]}
    events = AuditEvent.objects.filter(organisation_id=org_b.pk, event__startswith="ko41_")
    assert list(events.order_by("sequence").values_list("event", "data__year")) == [
        ("ko41_return_submitted", "2026-27"),
        ("ko41_submission_withdrawn", "2026-27"),
    ]


def test_a_submission_above_covers_the_cases_below_and_a_move_into_it_is_refused(
    org_a, alice, lists, frozen
):
    practice = organisation("Below Practice", "BLW", "practice", "gp-practice", parent=org_a)
    mark_submitted(org_a, "KO41b", 2026, by=alice)
    case = make_case(practice, alice)  # entered after the return was marked submitted
    with pytest.raises(ReturnSubmitted, match="return of Walsall Commissioning"):
        code_case(case, by=alice, subjects=["other"])
    own = make_case(org_a, alice)
    with pytest.raises(ReturnSubmitted):
        code_case(own, by=alice, subjects=["other"], return_code="KO41b")
    code_case(own, by=alice, subjects=["other"])  # its own return, KO41a, is open
    assert not CaseCoding.objects.filter(case=case).exists()


def test_only_a_manager_marks_a_return_submitted(org_a, ivan, lists, frozen):
    with pytest.raises(PermissionDenied):
        mark_submitted(org_a, "KO41a", 2026, by=ivan)
    assert not SubmittedReturn.objects.exists()


# Many cases at once


def test_bulk_coding_adds_the_codes_to_each_case_with_one_event_each(
    org_a, alice, org_b, bob, lists, frozen
):
    save_theme(org_a, by=alice, name="Communication")
    first, second = make_case(org_a, alice), make_case(org_a, alice)
    code_case(first, by=alice, subjects=["waiting_times"])
    elsewhere = make_case(org_b, bob)
    done = code_cases(
        alice,
        [first.reference, second.reference.lower(), elsewhere.reference, "WAL-1900-99999"],
        subjects=["communications"],
        themes=["Communication"],
    )
    assert done.coded == [first.reference, second.reference]
    assert [(r.reference, r.field) for r in done.refused] == [
        (elsewhere.reference, "references"),
        ("WAL-1900-99999", "references"),
    ]
    assert done.refused[0].message == f"there is no case {elsewhere.reference} that you can see"
    assert keys(first) == {"subject": ["communications", "waiting_times"]}
    assert keys(second) == {"subject": ["communications"]}
    assert theme_names(first) == theme_names(second) == ["Communication"]
    assert (coded_events(first), coded_events(second), coded_events(elsewhere)) == (2, 1, 0)
    event = AuditEvent.objects.filter(case=first, event="case_coded").latest("sequence")
    assert event.data["added"] is True
    assert event.data["before"]["subjects"] == ["waiting_times"]


def test_bulk_coding_refuses_a_locked_case_and_codes_the_rest(org_b, bob, lists, frozen):
    mark_submitted(org_b, "KO41b", 2025, by=bob)
    # entered late, after the 2025-26 return was marked submitted
    locked = make_case(org_b, bob, received_at=at(date(2026, 3, 2)))
    open_one = make_case(org_b, bob)
    done = code_cases(bob, [locked.reference, open_one.reference], subjects=["other"])
    assert done.coded == [open_one.reference]
    assert done.refused[0].reference == locked.reference
    assert "KO41b 2025-26 return" in done.refused[0].message
    assert coded_events(locked) == 0


@pytest.mark.parametrize(
    ("references", "codes", "field", "message"),
    [
        ([], {"subjects": ["other"]}, "references", "choose at least one case"),
        (
            ["X"] * 1 + [f"R{i}" for i in range(500)],
            {"subjects": ["other"]},
            "references",
            "at most 500",
        ),
        (["WAL-2026-00001"], {"subjects": [" "]}, "subjects", "choose at least one subject area"),
    ],
)
def test_bulk_coding_refuses_a_request_that_names_nothing_to_do(
    alice, lists, references, codes, field, message
):
    with pytest.raises(InvalidCase) as error:
        code_cases(alice, references, **codes)
    assert error.value.field == field and message in str(error.value)


def test_a_theme_named_again_is_the_same_theme_with_its_subject_kept(org_a, alice, lists):
    theme = save_theme(
        org_a, by=alice, name="Continuing healthcare", subject_keys={"KO41a": "commissioning"}
    )
    again = ensure_theme(org_a, by=alice, name="  continuing   HEALTHCARE ")
    assert again.pk == theme.pk and again.subject_keys == {"KO41a": "commissioning"}
    assert ensure_theme(org_a, by=alice, name="Parking").name == "Parking"
