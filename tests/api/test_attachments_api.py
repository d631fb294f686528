"""Files through the API: a Word document attached, listed and downloaded (the download in
the timeline); a file that is not what its name says, or a zip with a path that climbs out,
refused as 422 on `file` with nothing kept; another organisation's case is 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from candour.audit.models import AuditEvent
from candour.cases.models import Attachment

from ..conftest import make_case
from ..files import word_document, word_with, zip_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stored(settings, tmp_path):
    settings.ATTACHMENTS_DIR = tmp_path / "attachments"
    return settings.ATTACHMENTS_DIR


def files_in(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def attach(api, case, name, content, description="Statement from the ward manager"):
    return api.post_form(
        f"/cases/{case.reference}/attachments",
        {"file": SimpleUploadedFile(name, content), "description": description},
    )


def test_a_word_document_is_attached_listed_and_downloaded(
    as_alice, as_ivan, org_a, alice, stored, frozen
):
    case = make_case(org_a, alice)
    content = word_document()
    response = attach(as_alice, case, "Statement.docx", content)
    assert response.status_code == 201, response.content
    added = response.json()
    assert (added["filename"], added["size"], added["uploaded_by"]) == (
        "Statement.docx",
        len(content),
        "alice",
    )
    assert added["content_type"].endswith("wordprocessingml.document")
    assert [p.read_bytes() for p in files_in(stored)] == [content]
    assert as_ivan.get(f"/cases/{case.reference}/attachments").json() == [added]

    download = as_ivan.get(f"/cases/{case.reference}/attachments/{added['id']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="Statement.docx"'
    timeline = as_alice.get(f"/cases/{case.reference}/timeline").json()
    assert [e["event"] for e in timeline][-2:] == ["attachment_added", "attachment_downloaded"]


@pytest.mark.parametrize(
    "content",
    [zip_of({"notes.txt": b"Rang at 10:05"}), word_with(extra={"../../evil.sh": b"rm -rf ~"})],
    ids=["plain zip", "path climbs out"],
)
def test_a_zip_that_is_not_a_word_document_is_refused(as_alice, org_a, alice, stored, content):
    case = make_case(org_a, alice)
    events = AuditEvent.objects.count()
    response = attach(as_alice, case, "statement.docx", content)
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "field": "file",
                "message": "is damaged or is not a real Word document; save it again from "
                "Word and attach it again",
            }
        ]
    }
    assert not Attachment.objects.exists()
    assert files_in(stored) == []
    assert AuditEvent.objects.count() == events


def test_a_request_without_a_file_is_422_on_file(as_alice, org_a, alice):
    case = make_case(org_a, alice)
    response = as_alice.post_form(f"/cases/{case.reference}/attachments", {"description": "x"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["file"]


def test_another_organisations_case_and_a_file_of_another_case_are_404(
    as_alice, as_bob, org_a, alice, stored
):
    case, other = make_case(org_a, alice), make_case(org_a, alice)
    assert attach(as_bob, case, "a.docx", word_document()).status_code == 404
    assert as_bob.get(f"/cases/{case.reference}/attachments").status_code == 404
    assert files_in(stored) == []
    added = attach(as_alice, case, "a.docx", word_document()).json()
    assert as_bob.get(f"/cases/{case.reference}/attachments/{added['id']}").status_code == 404
    response = as_alice.get(f"/cases/{other.reference}/attachments/{added['id']}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"There is no file {added['id']} on {other.reference}."}
    assert not AuditEvent.objects.filter(event="attachment_downloaded").exists()
