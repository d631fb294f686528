"""The letter pages of a case: start, write (a new version each save), comment, approve (with
the refusals that say which section is missing), send back, download PDF and Word (logged),
record the dispatch; another organisation's letters are 404.

GP preset (org_b, Minster Medical Group): bob, the Executive Manager, drafts; a Partner signs.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from candour.audit.models import AuditEvent
from candour.cases.consent import receive_consent, withdraw_consent
from candour.cases.handling import acknowledge_case, agree_response_date
from candour.cases.investigation import record_finding
from candour.cases.models import Case, Status
from candour.cases.people import PersonDetails
from candour.letters import signoff
from candour.letters.compose import FINAL_SECTIONS
from candour.letters.models import Letter, LetterStatus

from ..conftest import at, make_case, sign_in
from ..letters.conftest import member

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00

WORDS = {
    "apology": "I am sorry that we did not call you back about your results.",
    "investigation": "I read the call log and spoke to the reception team.",
    "learning": "Call back requests are now checked every morning.",
    "conclusions": "We should have called you back.",
}


@pytest.fixture
def case(org_b, bob):
    found = acknowledge_case(make_case(org_b, bob), by=bob, method="letter")
    record_finding(found, by=bob, issue_number=1, finding="upheld", summary="No call was made.")
    return found


@pytest.fixture
def pat(org_b):
    return member("pat", org_b, "Partner")


def url(name, case, *args, **query) -> str:
    path = reverse(f"web:{name}", args=[case.reference, *args])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def start(client, case, kind="final_response") -> Letter:
    response = client.post(url("letters", case), {"kind": kind})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Letter.objects.latest("pk")


def save_text(client, case, letter, **changes):
    latest = letter.versions.order_by("-number").first()
    data = {"subject": latest.subject}
    for name, text in latest.sections:
        data[f"section-{name}"] = changes.get(name, text)
    return client.post(url("letter-text", case, letter.pk), data)


def events(case, name) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(case=case, event=name).order_by("sequence"))


def test_the_case_page_links_to_its_letters_and_to_start_one(client, case, bob):
    page = sign_in(client, bob).get(reverse("web:case", args=[case.reference])).content.decode()
    assert f'href="{url("letters", case)}#start">Start a letter' in page
    page = client.get(url("letters", case)).content.decode()
    for label in ("Acknowledgement", "Holding letter (delay)", "Final response"):
        assert label in page


def test_a_final_response_starts_with_the_appendix_d_sections_filled_in(client, case, bob):
    letter = start(sign_in(client, bob), case)
    response = client.get(url("letter-text", case, letter.pk))
    page = response.content.decode()
    assert response.status_code == 200
    for name, heading in FINAL_SECTIONS.items():
        assert f'for="section-{name}"' in page and heading in page
    assert case.reference in page  # merged from the case
    assert save_text(client, case, letter, **WORDS).status_code == 302
    assert letter.versions.count() == 2
    assert letter.versions.get(number=2).section("apology") == WORDS["apology"]
    same = save_text(client, case, letter)
    assert same.status_code == 400 and "Nothing has changed" in same.content.decode()


def test_the_letter_page_says_where_it_is_who_holds_it_and_when_it_is_due(client, case, bob):
    letter = start(sign_in(client, bob), case)
    page = client.get(url("letter", case, letter.pk)).content.decode()
    assert "Executive Manager drafts the response" in page
    assert "bob (Executive Manager)" in page
    assert "(0 days)" in page
    assert "Approve</button>" in page.replace("\n", "") or 'id="approve"' in page


def test_approval_is_refused_with_each_missing_section_in_the_error_summary(client, case, bob):
    letter = start(sign_in(client, bob), case)
    save_text(client, case, letter, **{**WORDS, "apology": "", "ombudsman": "Write to us."})
    response = client.post(url("letter-act", case, letter.pk, "approve"), {"approval_note": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "The apology section is empty" in page and 'href="#problem-1"' in page
    assert "must tell the complainant of their right to go to the" in page
    assert Letter.objects.get(pk=letter.pk).step == "draft"
    assert not events(case, "letter_approved")


def test_comment_approve_sign_and_send_back_each_from_the_page(client, case, bob, pat):
    letter = start(sign_in(client, bob), case)
    save_text(client, case, letter, **WORDS)
    act = lambda action, **data: client.post(url("letter-act", case, letter.pk, action), data)  # noqa: E731
    assert act("comment", text="Ready for a Partner.").status_code == 302
    assert act("approve", approval_note="").status_code == 302
    assert Letter.objects.get(pk=letter.pk).step == "signature"
    # bob may not act at the Partner's step: the page says why and offers no forms.
    page = client.get(url("letter", case, letter.pk)).content.decode()
    assert "Only the Partner at Minster Medical Group or above may act" in page
    assert 'id="approve"' not in page
    refused = act("approve", approval_note="")
    assert refused.status_code == 400 and "Only the Partner" in refused.content.decode()

    sign_in(client, pat)
    empty = act("send-back", to_step="draft", reason="")
    assert empty.status_code == 400 and "Reason is empty" in empty.content.decode()
    assert act("send-back", to_step="draft", reason="Say when the checks start.").status_code == 302
    assert Letter.objects.get(pk=letter.pk).step == "draft"
    sign_in(client, bob)
    save_text(client, case, letter, learning="From 9 November call backs are checked daily.")
    act("approve", approval_note="")
    sign_in(client, pat)
    assert act("approve", approval_note="Thank you.").status_code == 302
    signed = Letter.objects.get(pk=letter.pk)
    assert signed.status == LetterStatus.READY and signed.signed_version.number == 3
    names = [e.event for e in AuditEvent.objects.filter(case=case, event__startswith="letter_")]
    assert names == [
        "letter_started",
        "letter_revised",
        "letter_commented",
        "letter_approved",
        "letter_sent_back",
        "letter_revised",
        "letter_approved",
        "letter_signed",
    ]
    page = client.get(url("letter", case, letter.pk)).content.decode()
    assert "Sent back to 'Executive Manager drafts the response'" in page
    assert "Say when the checks start." in page


def test_downloads_are_real_files_of_any_version_and_each_is_logged(client, case, bob):
    letter = start(sign_in(client, bob), case)
    save_text(client, case, letter, **WORDS)
    pdf = client.get(url("letter-download", case, letter.pk, "pdf", version=1))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert case.reference in text
    word = client.get(url("letter-download", case, letter.pk, "docx"))
    assert word.status_code == 200
    paragraphs = [p.text for p in Document(io.BytesIO(word.content)).paragraphs]
    assert any(WORDS["apology"] in p for p in paragraphs)  # the latest version
    logged = events(case, "letter_downloaded")
    assert [(e.data["format"], e.data["version"]) for e in logged] == [("pdf", 1), ("docx", 2)]
    assert all(e.actor == bob for e in logged)
    assert client.get(url("letter-download", case, letter.pk, "pdf", version=9)).status_code == 404
    assert client.get(url("letter-download", case, letter.pk, "odt")).status_code == 404


def test_another_organisations_user_gets_404_everywhere_and_nothing_is_logged(
    client, case, bob, alice, org_a
):
    letter = start(sign_in(client, bob), case)
    sign_in(client, alice)
    for response in (
        client.get(url("letters", case)),
        client.get(url("letter", case, letter.pk)),
        client.get(url("letter-text", case, letter.pk)),
        client.get(url("letter-dispatch", case, letter.pk)),
        client.get(url("letter-download", case, letter.pk, "pdf")),
        client.get(url("letter-download", case, letter.pk, "docx")),
        client.post(url("letter-act", case, letter.pk, "approve"), {}),
        client.post(url("letters", case), {"kind": "holding"}),
    ):
        assert response.status_code == 404
    # Nor under a case of her own organisation.
    own = make_case(org_a, alice)
    assert client.get(url("letter", own, letter.pk)).status_code == 404
    assert not events(case, "letter_downloaded")
    assert Letter.objects.count() == 1


def test_dispatching_the_final_response_records_the_case_response(client, case, bob, pat):
    letter = start(sign_in(client, bob), case)
    save_text(client, case, letter, **WORDS)
    signoff.approve(letter, by=bob)
    early = client.get(url("letter-dispatch", case, letter.pk)).content.decode()
    assert "once it is signed" in early
    signoff.approve(letter, by=pat)
    form = client.get(url("letter-dispatch", case, letter.pk)).content.decode()
    assert "is the case's response: the time it was sent is the response's date" in form
    assert 'value="2026-11-02T09:00"' in form  # now, by default
    missing = client.post(url("letter-dispatch", case, letter.pk), {"sent_at": "2026-11-02T09:00"})
    assert (
        missing.status_code == 400 and "Choose how the letter was sent" in missing.content.decode()
    )
    future = client.post(
        url("letter-dispatch", case, letter.pk), {"channel": "post", "sent_at": "2026-11-09T10:00"}
    )
    assert future.status_code == 400 and "When sent is in the future" in future.content.decode()
    done = client.post(
        url("letter-dispatch", case, letter.pk), {"channel": "post", "sent_at": "2026-11-02T09:00"}
    )
    assert done.status_code == 302
    found = Case.objects.get(pk=case.pk)
    assert found.status == Status.RESPONDED and found.outcome == "upheld"
    assert found.responded_at == at(date(2026, 11, 2), 9)  # when it was sent
    page = client.get(url("letter", case, letter.pk)).content.decode()
    assert "Mon 2 Nov 2026" in page and "Post" in page


def test_the_representative_hold_is_shown_as_the_refusal(client, org_a, alice):
    case = make_case(org_a, alice, relationship="relative", patient=PersonDetails(first_name="Pat"))
    case = receive_consent(case, by=alice, method="written")
    case = acknowledge_case(case, by=alice, method="letter")
    case = agree_response_date(case, by=alice, response_date=date(2026, 12, 1))
    letter = start(sign_in(client, alice), case, "holding")
    body = letter.versions.get().section("body")
    body = re.sub(r"\[\[.*?\]\]", "records are awaited", body)
    signoff.revise(letter, by=alice, sections=[["body", body]])
    signoff.approve(letter, by=alice)
    withdraw_consent(case, by=alice, note="The patient asked us to stop.")
    page = client.get(url("letter-dispatch", case, letter.pk)).content.decode()
    assert "Correspondence with the representative is on hold" in page
    refused = client.post(
        url("letter-dispatch", case, letter.pk), {"channel": "post", "sent_at": "2026-11-02T09:00"}
    )
    text = refused.content.decode()
    assert refused.status_code == 400
    assert 'href="#refusal"' in text and "on hold until the patient&#39;s wishes are" in text
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.READY


def test_a_case_is_awaiting_sign_off_until_its_letter_is_signed(client, case, bob, pat):
    letter = start(sign_in(client, bob), case)

    def listed() -> bool:
        worklist = client.get(reverse("web:worklist"), {"queue": "awaiting_sign_off"})
        return case.reference in worklist.content.decode()

    assert listed()
    save_text(client, case, letter, **WORDS)
    signoff.approve(letter, by=bob)
    assert listed()
    signoff.approve(letter, by=pat)
    assert not listed()


def test_awaiting_my_sign_off_holds_the_letters_at_a_step_i_may_act_at(case, bob, pat):
    """The GP chain: the Executive Manager drafts, a Partner approves. Each sees the case in
    "Awaiting my sign-off" only while the letter is at their step; the count matches."""
    from candour.cases import listing

    def mine(user) -> set[str]:
        found = listing.page(user, queue="awaiting_my_sign_off", count=True)
        counted = listing.queue_counts(user)[listing.Queue.AWAITING_MY_SIGN_OFF]
        assert counted == found.count == len(found.cases)
        return {c.reference for c in found.cases}

    letter = signoff.start_letter(case, "final_response", by=bob)
    assert mine(bob) == {case.reference} and mine(pat) == set()
    edit = letter.versions.get()
    signoff.revise(letter, by=bob, sections=[[n, WORDS.get(n, t)] for n, t in edit.sections])
    signoff.approve(letter, by=bob)
    assert mine(bob) == set() and mine(pat) == {case.reference}
    signoff.approve(letter, by=pat)
    assert mine(bob) == set() and mine(pat) == set()
