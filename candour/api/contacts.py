"""The contact log: /api/v1/cases/{reference}/contacts.

Thin: the case is found through cases.access (a case you cannot see is 404) and
cases.contacts records the entry. A file that came with an entry is attached through
/attachments with the entry's number as `contact`.
"""

from __future__ import annotations

from ninja import Field, Router, Status

from candour.api import render
from candour.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    ContactIn,
    ContactOut,
    Reference,
    performs,
)
from candour.cases import contacts, restrictions
from candour.cases.access import get_case, get_case_in_full

router = Router(tags=["contact log"])


@router.get(
    "/{reference}/contacts",
    response={200: list[ContactOut], **READ_ERRORS},
    summary="A case's contact log",
)
def case_contacts(request, reference: Reference):
    """Every call, email, letter and meeting recorded on the case, by number. On a
    confidential case, who it was with is withheld unless you may see who complained (R8)."""
    return render.contacts_of(request.auth, get_case_in_full(request.auth, reference))


class RecordedContactOut(ContactOut):
    warning: str = Field(
        description="Empty, or the persistent contact restriction (R33) that a contact from "
        "the person came outside of (a channel they were asked not to use): it is recorded "
        "all the same. A contact to them outside a restriction is refused (422 for a channel "
        "it does not allow, 403 from anyone but the single point of contact). The staff page "
        "shows the same words."
    )


@router.post(
    "/{reference}/contacts",
    response={201: RecordedContactOut, **WRITE_ERRORS},
    summary="Record a call, email, letter or meeting",
    **performs("log_contact"),
)
def log_contact(request, reference: Reference, payload: ContactIn):
    """A contact with the complainant or anyone about the case, in any status: when it
    happened (now if left out; not in the future, nor before the case was received), by what
    means, which way, with whom (a `party` on the case or a name in `with_whom`) and what
    was said."""
    entry = contacts.log_contact(
        get_case(request.auth, reference), by=request.auth, **payload.model_dump()
    )
    seen = contacts.as_seen_by(request.auth, get_case_in_full(request.auth, reference))
    out = render.contact(next(s for s in seen if s.entry.pk == entry.pk))
    return Status(201, {**out, "warning": restrictions.contact_warning(entry)})
