"""Coding a case for reporting, an organisation's themes, and the data-driven mappings from
raw facts (age at receipt, complainant relationship) to a list's bands.

One case is coded for one return (KO41a or KO41b) and the financial year it was received in;
the codes must come from that return's lists for that year. Several subjects may be chosen:
a report counts the case once in its totals and once under each subject (REGULATIONS.md §3.1).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import Case as When_
from django.db.models import IntegerField, Q, Value, When
from django.db.models.expressions import Expression
from django.utils import timezone

from candour.audit.chain import record
from candour.cases.intake import InvalidCase
from candour.cases.models import Case, PartyRole, Relationship
from candour.cases.workflow import PermissionDenied, lock
from candour.coding.codelists import year_label
from candour.coding.models import (
    CHOSEN_DIMENSIONS,
    CaseCode,
    CaseCoding,
    CaseTheme,
    Code,
    CodeList,
    Dimension,
    Return,
)
from candour.config.transactions import atomic
from candour.organisations.access import can
from candour.organisations.models import Capability, Organisation, OrganisationKind, Theme

# Which return an organisation's complaints go to unless a case is coded otherwise
# (REGULATIONS.md §3.1: KO41b is primary care; everything else is KO41a).
PRIMARY_CARE_KINDS = frozenset({OrganisationKind.PRACTICE})

FIELD_FOR = {
    Dimension.SUBJECT: "subjects",
    Dimension.SERVICE: "services",
    Dimension.PROFESSION: "professions",
}


def financial_year(when: datetime | date) -> int:
    """The financial year (1 April to 31 March) by its first calendar year: 2024 is 2024-25."""
    day = timezone.localdate(when) if isinstance(when, datetime) else when
    return day.year if day.month >= 4 else day.year - 1


def default_return(organisation: Organisation) -> str:
    return Return.KO41B if organisation.kind in PRIMARY_CARE_KINDS else Return.KO41A


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def facts_of(case: Case) -> tuple[int | None, str]:
    """The patient's age at receipt and the complainant's relationship to the patient."""
    parties = list(case.parties.select_related("person"))
    patient = next((p for p in parties if p.role == PartyRole.PATIENT), None)
    complainant = next((p for p in parties if p.role == PartyRole.COMPLAINANT), None)
    if (
        patient is None
        and complainant is not None
        and complainant.relationship == Relationship.SELF
    ):
        patient = complainant
    born = patient.person.date_of_birth if patient else None
    received = timezone.localdate(case.received_at)
    age = age_on(born, received) if born and born <= received else None
    return age, complainant.relationship if complainant else ""


def refresh_facts(case: Case) -> tuple[dict, dict]:
    """A coded case's raw facts (the patient's age at receipt, the complainant's relationship)
    read again after a correction to its people or its time of receipt (cases.corrections),
    in the caller's transaction, the case locked. Returns the old and new values of those
    that moved, for the correction's audit event; nothing when the case is not coded."""
    coding = CaseCoding.objects.filter(case=case).first()
    if coding is None:
        return {}, {}
    age, relationship = facts_of(case)
    facts = {"patient_age": age, "complainant_relationship": relationship}
    moved = {k: v for k, v in facts.items() if getattr(coding, k) != v}
    before = {k: getattr(coding, k) for k in moved}
    for k, v in moved.items():
        setattr(coding, k, v)
    if moved:
        coding.save(update_fields=list(moved))
    return before, moved


def _codes(return_code: str, year: int, dimension: str, keys: Iterable[str]) -> list[Code]:
    keys = list(dict.fromkeys(k.strip() for k in keys if k and k.strip()))
    field = FIELD_FOR[dimension]
    if not keys:
        return []
    code_list = CodeList.objects.filter(
        return_code=return_code, year=year, dimension=dimension
    ).first()
    what = f"{return_code} {year_label(year)} {Dimension(dimension).label.lower()}"
    if code_list is None:
        raise InvalidCase(
            field,
            f"there is no {what} list loaded; an administrator loads it with "
            "`candour codelists load`",
        )
    found = {c.key: c for c in code_list.codes.filter(key__in=keys, retired=False)}
    wrong = [k for k in keys if k not in found]
    if wrong:
        choices = ", ".join(code_list.codes.filter(retired=False).values_list("key", flat=True))
        raise InvalidCase(
            field, f"{', '.join(repr(k) for k in wrong)} not in the {what} list; use {choices}"
        )
    return [found[k] for k in keys]


def _themes(case: Case, names: Iterable[str]) -> list[Theme]:
    names = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    if not names:
        return []
    found = {
        t.name: t
        for t in Theme.objects.filter(
            organisation_id=case.organisation_id, name__in=names, retired=False
        )
    }
    wrong = [n for n in names if n not in found]
    if wrong:
        raise InvalidCase(
            "themes",
            f"{', '.join(repr(n) for n in wrong)} is not a theme of {case.organisation.name}",
        )
    return [found[n] for n in names]


@atomic
def code_case(
    case: Case,
    *,
    by,
    subjects: Iterable[str] = (),
    services: Iterable[str] = (),
    professions: Iterable[str] = (),
    themes: Iterable[str] = (),
    return_code: str | None = None,
) -> CaseCoding:
    """Code a case for reporting, replacing any earlier coding. A theme mapped onto a subject
    code adds that subject. At least one subject is needed ('Other' is the catch-all)."""
    case = lock(case)
    if by is None or not can(by, Capability.HANDLE_CASES, case.organisation_id):
        raise PermissionDenied(f"You cannot code cases for {case.organisation.name}.")
    return_code = return_code or default_return(case.organisation)
    if return_code not in Return.values:
        raise InvalidCase("return_code", f"must be one of {', '.join(Return.values)}")
    year = financial_year(case.received_at)
    chosen_themes = _themes(case, themes)
    subjects = list(subjects) + [
        t.subject_keys[return_code] for t in chosen_themes if t.subject_keys.get(return_code)
    ]
    chosen: list[Code] = []
    for dimension, keys in (
        (Dimension.SUBJECT, subjects),
        (Dimension.SERVICE, services),
        (Dimension.PROFESSION, professions),
    ):
        chosen += _codes(return_code, year, dimension, keys)
    if not any(c.code_list.dimension == Dimension.SUBJECT for c in chosen):
        raise InvalidCase(
            "subjects", "choose at least one subject area (the list's 'Other' is the catch-all)"
        )
    age, relationship = facts_of(case)
    before = _summary(case)
    coding, _ = CaseCoding.objects.update_or_create(
        case=case,
        defaults={
            "return_code": return_code,
            "year": year,
            "patient_age": age,
            "complainant_relationship": relationship,
            "coded_at": timezone.now(),
            "coded_by": by,
        },
    )
    CaseCode.objects.filter(case=case).delete()
    CaseTheme.objects.filter(case=case).delete()
    CaseCode.objects.bulk_create(
        [CaseCode(case=case, code=c, dimension=c.code_list.dimension) for c in chosen]
    )
    CaseTheme.objects.bulk_create([CaseTheme(case=case, theme=t) for t in chosen_themes])
    record(
        "case_coded",
        actor=by,
        case=case,
        before=before,
        after=_summary(case),
        return_code=return_code,
        year=year_label(year),
        patient_age=age,
        complainant_relationship=relationship,
    )
    return coding


def _summary(case: Case) -> dict:
    codes = CaseCode.objects.filter(case=case).select_related("code__code_list")
    out: dict[str, list[str]] = {FIELD_FOR[d]: [] for d in CHOSEN_DIMENSIONS}
    for cc in codes.order_by("code__code_list__dimension", "code__position"):
        out[FIELD_FOR[cc.dimension]].append(cc.code.key)
    out["themes"] = sorted(
        CaseTheme.objects.filter(case=case).values_list("theme__name", flat=True)
    )
    return out


@atomic
def save_theme(
    organisation: Organisation, *, by, name: str, subject_keys: dict[str, str] | None = None
) -> Theme:
    """Create or change one of an organisation's own themes and the subject code each return
    counts it under. The keys must be subject codes of a loaded list of that return."""
    if by is None or not can(by, Capability.ADMINISTER, organisation.pk):
        raise PermissionDenied(f"You cannot change the themes of {organisation.name}.")
    name = (name or "").strip()
    if not name:
        raise InvalidCase("name", "is empty; name the theme as the team speaks of it")
    if len(name) > 200:
        raise InvalidCase("name", "is longer than 200 characters")
    subject_keys = {k: v.strip() for k, v in (subject_keys or {}).items() if v and v.strip()}
    for return_code, key in subject_keys.items():
        if return_code not in Return.values:
            raise InvalidCase("subject_keys", f"'{return_code}' is not a return")
        exists = Code.objects.filter(
            code_list__return_code=return_code,
            code_list__dimension=Dimension.SUBJECT,
            key=key,
            retired=False,
        ).exists()
        if not exists:
            raise InvalidCase(
                "subject_keys", f"'{key}' is not a subject code of any loaded {return_code} list"
            )
    theme = Theme.objects.filter(organisation=organisation, name=name).first()
    before = {"subject_keys": theme.subject_keys} if theme else None
    if theme is None:
        theme = Theme.objects.create(
            organisation=organisation, name=name, subject_keys=subject_keys
        )
    else:
        theme.subject_keys = subject_keys
        theme.save(update_fields=["subject_keys"])
    record(
        "theme_saved",
        actor=by,
        organisation_id=organisation.pk,
        name=name,
        before=before,
        after={"subject_keys": subject_keys},
    )
    return theme


# Mapping facts to bands in the database, from the list's own data.


def age_band_expression(code_list: CodeList, age: str = "coding__patient_age") -> Expression:
    """A CASE expression giving each row's age band code id; no age falls to 'unknown'."""
    codes = list(code_list.codes.all())
    unknown = next(c for c in codes if c.unknown)
    whens = []
    for c in codes:
        if c.unknown:
            continue
        q = Q(**{f"{age}__gte": c.age_from})
        if c.age_to is not None:
            q &= Q(**{f"{age}__lte": c.age_to})
        whens.append(When(q, then=Value(c.pk)))
    return When_(*whens, default=Value(unknown.pk), output_field=IntegerField())


def status_expression(
    code_list: CodeList, relationship: str = "coding__complainant_relationship"
) -> Expression:
    """A CASE expression giving each row's complainant status code id."""
    codes = list(code_list.codes.all())
    unknown = next(c for c in codes if c.unknown)
    whens = [
        When(Q(**{f"{relationship}__in": c.relationships}), then=Value(c.pk))
        for c in codes
        if c.relationships and not c.unknown
    ]
    return When_(*whens, default=Value(unknown.pk), output_field=IntegerField())
