"""The reports name where cases were referred as the organisation's policy names its
escalation body: the private clinic (seed 004) refers to an approved Alternative Dispute
Resolution provider, not to the Ombudsman.

Seed 004, "Assessing Resolution Options": "Luxira Aesthetics undertakes to signpost patients
to an approved (by the Chartered Trading Standards Institute ...) Alternative Disputes
Resolution Service Provider in accordance with The Alternative Disputes Resolution
Regulations (2015)". Seed 001 §12: the annual report includes "The number referred to the
Ombudsman"."""

from __future__ import annotations

from datetime import date

import pytest

from candour.cases.escalation import refer_to_ombudsman
from candour.cases.handling import acknowledge_case
from candour.organisations.setup import add_member
from candour.reporting.annual import annual_report
from candour.reporting.commissioner import commissioner_summary
from candour.reporting.spreadsheets import commissioner_workbook

from ..conftest import at, make_case, organisation, user
from ..responding import respond

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026


@pytest.fixture
def clinic_staff(db):
    """The clinic (seed 004) and its complaints manager."""
    clinic = organisation("Luxira Aesthetics", "LUX", "clinic", "private-clinic")
    add_member(manager := user("carla"), clinic, "Complaints Manager")
    return clinic, manager


def referred_case(organisation, by, frozen, body: str, body_name: str = ""):
    case = acknowledge_case(make_case(organisation, by), by=by, method="letter")
    case = respond(case, by)
    frozen.move_to(at(date(2026, 11, 20), 10))
    refer_to_ombudsman(case, by=by, body=body, body_name=body_name, referred_on=date(2026, 11, 20))
    return case


def test_the_clinics_annual_report_counts_its_adr_referrals_under_the_adr_provider(
    clinic_staff, frozen
):
    clinic, carla = clinic_staff
    referred_case(clinic, carla, frozen, "adr", "ISCAS")
    report = annual_report(carla, clinic, "2026-27")
    summary = report.tables["summary"]
    row = summary.row("referred")
    assert row.label == "Referred to an approved Alternative Dispute Resolution provider"
    assert row.cells[0].value == 1
    assert "Ombudsman" not in " ".join(r.label for r in summary.rows)
    table = report.tables["ombudsman"]
    assert table.title == "Referrals to an approved Alternative Dispute Resolution provider"
    assert table.row("referred").cells[0].value == 1
    assert report.problems == []


def test_the_clinics_case_list_and_workbook_name_the_adr_provider(clinic_staff, frozen):
    clinic, carla = clinic_staff
    referred_case(clinic, carla, frozen, "adr", "ISCAS")
    summary = commissioner_summary(carla, clinic, "2026-27")
    label = "Referred to an approved Alternative Dispute Resolution provider"
    assert summary.columns[-1] == ("ombudsman", label)
    assert [c["ombudsman"] for c in summary.cases] == ["Yes"]
    sheet = commissioner_workbook(summary)["Cases"]
    assert sheet.cell(1, len(summary.columns)).value == label


def test_an_nhs_organisation_still_names_the_ombudsman(org_a, alice, frozen):
    # Seed 002 §11.1: "Independent Review by the Parliamentary and Health Service Ombudsman".
    referred_case(org_a, alice, frozen, "phso")
    report = annual_report(alice, org_a, "2026-27")
    assert report.tables["summary"].row("referred").label == (
        "Referred to the Parliamentary and Health Service Ombudsman"
    )
    assert report.tables["ombudsman"].title == (
        "Referrals to the Parliamentary and Health Service Ombudsman"
    )
