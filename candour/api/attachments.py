"""Files on a case: /api/v1/cases/{reference}/attachments.

Thin: each endpoint finds the case through cases.access (a case you cannot see is 404) and
calls cases.attachments, which checks the file and writes the audit event.
"""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse
from ninja import File, Form, Router, Schema, Status, UploadedFile

from candour.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    NumberInPath,
    Reference,
    file_response,
)
from candour.cases import attachments
from candour.cases.access import get_case

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
    }


@router.get(
    "/{reference}/attachments",
    response={200: list[AttachmentOut], **READ_ERRORS},
    summary="A case's files",
)
def case_attachments(request, reference: Reference):
    case = get_case(request.auth, reference)
    return [_out(kept) for kept in case.attachments.select_related("uploaded_by")]


@router.post(
    "/{reference}/attachments",
    response={201: AttachmentOut, **WRITE_ERRORS},
    summary="Attach a file to a case",
)
def attach(
    request,
    reference: Reference,
    file: File[UploadedFile],
    description: str = Form("", max_length=200),
):
    """`multipart/form-data` with `file` and an optional `description`. The file's type is
    read from its content and must agree with its name; a Word file must be a whole,
    ordinary Word document. A file that is refused is 422 on `file`, and nothing is kept."""
    case = get_case(request.auth, reference)
    added = attachments.add_attachment(
        case,
        by=request.auth,
        name=file.name or "",
        content=attachments.upload_content(file),
        description=description,
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
