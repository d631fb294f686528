"""Files on a case: letters received, statements (issue 3). Size and type limits, with the
type read from the content rather than trusted from the name, and a Word file's zip checked
the way a careful reader would open it (issue 15); the bytes on disk outside the database,
written so that a killed upload leaves nothing a row points at half written; every upload,
every download and every clean-up in the audit trail.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePath
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from candour.audit.chain import record
from candour.cases import contacts
from candour.cases.intake import InvalidCase
from candour.cases.models import Attachment, Case
from candour.cases.workflow import PermissionDenied
from candour.organisations.access import can
from candour.organisations.models import Capability

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc and Outlook .msg


@dataclass(frozen=True)
class Package:
    """What an Office Open XML zip of one kind holds (ECMA-376 part 2): the parts every such
    file has, and the content type `[Content_Types].xml` gives its main part."""

    parts: frozenset[str]
    main: bytes


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str
    extensions: frozenset[str]
    program: str = ""  # what saves a real one, for the message when a file is not
    package: Package | None = None  # for a zip-based Office type
    stream: bytes = b""  # for an OLE type: a stream name every such file holds (UTF-16)


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


PDF = FileType("PDF", "application/pdf", frozenset({".pdf"}))
DOCX = FileType(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    frozenset({".docx"}),
    program="Word",
    package=Package(
        frozenset({"[Content_Types].xml", "word/document.xml"}),
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
)
DOC = FileType(
    "Word document",
    "application/msword",
    frozenset({".doc"}),
    program="Word",
    stream=_utf16("WordDocument"),
)
MSG = FileType(
    "Outlook email",
    "application/vnd.ms-outlook",
    frozenset({".msg"}),
    program="Outlook",
    stream=_utf16("__substg1.0_"),  # the prefix of every property stream of a message
)
PNG = FileType("PNG image", "image/png", frozenset({".png"}))
JPEG = FileType("JPEG image", "image/jpeg", frozenset({".jpg", ".jpeg"}))
GIF = FileType("GIF image", "image/gif", frozenset({".gif"}))
TEXT = FileType("text", "text/plain", frozenset({".txt"}))
EML = FileType("email", "message/rfc822", frozenset({".eml"}))
ACCEPTED = "PDF, Word (.doc, .docx), images (.png, .jpg, .gif), text (.txt) or email (.eml, .msg)"
HEADER = re.compile(rb"^(From|To|Subject|Date|Received|Message-ID|MIME-Version):", re.I | re.M)

# Limits on a Word file's zip (ADR 0015). Word writes a few dozen parts, stored or deflated;
# its XML deflates about 3 to 30 times and its pictures hardly at all.
MAX_PARTS = 10_000
INFLATION = 10  # all parts together unpack to at most 10 x ATTACHMENT_MAX_BYTES (200 MB)
MAX_RATIO = 100  # a part over RATIO_FROM unpacks to at most 100 x its packed size
RATIO_FROM = 1024 * 1024
METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
CHUNK = 64 * 1024
CONTENT_TYPES = "[Content_Types].xml"
MAX_CONTENT_TYPES = 1024 * 1024  # Word's is a few KB
CENTRAL_RECORD = b"PK\x01\x02"  # one per part, in the zip's central directory
DRIVE = re.compile(r"[A-Za-z]:")
# What zipfile raises on damaged data, a bad checksum, an encrypted or unsupported part, or
# a name that is not UTF-8: not a file Word wrote.
UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    RuntimeError,
    ValueError,
    NotImplementedError,
)

# On disk: ATTACHMENTS_DIR/<organisation id>/<32 hex digits>, and while an upload is being
# written, the same name with PARTIAL after it.
STORED_NAME = re.compile(r"[0-9a-f]{32}")
PARTIAL = ".part"


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
    """The file's type from its first bytes, if it is one we take and its name agrees. The
    container types (zip, OLE) are only claimed here; `check_structure` looks inside."""
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
        found = [DOCX]
    elif _text(head):
        found = [EML, TEXT] if HEADER.search(head) else [TEXT]
    return next((t for t in found if extension in t.extensions), None)


def check_structure(kind: FileType, content: bytes) -> None:
    """Refuse a Word or Outlook file that its program would not have written: an OLE file
    without the stream its kind always has (a spreadsheet or a message renamed .doc), or a
    zip that is damaged, is not a Word document, or would unpack to far more than a real one.
    A zip is checked in memory: its parts are read in small pieces and thrown away."""
    if kind.stream and kind.stream not in content:
        raise _not_real(kind)
    if kind.package is not None:
        _check_package(kind, content)


def _not_real(kind: FileType) -> InvalidCase:
    return InvalidCase(
        "file",
        f"is damaged or is not a real {kind.name}; save it again from {kind.program} "
        "and attach it again",
    )


def _too_much(kind: FileType, what: str) -> InvalidCase:
    return InvalidCase(
        "file",
        f"{what}, which a real {kind.name} does not; save it again from {kind.program}, "
        "or as a PDF, and attach it again",
    )


def _check_package(kind: FileType, content: bytes) -> None:
    package = kind.package
    unpack_limit = INFLATION * settings.ATTACHMENT_MAX_BYTES
    too_many = _too_much(kind, f"has more than {MAX_PARTS:,} parts")
    too_big = _too_much(kind, f"would unpack to more than {unpack_limit // (1024 * 1024):,} MB")
    # zipfile makes an object for every part as it opens a zip (150,000 parts: 1.3 s and
    # 70 MB); every part has one record starting with these bytes, so counting them first
    # bounds the parts, whatever the zip's end record claims.
    if content.count(CENTRAL_RECORD) > MAX_PARTS:
        raise too_many
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
            names = [part.filename for part in parts]
            if (
                len(set(names)) != len(names)
                or not package.parts <= set(names)
                or any(_outside(name) for name in names)
                or any(p.compress_type not in METHODS or p.flag_bits & 0x1 for p in parts)
            ):
                raise _not_real(kind)
            if sum(part.file_size for part in parts) > unpack_limit:
                raise too_big
            if any(
                p.file_size > RATIO_FROM and p.file_size > MAX_RATIO * p.compress_size
                for p in parts
            ):
                raise _too_much(
                    kind, f"has a part that unpacks to over {MAX_RATIO} times its packed size"
                )
            types = archive.getinfo(CONTENT_TYPES)
            if types.file_size > MAX_CONTENT_TYPES or package.main not in archive.read(types):
                raise _not_real(kind)
            # The sizes above are what the zip declares. Reading every part checks them:
            # zipfile stops a part at its declared size and checks its CRC, and the budget
            # stops the reading at the limit whatever the declarations say.
            budget = unpack_limit
            for part in parts:
                with archive.open(part) as stream:
                    while chunk := stream.read(min(CHUNK, budget + 1)):
                        budget -= len(chunk)
                        if budget < 0:
                            raise too_big
    except UNREADABLE:
        raise _not_real(kind) from None


def _outside(name: str) -> bool:
    """A part name that would land outside the folder it were unpacked in."""
    steps = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or bool(DRIVE.match(name)) or ".." in steps


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


def upload_content(upload) -> bytes:
    """An uploaded file's bytes, read no further than one byte over the size limit, which
    add_attachment then refuses; no upload is no bytes, which it refuses as empty."""
    return upload.read(settings.ATTACHMENT_MAX_BYTES + 1) if upload else b""


def add_attachment(
    case: Case, *, by, name: str, content: bytes, description: str = "", contact: int | None = None
):
    """Keep a file on the case and write attachment_added, in one transaction. A refused
    file leaves nothing: no file, no row, no event. `contact`: the number of the contact log
    entry the file came with or was sent in (cases.contacts), if any.

    The bytes go to a partial file first (written and synced before the transaction, so no
    lock is held while they are), which takes the attachment's name inside the transaction,
    after its row and event: a row that commits always has its whole file. A failure before
    the commit removes the file again; a process killed before it leaves a partial file or a
    file with no row, which `clean` removes."""
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
    check_structure(kind, content)
    if len(description) > 200:
        raise InvalidCase("description", "must be 200 characters or fewer")
    entry = contacts.entry_of(case, contact) if contact is not None else None
    stored_as = f"{case.organisation_id}/{uuid.uuid4().hex}"
    path = Path(settings.ATTACHMENTS_DIR) / stored_as
    partial = path.with_name(path.name + PARTIAL)
    path.parent.mkdir(parents=True, exist_ok=True)
    placed = False
    try:
        with partial.open("xb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
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
                contact=entry,
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
                **({"contact": contact} if entry else {}),
            )
            # Touched as it takes its name, so that `clean` sees a file just placed as new
            # even if the transaction waited long for a lock (and fails here if `clean`
            # removed the partial file meanwhile).
            now = time.time()
            os.utime(partial, (now, now))
            os.replace(partial, path)
            placed = True
            _sync_folder(path.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        if placed:
            path.unlink(missing_ok=True)
        raise
    return attachment


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX: the folder's entry is synced, not the file)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class AttachmentNotFound(LookupError):
    pass


def open_on_case(case: Case, pk: int, *, by) -> tuple[Attachment, BinaryIO]:
    """File `pk` of `case` (which the caller found through the cases the user may see) and
    its bytes opened to send, the download logged."""
    kept = case.attachments.filter(pk=pk).select_related("case").first()
    if kept is None:
        raise AttachmentNotFound(f"There is no file {pk} on {case.reference}.")
    return kept, open_attachment(kept, by=by)


@transaction.atomic
def open_attachment(attachment: Attachment, *, by) -> BinaryIO:
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


# `clean` (`candour attachments clean`, and at every `candour serve`).
CLEAN_AFTER = timedelta(minutes=15)
ROWS_AT_ONCE = 1000


def clean(*, dry_run: bool = False, older_than: timedelta = CLEAN_AFTER) -> list[str]:
    """Remove the files in ATTACHMENTS_DIR that no attachment points at: partial files and
    files with no row, left by uploads killed before they committed (or rolled back by an
    outer transaction). Returns their names (below ATTACHMENTS_DIR), sorted; with `dry_run`
    only lists them. Writes one attachments_cleaned event naming what was removed.

    Only names Candour makes are considered, and only files unchanged for `older_than`: an
    upload writes its file and commits its row within seconds, and touches the file as it
    places it, so a file still being written, or placed but not yet committed, is never
    taken. A file with a row is never taken: rows are looked up by the names found, a
    thousand at a time."""
    root = Path(settings.ATTACHMENTS_DIR)
    if not root.is_dir():
        return []
    cutoff = time.time() - older_than.total_seconds()
    found: list[str] = []
    with os.scandir(root) as folders:
        for folder in folders:
            if folder.name.isdigit() and folder.is_dir(follow_symlinks=False):
                found += _orphans_in(folder, cutoff)
    found.sort()
    if dry_run or not found:
        return found
    removed = []
    for name in found:
        try:
            (root / name).unlink()
        except FileNotFoundError:  # an upload took its partial file, or another clean ran
            continue
        removed.append(name)
    if removed:
        with transaction.atomic():
            record("attachments_cleaned", count=len(removed), files=removed)
    return removed


def _orphans_in(folder: os.DirEntry, cutoff: float) -> list[str]:
    partial, whole = [], []
    with os.scandir(folder.path) as entries:
        for entry in entries:
            name = f"{folder.name}/{entry.name}"
            if STORED_NAME.fullmatch(entry.name):
                whole.append(name)
            elif entry.name.endswith(PARTIAL) and STORED_NAME.fullmatch(
                entry.name.removesuffix(PARTIAL)
            ):
                partial.append(name)
    kept: set[str] = set()
    for start in range(0, len(whole), ROWS_AT_ONCE):
        batch = whole[start : start + ROWS_AT_ONCE]
        kept.update(
            Attachment.objects.filter(stored_as__in=batch).values_list("stored_as", flat=True)
        )
    # The age is read after the rows: a file placed since the listing is new, whatever the
    # rows said.
    root = Path(folder.path).parent
    return [
        name
        for name in partial + [n for n in whole if n not in kept]
        if _unchanged_since(root / name, cutoff)
    ]


def _unchanged_since(path: Path, cutoff: float) -> bool:
    try:
        return path.stat(follow_symlinks=False).st_mtime < cutoff
    except FileNotFoundError:
        return False
