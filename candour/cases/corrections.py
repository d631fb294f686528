"""Corrections (issue 16): putting right what was recorded about a case or its people after
intake, each with a reason, the old and new values kept in the audit trail.

The case's details are checked by intake's own rules (`intake.check_details`), and a person's
by intake's check of a person (NHS number, date of birth, postcode). A person is held once
per organisation and may be on several cases (someone who complains twice, a parent for two
children): a correction is to the human, so it changes them on every case they are on, and
each of those cases' audit trail records it.

The time of receipt starts every clock, decides the reporting year and is counted by every
report. It may be corrected only while the case awaits acknowledgement (before any deadline
has been met or missed from it), not to a time after anything recorded on the case, and
within the financial year the case is coded for; the deadlines are then worked out again
from it by `changes.apply`, as for any change.

A coded case keeps the facts its age band and complainant status come from (the patient's
age at receipt, the complainant's relationship): a correction that moves them refreshes the
coding in the same transaction (`coding.refresh_facts`), and its audit event says so. This is
the one call from the case file up into coding, made so that a correction never leaves a
report counting what is no longer true.
"""

from __future__ import annotations

import copy
from dataclasses import fields
from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from candour.audit.chain import record
from candour.cases import deadlines
from candour.cases.access import may_see_identity
from candour.cases.changes import apply
from candour.cases.intake import (
    InvalidCase,
    check_details,
    check_person,
    needs_consent,
    needs_summary,
)
from candour.cases.models import (
    Case,
    CaseParty,
    ConsentState,
    PartyRole,
    Person,
    Relationship,
    Status,
)
from candour.cases.people import PersonDetails, create_person
from candour.cases.workflow import PermissionDenied, ensure_can, lock
from candour.coding.codelists import year_label
from candour.coding.coding import financial_year, refresh_facts
from candour.coding.models import CaseCoding
from candour.config.transactions import atomic
from candour.organisations.access import can
from candour.organisations.models import Capability

# What "Correct the case's details" may change: the contact record sheet (R3), the urgent
# clinical need (R4), confidentiality (R8), how and when it arrived (R2).
DETAILS = (
    "description",
    "desired_outcome",
    "event_date",
    "learned_date",
    "service",
    "staff_involved",
    "action_taken",
    "call_handler",
    "passed_on_to",
    "passed_on_at",
    "urgent_clinical_need",
    "urgent_clinical_note",
    "confidential",
    "channel",
    "received_at",
)
PERSON = tuple(f.name for f in fields(PersonDetails))
# Kept on the person's place on this case, not on the person: how they relate to the patient.
PLACE = ("relationship", "relationship_detail")
SPEAKING = (PartyRole.COMPLAINANT, PartyRole.REPRESENTATIVE)
# Who may be added after intake (the complainant is recorded with the case).
ADDABLE = (PartyRole.PATIENT, PartyRole.REPRESENTATIVE)
UNCHANGED = "are as recorded; change what is wrong, then save"


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidCase("reason", "is empty; say why it is corrected, for example 'misspelt'")
    return reason


def _differs(recorded, given) -> bool:
    """Whether `given` corrects `recorded`. People give times to the minute (the staff pages'
    date-and-time inputs) and browsers send a new line as CR LF: neither is a correction."""
    if isinstance(recorded, datetime) and isinstance(given, datetime):
        if given.second == given.microsecond == 0:
            recorded = recorded.replace(second=0, microsecond=0)
    elif isinstance(recorded, str) and isinstance(given, str):
        recorded, given = recorded.replace("\r\n", "\n"), given.replace("\r\n", "\n")
    return recorded != given


def _coded(values: dict) -> dict:
    """The coding's facts as the correction's audit event names them."""
    return {f"coded_{k}": v for k, v in values.items()}


# --- the case's details -----------------------------------------------------------------------


@atomic
def correct_details(case: Case, *, by, reason: str, **changes) -> Case:
    """Correct the case's own details (DETAILS), each as intake would have taken it, with a
    reason. Only what differs from the record changes. Whether the case was made in
    confidence is changed only by staff who may see confidential identities (R8). A new
    channel decides again whether a summary is needed (R5) unless one was approved; a new
    event date, date the complainant learned of it, or time of receipt decides again
    whether the complaint was made in time (R7) unless a decision on it was recorded.
    Writes details_corrected."""
    case = lock(case)
    ensure_can(case, "correct_details", by)
    unknown = sorted(set(changes) - set(DETAILS))
    if unknown:
        raise InvalidCase(unknown[0], "is not one of the case's details that can be corrected")
    reason = _reason(reason)
    if isinstance(changes.get("description"), str):
        changes["description"] = changes["description"].strip()
    changed = {k: v for k, v in changes.items() if _differs(getattr(case, k), v)}
    if not changed:
        raise InvalidCase("details", UNCHANGED)
    if "confidential" in changed and not can(
        by, Capability.VIEW_CONFIDENTIAL, case.organisation_id
    ):
        raise PermissionDenied(
            f"Only staff who may see confidential complainants' identities can change whether "
            f"{case.reference} was made in confidence."
        )
    corrected = copy.copy(case)
    for field, value in changed.items():
        setattr(corrected, field, value)
    check_details(corrected, timezone.now())
    if "received_at" in changed:
        changed |= _receipt_moved(case, corrected)
    if "channel" in changed and not case.summary_approved_at:
        changed["summary_required"] = needs_summary(case.kind, corrected.channel)
    if {"event_date", "learned_date", "received_at"} & set(changed) and not case.late_decision:
        organisation = case.organisation
        changed["out_of_time"] = deadlines.is_out_of_time(
            corrected, organisation.policy, organisation.working_calendar()
        )
    changed = {k: v for k, v in changed.items() if getattr(case, k) != v}
    before, after = refresh_facts(corrected) if "received_at" in changed else ({}, {})
    return apply(
        case,
        "correct_details",
        by=by,
        event="details_corrected",
        changes=changed,
        before=_coded(before),
        after=_coded(after),
        reason=reason,
    )


def _receipt_moved(case: Case, corrected: Case) -> dict:
    """What else moves with the time of receipt, once it is allowed to move at all."""
    field = "received_at"
    if case.status != Status.RECEIVED or case.stage != 1:
        raise InvalidCase(
            field,
            "can be corrected only while the case awaits acknowledgement: since then its "
            "deadlines have been met or missed from the time recorded",
        )
    new = corrected.received_at
    moving = {"stage_started_at": new}
    if case.consent_received_at == case.received_at:  # consent came with the complaint
        moving["consent_received_at"] = new
    for name, what, when in _times_recorded(corrected):
        if name not in moving and when < new:
            local = timezone.localtime(when)
            raise InvalidCase(
                field,
                f"is after the {what} ({deadlines.fmt(local.date())} at {local:%H:%M}); a case "
                "is received before anything is recorded on it",
            )
    coding = CaseCoding.objects.filter(case=case).first()
    if coding is not None and financial_year(new) != coding.year:
        raise InvalidCase(
            field,
            f"is not in {year_label(coding.year)}, the financial year {case.reference} is coded "
            "for: the codes come from that year's lists",
        )
    return moving


def _times_recorded(case: Case):
    """Every time the case holds of something that happened after its receipt: (field,
    what it is in words, when)."""
    for field in Case._meta.concrete_fields:
        if isinstance(field, models.DateTimeField) and field.name != "received_at":
            when = getattr(case, field.name)
            if when is not None:
                yield field.name, field.verbose_name, when
    for entry in case.contacts.all():
        yield "", f"contact log entry {entry.number}", entry.happened_at


# --- its people -------------------------------------------------------------------------------


def _may_change(case: Case, role: str, by) -> None:
    """R8: who made a confidential complaint, and who speaks for them, is for staff who may
    see their identity; the patient's details are not hidden."""
    if role in SPEAKING and not may_see_identity(by, case):
        raise PermissionDenied(
            f"{case.reference} was made in confidence: only staff who may see who made it can "
            "change who speaks for the patient or their details (R8)."
        )


def _party(case: Case, role: str, by) -> CaseParty:
    if role not in PartyRole.values:
        raise InvalidCase("role", f"must be one of {', '.join(PartyRole.values)}")
    _may_change(case, role, by)
    party = case.parties.select_related("person").filter(role=role).first()
    if party is None:
        more = "" if role == PartyRole.COMPLAINANT else "; add one instead"
        raise InvalidCase("role", f"{case.reference} has no {role} recorded{more}")
    return party


def _check_relationship(
    case: Case, role: str, relationship: str, person: Person | None = None
) -> None:
    if relationship not in Relationship.values:
        raise InvalidCase("relationship", f"must be one of {', '.join(Relationship.values)}")
    if relationship != Relationship.SELF:
        return
    if role == PartyRole.REPRESENTATIVE:
        raise InvalidCase("relationship", "cannot be the patient: a representative acts for them")
    if case.parties.filter(role=PartyRole.PATIENT).exclude(person=person).exists():
        raise InvalidCase(
            "relationship",
            "cannot be the patient: another person is recorded as the patient on this case",
        )


def _consent_follows(case: Case) -> dict:
    """R12: consent is needed when someone other than the patient speaks for them. Only a
    case where consent was never asked for follows a correction; once asked, the consent
    actions decide."""
    if case.consent_state not in (ConsentState.NOT_NEEDED, ConsentState.NEEDED):
        return {}
    speaking = case.parties.filter(role__in=SPEAKING).values_list("relationship", flat=True)
    needed = any(needs_consent(case.kind, case.anonymous, r) for r in speaking)
    state = ConsentState.NEEDED if needed else ConsentState.NOT_NEEDED
    return {"consent_state": state} if state != case.consent_state else {}


def _first_role(roles) -> str:
    return next(r for r in PartyRole.values if r in set(roles))


@atomic
def correct_person(case: Case, role: str, *, by, reason: str, **changes) -> Person:
    """Correct the details of the case's complainant, patient or representative (`role`):
    any of a person's details (PERSON), checked as intake checks them, and for the
    complainant or representative their relationship to the patient (PLACE), with a reason.
    The person is changed on every case they are on, and each such case's trail records it
    (person_corrected). A new relationship decides again whether consent is needed while it
    has not been asked for (R12). A coded case's age and relationship are refreshed."""
    # Every case the person is on is locked, in id order (docs/adr/0016): two corrections
    # of one person, begun from two of their cases, then wait for each other, never deadlock.
    person_id = case.parties.filter(role=role).values_list("person_id", flat=True).first()
    shared = Q(parties__person_id=person_id) if person_id is not None else Q(pk__in=[])
    sharing = Case.objects.filter(Q(pk=case.pk) | shared)
    locked = [lock(c) for c in sharing.distinct().order_by("pk")]
    case = next(c for c in locked if c.pk == case.pk)
    others = [c for c in locked if c.pk != case.pk]
    ensure_can(case, "correct_person", by)
    party = _party(case, role, by)
    unknown = sorted(set(changes) - set(PERSON) - set(PLACE))
    if unknown:
        raise InvalidCase(unknown[0], "is not a detail of a person that can be corrected")
    reason = _reason(reason)
    person = party.person
    details = PersonDetails(**{name: getattr(person, name) for name in PERSON})
    for name in PERSON:
        if name in changes:
            setattr(details, name, changes[name])
    check_person(details, timezone.localdate(), "")
    given = {n: getattr(details, n) for n in PERSON}
    moved = {n: v for n, v in given.items() if _differs(getattr(person, n), v)}
    placed = {n: v for n, v in changes.items() if n in PLACE and _differs(getattr(party, n), v)}
    if placed and role == PartyRole.PATIENT:
        raise InvalidCase(
            next(iter(placed)), "is the complainant's or representative's, not the patient's"
        )
    if "relationship" in placed:
        _check_relationship(case, role, placed["relationship"], person)
    if not moved and not placed:
        raise InvalidCase("details", UNCHANGED)
    before = {n: getattr(person, n) for n in moved} | {n: getattr(party, n) for n in placed}
    after = moved | placed
    for name, value in moved.items():
        setattr(person, name, value)
    if moved:
        person.save(update_fields=list(moved))
    if placed:
        # The relationship is the person's to the patient on this case: the same on their
        # place as complainant and as representative (intake records both).
        case.parties.filter(person=person, role__in=SPEAKING).update(**placed)
    coded_before, coded_after = refresh_facts(case)
    for other in others:
        was, now = refresh_facts(other)
        roles = other.parties.filter(person=person).values_list("role", flat=True)
        record(
            "person_corrected",
            actor=by,
            case=other,
            role=_first_role(roles),
            person=person.pk,
            before={n: before[n] for n in moved} | _coded(was),
            after=dict(moved) | _coded(now),
            reason=reason,
            corrected_on=case.reference,
        )
    apply(
        case,
        "correct_person",
        by=by,
        event="person_corrected",
        changes=_consent_follows(case),
        before=before | _coded(coded_before),
        after=after | _coded(coded_after),
        role=role,
        person=person.pk,
        reason=reason,
        also_on=[other.reference for other in others],
    )
    return person


@atomic
def add_person(
    case: Case,
    role: str,
    *,
    by,
    reason: str,
    details: PersonDetails,
    relationship: str = "",
    relationship_detail: str = "",
) -> Person:
    """Add the patient or a representative not recorded at intake (R11), checked as intake
    checks a person, with a reason. A patient can be added only when the complainant is
    someone else, and that complainant then speaks for them as their representative, as at
    intake; a representative needs their relationship to the patient. Consent follows who
    now speaks for the patient while it has not been asked for (R12). Writes person_added."""
    case = lock(case)
    ensure_can(case, "correct_person", by)
    if role not in ADDABLE:
        raise InvalidCase(
            "role",
            "only a patient or a representative can be added; the complainant is "
            "recorded with the case",
        )
    _may_change(case, role, by)
    reason = _reason(reason)
    if case.parties.filter(role=role).exists():
        raise InvalidCase("role", f"{case.reference} already has a {role}; correct them instead")
    if case.anonymous:
        raise InvalidCase("role", f"{case.reference} was made anonymously: it names no one")
    check_person(details, timezone.localdate(), "")
    complainant = case.parties.filter(role=PartyRole.COMPLAINANT).first()
    parties = []
    if role == PartyRole.PATIENT:
        if relationship or relationship_detail:
            raise InvalidCase("relationship", "is the complainant's, not the patient's")
        if complainant is not None and complainant.relationship == Relationship.SELF:
            raise InvalidCase(
                "role",
                "the complainant is the patient; correct the complainant's relationship to the "
                "patient first",
            )
        person = create_person(case.organisation, details)
        parties.append(CaseParty(case=case, person=person, role=PartyRole.PATIENT))
        speaks = case.parties.filter(role=PartyRole.REPRESENTATIVE).exists()
        if complainant is not None and not speaks:
            parties.append(
                CaseParty(
                    case=case,
                    person=complainant.person,
                    role=PartyRole.REPRESENTATIVE,
                    relationship=complainant.relationship,
                    relationship_detail=complainant.relationship_detail,
                )
            )
    else:
        if not relationship:
            raise InvalidCase("relationship", "is empty; say how they are related to the patient")
        _check_relationship(case, role, relationship)
        person = create_person(case.organisation, details)
        parties.append(
            CaseParty(
                case=case,
                person=person,
                role=role,
                relationship=relationship,
                relationship_detail=relationship_detail.strip(),
            )
        )
    CaseParty.objects.bulk_create(parties)
    coded_before, coded_after = refresh_facts(case)
    given = {n: getattr(details, n) for n in PERSON if getattr(details, n) not in ("", None, False)}
    if role == PartyRole.REPRESENTATIVE:
        given |= {"relationship": relationship, "relationship_detail": relationship_detail.strip()}
    apply(
        case,
        "correct_person",
        by=by,
        event="person_added",
        changes=_consent_follows(case),
        before=_coded(coded_before),
        after=given | _coded(coded_after),
        role=role,
        person=person.pk,
        reason=reason,
    )
    return person
