"""Coding a case for reporting, an organisation's themes, and the data-driven mappings from
raw facts (age at receipt, complainant relationship) to a list's bands.

One case is coded for one return (KO41a or KO41b) and the financial year it was received in;
the codes must come from that return's lists for that year. Several subjects may be chosen:
a report counts the case once in its totals and once under each subject (REGULATIONS.md §3.1).
Themes alone are enough where no code is required (`submits_ko41`) or the year has no list
loaded. Staff code a case on its page or through the API (`code_case`), or many at once
(`code_cases`); a return marked submitted locks its cases' coding (candour.coding.returns).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Case as When_
from django.db.models import (
    CharField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Expression
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth, ExtractYear, NullIf
from django.utils import timezone

from candour.audit.chain import record
from candour.cases.access import cases_for
from candour.cases.intake import InvalidCase
from candour.cases.models import Case, CaseParty, PartyRole, Relationship
from candour.cases.workflow import CaseError, PermissionDenied, lock
from candour.coding.codelists import year_label
from candour.coding.models import (
    CHOSEN_DIMENSIONS,
    MAPPED_DIMENSIONS,
    CaseCode,
    CaseCoding,
    CaseTheme,
    Code,
    CodeList,
    Dimension,
    Return,
    SubmittedReturn,
)
from candour.coding.returns import ReturnSubmitted, covering
from candour.config.transactions import atomic
from candour.organisations.access import can, organisation_ids_for
from candour.organisations.models import Capability, Organisation, OrganisationKind, Theme

# Which return an organisation's complaints go to unless a case is coded otherwise
# (REGULATIONS.md §3.1: KO41b is primary care; everything else is KO41a).
PRIMARY_CARE_KINDS = frozenset({OrganisationKind.PRACTICE})

# Who must code for a KO41 return. An organisation carries no flag for it; its kind, and the
# preset written for that kind, say it (REGULATIONS.md §3.1, the seeds):
# - a GP practice (preset gp-practice, seed 001) submits KO41b; an NHS trust, a national
#   provider's regions and sites (preset national-provider, seed 000) and any other provider
#   of NHS services submit KO41a ("every NHS organisation or provider of NHS services");
# - a commissioner (kind icb, preset commissioner, seed 002) reports its own complaints to its
#   board by its themes (seed 003); a case about primary care it commissions may still be
#   coded for KO41b's ICB part, but no code is required;
# - a private clinic (kind clinic, preset private-clinic, seed 004) is no NHS body: its
#   complaints go to an ADR provider, not the Ombudsman, and it submits no KO41.
# Where no code is required, themes alone are enough.
NO_KO41_KINDS = frozenset({OrganisationKind.ICB, OrganisationKind.CLINIC})

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


def _day_key(expression) -> Expression:
    """A date as the number yyyymmdd: the difference of two, divided by 10,000 in whole
    numbers, is the whole years between them (an age)."""
    # An integer, so that dividing it is whole-number division: PostgreSQL's EXTRACT gives
    # a numeric, whose quotient keeps its fraction (17.99 is neither 17 nor 18).
    return Cast(
        ExtractYear(expression) * 10000 + ExtractMonth(expression) * 100 + ExtractDay(expression),
        IntegerField(),
    )


def live_facts() -> dict[str, Expression]:
    """The raw facts a case's age band and complainant status are mapped from, as aliases (in
    order) for a query over cases, read from its people as they stand: `fact_age`, the
    patient's whole years on the day the case was received (REGULATIONS.md §3.3 "Age of
    patient"; the date of birth of the patient, or of a complainant who is the patient; none
    when no date of birth is known or it is after receipt), and `fact_relation`, the
    complainant's relationship to the patient ("" with no named complainant). The one rule:
    a case's coding page, its coding and every report that bands ages read these."""
    people = CaseParty.objects.filter(
        case=OuterRef("pk"), role__in=[PartyRole.PATIENT, PartyRole.COMPLAINANT]
    ).order_by("-role")  # the patient first, where the case names one
    patient = Q(role=PartyRole.PATIENT) | Q(relationship=Relationship.SELF)
    born = people.annotate(
        key=When_(
            When(
                patient & Q(person__date_of_birth__isnull=False),
                then=_day_key("person__date_of_birth"),
            ),
            default=None,
            output_field=IntegerField(),
        )
    ).values("key")[:1]
    relation = people.filter(role=PartyRole.COMPLAINANT).values("relationship")[:1]
    return {
        "fact_born": Subquery(born, output_field=IntegerField()),
        "fact_received": _day_key("received_at"),
        "fact_age": When_(
            When(
                fact_born__lte=F("fact_received"),
                then=(F("fact_received") - F("fact_born")) / 10000,
            ),
            default=None,
            output_field=IntegerField(),
        ),
        "fact_relation": Coalesce(
            Subquery(relation, output_field=CharField()), Value(""), output_field=CharField()
        ),
    }


def reported_facts() -> dict[str, Expression]:
    """`fact_age` and `fact_relation` for a report over many cases: a coded case's facts as
    its coding keeps them (written from `live_facts` when it was coded, and again whenever
    its people or receipt are corrected; the age staff recorded where no date of birth is
    known), and for a case not yet coded, its people's facts as they stand. So a case's
    band is the same before and after it is coded."""
    live = live_facts()
    return {
        **{k: v for k, v in live.items() if k in ("fact_born", "fact_received")},
        "fact_age_live": live["fact_age"],
        "fact_relation_live": live["fact_relation"],
        "fact_age": Coalesce("coding__patient_age", "fact_age_live", output_field=IntegerField()),
        "fact_relation": Coalesce(
            NullIf("coding__complainant_relationship", Value("")),
            "fact_relation_live",
            output_field=CharField(),
        ),
    }


def facts_of(case: Case) -> tuple[int | None, str]:
    """The patient's age at receipt and the complainant's relationship to the patient, by
    `live_facts`."""
    return (
        Case.objects.filter(pk=case.pk)
        .annotate(**live_facts())
        .values_list("fact_age", "fact_relation")
        .get()
    )


def submits_ko41(organisation: Organisation) -> bool:
    """Whether an organisation must code its complaints for a KO41 return (see
    NO_KO41_KINDS). Where it need not, themes alone are enough, and codes are optional."""
    return organisation.kind not in NO_KO41_KINDS


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


# `patient_age` not given: keep the age staff recorded before (a PUT that leaves it out, a
# bulk addition of codes).
UNCHANGED = _Unchanged()
MOST_YEARS = 130


@dataclass
class Choices:
    """What a case may be coded with: the code lists of its return and financial year (a
    list that is not loaded is absent) and its organisation's themes."""

    organisation: Organisation
    return_code: str
    year: int
    lists: dict[str, CodeList]  # by field name: subjects, services, professions
    codes: dict[str, list[Code]]  # the live codes of each list, in the list's order
    themes: list[Theme]

    @property
    def year_label(self) -> str:
        return year_label(self.year)

    @property
    def required(self) -> bool:
        return submits_ko41(self.organisation)

    @property
    def themes_only(self) -> bool:
        """No code list of the return is loaded for the year (a past year, say)."""
        return not self.lists

    @property
    def subject_needed(self) -> bool:
        return self.required and "subjects" in self.lists

    @property
    def note(self) -> str:
        what = f"{self.return_code} {self.year_label}"
        if self.themes_only:
            return (
                f"No {what} code lists are loaded, so this case is coded with themes only. An "
                "administrator loads a year's lists with `candour codelists load`."
            )
        if not self.required:
            return (
                f"{self.organisation.name} does not submit a KO41 return of its own, so codes "
                "are optional and themes alone are enough."
            )
        return (
            f"Choose at least one subject area from the {what} list ('Other' is the "
            "catch-all), or a theme that counts under one."
        )


def _return_code(case: Case, asked: str | None) -> str:
    if asked:
        if asked not in Return.values:
            raise InvalidCase("return_code", f"must be one of {', '.join(Return.values)}")
        return asked
    current = CaseCoding.objects.filter(case=case).values_list("return_code", flat=True).first()
    return current or default_return(case.organisation)


def _choices(organisation: Organisation, return_code: str, year: int) -> Choices:
    live = Prefetch("codes", queryset=Code.objects.filter(retired=False).order_by("position"))
    lists = {
        FIELD_FOR[cl.dimension]: cl
        for cl in CodeList.objects.filter(
            return_code=return_code, year=year, dimension__in=CHOSEN_DIMENSIONS
        ).prefetch_related(live)
    }
    return Choices(
        organisation=organisation,
        return_code=return_code,
        year=year,
        lists=lists,
        codes={field: list(cl.codes.all()) for field, cl in lists.items()},
        themes=list(Theme.objects.filter(organisation=organisation, retired=False)),
    )


def may_code(user, organisation_id: int | None = None) -> bool:
    """Whether `user` codes the cases of the organisation (a role that handles its cases) or,
    with no organisation, of any organisation: what the pages ask before offering a form."""
    if organisation_id is None:
        return bool(organisation_ids_for(user, Capability.HANDLE_CASES))
    return can(user, Capability.HANDLE_CASES, organisation_id)


def choices(case: Case, return_code: str | None = None) -> Choices:
    """The lists and themes `case` may be coded with, for its return (or `return_code`)."""
    return _choices(
        case.organisation, _return_code(case, return_code), financial_year(case.received_at)
    )


@dataclass
class SharedChoices:
    """What bulk coding offers for a set of cases: every code of the lists of their returns
    and years (by key, as `code_case` takes them) and their organisations' themes (by name).
    Each case still takes only what its own lists and organisation have."""

    groups: list[Choices]
    codes: dict[str, list[tuple[str, str]]]  # field name: [(key, label)]
    themes: list[str]

    @property
    def periods(self) -> list[str]:
        return sorted({f"{c.return_code} {c.year_label}" for c in self.groups})

    @property
    def themes_only(self) -> list[str]:
        return sorted({f"{c.return_code} {c.year_label}" for c in self.groups if c.themes_only})


def shared_choices(cases: Iterable[Case]) -> SharedChoices:
    cases = list(cases)
    current = dict(CaseCoding.objects.filter(case__in=cases).values_list("case_id", "return_code"))
    groups: dict[tuple, Choices] = {}
    for case in cases:
        return_code = current.get(case.pk) or default_return(case.organisation)
        key = (case.organisation_id, return_code, financial_year(case.received_at))
        if key not in groups:
            groups[key] = _choices(case.organisation, return_code, key[2])
    codes: dict[str, dict[str, str]] = {FIELD_FOR[d]: {} for d in CHOSEN_DIMENSIONS}
    themes: dict[str, str] = {}
    for group in groups.values():
        for name, listed in group.codes.items():
            for code in listed:
                codes[name].setdefault(code.key, code.label)
        for theme in group.themes:
            themes.setdefault(theme.name.lower(), theme.name)
    return SharedChoices(
        groups=list(groups.values()),
        codes={name: list(keys.items()) for name, keys in codes.items()},
        themes=sorted(themes.values(), key=str.lower),
    )


@dataclass
class Coding:
    """How a case is coded, and the facts its age band and complainant status are mapped
    from: the patient's age at receipt (from the date of birth, else as staff recorded it)
    and the complainant's relationship to the patient (as recorded with the case's people)."""

    case: Case
    return_code: str
    year: int
    coded: CaseCoding | None
    codes: dict[str, list[Code]]  # by field name
    themes: list[Theme]
    patient_age: int | None
    age_source: str  # "date_of_birth", "recorded" or "" (not known)
    relationship: str
    age_band: Code | None
    status: Code | None
    locked_by: SubmittedReturn | None

    @property
    def year_label(self) -> str:
        return year_label(self.year)

    @property
    def relationship_label(self) -> str:
        return Relationship(self.relationship).label if self.relationship else ""

    def keys(self, field: str) -> list[str]:
        return [c.key for c in self.codes.get(field, [])]


def coding_of(case: Case) -> Coding:
    """The case's coding as it stands, with its age band and complainant status as the
    return will count them once the case is (re)coded with today's facts."""
    coded = CaseCoding.objects.filter(case=case).select_related("coded_by").first()
    return_code = coded.return_code if coded else default_return(case.organisation)
    year = financial_year(case.received_at)
    age, relationship = facts_of(case)
    source = "date_of_birth" if age is not None else ""
    if age is None and coded is not None and coded.patient_age is not None:
        age, source = coded.patient_age, "recorded"
    codes: dict[str, list[Code]] = {FIELD_FOR[d]: [] for d in CHOSEN_DIMENSIONS}
    rows = CaseCode.objects.filter(case=case).select_related("code").order_by("code__position")
    for cc in rows:
        codes[FIELD_FOR[cc.dimension]].append(cc.code)
    bands = mapped_bands(case, return_code, year, age, relationship)
    return Coding(
        case=case,
        return_code=return_code,
        year=year,
        coded=coded,
        codes=codes,
        themes=[
            ct.theme
            for ct in CaseTheme.objects.filter(case=case)
            .select_related("theme")
            .order_by("theme__name")
        ],
        patient_age=age,
        age_source=source,
        relationship=relationship,
        age_band=bands.get(Dimension.AGE_BAND),
        status=bands.get(Dimension.STATUS),
        locked_by=covering(case.organisation, return_code, year),
    )


def mapped_bands(
    case: Case, return_code: str, year: int, age: int | None, relationship: str
) -> dict[str, Code]:
    """The age band and complainant status that `age` and `relationship` fall in, by the
    same expressions the KO41 report counts with (one rule), over the case's row."""
    lists = {
        cl.dimension: cl
        for cl in CodeList.objects.filter(
            return_code=return_code, year=year, dimension__in=MAPPED_DIMENSIONS
        ).prefetch_related("codes")
    }
    if not lists:
        return {}
    expressions = {}
    if Dimension.AGE_BAND in lists:
        expressions["band_age"] = age_band_expression(lists[Dimension.AGE_BAND], "fact_age")
    if Dimension.STATUS in lists:
        expressions["band_status"] = status_expression(lists[Dimension.STATUS], "fact_relation")
    row = (
        Case.objects.filter(pk=case.pk)
        .alias(
            fact_age=Value(age, output_field=IntegerField()),
            fact_relation=Value(relationship, output_field=CharField()),
        )
        .annotate(**expressions)
        .values(*expressions)
        .get()
    )
    by_id = {c.pk: c for cl in lists.values() for c in cl.codes.all()}
    dimension = {"band_age": Dimension.AGE_BAND, "band_status": Dimension.STATUS}
    return {dimension[k]: by_id[v] for k, v in row.items() if v in by_id}


def refresh_facts(case: Case) -> tuple[dict, dict]:
    """A coded case's raw facts (the patient's age at receipt, the complainant's relationship)
    read again after a correction to its people or its time of receipt (cases.corrections),
    in the caller's transaction, the case locked. Returns the old and new values of those
    that moved, for the correction's audit event; nothing when the case is not coded."""
    coding = CaseCoding.objects.filter(case=case).first()
    if coding is None:
        return {}, {}
    age, relationship = facts_of(case)
    if age is None:  # no date of birth: the age staff recorded when coding stands
        age = coding.patient_age
    facts = {"patient_age": age, "complainant_relationship": relationship}
    moved = {k: v for k, v in facts.items() if getattr(coding, k) != v}
    before = {k: getattr(coding, k) for k in moved}
    for k, v in moved.items():
        setattr(coding, k, v)
    if moved:
        coding.save(update_fields=list(moved))
    return before, moved


def _codes(choices: Choices, dimension: str, keys: Iterable[str]) -> list[Code]:
    keys = list(dict.fromkeys(k.strip() for k in keys if k and k.strip()))
    field = FIELD_FOR[dimension]
    if not keys:
        return []
    what = f"{choices.return_code} {choices.year_label} {Dimension(dimension).label.lower()}"
    if field not in choices.lists:
        if choices.themes_only:
            raise InvalidCase(
                field,
                f"there is no {what} list loaded, so this case can be coded with themes only; "
                "an administrator loads the year's lists with `candour codelists load`",
            )
        raise InvalidCase(
            field,
            f"there is no {what} list loaded; an administrator loads it with "
            "`candour codelists load`",
        )
    found = {c.key: c for c in choices.codes[field]}
    wrong = [k for k in keys if k not in found]
    if wrong:
        named = ", ".join(repr(k) for k in wrong)
        raise InvalidCase(field, f"{named} not in the {what} list; use {', '.join(found)}")
    return [found[k] for k in keys]


def _themes(case: Case, names: Iterable[str]) -> list[Theme]:
    """The organisation's live themes by name (any case of letters)."""
    names = list(dict.fromkeys(" ".join(n.split()) for n in names if n and n.strip()))
    if not names:
        return []
    mine = {
        t.name.lower(): t
        for t in Theme.objects.filter(organisation_id=case.organisation_id, retired=False)
    }
    wrong = [n for n in names if n.lower() not in mine]
    if wrong:
        listed = ", ".join(sorted(t.name for t in mine.values())) or "none yet"
        raise InvalidCase(
            "themes",
            f"{', '.join(repr(n) for n in wrong)} is not a theme of {case.organisation.name} "
            f"(its themes: {listed})",
        )
    return list({mine[n.lower()].pk: mine[n.lower()] for n in names}.values())


def _patient_age(case: Case, existing: CaseCoding | None, given) -> tuple[int | None, str]:
    """The age at receipt the coding records: from the date of birth when the case has one,
    else as staff record it (kept when not given)."""
    age, relationship = facts_of(case)
    if age is not None:
        if given not in (UNCHANGED, None) and given != age:
            raise InvalidCase(
                "patient_age",
                f"the patient's date of birth gives {age} at receipt; correct the date of birth "
                "with the case's people rather than the age here",
            )
        return age, relationship
    if given is UNCHANGED:
        return (existing.patient_age if existing else None), relationship
    if given is not None and (
        isinstance(given, bool) or not isinstance(given, int) or not 0 <= given <= MOST_YEARS
    ):
        raise InvalidCase(
            "patient_age", f"must be the patient's age at receipt in whole years, 0 to {MOST_YEARS}"
        )
    return given, relationship


def _ensure_open(case: Case, year: int, returns: set[str]) -> None:
    for return_code in sorted(returns):
        submitted = covering(case.organisation, return_code, year)
        if submitted is not None:
            raise ReturnSubmitted(submitted, case.reference)


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
    patient_age=UNCHANGED,
    add: bool = False,
) -> CaseCoding:
    """Code a case for reporting: the codes (keys) from its return's lists for the financial
    year it was received in, and its organisation's themes (names). They replace the earlier
    coding, or with `add` are added to it (bulk coding). A theme mapped onto a subject code of
    the return adds that subject when the year's list has it.

    An organisation that submits a KO41 return (`submits_ko41`) needs at least one subject
    area where the year's subject list is loaded; otherwise (a commissioner, a private clinic,
    a past year with no list) at least one theme or code. The return is the case's current
    one unless `return_code` names the other. `patient_age` is recorded only when the case
    has no date of birth. Refused with ReturnSubmitted while the return that counts the case
    is marked submitted. One `case_coded` audit event."""
    case = lock(case)
    if by is None or not may_code(by, case.organisation_id):
        raise PermissionDenied(f"You cannot code cases for {case.organisation.name}.")
    existing = CaseCoding.objects.filter(case=case).first()
    current = existing.return_code if existing else default_return(case.organisation)
    return_code = _return_code(case, return_code)
    year = financial_year(case.received_at)
    _ensure_open(case, year, {current, return_code})
    offered = _choices(case.organisation, return_code, year)
    chosen_themes = _themes(case, themes)
    live_subjects = {c.key for c in offered.codes.get("subjects", [])}
    subjects = list(subjects) + [
        key
        for key in (t.subject_keys.get(return_code) for t in chosen_themes)
        if key in live_subjects
    ]
    chosen: list[Code] = []
    for dimension, keys in (
        (Dimension.SUBJECT, subjects),
        (Dimension.SERVICE, services),
        (Dimension.PROFESSION, professions),
    ):
        chosen += _codes(offered, dimension, keys)
    if add:
        kept = CaseCode.objects.filter(case=case).select_related("code__code_list")
        chosen = [cc.code for cc in kept] + chosen
        chosen_themes = [
            ct.theme for ct in CaseTheme.objects.filter(case=case).select_related("theme")
        ] + chosen_themes
    chosen = list({c.pk: c for c in chosen}.values())
    chosen_themes = list({t.pk: t for t in chosen_themes}.values())
    if offered.subject_needed and not any(
        c.code_list.dimension == Dimension.SUBJECT for c in chosen
    ):
        raise InvalidCase(
            "subjects",
            f"choose at least one subject area from the {return_code} {offered.year_label} list "
            "(its 'Other' is the catch-all), or a theme that counts under one",
        )
    if not chosen and not chosen_themes:
        raise InvalidCase(
            "themes",
            "choose at least one theme" + ("" if offered.themes_only else " or code"),
        )
    age, relationship = _patient_age(case, existing, patient_age)
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
        **({"added": True} if add else {}),
    )
    # Again now that this transaction holds the audit chain's head (ADR 0016): a return
    # marked submitted meanwhile (its mark is audited too) has committed by now, and is seen.
    _ensure_open(case, year, {current, return_code})
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


# Bulk coding: the same codes added to many cases, from the worklist or a report's list of
# cases without a code (web) or POST /api/v1/coding/bulk.

MOST_AT_ONCE = 500


@dataclass(frozen=True)
class Refusal:
    reference: str
    field: str
    message: str


@dataclass
class BulkCoding:
    coded: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def code_cases(
    user,
    references: Iterable[str],
    *,
    subjects: Iterable[str] = (),
    services: Iterable[str] = (),
    professions: Iterable[str] = (),
    themes: Iterable[str] = (),
) -> BulkCoding:
    """Add the codes and themes to each case named, as `code_case(..., add=True)` does: each
    case found through `cases_for(user)`, checked against its own year's lists and its own
    organisation's themes, and coded in a transaction of its own with its own audit event.

    One transaction per case, not one for all: a case is locked before the audit chain's head
    (ADR 0016), and one transaction over hundreds of cases would hold the head, and so every
    other audited write, for all of them; and one case that cannot take the codes (a submitted
    return, a year whose list lacks a code) should not stop the rest. What was refused, and
    why, is returned case by case."""
    subjects, services, professions, themes = (
        list(subjects),
        list(services),
        list(professions),
        list(themes),
    )
    wanted = list(dict.fromkeys(r.strip().upper() for r in references if r and r.strip()))
    if not wanted:
        raise InvalidCase("references", "choose at least one case to code")
    if len(wanted) > MOST_AT_ONCE:
        raise InvalidCase(
            "references", f"name at most {MOST_AT_ONCE} cases at a time ({len(wanted)} were named)"
        )
    if not any(k and k.strip() for k in [*subjects, *services, *professions, *themes]):
        raise InvalidCase(
            "subjects", "choose at least one subject area, service area, profession or theme"
        )
    found = {
        c.reference.upper(): c
        for c in cases_for(user).filter(reference__in=wanted).select_related("organisation")
    }
    result = BulkCoding()
    for reference in wanted:
        case = found.get(reference)
        if case is None:
            result.refused.append(
                Refusal(reference, "references", f"there is no case {reference} that you can see")
            )
            continue
        try:
            code_case(
                case,
                by=user,
                subjects=subjects,
                services=services,
                professions=professions,
                themes=themes,
                add=True,
            )
        except InvalidCase as error:
            message = str(error).removeprefix(f"{error.field}: ")
            result.refused.append(Refusal(case.reference, error.field, message))
        except CaseError as error:
            result.refused.append(Refusal(case.reference, "", str(error)))
        else:
            result.coded.append(case.reference)
    return result


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


def ensure_theme(organisation: Organisation, *, by, name: str) -> Theme:
    """The organisation's theme of that name (any case of letters), made by `save_theme` if
    it has none: a theme named again on the coding page keeps its subject mapping."""
    name = " ".join((name or "").split())
    found = Theme.objects.filter(organisation=organisation, name__iexact=name).first()
    if found is not None and not found.retired:
        return found
    return save_theme(organisation, by=by, name=name)


# Mapping facts to bands in the database, from the list's own data.


def age_band_expression(code_list: CodeList, age: str = "fact_age") -> Expression:
    """A CASE expression giving each row's age band code id (of the alias `age`, from
    `live_facts` or `reported_facts`); no age falls to 'unknown'."""
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


def status_expression(code_list: CodeList, relationship: str = "fact_relation") -> Expression:
    """A CASE expression giving each row's complainant status code id."""
    codes = list(code_list.codes.all())
    unknown = next(c for c in codes if c.unknown)
    whens = [
        When(Q(**{f"{relationship}__in": c.relationships}), then=Value(c.pk))
        for c in codes
        if c.relationships and not c.unknown
    ]
    return When_(*whens, default=Value(unknown.pk), output_field=IntegerField())
