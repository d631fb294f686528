"""The staff report pages: who sees them, the annual, quarterly, monthly and KO41 pages with
their check, the cases behind a figure, the commentary (versioned and audited), downloads,
and the anonymised summary for a commissioner, which must carry nothing that identifies a
person."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from candour.audit.models import AuditEvent
from candour.cases.people import PersonDetails
from candour.coding.coding import code_case
from candour.reporting.models import Commentary

from ..conftest import at, make_case, sign_in
from ..reporting.known_year import build_year

ANNUAL = "/reports/WAL/annual/2025-26/"


@pytest.fixture
def year(org_a, alice, frozen):
    return build_year(org_a, alice, frozen)


def cells(workbook_bytes: bytes) -> dict[str, list[list]]:
    wb = load_workbook(BytesIO(workbook_bytes))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


def test_only_members_who_see_reports_get_the_link_and_the_pages(client, org_a, alice, ivan):
    sign_in(client, alice)
    page = client.get("/").content.decode()
    assert 'href="/reports/"' in page
    assert client.get("/reports/").status_code == 200
    client.logout()
    sign_in(client, ivan)  # an investigating officer: cases, but no reports
    assert 'href="/reports/"' not in client.get("/").content.decode()
    assert client.get("/reports/").status_code == 404
    assert client.get(ANNUAL).status_code == 404


def test_the_index_sends_a_choice_to_its_report_or_says_what_to_fix(client, org_a, alice):
    sign_in(client, alice)
    response = client.get(
        "/reports/", {"organisation": "WAL", "report": "quarterly", "period": "2025-26-q3"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/reports/WAL/quarterly/2025-26-Q3/"
    response = client.get(
        "/reports/", {"organisation": "WAL", "report": "monthly", "period": "Nov"}
    )
    assert response.status_code == 400
    assert "&#39;Nov&#39; is not a month; write it as 2025-11." in response.content.decode()
    response = client.get("/reports/", {"organisation": "WAL", "report": "annual", "period": ""})
    assert "Enter the period: a financial year, for example 2025-26." in response.content.decode()


def test_the_annual_report_page_shows_the_check_and_links_each_figure_to_its_cases(
    client, year, alice
):
    sign_in(client, alice)
    page = client.get(ANNUAL).content.decode()
    assert "Consistency check passed." in page
    assert "Complaints received" in page
    link = "/reports/WAL/annual/2025-26/cases/?table=received&amp;row=provider_led&amp;column=Total"
    assert link in page
    listed = client.get(
        "/reports/WAL/annual/2025-26/cases/",
        {"table": "received", "row": "provider_led", "column": "Total"},
    ).content.decode()
    assert "2 cases behind this figure" in listed
    assert year["C3"].reference in listed and year["C6"].reference in listed
    assert year["C1"].reference not in listed
    # a percentage lists the cases of its numerator
    listed = client.get(
        "/reports/WAL/annual/2025-26/cases/",
        {"table": "outcomes", "row": "well_founded_percent", "column": "Total"},
    ).content.decode()
    assert "4 cases behind this figure" in listed
    assert (
        client.get("/reports/WAL/annual/2025-26/cases/", {"table": "nope", "row": "x"}).status_code
        == 404
    )
    assert client.get("/reports/WAL/annual/2025-27/").status_code == 404
    assert client.get("/reports/WAL/weekly/2025-26/").status_code == 404


def test_another_organisations_reports_and_figures_are_not_found(client, year, org_b, bob):
    sign_in(client, bob)
    assert client.get("/reports/MMG/annual/2025-26/").status_code == 200
    assert client.get(ANNUAL).status_code == 404
    assert client.get(ANNUAL + "cases/", {"table": "received", "row": "total"}).status_code == 404
    assert client.get(ANNUAL + "spreadsheet/").status_code == 404
    assert client.get(ANNUAL + "pdf/").status_code == 404
    assert client.post(ANNUAL + "commentary/", {"commentary": "x"}).status_code == 404


def test_the_commentary_is_versioned_audited_and_never_lost(client, year, alice, org_a):
    sign_in(client, alice)
    response = client.post(
        ANNUAL + "commentary/", {"commentary": "Fewer complaints than last year.", "based_on": "0"}
    )
    assert response.status_code == 302
    response = client.post(
        ANNUAL + "commentary/", {"commentary": "Fewer complaints; faster answers.", "based_on": "1"}
    )
    assert response.status_code == 302
    versions = list(Commentary.objects.filter(organisation=org_a).order_by("version"))
    assert [(c.version, c.written_by, c.text) for c in versions] == [
        (1, alice, "Fewer complaints than last year."),
        (2, alice, "Fewer complaints; faster answers."),
    ]
    event = AuditEvent.objects.filter(event="report.commentary_saved").order_by("-sequence")[0]
    assert event.data["after"] == {"text": "Fewer complaints; faster answers."}
    assert event.data["version"] == 2 and event.organisation_id == org_a.pk
    # someone writing from version 1 is told, and keeps their text
    response = client.post(
        ANNUAL + "commentary/", {"commentary": "My stale draft.", "based_on": "1"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "alice saved version 2 of the commentary while you were writing" in page
    assert "My stale draft." in page
    assert Commentary.objects.filter(organisation=org_a).count() == 2
    page = client.get(ANNUAL).content.decode()
    assert "Fewer complaints; faster answers." in page
    assert "Version 2, written by alice" in page
    assert "Earlier versions (1)" in page
    # the commentary goes into the spreadsheet and the PDF
    sheets = cells(client.get(ANNUAL + "spreadsheet/").content)
    assert sheets["Commentary"][1] == ["Fewer complaints; faster answers."]
    pdf = client.get(ANNUAL + "pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_annual_spreadsheet_has_every_table_with_its_figures(client, year, alice):
    sign_in(client, alice)
    response = client.get(ANNUAL + "spreadsheet/")
    assert 'filename="WAL-annual-2025-26.xlsx"' in response["Content-Disposition"]
    sheets = cells(response.content)
    assert sheets["About"][4] == ["Consistency check", "passed: the tables reconcile"]
    received = sheets["Complaints received"]
    assert received[1] == [None, "Q1", "Q2", "Q3", "Q4", "Total"]
    assert received[2] == ["Complaints received", 3, 3, 2, 2, 10]


def test_quarterly_monthly_and_ko41_pages_and_downloads(client, year, alice):
    sign_in(client, alice)
    q3 = client.get("/reports/WAL/quarterly/2025-26-Q3/").content.decode()
    assert "Caseload: complaints about us" in q3 and "Consistency check passed." in q3
    assert "October 2025" in q3
    sheets = cells(client.get("/reports/WAL/quarterly/2025-26-Q3/spreadsheet/").content)
    assert sheets["About"][2] == ["Period", "Q3 2025-26 (October to December 2025)"]
    assert sheets["Complaints received"][2] == ["Complaints received", 1, 1, 0, 2]
    assert client.get("/reports/WAL/quarterly/2025-26-Q3/pdf/").content.startswith(b"%PDF")
    month = client.get("/reports/WAL/monthly/2025-11/").content.decode()
    assert "Recommendations for change and action taken" in month
    assert client.get("/reports/WAL/monthly/2025-11/pdf/").status_code == 200
    assert client.get("/reports/WAL/monthly/2025-1/").status_code == 404  # not its name
    ko41a = client.get("/reports/WAL/ko41a/2025-26/")
    assert ko41a.status_code == 200
    assert "Consistency check" in ko41a.content.decode()
    sheets = cells(client.get("/reports/WAL/ko41a/2025-26/spreadsheet/").content)
    assert sheets["About"][0][0] == "KO41a return 2025-26"
    assert client.get("/reports/WAL/ko41a/2025-26/pdf/").status_code == 404
    assert client.get("/reports/WAL/ko41b/2025-26/").status_code == 200


IDENTIFYING = [
    "Zebedee",
    "Quixotic",
    "17 Wrenfield Lane",
    "Wrenfield",
    "B79 9ZZ",
    "B799ZZ",
    "943 476 5919",
    "9434765919",
    "1971-03-14",
    "14/03/1971",
    "14 Mar 1971",
    "14 March 1971",
    "01632 960123",
    "zebedee@example.invalid",
    "Sam",  # every known-year complainant is Sam Example
    "Example",
    "Ada",
    "did not call me back",  # a complaint's words
    "Our response.",  # an outcome summary
    "Found.",  # a finding's words
]


def test_the_anonymised_summary_carries_nothing_that_identifies_a_person(
    client, year, org_a, alice, frozen
):
    frozen.move_to(at(date(2025, 9, 15), 9))
    case = make_case(
        org_a,
        alice,
        received_at=at(date(2025, 9, 15), 9),
        description="My quixotic grievance about the Wrenfield clinic.",
        complainant=PersonDetails(
            first_name="Zebedee",
            last_name="Quixotic",
            address="17 Wrenfield Lane\nTamworth",
            postcode="B79 9ZZ",
            telephone="01632 960123",
            email="zebedee@example.invalid",
            date_of_birth=date(1971, 3, 14),
            nhs_number="9434765919",
        ),
    )
    code_case(case, by=alice, subjects=["communications"], services=["outpatients"])
    frozen.move_to(at(date(2026, 11, 2), 9))
    sign_in(client, alice)
    url = "/reports/WAL/commissioner/2025-26/"
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    main = page[page.index('id="maincontent"') :]
    assert case.reference in main  # the case is listed, by its reference and codes only
    assert "Communications" in main or "communications" in main.lower()
    sheets = cells(client.get(url + "spreadsheet/").content)
    listed = sheets["Cases"]
    assert listed[0][:3] == ["Case", "Received", "Subjects"]
    assert len(listed) == 1 + 11  # ten complaints of the year and the one above
    text = "\n".join(
        " ".join("" if v is None else str(v) for v in row)
        for rows in sheets.values()
        for row in rows
    )
    for value in IDENTIFYING:
        assert value not in main, f"{value!r} is on the anonymised page"
        assert value not in text, f"{value!r} is in the anonymised spreadsheet"
    # the summary has no drill-down to named cases
    assert "/cases/?table=" not in main
    assert client.get(url + "cases/", {"table": "received", "row": "total"}).status_code == 404
