"""Files on a case: /api/v1/cases/{reference}/attachments.

Thin: each endpoint finds the case through cases.access (a case you cannot see is 404) and
calls cases.attachments, which checks the file and writes the audit event.
"""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from candour.api.schemas import (
    MAX_NUMBER,
    READ_ERRORS,
    WRITE_ERRORS,
    NumberInPath,
    Reference,
    file_response,
)
from candour.cases import attachments
from candour.cases.access import get_case
from candour.cases.intake import InvalidCase

router = Router(tags=["attachments"])


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_at: datetime
    uploaded_by: str
    contact: int | None = Field(description="The contact log entry it came with, if any.")


def _out(kept) -> dict:
    return {
        "id": kept.pk,
        "filename": kept.filename,
        "content_type": kept.content_type,
        "size": kept.size,
        "sha256": kept.sha256,
        "description": kept.description,
        "uploaded_at": kept.uploaded_at,
        "uploaded_by": kept.uploaded_by.get_username(),
        "contact": kept.contact.number if kept.contact else None,
    }


@router.get(
    "/{reference}/attachments",
    response={200: list[AttachmentOut], **READ_ERRORS},
    summary="A case's files",
)
def case_attachments(request, reference: Reference):
    case = get_case(request.auth, reference)
    return [_out(kept) for kept in case.attachments.select_related("uploaded_by", "contact")]


@router.post(
    "/{reference}/attachments",
    response={201: AttachmentOut, **WRITE_ERRORS},
    summary="Attach a file to a case",
)
def attach(
    request,
    reference: Reference,
    # Optional to the request's parsing: an empty file part arrives as no file at all (Django
    # keeps no part without content and name), which is the domain's 422 on `file` to say.
    file: File[UploadedFile] = None,  # type: ignore[assignment]
    description: str = Form("", max_length=200),
    # Not nullable in the schema: a form field is text, and has no null to send.
    contact: int = Form(None, ge=1, le=MAX_NUMBER),  # type: ignore[assignment]
):
    """`multipart/form-data` with `file`, an optional `description` and, for a file that came
    with an entry of the contact log (the email, the letter), that entry's number as
    `contact`. The file's type is read from its content and must agree with its name; a Word
    file must be a whole, ordinary Word document. A file that is refused is 422 on `file`,
    and nothing is kept."""
    case = get_case(request.auth, reference)
    if file is None:
        raise InvalidCase("file", "is missing or empty; choose a file that has something in it")
    added = attachments.add_attachment(
        case,
        by=request.auth,
        name=file.name or "",
        content=attachments.upload_content(file),
        description=description,
        contact=contact,
    )
    return Status(201, _out(added))


@router.get(
    "/{reference}/attachments/{pk}",
    summary="Download a file",
    **file_response("application/octet-stream"),
)
def download(request, reference: Reference, pk: NumberInPath):
    """The file's bytes, as `application/octet-stream`. Every download is in the timeline."""
    kept, handle = attachments.open_on_case(get_case(request.auth, reference), pk, by=request.auth)
    return FileResponse(
        handle, as_attachment=True, filename=kept.filename, content_type="application/octet-stream"
    )
