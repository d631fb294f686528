"""GET and PUT /api/v1/organisations/{code}/letterhead: the postal address, telephone and
email an organisation's letters carry (R24). Anyone who sees the organisation's cases may
read it; changing it takes the role that administers the organisation, as on the manage
pages (candour/web/manage.py), through the same domain function
(candour.organisations.setup.update_letterhead). An organisation whose cases you cannot see
is 404."""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Router, Schema

from candour.api.errors import NotFound
from candour.api.schemas import READ_ERRORS, WRITE_ERRORS, Input, said, text
from candour.cases.intake import InvalidCase
from candour.cases.workflow import PermissionDenied
from candour.organisations import setup
from candour.organisations.access import can
from candour.organisations.models import Capability, Organisation

router = Router(tags=["organisations"])

Code = Annotated[str, Path(max_length=12, description="The organisation's code, e.g. MMG.")]


class LetterheadOut(Schema):
    organisation: str
    name: str
    address: str
    telephone: str
    email: str


class LetterheadIn(Input):
    address: str = said(
        1000, description="The postal address, one line per line, ending with the postcode."
    )
    telephone: str = text(40)
    email: str = text(254)


def _organisation(user, code: str) -> Organisation:
    organisation = Organisation.objects.filter(code=code.upper()).first()
    if organisation is None or not can(user, Capability.VIEW_CASES, organisation.pk):
        raise NotFound(f"There is no organisation {code.upper()} that you can see.")
    return organisation


def _out(organisation: Organisation) -> dict:
    return {
        "organisation": organisation.code,
        "name": organisation.name,
        "address": organisation.address,
        "telephone": organisation.telephone,
        "email": organisation.email,
    }


@router.get("/{code}/letterhead", response={200: LetterheadOut, **READ_ERRORS})
def letterhead(request, code: Code):
    """The organisation's letterhead."""
    return _out(_organisation(request.auth, code))


@router.put("/{code}/letterhead", response={200: LetterheadOut, **WRITE_ERRORS})
def change_letterhead(request, code: Code, payload: LetterheadIn):
    """Change the letterhead; new letters use it (letters already signed keep theirs)."""
    organisation = _organisation(request.auth, code)
    if not can(request.auth, Capability.ADMINISTER, organisation.pk):
        raise PermissionDenied(
            f"You do not have a role at {organisation.name} that allows changing its "
            "letterhead (administer the organisation and its policy)."
        )
    try:
        setup.update_letterhead(
            organisation,
            address=payload.address,
            telephone=payload.telephone,
            email=payload.email,
            by=request.auth,
        )
    except setup.SetupError as error:
        field, _, message = str(error).partition(": ")
        raise InvalidCase(field, message) from None
    return _out(organisation)
