"""KO41a and KO41b for the year with known answers (known_year.py), their counting rules,
the consistency check and the spreadsheet."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from candour.coding.coding import code_case
from candour.coding.models import CodeList
from candour.reporting.figures import ReportError
from candour.reporting.ko41 import ko41
from candour.reporting.spreadsheets import annual_workbook, ko41_workbook, to_bytes

from ..conftest import at, make_case
from .known_year import D, build_year


@pytest.fixture
def year(org_a, alice, frozen):
    return build_year(org_a, alice, frozen)


@pytest.fixture
def ko41a(year, org_a, alice):
    return ko41(alice, org_a, "KO41a", "2025-26")


def test_both_returns_have_the_known_figures_cases_and_spreadsheet(ko41a, year, org_a, alice):
    """One year built once, every section checked against the answers worked out by hand
    from known_year.SPECS."""
    # the summary brought forward new resolved and carried forward
    assert ko41a.table("summary").values() == {
        "brought_forward": [2],
        "new": [8],
        "reopened": [0],
        "resolved": [6],
        "upheld": [3],
        "partly_upheld": [1],
        "not_upheld": [2],
        "closed_other": [1],
        "carried_forward": [3],
    }
    assert ko41a.cases_behind("summary", "brought_forward") == ids(year, "BF1", "BF2")
    assert ko41a.cases_behind("summary", "carried_forward") == ids(year, "BF2", "C8", "C10")
    assert ko41a.cases_behind("summary", "closed_other") == ids(year, "C5")

    # age and status are mapped from the facts and sum exactly to new
    assert ko41a.table("age_band").values() == {
        "age_0_17": [1],
        "age_18_64": [2],
        "age_65_plus": [2],
        "age_unknown": [3],
    }
    assert ko41a.cases_behind("age_band", "age_65_plus") == ids(year, "C2", "C7")
    assert ko41a.table("status").values() == {
        "patient": [5],
        "on_behalf": [2],
        "status_unknown": [1],
    }
    assert ko41a.cases_behind("status", "status_unknown") == ids(year, "C8")

    # subject service and profession count each code of new complaints
    subjects = {k: v[0] for k, v in ko41a.table("subject").values().items() if v[0]}
    assert subjects == {
        "appointments": 1,
        "clinical_treatment": 1,
        "commissioning": 2,
        "communications": 3,
        "other": 2,
        "waiting_times": 2,
    }
    assert len(ko41a.table("subject").rows) == 22  # 21 codes and "Not coded"
    services = {k: v[0] for k, v in ko41a.table("service").values().items() if v[0]}
    assert services == {
        "outpatients": 3,
        "community_services": 2,
        "inpatients": 1,
        "mental_health": 1,
        "other": 2,
    }
    professions = {k: v[0] for k, v in ko41a.table("profession").values().items() if v[0]}
    assert professions == {"medical": 4, "nursing_midwifery": 2, "admin_management": 2, "other": 1}
    # BF1 has subject 'other' too, but breakdowns count new complaints only.
    assert ko41a.cases_behind("subject", "other") == ids(year, "C5", "C8")
    assert "not yet checked against NHS England's published KO41a return" in (
        ko41a.table("subject").note
    )
    assert "REGULATIONS.md" not in ko41a.table("subject").note

    # the return reconciles
    assert [str(p) for p in ko41a.problems] == []

    # ko41b holds none of a commissioners hospital complaints
    ko41b = ko41(alice, org_a, "KO41b", "2025-26")
    assert ko41b.table("summary").values()["new"] == [0]
    assert "service" not in ko41b.tables
    assert ko41b.problems == []

    # the spreadsheets carry the figures
    wb = load_workbook(BytesIO(to_bytes(ko41_workbook(ko41a))))
    assert wb.sheetnames[:3] == ["About", "Summary", "Age of patient"]
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["New"] == 8
    assert summary["Carried forward"] == 3
    about = [r[0] for r in wb["About"].iter_rows(values_only=True)]
    assert about[0] == "KO41a return 2025-26"

    from candour.reporting.annual import annual_report

    wb = load_workbook(BytesIO(to_bytes(annual_workbook(annual_report(alice, org_a, 2025)))))
    received = list(wb["Complaints received"].iter_rows(min_row=2, values_only=True))
    assert received[0] == (None, "Q1", "Q2", "Q3", "Q4", "Total")
    assert received[1] == ("Complaints received", 3, 3, 2, 2, 10)


def ids(year, *names) -> list[int]:
    return sorted(year[n].pk for n in names)


def test_a_case_coded_for_ko41b_moves_to_that_return(year, org_a, alice, frozen):
    frozen.move_to(at(D(2026, 3, 31), 12))
    code_case(year["C10"], by=alice, subjects=["other"], return_code="KO41b")
    assert ko41(alice, org_a, "KO41a", "2025-26").table("summary").values()["new"] == [7]
    ko41b = ko41(alice, org_a, "KO41b", "2025-26")
    assert ko41b.table("summary").values()["new"] == [1]
    assert ko41b.table("subject").values()["other"] == [1]
    assert ko41b.problems != []  # KO41b professions: C10 has none for that return


def test_an_uncoded_new_complaint_is_a_problem_named_in_the_check(year, org_a, alice, frozen):
    frozen.move_to(at(D(2026, 3, 31), 12))
    make_case(org_a, alice, received_at=at(D(2026, 3, 31), 9))
    report = ko41(alice, org_a, "KO41a", "2025-26")
    assert report.table("summary").values()["new"] == [9]
    assert report.table("age_band").values()["age_unknown"] == [4]
    assert [str(p) for p in report.problems] == [
        "service: 1 new complaint(s) have no service area code; code them before the return "
        "is submitted",
        "subject: 1 new complaint(s) have no subject area code; code them before the return "
        "is submitted",
        "profession: 1 new complaint(s) have no profession code; code them before the return "
        "is submitted",
    ]


def test_without_the_years_lists_the_sections_say_how_to_load_them(year, org_a, alice):
    CodeList.objects.filter(year=2025, dimension="age_band").delete()
    report = ko41(alice, org_a, "KO41a", "2025-26")
    assert not report.table("age_band").available
    assert any("candour codelists load" in str(p) for p in report.problems)


def test_a_bad_return_is_refused(org_a, alice):
    with pytest.raises(ReportError, match="return_code: must be one of KO41a, KO41b"):
        ko41(alice, org_a, "KO41c", "2025-26")


def test_an_uncoded_complaint_is_banded_from_its_patients_date_of_birth_at_receipt(
    year, org_a, alice, frozen
):
    """REGULATIONS.md §3.3 "Age of patient", §3.4 "Store raw facts (date of birth,
    complainant relationship) and map them to bands": a complaint not yet coded is banded
    from the date of birth and relationship recorded with its people, its age on the day it
    was received (in local time), by the same rule as its coding page."""
    from candour.cases.people import PersonDetails
    from candour.coding.coding import coding_of

    frozen.move_to(at(D(2026, 3, 31), 12))
    # 18 on the day of receipt: 00:30 on 31 March 2026 in London is 23:30 on the 30th in UTC,
    # when the patient was still 17.
    adult = make_case(
        org_a,
        alice,
        received_at=at(D(2026, 3, 31), 0, 30),
        relationship="relative",
        patient=PersonDetails(first_name="Tom", last_name="Example", date_of_birth=D(2008, 3, 31)),
    )
    child = make_case(
        org_a,
        alice,
        received_at=at(D(2026, 3, 31), 9),
        complainant=PersonDetails(
            first_name="Kit", last_name="Example", date_of_birth=D(2008, 4, 1)
        ),
    )
    report = ko41(alice, org_a, "KO41a", "2025-26")
    assert report.table("summary").values()["new"] == [10]
    ages = report.table("age_band").values()
    assert ages == {"age_0_17": [2], "age_18_64": [3], "age_65_plus": [2], "age_unknown": [3]}
    assert adult.pk in report.cases_behind("age_band", "age_18_64")
    assert child.pk in report.cases_behind("age_band", "age_0_17")
    status = report.table("status").values()
    assert status == {"patient": [6], "on_behalf": [3], "status_unknown": [1]}
    assert adult.pk in report.cases_behind("status", "on_behalf")
    # The case's coding page bands it the same way, and coding it changes nothing.
    assert (coding_of(adult).age_band.key, coding_of(adult).status.key) == (
        "age_18_64",
        "on_behalf",
    )
    assert coding_of(child).patient_age == 17
    code_case(adult, by=alice, subjects=["other"], services=["other"], professions=["other"])
    again = ko41(alice, org_a, "KO41a", "2025-26")
    assert again.table("age_band").values() == ages
    assert again.table("status").values() == status
