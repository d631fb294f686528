"""The reports in a real browser: the index, the annual report of a year built through the
domain functions (cases coded with subjects through candour.coding), the commentary, the
cases behind a figure and the PDF, each page checked by axe-core. With CANDOUR_SCREENSHOTS=1
the annual report's screenshot and its PDF's pages (pdftoppm -png -r 70) go to
docs/screenshots/."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import date

import time_machine

from candour.cases.actions import add_action, complete_action
from candour.reporting.models import Commentary

from ..conftest import at
from ..reporting.known_year import build_year
from .conftest import SCREENSHOTS, check_accessibility, expect, screenshot, sign_in_through_pages


def a_year_with_changes(org, by):
    with time_machine.travel(at(date(2025, 1, 2), 9), tick=False) as traveller:
        cases = build_year(org, by, traveller)
        traveller.move_to(at(date(2025, 11, 10), 10))
        add_action(
            cases["C7"],
            by=by,
            description="Book follow-up appointments before discharge.",
            owner=by,
            due=date(2025, 12, 1),
        )
        traveller.move_to(at(date(2025, 11, 28), 10))
        complete_action(cases["C7"], by=by, number=1, evidence="New checklist in use.")
    return cases


def test_the_annual_report_in_a_browser_with_its_commentary_cases_and_pdf(
    page, org_a, alice, tmp_path
):
    cases = a_year_with_changes(org_a, alice)
    sign_in_through_pages(page, alice)
    page.get_by_role("link", name="Reports").click()
    page.wait_for_url(re.compile(r"/reports/$"))
    check_accessibility(page, "reports index")
    page.get_by_label("Annual report").check()
    page.get_by_label("Period").fill("2025-26")
    page.get_by_role("button", name="Make the report").click()
    page.wait_for_url(re.compile(r"/reports/WAL/annual/2025-26/$"))
    expect(page.get_by_text("Consistency check passed.")).to_be_visible()
    expect(page.get_by_role("heading", name="Subjects of complaints")).to_be_visible()

    page.get_by_label("Write or change the commentary").fill(
        "Complaints fell in the second half of the year.\n"
        "Communication remains the commonest subject; the team has started call-backs."
    )
    page.get_by_role("button", name="Save the commentary").click()
    expect(page.get_by_text("Saved the commentary (version 1).")).to_be_visible()
    assert Commentary.objects.get(organisation=org_a, report="annual").written_by == alice
    check_accessibility(page, "annual report")
    screenshot(page, "annual-report")

    # a figure lists its cases
    page.get_by_role(
        "link", name=re.compile(r"the cases behind Forwarded to providers.*Total")
    ).click()
    expect(page.get_by_text("2 cases behind this figure")).to_be_visible()
    expect(page.get_by_role("link", name=cases["C3"].reference)).to_be_visible()
    check_accessibility(page, "cases behind a figure")
    page.go_back()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = tmp_path / "annual-report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if os.environ.get("CANDOUR_SCREENSHOTS") == "1":
        for old in SCREENSHOTS.glob("annual-report-pdf-*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", str(pdf), str(SCREENSHOTS / "annual-report-pdf")],
            check=True,
        )
        assert (SCREENSHOTS / "annual-report-pdf-1.png").exists()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the spreadsheet (Excel)").click()
    assert download.value.suggested_filename == "WAL-annual-2025-26.xlsx"


def test_the_quarterly_report_and_the_anonymised_summary_pass_axe(page, org_a, alice):
    a_year_with_changes(org_a, alice)
    sign_in_through_pages(page, alice)
    page.goto("/reports/WAL/quarterly/2025-26-Q3/")
    expect(
        page.get_by_role("heading", name="Changes made as a result of complaints")
    ).to_be_visible()
    expect(page.get_by_text("Book follow-up appointments before discharge.")).to_be_visible()
    check_accessibility(page, "quarterly report")
    page.goto("/reports/WAL/commissioner/2025-26/")
    expect(
        page.get_by_role("heading", name=re.compile("Complaints received in the year"))
    ).to_be_visible()
    check_accessibility(page, "anonymised summary")
    page.goto("/reports/WAL/ko41a/2025-26/")
    check_accessibility(page, "KO41a return")
    page.goto("/reports/")
    page.get_by_label("Monthly report").check()
    page.get_by_label("Period").fill("November")
    page.get_by_role("button", name="Make the report").click()
    expect(page.get_by_role("link", name=re.compile("is not a month"))).to_be_visible()
    check_accessibility(page, "reports index with an error")
