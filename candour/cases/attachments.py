"""Files on a case: letters received, statements (issue 3). Size and type limits, with the
type read from the content rather than trusted from the name; the bytes on disk outside the
database; every upload and every download in the audit trail.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from candour.audit.chain import record
from candour.cases.intake import InvalidCase
from candour.cases.models import Attachment, Case
from candour.cases.workflow import PermissionDenied
from candour.organisations.access import can
from candour.organisations.models import Capability

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc and Outlook .msg


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str
    extensions: frozenset[str]


PDF = FileType("PDF", "application/pdf", frozenset({".pdf"}))
DOCX = FileType(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    frozenset({".docx"}),
)
DOC = FileType("Word document", "application/msword", frozenset({".doc"}))
MSG = FileType("Outlook email", "application/vnd.ms-outlook", frozenset({".msg"}))
PNG = FileType("PNG image", "image/png", frozenset({".png"}))
JPEG = FileType("JPEG image", "image/jpeg", frozenset({".jpg", ".jpeg"}))
GIF = FileType("GIF image", "image/gif", frozenset({".gif"}))
TEXT = FileType("text", "text/plain", frozenset({".txt"}))
EML = FileType("email", "message/rfc822", frozenset({".eml"}))
ACCEPTED = "PDF, Word (.doc, .docx), images (.png, .jpg, .gif), text (.txt) or email (.eml, .msg)"
HEADER = re.compile(rb"^(From|To|Subject|Date|Received|Message-ID|MIME-Version):", re.I | re.M)


def _text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start < len(head) - 4:
            return False
    return True


def sniff(content: bytes, extension: str) -> FileType | None:
    """The file's type from its first bytes, if it is one we take and its name agrees."""
    head = content[:8192]
    found: list[FileType] = []
    if head.startswith(b"%PDF-"):
        found = [PDF]
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        found = [PNG]
    elif head.startswith(b"\xff\xd8\xff"):
        found = [JPEG]
    elif head.startswith((b"GIF87a", b"GIF89a")):
        found = [GIF]
    elif head.startswith(OLE):
        found = [DOC, MSG]
    elif head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                if "word/document.xml" in archive.namelist():
                    found = [DOCX]
        except zipfile.BadZipFile:
            found = []
    elif _text(head):
        found = [EML, TEXT] if HEADER.search(head) else [TEXT]
    return next((t for t in found if extension in t.extensions), None)


def safe_filename(name: str) -> str:
    """The last part of the uploaded name, in letters, digits and a few marks only."""
    base = PurePath(name.replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" ._") or "attachment"
    stem, dot, extension = base.rpartition(".")
    if not dot:
        return base[:100]
    return f"{stem[: 100 - len(extension) - 1]}.{extension.lower()}"


def path_of(attachment: Attachment) -> Path:
    return Path(settings.ATTACHMENTS_DIR) / attachment.stored_as


def add_attachment(case: Case, *, by, name: str, content: bytes, description: str = ""):
    """Keep a file on the case and write attachment_added, in one transaction. The file is
    written first and removed again if the transaction fails, so no row points at nothing
    and no file is left behind by a refused upload."""
    if not (
        can(by, Capability.HANDLE_CASES, case.organisation_id)
        or can(by, Capability.INVESTIGATE, case.organisation_id)
    ):
        raise PermissionDenied(
            f"You do not have a role at {case.organisation.name} that allows adding files."
        )
    limit = settings.ATTACHMENT_MAX_BYTES
    if not content:
        raise InvalidCase("file", "is empty; choose the file to attach")
    if len(content) > limit:
        raise InvalidCase(
            "file", f"is larger than {limit // (1024 * 1024)} MB; attach a smaller file"
        )
    filename = safe_filename(name)
    kind = sniff(content, PurePath(filename).suffix.lower())
    if kind is None:
        raise InvalidCase(
            "file",
            f"is not a file we accept, or its content does not match its name; attach a {ACCEPTED}",
        )
    if len(description) > 200:
        raise InvalidCase("description", "must be 200 characters or fewer")
    stored_as = f"{case.organisation_id}/{uuid.uuid4().hex}"
    path = Path(settings.ATTACHMENTS_DIR) / stored_as
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                case=case,
                filename=filename,
                content_type=kind.content_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                stored_as=stored_as,
                description=description.strip(),
                uploaded_at=timezone.now(),
                uploaded_by=by,
            )
            record(
                "attachment_added",
                actor=by,
                case=case,
                attachment=attachment.pk,
                filename=filename,
                type=kind.name,
                size=len(content),
                sha256=attachment.sha256,
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment


@transaction.atomic
def open_attachment(attachment: Attachment, *, by):
    """The file to send, after logging the download as an access event (R38). The caller
    found the attachment through a case the user may see."""
    record(
        "attachment_downloaded",
        actor=by,
        case=attachment.case,
        attachment=attachment.pk,
        filename=attachment.filename,
    )
    return path_of(attachment).open("rb")
