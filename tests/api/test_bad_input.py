"""Issue 15's inputs, each once by hand, on both databases: text that cannot be kept (NUL,
other control characters, a lone surrogate) anywhere in a request, numbers past what a
column holds, unknown fields and keys, and times before the case was received. Each is a
422 naming the field, and writes nothing; none is a 500."""

from __future__ import annotations

import base64
import json

import pytest

from candour.audit.models import AuditEvent
from candour.cases.handling import acknowledge_case
from candour.cases.models import Case, Person
from candour.cases.people import PersonDetails
from candour.letters.models import Letter

from ..conftest import make_case
from .conftest import Api, audit_rows, complaint_body

pytestmark = pytest.mark.usefixtures("frozen")

NUL = "invisible control character (NUL)"


@pytest.fixture
def as_bob(bob):
    return Api(bob)


@pytest.fixture
def case(org_b, bob):
    return acknowledge_case(make_case(org_b, bob), by=bob, method="letter")


def refused(response, field: str, says: str) -> None:
    assert response.status_code == 422, response.content
    (error,) = response.json()["detail"]
    assert error["field"] == field
    assert says in error["message"], error["message"]


def post_refused(api, path, body, field, says):
    before = audit_rows()
    refused(api.post(path, body), field, says)
    assert audit_rows() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": "a\x00b"}, "description"),
        ({"service": "Ward \x00 7"}, "service"),
        (
            {"complainant": {"first_name": "Ada\x00", "last_name": "Example"}},
            "complainant.first_name",
        ),
        ({"issues": ["fine", "not\x00fine"]}, "issues.1"),
    ],
)
def test_a_nul_anywhere_in_a_new_case_is_refused_naming_the_field(as_alice, overrides, field):
    post_refused(as_alice, "/cases", complaint_body(**overrides), field, NUL)
    assert not Case.objects.exists()


@pytest.mark.parametrize("content_type", ["text/plain", "application/vnd.api+json", ""])
def test_a_json_body_is_checked_whatever_its_content_type_says(as_alice, content_type):
    # The API reads a JSON body whatever the Content-Type header says, so the edge does too.
    body = json.dumps(complaint_body(description="a\x00b"))
    headers = as_alice.headers
    response = as_alice.client.post(
        "/api/v1/cases", body, content_type=content_type, headers=headers
    )
    refused(response, "description", NUL)
    assert not Case.objects.exists()


def test_a_nul_in_an_actions_note_is_refused(as_bob, case):
    body = {"method": "phone", "note": "Told them\x00 the date"}
    post_refused(as_bob, f"/cases/{case.reference}/updates", body, "note", NUL)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a\ud800b", "broken character (U+D800"),
        ("a\udfffb", "broken character (U+DFFF"),
        ("line\x0bbreak", "invisible control character (vertical tab)"),
        ("bell\x07", "invisible control character (U+0007)"),
        ("not a character \uffff", "invisible control character (U+FFFF)"),
    ],
)
def test_a_lone_surrogate_or_control_character_is_refused(as_bob, case, text, says):
    # json.dumps writes a lone surrogate as the escape \ud800, as a client's encoder would.
    post_refused(
        as_bob, f"/cases/{case.reference}/issues", {"description": text}, "description", says
    )


def test_tabs_new_lines_and_emoji_are_text(as_bob, case):
    text = "First line\n\tindented\r\nand a smile 😀"
    response = as_bob.post(f"/cases/{case.reference}/issues", {"description": text})
    assert response.status_code == 201, response.content
    assert response.json()["issues"][-1]["description"] == text
    # An emoji written as its escaped surrogate pair is one character, not two broken ones.
    raw = '{"description": "a smile \\ud83d\\ude00"}'
    response = as_bob.post(f"/cases/{case.reference}/issues", raw=raw)
    assert response.status_code == 201, response.content
    assert response.json()["issues"][-1]["description"] == "a smile 😀"


def test_a_nul_in_the_search_is_refused(as_bob, case):
    refused(as_bob.get("/cases", q="a\x00b"), "q", NUL)


def test_a_nul_in_a_filter_of_the_learning_lists_is_refused(as_bob, case):
    refused(as_bob.get("/learning/lessons", theme="Com\x00munication"), "theme", NUL)
    refused(as_bob.get("/learning/actions", service="a\x00"), "service", NUL)


def test_a_nul_in_the_path_is_refused(as_bob, case):
    refused(as_bob.get(f"/cases/{case.reference}\x00"), "reference", NUL)


@pytest.mark.parametrize("offset", ["9223372036854775808", "2147483648", "-1", "1e3"])
@pytest.mark.parametrize("which", ["lessons", "actions"])
def test_an_offset_past_what_a_column_holds_is_refused(as_bob, case, which, offset):
    refused(as_bob.get(f"/learning/{which}", offset=offset), "offset", "")


def test_the_largest_offset_is_an_empty_page(as_bob, case):
    response = as_bob.get("/learning/lessons", offset=2**31 - 1)
    assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/cases/{ref}/actions/9223372036854775808/complete", {"evidence": "Done."}, "number"),
        ("/cases/{ref}/issues/0/finding", {"finding": "upheld", "summary": "Yes."}, "number"),
        ("/letters/9223372036854775808/comment", {"text": "Fine."}, "pk"),
    ],
)
def test_a_number_in_the_path_past_what_a_column_holds_is_refused(as_bob, case, path, body, field):
    post_refused(as_bob, path.format(ref=case.reference), body, field, "")
    refused(as_bob.get("/letters/2147483648"), "pk", "")


def test_a_cursor_that_hides_a_nul_or_a_huge_id_is_refused(as_bob, case):
    for value, pk in [("a\x00b", 1), ("MMG-2026-00001", 2**70)]:
        raw = json.dumps(["reference", value, pk]).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        refused(as_bob.get("/cases", sort="reference", cursor=cursor), "cursor", "not a cursor")


def test_letter_templates_ignore_unknown_query_keys_and_refuse_bad_text_in_them(as_bob, case):
    listed = as_bob.get("/letter-templates", organisation="MMG", junk="1", **{"a[b]": "c"})
    assert listed.status_code == 200 and len(listed.json()) == 8
    refused(as_bob.get("/letter-templates", organisation="MMG", **{"x\x00": "1"}), "x\\u0000", NUL)
    refused(as_bob.get("/letter-templates", organisation="M\x00G"), "organisation", NUL)


def test_a_letter_started_with_unknown_fields_is_refused_naming_them(as_bob, case):
    path = f"/cases/{case.reference}/letters"
    post_refused(as_bob, path, {"kind": "holding", "colour": "blue"}, "colour", "")
    post_refused(as_bob, path, {"kind": "a\x00"}, "kind", NUL)
    post_refused(as_bob, path, {"kind": "memo"}, "kind", "")
    assert not Letter.objects.exists()


@pytest.mark.parametrize(
    ("at", "says"),
    [
        ("1970-01-01T00:00:00Z", "is before the case was received"),
        ("2026-11-02T08:59:00Z", "is before the case was received"),
        ("2026-11-02T09:06:00Z", "is in the future"),
        ("1899-12-31T23:59:00Z", "must be a date and time from 1900 on"),
        ("2026-11-02T09:00:00", "must be a date and time from 1900 on"),
        (0, "must be a date and time from 1900 on"),
    ],
)
def test_consent_cannot_be_asked_for_before_the_case_arrived_or_in_the_future(
    org_a, alice, at, says
):
    case = make_case(
        org_a,
        alice,
        relationship="relative",
        patient=PersonDetails(first_name="Pat", last_name="Example"),
    )
    before = audit_rows()
    refused(Api(alice).post(f"/cases/{case.reference}/consent/request", {"at": at}), "at", says)
    assert audit_rows() == before


def test_consent_asked_for_in_the_minute_the_case_arrived_counts_from_its_arrival(org_a, alice):
    case = make_case(
        org_a,
        alice,
        relationship="relative",
        patient=PersonDetails(first_name="Pat", last_name="Example"),
    )
    response = Api(alice).post(
        f"/cases/{case.reference}/consent/request", {"at": "2026-11-02T09:00:00Z"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["consent_requested_at"] == "2026-11-02T09:00:00Z"
    assert AuditEvent.objects.filter(case=case, event="consent_requested").count() == 1


@pytest.mark.parametrize("length", [101, 200])
def test_names_up_to_200_characters_are_kept(as_alice, length):
    name = "N" * length
    body = complaint_body(complainant={"first_name": name, "last_name": name})
    response = as_alice.post("/cases", body)
    assert response.status_code == 201, response.content
    assert Person.objects.get().first_name == name


def test_a_number_that_is_a_string_or_true_is_refused(as_bob, case):
    path = f"/cases/{case.reference}/grade"
    post_refused(as_bob, path, {"level": "2"}, "level", "")
    post_refused(as_bob, path, {"level": True}, "level", "")
    assert as_bob.post(path, {"level": 2.0}).status_code == 200
