"""Files on a case: size and type limits (the content, not the name), stored on disk outside
the database, downloaded only through a case the user may see, every download logged."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases import attachments
from candour.cases.models import Attachment

from ..conftest import make_case, sign_in
from ..files import MB, ole, word_document, word_with

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def files(settings, tmp_path):
    settings.ATTACHMENTS_DIR = tmp_path / "attachments"
    settings.ATTACHMENT_MAX_BYTES = 128 * 1024  # a Word document from python-docx is 36 KB
    return settings.ATTACHMENTS_DIR


def upload(client, case, name, content, description="Letter from the complainant"):
    return client.post(
        reverse("web:attach", args=[case.reference]),
        {"file": SimpleUploadedFile(name, content), "description": description},
    )


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_letter_is_attached_shown_and_in_the_timeline(client, org_a, alice, files, frozen):
    case = make_case(org_a, alice)
    signed_in = sign_in(client, alice)
    response = upload(signed_in, case, "../../etc/Letter 2 Nov.PDF", PDF)
    assert response.status_code == 302
    kept = Attachment.objects.get()
    assert (kept.filename, kept.content_type, kept.size) == (
        "Letter 2 Nov.pdf",
        "application/pdf",
        len(PDF),
    )
    assert [p.read_bytes() for p in stored_files(files)] == [PDF]
    event = AuditEvent.objects.get(case=case, event="attachment_added")
    assert (event.actor.username, event.data["filename"]) == ("alice", "Letter 2 Nov.pdf")
    page = signed_in.get(response.url).content.decode()
    assert reverse("web:attachment", args=[case.reference, kept.pk]) in page
    assert "Attachment added" in page


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("statement.docx", word_document()),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
        ("notes.txt", "Rang at 10:05; Mrs Example £20 refund".encode()),
        ("mail.eml", b"From: a@example.invalid\r\nSubject: Complaint\r\n\r\nHello"),
        ("mail.msg", ole("__substg1.0_0037001F")),
        ("letter.doc", ole("WordDocument")),
    ],
)
def test_accepted_types(client, org_a, alice, frozen, name, content):
    case = make_case(org_a, alice)
    assert upload(sign_in(client, alice), case, name, content).status_code == 302


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", b"MZ\x90\x00 a program, not a PDF"),  # the name lies
        ("photo.png", PDF),  # a PDF called an image
        ("archive.docx", b"PK\x03\x04 not really a zip"),
        ("bomb.docx", word_with(zeros={"word/media/image1.png": 2 * MB})),  # 1.25 MB at most
        ("script.html", b"<script>alert(1)</script>"),  # text, but not a type we take
        ("blank.pdf", b""),
    ],
)
def test_types_are_checked_by_content(client, org_a, alice, files, frozen, name, content):
    case = make_case(org_a, alice)
    response = upload(sign_in(client, alice), case, name, content)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#file"' in text
    assert "Letter from the complainant" in text  # the description is kept
    assert not Attachment.objects.exists()
    assert stored_files(files) == []
    assert not AuditEvent.objects.filter(event="attachment_added").exists()


def test_the_size_limit(client, org_a, alice, files, frozen, settings):
    case = make_case(org_a, alice)
    limit = settings.ATTACHMENT_MAX_BYTES
    response = upload(sign_in(client, alice), case, "big.txt", b"x" * (limit + 1))
    assert response.status_code == 400
    assert "File is larger than" in response.content.decode()
    assert stored_files(files) == []
    assert upload(client, case, "fits.txt", b"x" * limit).status_code == 302


def test_a_zip_bomb_is_refused_with_what_to_do(client, org_a, alice, files, frozen):
    case = make_case(org_a, alice)
    bomb = word_with(zeros={"word/media/image1.png": 2 * MB})
    response = upload(sign_in(client, alice), case, "statement.docx", bomb)
    assert response.status_code == 400
    assert (
        "File would unpack to more than 1 MB, which a real Word document does not; save it "
        "again from Word, or as a PDF, and attach it again"
    ) in response.content.decode()
    assert stored_files(files) == []


def test_a_download_is_logged_and_sent_as_an_attachment(client, org_a, alice, ivan, frozen):
    case = make_case(org_a, alice)
    kept = attachments.add_attachment(case, by=alice, name='evil"name.pdf', content=PDF)
    response = sign_in(client, ivan).get(reverse("web:attachment", args=[case.reference, kept.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="evil_name.pdf"'
    assert response["Content-Type"] == "application/octet-stream"
    event = AuditEvent.objects.get(case=case, event="attachment_downloaded")
    assert (event.actor.username, event.data["attachment"]) == ("ivan", kept.pk)


def test_an_outsider_cannot_download_or_attach(client, org_a, org_b, alice, bob, files, frozen):
    case = make_case(org_a, alice)
    kept = attachments.add_attachment(case, by=alice, name="a.pdf", content=PDF)
    signed_in = sign_in(client, bob)
    assert (
        signed_in.get(reverse("web:attachment", args=[case.reference, kept.pk])).status_code == 404
    )
    assert signed_in.get(reverse("web:attach", args=[case.reference])).status_code == 404
    assert upload(signed_in, case, "b.pdf", PDF).status_code == 404
    assert not AuditEvent.objects.filter(event="attachment_downloaded").exists()
    assert Attachment.objects.count() == 1


def test_a_file_is_only_reachable_through_its_own_case(client, org_a, alice, frozen):
    one, other = make_case(org_a, alice), make_case(org_a, alice)
    kept = attachments.add_attachment(one, by=alice, name="a.pdf", content=PDF)
    url = reverse("web:attachment", args=[other.reference, kept.pk])
    assert sign_in(client, alice).get(url).status_code == 404


def test_someone_who_cannot_handle_or_investigate_is_refused(org_a, alice, frozen):
    from candour.cases.workflow import PermissionDenied
    from candour.organisations.setup import add_member

    from ..conftest import user

    viewer = user("vera")
    add_member(viewer, org_a, "Director")  # sees cases and signs off; does not handle them
    case = make_case(org_a, alice)
    with pytest.raises(PermissionDenied):
        attachments.add_attachment(case, by=viewer, name="a.pdf", content=PDF)
    assert not Attachment.objects.exists()


def test_attachments_are_kept_outside_the_static_files():
    from candour.config import settings as configured

    assert not configured.ATTACHMENTS_DIR.is_relative_to(configured.STATIC_ROOT)
    assert configured.ATTACHMENTS_DIR.is_relative_to(configured.DATA_DIR)
