"""Every query on case data goes through here (DESIGN.md, authorisation).

`cases_for(user)` is the only way for an interface to reach cases: it returns the cases of
the organisations where the user holds a role, and of every organisation below them. A case
outside them does not exist as far as that user can tell: not found, never "forbidden", so
that a reference cannot be probed.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch, Q

from candour.audit.chain import record
from candour.cases.models import (
    Case,
    CaseAction,
    CaseParty,
    ContactEntry,
    JointPart,
    Lesson,
    PartyRole,
    Person,
    Referral,
    StageResponse,
    StatementRequest,
)
from candour.organisations.access import can, organisation_ids_for
from candour.organisations.models import Capability


class CaseNotFound(LookupError):
    def __init__(self, reference: str):
        super().__init__(f"There is no case {reference} that you can see.")
        self.reference = reference


def cases_for(user, capability: Capability = Capability.VIEW_CASES):
    """The cases `user` may see (or act on, with another capability)."""
    return Case.objects.filter(organisation_id__in=organisation_ids_for(user, capability))


def on_visible_cases(user, capability: Capability = Capability.VIEW_CASES) -> Q:
    """The condition for rows that belong to a case (letters, lessons, actions) to be on a case
    `user` may see: the case's organisation is one `cases_for` reads. Joined through the case,
    not `case__in=cases_for(user)`: with that, SQLite gathered every case id of the user's
    organisations before it read a row (100 ms for a regional user at 1,000,000 cases)."""
    return Q(case__organisation_id__in=organisation_ids_for(user, capability))


def responses_for(user, capability: Capability = Capability.VIEW_CASES):
    """The stage responses (StageResponse) of the cases `user` may see: the same
    organisations as `cases_for`, for the reports that count what was answered."""
    return StageResponse.objects.filter(organisation_id__in=organisation_ids_for(user, capability))


def cases_in(user, organisation_id: int, capability: Capability = Capability.VIEW_CASES):
    """The cases of one of the user's organisations (none if it is not theirs), for queries
    that walk one organisation at a time (candour.cases.listing)."""
    if organisation_id not in organisation_ids_for(user, capability):
        return Case.objects.none()
    return Case.objects.filter(organisation_id=organisation_id)


class PartNotFound(CaseNotFound):
    def __init__(self, reference: str, number: int):
        LookupError.__init__(self, f"There is no part {number} of {reference} that you can see.")
        self.reference = reference


def parts_for(user, capability: Capability = Capability.VIEW_CASES):
    """R31: the parts of joint complaints `user` may see. The lead's staff see every part of
    a case they see (`cases_for`); a contributor's staff, through their own organisations,
    see the parts shared with them until a part is withdrawn, and nothing else of the case:
    the case page, the case's API, its files, letters and timeline stay `cases_for`'s
    alone."""
    ids = organisation_ids_for(user, capability)
    return JointPart.objects.filter(
        Q(case__organisation_id__in=ids)
        | Q(organisation_id__in=ids, shared_at__isnull=False, withdrawn_at__isnull=True)
    )


def get_part(user, reference: str, number: int) -> JointPart:
    """One part a user may see (`parts_for`), with its case and the organisations; any
    other is not found, as a case is."""
    try:
        return (
            parts_for(user)
            .select_related("case__organisation", "organisation", "joint")
            .get(case__reference=reference, number=number)
        )
    except JointPart.DoesNotExist:
        raise PartNotFound(reference, number) from None


def sees_whole_case(user, part: JointPart) -> bool:
    """Whether `user` sees the part's case itself (the lead's staff, or an organisation
    above the lead), not only the part."""
    return part.case.organisation_id in organisation_ids_for(user)


def people_for(user):
    """The people `user` may look up. R8: whoever complained in confidence (and anyone acting
    for them) is left out where the user may not see confidential identities."""
    people = Person.objects.filter(organisation_id__in=organisation_ids_for(user))
    hidden = (
        CaseParty.objects.filter(case__confidential=True)
        .exclude(role=PartyRole.PATIENT)
        .exclude(case__organisation_id__in=organisation_ids_for(user, Capability.VIEW_CONFIDENTIAL))
        .values("person_id")
    )
    return people.exclude(pk__in=hidden)


def get_case(user, reference: str, capability: Capability = Capability.VIEW_CASES) -> Case:
    try:
        return cases_for(user, capability).select_related("organisation").get(reference=reference)
    except Case.DoesNotExist:
        raise CaseNotFound(reference) from None


def get_case_in_full(user, reference: str) -> Case:
    """A case with everything a page of it shows read in a fixed number of queries, however
    many people, issues and pauses it has: the people on it, its issues and pauses (which
    deadlines.for_case reuses), the staff named on it, its contact log with its files and each
    stage's response."""
    try:
        return (
            cases_for(user)
            .select_related(
                "organisation", "handler", "investigator", "recorded_by", "handling_plan", "joint"
            )
            .prefetch_related(
                Prefetch("parties", queryset=CaseParty.objects.select_related("person")),
                "issues",
                "pauses",
                Prefetch(
                    "actions",
                    queryset=CaseAction.objects.select_related(
                        "owner", "completed_by", "verified_by"
                    ).prefetch_related("themes"),
                ),
                Prefetch("referrals", queryset=Referral.objects.select_related("owner")),
                Prefetch("joint_parts", queryset=JointPart.objects.select_related("organisation")),
                "staff",
                Prefetch(
                    "statement_requests", queryset=StatementRequest.objects.select_related("staff")
                ),
                "evidence",
                "remedies",
                "ombudsman_referrals",
                "responses",
                Prefetch(
                    "lessons",
                    queryset=Lesson.objects.select_related("recorded_by").prefetch_related(
                        "themes"
                    ),
                ),
                Prefetch(
                    "contacts",
                    queryset=ContactEntry.objects.select_related(
                        "party__person", "recorded_by"
                    ).prefetch_related("attachments"),
                ),
            )
            .get(reference=reference)
        )
    except Case.DoesNotExist:
        raise CaseNotFound(reference) from None


def open_case(user, reference: str, *, purpose: str = "viewed") -> Case:
    """Fetch a case to show it in full, and log the read as an access event (R38). Only the
    event is written in a transaction: on SQLite every transaction takes the database's
    write lock, and the reads need not hold it."""
    case = get_case_in_full(user, reference)
    with transaction.atomic():
        record("case_viewed", actor=user, case=case, purpose=purpose)
    return case


def may_see_identity(user, case: Case) -> bool:
    """R8: a confidential complainant's identity is for staff with need to know."""
    return not case.confidential or can(user, Capability.VIEW_CONFIDENTIAL, case.organisation_id)


def parties_as_seen_by(user, case: Case) -> list[CaseParty]:
    parties = list(case.parties.all())
    if may_see_identity(user, case):
        return parties
    # R8, 002 §9.6: the complainant and their representative are hidden; the patient, a
    # different person whom the investigation must identify, is not. (This used to test
    # `not case.confidential` here too, which is never true on this path, so it hid everyone.)
    speaking = {p.person_id for p in parties if p.role != PartyRole.PATIENT}
    return [p for p in parties if p.role == PartyRole.PATIENT and p.person_id not in speaking]


ANONYMOUS = "Anonymous"
CONFIDENTIAL = "Confidential"
WITHHELD = "Withheld: made in confidence"

# Audit events whose data may name who made a complaint or who speaks for the patient.
NAMING_EVENTS = frozenset({"person_corrected", "person_added", "contact_logged"})


def event_data_as_seen(event: str, data: dict, *, identity_visible: bool) -> dict:
    """An audit event's data as a user reads it on the case's timeline (R8): on a confidential
    case, for staff who may not see who made it, a correction to the complainant or the
    representative says only whose it was, and a contact's name written in is withheld.
    The patient's details are shown, as they are on the case."""
    if identity_visible or event not in NAMING_EVENTS or data.get("role") == PartyRole.PATIENT:
        return data
    if event == "contact_logged":
        return data | {"with_whom": WITHHELD} if data.get("with_whom") else data
    return {"role": data.get("role", ""), "withheld": WITHHELD}


def complainant_name(user, case: Case) -> str:
    """The complainant's name as `user` may see it (R8): "Anonymous", "Confidential" or the
    name. Reads case.parties.all(), so list pages prefetch the parties with their people."""
    if case.anonymous:
        return ANONYMOUS
    if not may_see_identity(user, case):
        return CONFIDENTIAL
    for party in parties_as_seen_by(user, case):
        if party.role == PartyRole.COMPLAINANT:
            return party.person.full_name
    return ""
