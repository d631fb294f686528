"""Coding a case for reporting: codes from the right list and year, themes mapped onto
subjects, facts for age band and complainant status, refusals naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from candour.audit.models import AuditEvent
from candour.cases.intake import InvalidCase
from candour.cases.people import PersonDetails
from candour.cases.workflow import PermissionDenied
from candour.coding.coding import code_case, financial_year, save_theme
from candour.coding.models import CaseCode, CaseCoding, CaseTheme
from candour.organisations.models import Theme

from ..cases.conftest import snapshot
from ..conftest import at, make_case
from .conftest import codes


def test_financial_years_run_from_april():
    assert financial_year(date(2025, 3, 31)) == 2024
    assert financial_year(date(2025, 4, 1)) == 2025
    assert financial_year(at(date(2026, 4, 1), 0, 30)) == 2026


def test_a_case_is_coded_with_several_subjects_a_service_and_a_profession(
    org_a, alice, lists, frozen
):
    case = make_case(
        org_a,
        alice,
        relationship="relative",
        patient=PersonDetails(
            first_name="Tom", last_name="Example", date_of_birth=date(1950, 11, 3)
        ),
    )
    coding = code_case(
        case,
        by=alice,
        subjects=["communications", "waiting_times"],
        services=["outpatients"],
        professions=["medical", "nursing_midwifery"],
    )
    assert (coding.return_code, coding.year) == ("KO41a", 2026)
    # Born 3 November 1950, received 2 November 2026: still 75.
    assert (coding.patient_age, coding.complainant_relationship) == (75, "relative")
    assert codes(case) == {
        "service": ["outpatients"],
        "profession": ["medical", "nursing_midwifery"],
        "subject": ["communications", "waiting_times"],
    }
    event = AuditEvent.objects.filter(case=case, event="case_coded").get()
    assert event.data["after"]["subjects"] == ["communications", "waiting_times"]
    assert event.data["before"]["subjects"] == []
    assert event.data["patient_age"] == 75


def test_recoding_replaces_the_codes_and_audits_before_and_after(org_a, alice, lists, frozen):
    case = make_case(org_a, alice)
    code_case(case, by=alice, subjects=["communications"])
    code_case(case, by=alice, subjects=["other"])
    assert codes(case) == {"subject": ["other"]}
    event = AuditEvent.objects.filter(case=case, event="case_coded").latest("sequence")
    assert (event.data["before"]["subjects"], event.data["after"]["subjects"]) == (
        ["communications"],
        ["other"],
    )
    assert CaseCoding.objects.filter(case=case).count() == 1


def test_a_self_complainant_is_the_patient_and_no_birth_date_means_no_age(
    org_a, alice, lists, frozen
):
    case = make_case(org_a, alice)
    coding = code_case(case, by=alice, subjects=["other"])
    assert (coding.patient_age, coding.complainant_relationship) == (None, "self")


def test_a_practice_codes_for_ko41b_and_has_no_service_area_list(org_b, bob, lists, frozen):
    case = make_case(org_b, bob)
    before = snapshot(case)
    with pytest.raises(InvalidCase) as error:
        code_case(case, by=bob, subjects=["communications"], services=["outpatients"])
    assert error.value.field == "services"
    assert "there is no KO41b 2026-27 service area list loaded" in str(error.value)
    assert snapshot(case) == before
    assert code_case(case, by=bob, subjects=["communications"]).return_code == "KO41b"


REFUSALS = [
    ({"subjects": ["gardening"]}, "subjects", "'gardening' not in the KO41a 2026-27 subject area"),
    ({"subjects": ["other"], "services": ["medical"]}, "services", "'medical' not in the KO41a"),
    ({"subjects": ["other"], "professions": ["a_and_e"]}, "professions", "'a_and_e' not in"),
    ({"subjects": []}, "themes", "choose at least one theme or code"),
    ({"subjects": ["other"], "return_code": "KO99"}, "return_code", "must be one of KO41a, KO41b"),
    ({"subjects": ["other"], "themes": ["Parking"]}, "themes", "'Parking' is not a theme"),
]


@pytest.mark.parametrize(("kwargs", "field", "message"), REFUSALS)
def test_bad_codes_are_refused_naming_the_field_and_nothing_is_written(
    org_a, alice, lists, frozen, kwargs, field, message
):
    case = make_case(org_a, alice)
    before = snapshot(case)
    with pytest.raises(InvalidCase) as error:
        code_case(case, by=alice, **kwargs)
    assert error.value.field == field
    assert message in str(error.value)
    assert snapshot(case) == before
    assert not CaseCode.objects.exists() and not CaseCoding.objects.exists()


def test_a_code_from_another_year_is_refused(org_a, alice, lists, frozen):
    # Retire 'mortuary' from 2026-27 only: it stays valid in 2025-26 but not for this case.
    from candour.coding.models import Code

    Code.objects.filter(code_list__year=2026, key="mortuary").update(retired=True)
    case = make_case(org_a, alice)
    with pytest.raises(InvalidCase, match="'mortuary' not in the KO41a 2026-27 subject area"):
        code_case(case, by=alice, subjects=["mortuary"])
    old = make_case(org_a, alice, received_at=at(date(2026, 3, 2)))
    assert code_case(old, by=alice, subjects=["mortuary"]).year == 2025


def test_without_lists_loaded_coding_says_how_to_load_them(org_a, alice, frozen):
    case = make_case(org_a, alice)
    with pytest.raises(InvalidCase, match="candour codelists load"):
        code_case(case, by=alice, subjects=["other"])


def test_someone_from_another_organisation_cannot_code_a_case(org_a, alice, bob, lists, frozen):
    case = make_case(org_a, alice)
    with pytest.raises(PermissionDenied):
        code_case(case, by=bob, subjects=["other"])
    assert not CaseCoding.objects.exists()


def test_an_organisations_theme_adds_the_subject_it_maps_onto(org_a, alice, lists, frozen):
    theme = save_theme(
        org_a,
        by=alice,
        name="Continuing healthcare: retrospective",
        subject_keys={"KO41a": "commissioning"},
    )
    case = make_case(org_a, alice)
    code_case(case, by=alice, themes=[theme.name], subjects=["communications"])
    assert codes(case) == {"subject": ["commissioning", "communications"]}
    assert list(CaseTheme.objects.filter(case=case).values_list("theme__name", flat=True)) == [
        theme.name
    ]
    assert AuditEvent.objects.filter(event="theme_saved", organisation_id=org_a.pk).count() == 1


def test_a_theme_must_map_onto_a_loaded_subject_and_needs_an_administrator(
    org_a, alice, ivan, lists, frozen
):
    with pytest.raises(InvalidCase, match="'gardening' is not a subject code of any loaded KO41a"):
        save_theme(org_a, by=alice, name="Gardens", subject_keys={"KO41a": "gardening"})
    with pytest.raises(PermissionDenied):
        save_theme(org_a, by=ivan, name="Gardens")
    with pytest.raises(InvalidCase, match="name: is empty"):
        save_theme(org_a, by=alice, name="  ")
    assert not Theme.objects.exists()
