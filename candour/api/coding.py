"""Coding cases for reporting (R36): /api/v1/cases/{reference}/coding and /api/v1/coding/bulk.

The case is found through the access module (a case you cannot see is 404); `code_case` and
`code_cases` check your role (403), the codes against the case's year's lists and its
organisation's themes (422 naming the field) and the return's submission (409). What a case
may be coded with is at .../coding/choices, so that a client need not guess the keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Router, Schema
from pydantic import Field

from candour.api.schemas import READ_ERRORS, WRITE_ERRORS, Input, Reference, whole
from candour.cases.access import get_case
from candour.coding.coding import (
    MOST_AT_ONCE,
    MOST_YEARS,
    UNCHANGED,
    Coding,
    choices,
    code_case,
    code_cases,
    coding_of,
)
from candour.coding.models import Return

router = Router(tags=["coding"])
bulk_router = Router(tags=["coding"])

CodeKey = Annotated[str, Field(max_length=60, description="A code's key, for example other.")]
ThemeName = Annotated[str, Field(max_length=200)]
CaseReference = Annotated[str, Field(max_length=32)]
ReturnCode = Literal["KO41a", "KO41b"]


def _keys(what: str):
    return Field(
        default_factory=list,
        max_length=30,
        description=f"{what}: keys from the case's year's list (see .../coding/choices).",
    )


class CodingIn(Input):
    return_code: ReturnCode | None = Field(
        None, description="The return the case is counted in; left out, it stays as it is."
    )
    subjects: list[CodeKey] = _keys("Subject areas")
    services: list[CodeKey] = _keys("Service areas")
    professions: list[CodeKey] = _keys("Professions or staff groups")
    themes: list[ThemeName] = Field(
        default_factory=list, max_length=50, description="The organisation's themes, by name."
    )
    patient_age: whole(0, MOST_YEARS) | None = Field(
        None,
        description="The patient's age at receipt, only where the case has no date of birth; "
        "left out, the age recorded before is kept.",
    )


class CodeOut(Schema):
    key: str
    label: str


class LockingReturnOut(Schema):
    organisation: str
    return_code: str
    year: str
    submitted_at: datetime
    submitted_by: str


class CodingOut(Schema):
    reference: str
    return_code: str
    year: str = Field(description="The financial year the case was received in: 2026-27.")
    coded: bool
    coded_at: datetime | None
    coded_by: str | None
    subjects: list[str]
    services: list[str]
    professions: list[str]
    themes: list[str]
    patient_age: int | None
    patient_age_source: Literal["date_of_birth", "recorded", "unknown"]
    complainant_relationship: str
    age_band: CodeOut | None = Field(description="Mapped from the age; none without a list.")
    complainant_status: CodeOut | None = Field(description="Mapped from the relationship.")
    locked_by: LockingReturnOut | None = Field(
        description="The submitted return that keeps the coding as it is, if any."
    )


class ChoiceOut(Schema):
    key: str
    label: str
    unconfirmed: bool


class ThemeOut(Schema):
    name: str
    subject: str | None = Field(description="The subject area it counts under in this return.")


class ChoicesOut(Schema):
    reference: str
    return_code: str
    year: str
    returns: list[str]
    themes_only: bool = Field(description="No code list is loaded for the year.")
    subject_needed: bool
    note: str
    subjects: list[ChoiceOut] | None = Field(description="None when the list is not loaded.")
    services: list[ChoiceOut] | None
    professions: list[ChoiceOut] | None
    themes: list[ThemeOut]


class BulkIn(Input):
    references: list[CaseReference] = Field(min_length=1, max_length=MOST_AT_ONCE)
    subjects: list[CodeKey] = _keys("Subject areas to add")
    services: list[CodeKey] = _keys("Service areas to add")
    professions: list[CodeKey] = _keys("Professions or staff groups to add")
    themes: list[ThemeName] = Field(default_factory=list, max_length=50)


class RefusalOut(Schema):
    reference: str
    field: str
    message: str


class BulkOut(Schema):
    coded: list[str]
    refused: list[RefusalOut]


def _out(coding: Coding) -> dict:
    coded = coding.coded
    locked = coding.locked_by
    return {
        "reference": coding.case.reference,
        "return_code": coding.return_code,
        "year": coding.year_label,
        "coded": coded is not None,
        "coded_at": coded.coded_at if coded else None,
        "coded_by": coded.coded_by.get_username() if coded and coded.coded_by else None,
        "subjects": coding.keys("subjects"),
        "services": coding.keys("services"),
        "professions": coding.keys("professions"),
        "themes": [t.name for t in coding.themes],
        "patient_age": coding.patient_age,
        "patient_age_source": coding.age_source or "unknown",
        "complainant_relationship": coding.relationship,
        "age_band": coding.age_band,
        "complainant_status": coding.status,
        "locked_by": {
            "organisation": locked.organisation.code,
            "return_code": locked.return_code,
            "year": coding.year_label,
            "submitted_at": locked.submitted_at,
            "submitted_by": locked.submitted_by.get_username(),
        }
        if locked
        else None,
    }


@router.get(
    "/{reference}/coding", response={200: CodingOut, **READ_ERRORS}, summary="How a case is coded"
)
def get_coding(request, reference: Reference):
    """The case's codes and themes, and its age band and complainant status as mapped from
    the patient's age and the complainant's relationship."""
    return _out(coding_of(get_case(request.auth, reference)))


@router.put("/{reference}/coding", response={200: CodingOut, **WRITE_ERRORS}, summary="Code a case")
def put_coding(request, reference: Reference, payload: CodingIn):
    """Replace the case's codes and themes. Codes come from its return's lists for the
    financial year it was received in; themes alone are enough for an organisation that
    submits no KO41 return, or a year with no list loaded. 409 while the return that counts
    the case is marked submitted."""
    case = get_case(request.auth, reference)
    age = payload.patient_age if "patient_age" in payload.model_fields_set else UNCHANGED
    code_case(
        case,
        by=request.auth,
        subjects=payload.subjects,
        services=payload.services,
        professions=payload.professions,
        themes=payload.themes,
        return_code=payload.return_code,
        patient_age=age,
    )
    return _out(coding_of(case))


@router.get(
    "/{reference}/coding/choices",
    response={200: ChoicesOut, **READ_ERRORS},
    summary="What a case may be coded with",
)
def get_choices(
    request, reference: Reference, return_code: Literal["KO41a", "KO41b"] | None = None
):
    """The code lists of the case's return (or `return_code`) for its financial year, and its
    organisation's themes."""
    case = get_case(request.auth, reference)
    offered = choices(case, return_code)

    def listed(field: str):
        if field not in offered.lists:
            return None
        return [
            {"key": c.key, "label": c.label, "unconfirmed": c.unconfirmed}
            for c in offered.codes[field]
        ]

    return {
        "reference": case.reference,
        "return_code": offered.return_code,
        "year": offered.year_label,
        "returns": list(Return.values),
        "themes_only": offered.themes_only,
        "subject_needed": offered.subject_needed,
        "note": offered.note,
        "subjects": listed("subjects"),
        "services": listed("services"),
        "professions": listed("professions"),
        "themes": [
            {"name": t.name, "subject": t.subject_keys.get(offered.return_code)}
            for t in offered.themes
        ],
    }


@bulk_router.post("/bulk", response={200: BulkOut, **WRITE_ERRORS}, summary="Code many cases")
def bulk(request, payload: BulkIn):
    """Add the same codes and themes to each case named: each is checked against its own
    year's lists and coded in a transaction of its own, with its own audit event. A case that
    cannot take them (not found, a submitted return, a code its year's list lacks) is listed
    in `refused` with the reason; the others are coded."""
    done = code_cases(
        request.auth,
        payload.references,
        subjects=payload.subjects,
        services=payload.services,
        professions=payload.professions,
        themes=payload.themes,
    )
    return {"coded": done.coded, "refused": [r.__dict__ for r in done.refused]}
