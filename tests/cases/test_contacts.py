"""The contact log (issue 16): a call, email, letter or meeting recorded on a case with when it
happened, refused with a clear message when the time or the summary is wrong, allowed in any
status, tied to the files that came with it, and told as a sentence in the timeline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from candour.audit.models import AuditEvent
from candour.cases import attachments, contacts
from candour.cases.intake import InvalidCase
from candour.cases.models import Attachment, ContactEntry, Status
from candour.cases.people import PersonDetails
from candour.cases.workflow import PermissionDenied
from candour.web import timeline

from ..conftest import at, make_case
from .conftest import events, reach, snapshot

pytestmark = pytest.mark.usefixtures("frozen")

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

ON_BEHALF = {
    "patient": PersonDetails(first_name="Pat", last_name="Patient"),
    "relationship": "relative",
}


def call(case, by, **overrides):
    fields = {
        "channel": "phone",
        "direction": "from_complainant",
        "party": "complainant",
        "summary": "Asked when the response will come; told by the end of the month.",
    }
    return contacts.log_contact(case, by=by, **(fields | overrides))


def test_it_records_a_call_with_when_it_happened_and_audits_it(org_a, alice):
    case = make_case(org_a, alice, received_at=at(date(2026, 10, 30), 9))

    entry = call(case, alice, happened_at=at(date(2026, 10, 30), 15, 20))

    assert (entry.number, entry.party.person.last_name) == (1, "Example")
    assert entry.happened_at == at(date(2026, 10, 30), 15, 20)
    assert entry.recorded_by == alice
    event = AuditEvent.objects.filter(case=case, event="contact_logged").get()
    assert event.data["contact"] == 1
    assert event.data["channel"] == "phone"
    assert event.data["happened_at"].startswith("2026-10-30T15:20")


def test_entries_are_numbered_on_their_case(org_a, alice):
    case = make_case(org_a, alice)
    call(case, alice)
    second = call(case, alice, channel="email", direction="to_complainant")
    other = call(make_case(org_a, alice), alice)
    assert (second.number, other.number) == (2, 1)


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"happened_at": at(date(2026, 11, 2), 10)}, "happened_at", "is in the future"),
        (
            {"happened_at": at(date(2026, 10, 1), 10)},
            "happened_at",
            "is before the case was received",
        ),
        ({"summary": "   "}, "summary", "is empty"),
        ({"party": "", "with_whom": ""}, "with_whom", "is empty"),
        ({"party": "patient"}, "party", "has no patient recorded"),
        ({"channel": "pigeon"}, "channel", "must be one of"),
        ({"direction": "sideways"}, "direction", "must be one of"),
    ],
)
def test_it_refuses_what_cannot_be_so_and_writes_nothing(org_a, alice, overrides, field, says):
    case = make_case(org_a, alice)
    before = snapshot(case)

    with pytest.raises(InvalidCase) as refused:
        call(case, alice, **overrides)

    assert refused.value.field == field
    assert says in str(refused.value)
    assert snapshot(case) == before
    assert not ContactEntry.objects.exists()


def test_a_call_after_closure_is_still_recorded(org_a, alice):
    case = reach(org_a, alice, Status.CLOSED)
    entry = call(case, alice, with_whom="Mrs Example's daughter", party="")
    assert entry.with_whom == "Mrs Example's daughter"
    assert "contact_logged" in events(case)


def test_only_staff_who_handle_cases_there_may_record_one(org_a, alice, ivan, bob):
    case = make_case(org_a, alice)
    for outsider in (ivan, bob):  # an investigating officer; another organisation's manager
        with pytest.raises(PermissionDenied):
            call(case, outsider)
    assert not ContactEntry.objects.exists()


def test_a_file_can_come_with_an_entry(org_a, alice, settings, tmp_path):
    settings.ATTACHMENTS_DIR = str(tmp_path)
    case = make_case(org_a, alice)
    call(case, alice, channel="letter", summary="Letter asking for a meeting.")

    kept = attachments.add_attachment(
        case, by=alice, name="letter.pdf", content=PDF, description="Their letter", contact=1
    )

    assert kept.contact.number == 1
    assert list(ContactEntry.objects.get().attachments.all()) == [kept]
    added = AuditEvent.objects.filter(case=case, event="attachment_added").get()
    assert added.data["contact"] == 1


def test_a_file_for_an_entry_that_is_not_there_is_refused_and_nothing_kept(
    org_a, alice, settings, tmp_path
):
    settings.ATTACHMENTS_DIR = str(tmp_path)
    case = make_case(org_a, alice)
    with pytest.raises(InvalidCase) as refused:
        attachments.add_attachment(case, by=alice, name="a.pdf", content=PDF, contact=3)
    assert refused.value.field == "contact"
    assert not Attachment.objects.exists()
    assert not list(tmp_path.rglob("*"))


def test_the_timeline_tells_it_as_a_sentence_with_when_it_happened(org_a, alice):
    case = make_case(org_a, alice, received_at=at(date(2026, 10, 30), 9))
    call(case, alice, happened_at=at(date(2026, 10, 30), 15, 20))
    contacts.log_contact(
        case,
        by=alice,
        channel="meeting",
        direction="other",
        with_whom="Dr Jones, GP",
        summary="Went through the records together.",
    )

    told = timeline.entries(AuditEvent.objects.filter(case=case).order_by("sequence"))
    call_entry, meeting = told["entries"][-2:]

    assert call_entry.what == "Telephone call from the complainant"
    assert call_entry.details == [
        "Happened on Fri 30 Oct 2026 at 15:20",
        "Asked when the response will come; told by the end of the month.",
    ]
    assert meeting.what == "Meeting with Dr Jones, GP"


def test_on_a_confidential_case_names_are_kept_from_staff_without_need_to_know(org_a, alice, rex):
    case = make_case(org_a, alice, confidential=True, **ON_BEHALF)
    call(case, alice, party="representative", with_whom="Mr Example, her son")
    call(case, alice, party="patient")

    to_alice = [s.who for s in contacts.as_seen_by(alice, case)]
    to_rex = [s.who for s in contacts.as_seen_by(rex, case)]

    assert to_alice == [
        "the representative, Ms Ada Example, Mr Example, her son",
        "the patient, Pat Patient",
    ]
    assert to_rex == ["the representative", "the patient, Pat Patient"]
    told = timeline.entries(AuditEvent.objects.filter(case=case), identity_visible=False)
    sentences = [e.what for e in told["entries"] if e.what.startswith("Telephone")]
    assert sentences == [
        "Telephone call from the representative",
        "Telephone call from the patient",
    ]


def test_a_time_given_to_the_minute_of_receipt_is_the_time_of_receipt(org_a, alice, frozen):
    case = make_case(org_a, alice, received_at=at(date(2026, 11, 2), 8, 30) + timedelta(seconds=40))
    entry = call(case, alice, happened_at=at(date(2026, 11, 2), 8, 30))
    assert entry.happened_at == case.received_at
