"""A Word file is checked as a zip before it is kept (issue 15): the parts a Word document
has, no more than 10,000 parts, no more than ten times the upload limit unpacked, no part
packed more than 100 to 1, no path that climbs out, every part readable with its checksum;
an old Word or Outlook file must hold the stream its kind has. A refused file leaves no
file, no row and no event."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest

from candour.audit.models import AuditEvent
from candour.cases import attachments
from candour.cases.intake import InvalidCase
from candour.cases.models import Attachment
from candour.config import settings as configured

from ..conftest import make_case
from ..files import MB, declaring, ole, parts_of, word_document, word_with, workbook, zip_of

DAMAGED = (
    "file: is damaged or is not a real Word document; save it again from Word and attach it again"
)


@pytest.fixture(autouse=True)
def stored(settings, tmp_path):
    """Files under a fresh folder, and a 1 MB upload limit (so 10 MB unpacked) unless a
    test sets another."""
    settings.ATTACHMENTS_DIR = tmp_path / "attachments"
    settings.ATTACHMENT_MAX_BYTES = MB
    return settings.ATTACHMENTS_DIR


@pytest.fixture
def case(org_a, alice, frozen):
    return make_case(org_a, alice)


def files_in(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def refused(case, by, name, content) -> str:
    """Attach the file, expect it refused, check that nothing was written; the message."""
    rows, files = Attachment.objects.count(), files_in(attachments.settings.ATTACHMENTS_DIR)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidCase) as refusal:
        attachments.add_attachment(case, by=by, name=name, content=content)
    assert Attachment.objects.count() == rows
    assert files_in(attachments.settings.ATTACHMENTS_DIR) == files
    assert AuditEvent.objects.count() == events
    return str(refusal.value)


def test_a_word_document_from_python_docx_is_kept(case, alice, stored):
    content = word_document()
    kept = attachments.add_attachment(case, by=alice, name="Statement.docx", content=content)
    assert kept.content_type == attachments.DOCX.content_type
    assert [p.read_bytes() for p in files_in(stored)] == [content]
    assert AuditEvent.objects.get(event="attachment_added").data["type"] == "Word document"


def test_a_workbook_is_not_a_type_we_take_under_either_name(case, alice):
    assert "is not a file we accept" in refused(case, alice, "returns.xlsx", workbook())
    assert refused(case, alice, "returns.docx", workbook()) == DAMAGED


@pytest.mark.parametrize(
    "content",
    [
        zip_of({"notes.txt": b"Rang at 10:05"}),  # a zip renamed .docx
        zip_of({"word/document.xml": b"<w:document/>"}),  # no [Content_Types].xml
        # The parts of a Word document, but its main part declared macro-enabled (.docm).
        word_with(
            replace={
                "[Content_Types].xml": parts_of(word_document())["[Content_Types].xml"].replace(
                    attachments.DOCX.package.main,
                    b"application/vnd.ms-word.document.macroEnabled.main+xml",
                )
            }
        ),
        word_document()[:-200],  # cut short: the central directory is gone
        word_with(extra={"word/document.xml": b"<w:document/>"}),  # two main parts
        word_with(compression=zipfile.ZIP_LZMA),  # a packing Word never uses
        b"PK\x03\x04" + bytes(100),
    ],
    ids=[
        "plain zip",
        "no content types",
        "macro-enabled",
        "truncated",
        "repeated part",
        "lzma",
        "zip header only",
    ],
)
def test_a_zip_without_a_word_documents_structure_is_refused(case, alice, content):
    assert refused(case, alice, "statement.docx", content) == DAMAGED


def test_a_part_whose_checksum_fails_is_refused(case, alice):
    content = bytearray(word_document())
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        info = archive.getinfo("word/document.xml")
    data_at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    content[data_at + info.compress_size // 2] ^= 0xFF
    assert refused(case, alice, "statement.docx", bytes(content)) == DAMAGED


@pytest.mark.parametrize(
    "name", ["../../etc/cron.d/candour", "/etc/passwd", "C:/Windows/win.ini", "word\\..\\..\\x"]
)
def test_a_part_whose_path_climbs_out_is_refused(case, alice, name):
    assert refused(case, alice, "statement.docx", word_with(extra={name: b"x"})) == DAMAGED


def test_up_to_10000_parts_are_kept_and_one_more_is_refused(case, alice, settings):
    settings.ATTACHMENT_MAX_BYTES = 2 * MB  # 10,000 parts take 1.1 MB
    has = len(parts_of(word_document()))
    at_limit = word_with(empty_parts=attachments.MAX_PARTS - has)
    assert attachments.add_attachment(case, by=alice, name="a.docx", content=at_limit)
    message = refused(case, alice, "b.docx", word_with(empty_parts=attachments.MAX_PARTS - has + 1))
    assert message.startswith("file: has more than 10,000 parts, which a real Word document")


def test_150000_parts_are_refused_before_zipfile_reads_them(case, alice, settings):
    settings.ATTACHMENT_MAX_BYTES = configured.ATTACHMENT_MAX_BYTES  # 13.6 MB of parts
    content = word_with(empty_parts=150_000)
    started = time.perf_counter()
    message = refused(case, alice, "statement.docx", content)
    # zipfile alone takes 1.3 s to open these parts here; counting their records, 10 ms.
    assert time.perf_counter() - started < 0.5
    assert message == (
        "file: has more than 10,000 parts, which a real Word document does not; "
        "save it again from Word, or as a PDF, and attach it again"
    )


def test_a_zip_bomb_is_refused_by_the_size_its_parts_declare(case, alice):
    # 11 MB of zeros, packed to a few KB: over ten times the 1 MB limit.
    message = refused(case, alice, "statement.docx", word_with(zeros={"word/media/x": 11 * MB}))
    assert message.startswith("file: would unpack to more than 10 MB, which a real Word document")


def test_a_part_packed_more_than_100_to_1_is_refused(case, alice):
    # 5 MB of zeros: within the 10 MB, but packed about 1,000 to 1.
    message = refused(case, alice, "statement.docx", word_with(zeros={"word/media/x": 5 * MB}))
    assert message.startswith("file: has a part that unpacks to over 100 times its packed size")


def test_a_part_packed_100_to_1_or_less_is_kept(case, alice):
    # Text repeated: about 60 to 1 at zipfile's fastest level, over RATIO_FROM unpacked.
    text = b"".join(b"<w:p>Rang at %05d about the results.</w:p>" % n for n in range(40_000))
    content = word_with(extra={"word/glossary.xml": text})
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo("word/glossary.xml")
    assert info.file_size > attachments.RATIO_FROM
    assert info.file_size / info.compress_size <= attachments.MAX_RATIO
    assert attachments.add_attachment(case, by=alice, name="a.docx", content=content)


def test_a_part_that_declares_less_than_it_holds_is_read_and_refused(case, alice):
    # 5 MB of zeros declared as 1,000 bytes: within every declared limit, so the part is
    # read; zipfile stops at 1,000 bytes and the checksum does not match.
    bomb = word_with(zeros={"word/media/x": 5 * MB})
    lying = declaring(bomb, "word/media/x", 1000)
    assert refused(case, alice, "statement.docx", lying) == DAMAGED


@pytest.fixture(scope="module")
def gigabyte_bomb() -> bytes:
    """A Word document with 1 GB of zeros in one part: 4.7 MB packed (1.7 s to make)."""
    return word_with(zeros={"word/media/image1.png": 1024 * MB})


def test_the_default_limits_refuse_1_gb_unpacked_without_unpacking_it(
    case, alice, settings, gigabyte_bomb
):
    settings.ATTACHMENT_MAX_BYTES = configured.ATTACHMENT_MAX_BYTES
    assert len(gigabyte_bomb) < settings.ATTACHMENT_MAX_BYTES
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InvalidCase) as refusal:
            attachments.check_structure(attachments.DOCX, gigabyte_bomb)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(refusal.value).startswith(
        "file: would unpack to more than 200 MB, which a real Word document does not"
    )
    # Unpacking 1 GB of zeros takes about 3 s here, and reading it whole 1 GB of memory.
    assert elapsed < 0.5
    assert peak < MB
    assert refused(case, alice, "statement.docx", gigabyte_bomb).startswith(
        "file: would unpack to more than 200 MB"
    )


def test_an_old_word_file_must_hold_a_word_document_stream(case, alice):
    kept = attachments.add_attachment(case, by=alice, name="a.doc", content=ole("WordDocument"))
    assert kept.content_type == "application/msword"
    message = ole("__substg1.0_0037001F")  # an Outlook message renamed .doc
    assert refused(case, alice, "b.doc", message) == DAMAGED


def test_an_outlook_message_must_hold_its_property_streams(case, alice):
    kept = attachments.add_attachment(
        case, by=alice, name="a.msg", content=ole("__substg1.0_0037001F")
    )
    assert kept.content_type == "application/vnd.ms-outlook"
    assert refused(case, alice, "b.msg", ole("WordDocument")) == (
        "file: is damaged or is not a real Outlook email; save it again from Outlook "
        "and attach it again"
    )
