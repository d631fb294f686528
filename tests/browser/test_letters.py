"""A final response drafted, sent back, signed and sent in a real browser (GP preset: the
Executive Manager drafts, a Partner approves), downloaded as PDF and Word, each page checked
by axe-core at WCAG 2.2 AA. With CANDOUR_SCREENSHOTS=1 the letter page, the draft form and
the PDF's pages (pdftoppm) are saved under docs/screenshots/."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from candour.cases.handling import acknowledge_case
from candour.cases.investigation import record_finding
from candour.cases.models import Case, Status
from candour.letters.models import Letter, LetterStatus
from candour.organisations.models import Organisation

from ..conftest import make_case
from ..letters.conftest import member
from .conftest import SCREENSHOTS, check_page, sign_in_through_pages

WORDS = {
    "Apology": "I am sorry that we did not call you back about your test results.",
    "How we investigated your complaint": "I read the call log and spoke to the reception team.",
    "What we have learned and what will change": "Call back requests are now checked daily.",
    "Our conclusions": "We should have called you back within two working days.",
}


@pytest.fixture
def case(org_b, bob):
    Organisation.objects.filter(pk=org_b.pk).update(
        address="1 Minster Road\nWalsall WS1 2AB",
        telephone="01922 000000",
        email="complaints@minster.example",
    )
    found = acknowledge_case(make_case(org_b, bob), by=bob, method="letter")
    record_finding(found, by=bob, issue_number=1, finding="upheld", summary="No call was made.")
    return found


def switch_to(page, person, next_url: str):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/sign-out/"))
    sign_in_through_pages(page, person, next_url=next_url)


def pdf_pages_as_png(data: bytes) -> list[Path]:
    """The PDF's pages as PNGs at 80 dpi, final-response-page-N.png, under docs/screenshots/
    (only when CANDOUR_SCREENSHOTS=1, as the other screenshots)."""
    if os.environ.get("CANDOUR_SCREENSHOTS") != "1":
        return []
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "letter.pdf"
        source.write_bytes(data)
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(source), f"{work}/page"], check=True)
        made = sorted(Path(work).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        out = []
        for number, png in enumerate(made, 1):
            target = SCREENSHOTS / f"final-response-page-{number}.png"
            shutil.copy(png, target)
            out.append(target)
        return out


def download(page, link_name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    return Path(info.value.path()).read_bytes()


def test_a_final_response_drafted_signed_sent_and_downloaded(page, org_b, bob, case):
    pat = member("pat", org_b, "Partner")
    member("nina", org_b, "Receptionist")
    sign_in_through_pages(page, bob, next_url=f"/cases/{case.reference}/")
    page.get_by_role("link", name="Start a letter").click()
    check_page(page, "letters", keep_screenshot=False)
    page.get_by_label("Final response").check()
    page.get_by_label("nina").check()  # named in the response: she has a copy when it is sent
    page.get_by_role("button", name="Start the letter").click()
    page.wait_for_url(re.compile(r"/letters/\d+/text/"))
    check_page(page, "letter-draft-form")
    for heading, words in WORDS.items():
        page.get_by_label(heading, exact=True).fill(words)
    page.get_by_role("button", name="Save a new version").click()
    page.wait_for_url(re.compile(r"/letters/\d+/$"))
    letter_url = "/" + page.url.split("/", 3)[3]
    letter = Letter.objects.get(case=case)
    assert "Version 2 saved" in page.inner_text("main")
    page.get_by_role("button", name="Approve", exact=True).click()
    assert "A Partner approves and signs the response" in page.inner_text("main")
    check_page(page, "letter-page")  # where it is, who holds it, its step due date

    # The Partner sends it back with a reason; the Executive Manager changes it.
    switch_to(page, pat, letter_url)
    page.get_by_label("Executive Manager drafts the response").check()
    page.get_by_label("What needs to change").fill("Say from when the checks start.")
    page.get_by_role("button", name="Send it back").click()
    assert "Sent back." in page.inner_text("main")
    check_page(page, "letter-sent-back", keep_screenshot=False)
    switch_to(page, bob, letter_url)
    page.get_by_role("link", name="Change the text (saves a new version)").click()
    page.get_by_label("What we have learned and what will change", exact=True).fill(
        "From 9 November call back requests are checked every morning."
    )
    page.get_by_role("button", name="Save a new version").click()
    page.get_by_role("button", name="Approve", exact=True).click()

    switch_to(page, pat, letter_url)
    page.get_by_label("Note with your approval (optional)").fill("Thank you.")
    page.get_by_role("button", name="Approve and sign").click()
    assert "Signed." in page.inner_text("main")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.READY and letter.signed_version.number == 3

    switch_to(page, bob, letter_url)
    page.get_by_role("link", name="Record that the letter was sent").click()
    check_page(page, "letter-dispatch", keep_screenshot=False)
    page.get_by_role("radio", name="Post").check()
    page.get_by_role("button", name="Record that it was sent").click()
    assert "Dispatch recorded." in page.inner_text("main")
    assert Case.objects.get(pk=case.pk).status == Status.RESPONDED
    assert "nina" in page.get_by_role("definition").filter(has_text="nina").first.inner_text()
    check_page(page, "letter-sent", keep_screenshot=False)

    pdf = download(page, "Download version 3 as PDF")
    assert pdf.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert case.reference in text and "checked every morning" in text
    word = download(page, "Download version 3 as Word")
    paragraphs = "\n".join(p.text for p in Document(io.BytesIO(word)).paragraphs)
    assert case.reference in paragraphs and WORDS["Apology"] in paragraphs
    pdf_pages_as_png(pdf)
