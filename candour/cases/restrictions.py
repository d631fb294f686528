"""The persistent, serial or vexatious contact procedure (R33): about a person, across the
cases they have brought, not about one case.

Seed 000, "Managing vexatious complainant": the Head of Healthcare provides the documents
(concerns recorded, stage 1 and stage 2 letters); the National Complaints Reviewer reviews
them and agrees with the National Medical Director that the patient is taken through the
route; the warning letter, signed by the National Medical Director, directs the patient to
the next stage. Seed 002 §13.7.3: the procedure "will only be invoked when there is clear,
documented evidence that reasonable efforts have been made to respond to the complainant's
concerns within the usual processes" and its letters are "approved and signed by the
Accountable Officer or the appropriate Director". Seed 001 §13: the Executive Manager.

Who reviews and who approves is the policy's (policy.PersistentContact). The steps:
open (from a case) → evidence → review → approve (with the restrictions and a review date)
or not approve → warning letter sent (restrictions in force) → reviewed on its date, kept
with a new date or lifted. While the restrictions are in force they are enforced where staff
record contact with the person (check_contact) and shown where feedback from them arrives.
Each step is one transaction with its audit event.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from candour.cases.access import CONFIDENTIAL
from candour.cases.deadlines import fmt, period_end
from candour.cases.intake import InvalidCase, not_before, when_on_case
from candour.cases.models import (
    Case,
    ContactDirection,
    ContactMethod,
    PartyRole,
    Person,
    StageResponse,
)
from candour.cases.person_records import record_about
from candour.cases.route_models import (
    RESTRICTION_LIVE,
    ContactRestriction,
    RestrictionEvidence,
    RestrictionStatus,
)
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed, lock
from candour.config.transactions import atomic
from candour.organisations.access import can, organisation_ids_for, people_with
from candour.organisations.models import Capability, Membership, Organisation
from candour.organisations.policy import PersistentContact

S = RestrictionStatus
# The worklist's queue "Restrictions due for review": in force, and the review date is within
# this many days, or past.
REVIEW_NOTICE = timedelta(days=28)


class RestrictionNotFound(LookupError):
    pass


# --- reading ---------------------------------------------------------------------------------


def restrictions_for(user, capability: Capability = Capability.VIEW_CASES) -> QuerySet:
    """The procedures of the organisations where `user` holds `capability` (and below)."""
    return ContactRestriction.objects.filter(
        organisation_id__in=organisation_ids_for(user, capability)
    ).select_related("organisation", "person", "single_point_of_contact")


def get_restriction(user, pk: int, capability: Capability = Capability.VIEW_CASES):
    found = restrictions_for(user, capability).filter(pk=pk).first()
    if found is None:
        raise RestrictionNotFound(f"There is no restriction {pk} that you can see.")
    return found


def due_for_review(user, today: date | None = None) -> QuerySet:
    """Restrictions in force whose review date is past or within REVIEW_NOTICE, soonest first."""
    today = today or timezone.localdate()
    return (
        restrictions_for(user)
        .filter(status=S.IN_FORCE, review_due__lte=today + REVIEW_NOTICE)
        .order_by("review_due", "pk")
    )


def same_person(person: Person) -> Q:
    """People rows that are `person`: each case holds its own copy of who complained, so the
    same person is found again by NHS number, email, or name with date of birth."""
    q = Q(pk=person.pk)
    if person.nhs_number:
        q |= Q(nhs_number=person.nhs_number)
    if person.email:
        q |= Q(email__iexact=person.email)
    if person.last_name and person.date_of_birth:
        q |= Q(
            first_name__iexact=person.first_name,
            last_name__iexact=person.last_name,
            date_of_birth=person.date_of_birth,
        )
    return q


def complainant_of(case: Case) -> Person | None:
    party = case.parties.filter(role=PartyRole.COMPLAINANT).select_related("person").first()
    return party.person if party else None


def in_force_for(case: Case) -> list[ContactRestriction]:
    """The restrictions in force that apply to the case: linked to it, or about the person
    who complained in it (found again by identity, see same_person)."""
    live = ContactRestriction.objects.filter(
        organisation_id=case.organisation_id, status=S.IN_FORCE
    ).select_related("single_point_of_contact", "person", "organisation")
    linked = list(live.filter(cases=case))
    person = complainant_of(case)
    if person is not None:
        people = Person.objects.filter(same_person(person), organisation_id=case.organisation_id)
        linked += [r for r in live.filter(person__in=people) if r not in linked]
    return linked


def channels_text(channels) -> str:
    labels = [ContactMethod(c).label.lower() for c in channels]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def person_name(user, procedure) -> str:
    """The person's name on a procedure or plan (anything with an organisation, cases and a
    person) as `user` may see it (R8): "Confidential" where one of its cases is confidential
    and the user may not see confidential identities."""
    confidential = procedure.cases.filter(confidential=True).exists()
    if confidential and not can(user, Capability.VIEW_CONFIDENTIAL, procedure.organisation_id):
        return CONFIDENTIAL
    return procedure.person.full_name


def describe(restriction: ContactRestriction, name: str = "") -> str:
    """In words, for messages: "Ms Ada Example may be contacted only by letter or email,
    through Carol Cole (WAL-PC1, review by 1 May 2027)"; `name` in place of the person's."""
    through = (
        f", through {_name(restriction.single_point_of_contact)}"
        if restriction.single_point_of_contact
        else ""
    )
    return (
        f"{name or restriction.person.full_name} may be contacted only by "
        f"{channels_text(restriction.channels)}{through} ({restriction.reference}, review by "
        f"{fmt(restriction.review_due)})"
    )


def check_contact(case: Case, channel: str, direction: str, by) -> str:
    """Enforce the restrictions in force for the case's complainant on a contact being
    recorded (candour.cases.contacts.log_contact). Staff contacting them on a channel the
    restriction does not allow, or anyone but the single point of contact contacting them,
    is refused; a contact from them on such a channel did happen, so it is recorded and this
    returns the warning to show and audit ("" when there is nothing to say)."""
    # R8: on a confidential case the messages (and the audit event they go into) do not name
    # the person; the contact log's own rule withholds names there too.
    name = "The complainant" if case.confidential else ""
    warnings = []
    for restriction in in_force_for(case):
        allowed = channel in restriction.channels
        if direction == ContactDirection.TO_COMPLAINANT:
            if not allowed:
                raise InvalidCase(
                    "channel",
                    f"is not allowed: {describe(restriction, name)}. Contact them by one of those "
                    "channels, or review the restriction first",
                )
            spoc = restriction.single_point_of_contact
            if spoc is not None and by is not None and spoc.pk != by.pk:
                raise PermissionDenied(
                    f"Only {_name(spoc)}, the single point of contact, contacts "
                    f"{name.lower() or restriction.person.full_name} while "
                    f"{restriction.reference} is in force; "
                    f"ask them to make this contact."
                )
        elif direction == ContactDirection.FROM_COMPLAINANT and not allowed:
            warnings.append(
                "This contact came by a channel outside the restriction: "
                f"{describe(restriction, name)}"
            )
    return "; ".join(warnings)


def contact_warning(entry) -> str:
    """What staff are told once a contact is recorded (the web page's message and the API's
    `warning`): the restriction a contact from the person fell outside, or "" (one to them
    outside it is refused, check_contact)."""
    return check_contact(entry.case, entry.channel, entry.direction, None)


def contact_recorded(entry) -> str:
    """The staff page's message once a contact is recorded, with contact_warning."""
    if not hasattr(entry, "direction"):  # given a case (the forms' words about a case)
        return "Contact recorded"
    warning = contact_warning(entry)
    return f"Contact recorded. {warning}" if warning else "Contact recorded"


def arrival_warning(case: Case) -> str:
    """What staff are told when a case arrives from a person under restrictions, on the
    intake pages and in the API's `warning` alike: it is recorded (the right to complain
    stands, 002 §13.7.1), with the restriction named; "" when none applies."""
    name = "The complainant" if case.confidential else ""
    notes = []
    for restriction in in_force_for(case):
        outside = case.channel not in restriction.channels
        notes.append(
            f"{describe(restriction, name)}."
            + (" This arrived by a channel outside the restriction." if outside else "")
        )
    return f"Persistent contact restrictions: {' '.join(notes)}" if notes else ""


# --- rules shared by the steps ----------------------------------------------------------------


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _procedure(organisation: Organisation) -> PersistentContact:
    procedure = organisation.policy.persistent_contact
    if procedure is None:
        raise TransitionNotAllowed(
            f"{organisation.name}'s policy has no persistent contact procedure; an administrator "
            "adds one (persistent_contact) to the policy."
        )
    return procedure


def roles_at(user, organisation: Organisation, roles: list[str]) -> set[str]:
    """Which of `roles` the user holds at the organisation or above it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    lineage = [int(i) for i in organisation.path.strip("/").split("/") if i]
    return set(
        Membership.objects.filter(
            user=user, organisation_id__in=lineage, role__name__in=roles
        ).values_list("role__name", flat=True)
    )


def _ensure_role(restriction, by, roles: list[str], doing: str) -> str:
    held = roles_at(by, restriction.organisation, roles)
    if not held:
        raise PermissionDenied(
            f"Only the {' or the '.join(roles)} at {restriction.organisation.name} or above may "
            f"{doing}."
        )
    return sorted(held)[0]


def _ensure_handler(organisation: Organisation, by) -> None:
    if not can(by, Capability.HANDLE_CASES, organisation.pk):
        raise PermissionDenied(
            f"You do not have a role at {organisation.name} that allows this "
            f"({Capability.HANDLE_CASES.label.lower()})."
        )


def _ensure_status(restriction, statuses, doing: str) -> None:
    if restriction.status not in statuses:
        allowed = ", ".join(S(s).label.lower() for s in statuses)
        raise TransitionNotAllowed(
            f"{restriction.reference} cannot {doing}: it is "
            f"{S(restriction.status).label.lower()}. This is allowed only when it is {allowed}."
        )


def _text(value: str, field: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidCase(field, f"is empty; {what}")
    return value


def _when(restriction, at: datetime | None, field: str = "at", *, after=None, what="") -> datetime:
    """When a step happened: now if not given; not in the future; not before the procedure
    opened (or `after`)."""
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        raise InvalidCase(field, "needs a time zone")
    if at > now + timedelta(minutes=5):
        raise InvalidCase(field, "is in the future")
    at = not_before(at, restriction.opened_at, field, "the procedure was opened")
    return not_before(at, after, field, what) if after is not None else at


def _locked(restriction: ContactRestriction) -> ContactRestriction:
    return (
        ContactRestriction.objects.select_for_update(of=("self",))
        .select_related("organisation", "person", "single_point_of_contact")
        .get(pk=restriction.pk)
    )


# --- the steps --------------------------------------------------------------------------------


@atomic
def open_procedure(case: Case, *, by, grounds: str, at: datetime | None = None):
    """Start the procedure for the person who complained in `case`, with why it is being
    considered (002 §13.7.2: "seldom the case" — so the grounds are required). The person
    may not already have a procedure under way or in force. Writes
    persistent_contact_procedure_opened on the case."""
    case = lock(case)
    _ensure_handler(case.organisation, by)
    _procedure(case.organisation)
    grounds = _text(
        grounds,
        "grounds",
        "say why the person's contact may be unreasonably persistent, serial or vexatious",
    )
    person = complainant_of(case)
    if person is None:
        raise InvalidCase(
            "case",
            f"{case.reference} has no named complainant; the procedure is about a person",
        )
    at = when_on_case(case, at)
    people = Person.objects.filter(same_person(person), organisation_id=case.organisation_id)
    existing = ContactRestriction.objects.filter(
        organisation_id=case.organisation_id, person__in=people, status__in=RESTRICTION_LIVE
    ).first()
    if existing is not None:
        raise InvalidCase(
            "case",
            f"{person.full_name} already has {existing.reference} "
            f"({S(existing.status).label.lower()}); add {case.reference} to it instead",
        )
    number = (
        ContactRestriction.objects.filter(organisation_id=case.organisation_id).aggregate(
            n=Max("number")
        )["n"]
        or 0
    ) + 1
    restriction = ContactRestriction.objects.create(
        organisation=case.organisation,
        number=number,
        person=person,
        grounds=grounds,
        opened_at=at,
        opened_by=by,
    )
    restriction.cases.add(case)
    record_about(
        "persistent_contact_procedure_opened", restriction, by, case=case, at=at, grounds=grounds
    )
    return restriction


@atomic
def link_case(restriction: ContactRestriction, case: Case, *, by) -> ContactRestriction:
    """Add another case of the same organisation to the procedure: it concerns the person,
    across their cases. Writes persistent_contact_case_linked on the case."""
    case = lock(case)
    restriction = _locked(restriction)
    _ensure_handler(restriction.organisation, by)
    _ensure_status(restriction, RESTRICTION_LIVE, "have a case added")
    if case.organisation_id != restriction.organisation_id:
        raise InvalidCase(
            "case", f"{case.reference} belongs to another organisation than {restriction.reference}"
        )
    if restriction.cases.filter(pk=case.pk).exists():
        raise InvalidCase("case", f"{case.reference} is already part of {restriction.reference}")
    restriction.cases.add(case)
    record_about("persistent_contact_case_linked", restriction, by, case=case)
    return restriction


@atomic
def add_evidence(
    restriction: ContactRestriction,
    *,
    by,
    description: str,
    dated: date | None,
    case_reference: str = "",
) -> RestrictionEvidence:
    """Documented evidence (002 §13.7.3; 000 step 1: "concerns recorded, stage 1 letter and
    stage 2"): what it is, its date, and the case it comes from. Before the decision only.
    Writes persistent_contact_evidence_added."""
    restriction = _locked(restriction)
    _ensure_handler(restriction.organisation, by)
    _ensure_status(restriction, (S.EVIDENCE, S.REVIEWED), "take more evidence")
    description = _text(
        description,
        "description",
        "say what the document or contact shows, for example "
        "'Stage 2 response of 3 March, answering every issue raised'",
    )
    if dated is None:
        raise InvalidCase("dated", "is empty; give the date of the letter, call or event")
    if dated > timezone.localdate():
        raise InvalidCase("dated", "is in the future")
    case = None
    if case_reference.strip():
        case = restriction.cases.filter(reference=case_reference.strip()).first()
        if case is None:
            raise InvalidCase(
                "case_reference",
                f"is not one of {restriction.reference}'s cases; add the case to it first",
            )
    number = (restriction.evidence.aggregate(n=Max("number"))["n"] or 0) + 1
    item = RestrictionEvidence.objects.create(
        restriction=restriction,
        number=number,
        description=description,
        case=case,
        dated=dated,
        recorded_at=timezone.now(),
        recorded_by=by,
    )
    record_about(
        "persistent_contact_evidence_added",
        restriction,
        by,
        evidence=number,
        description=description,
        dated=dated,
        case_reference=case.reference if case else "",
    )
    return item


@atomic
def review(
    restriction: ContactRestriction, *, by, summary: str, at: datetime | None = None
) -> ContactRestriction:
    """The reviewer's review of the evidence (000 step 3: "National Complaints Reviewer
    reviews the letters in depth"): needs documented evidence, and a response already sent
    on at least one of the cases (002 §13.7.3: "reasonable efforts have been made to respond
    to the complainant's concerns within the usual processes"; 000: "although previously
    responded to stage 2"). Writes persistent_contact_reviewed."""
    restriction = _locked(restriction)
    procedure = _procedure(restriction.organisation)
    role = _ensure_role(restriction, by, procedure.reviewer_roles, "review the evidence")
    _ensure_status(restriction, (S.EVIDENCE,), "be reviewed")
    if not restriction.evidence.exists():
        raise InvalidCase(
            "summary",
            f"{restriction.reference} has no documented evidence yet; add the evidence first",
        )
    if not StageResponse.objects.filter(case__in=restriction.cases.all()).exists():
        raise InvalidCase(
            "summary",
            f"none of {restriction.reference}'s cases has had a response yet; the procedure "
            "applies only once reasonable efforts have been made to respond within the usual "
            "process",
        )
    summary = _text(summary, "summary", "say what the review found and what it recommends")
    at = _when(restriction, at)
    restriction.status, restriction.reviewed_at, restriction.reviewed_by = S.REVIEWED, at, by
    restriction.review_summary = summary
    restriction.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_summary"])
    record_about("persistent_contact_reviewed", restriction, by, at=at, role=role, summary=summary)
    return restriction


@atomic
def approve(
    restriction: ContactRestriction,
    *,
    by,
    channels: list[str],
    single_point_of_contact=None,
    review_due: date | None = None,
    note: str = "",
    at: datetime | None = None,
) -> ContactRestriction:
    """The accountable officer's approval (000 step 3: agreed with the National Medical
    Director; 002 §13.7.3: the Accountable Officer or the appropriate Director), with the
    restrictions: the channels the person may use, a single point of contact, and when they
    are reviewed (the policy's review_after from the decision unless given). Writes
    persistent_contact_approved."""
    restriction = _locked(restriction)
    procedure = _procedure(restriction.organisation)
    role = _ensure_role(restriction, by, procedure.approver_roles, "approve the decision")
    _ensure_status(restriction, (S.REVIEWED,), "be approved")
    at = _when(restriction, at, after=restriction.reviewed_at, what="the review")
    channels = list(dict.fromkeys(channels or []))
    unknown = [c for c in channels if c not in ContactMethod.values]
    if unknown:
        raise InvalidCase("channels", f"must be among {', '.join(ContactMethod.values)}")
    if not channels:
        raise InvalidCase(
            "channels", "is empty; choose the ways the person may still contact us, such as letter"
        )
    if single_point_of_contact is not None and single_point_of_contact not in people_with(
        Capability.HANDLE_CASES, restriction.organisation
    ):
        raise InvalidCase(
            "single_point_of_contact",
            f"must be someone who handles cases at {restriction.organisation.name}",
        )
    calendar = restriction.organisation.working_calendar()
    decided_on = timezone.localdate(at)
    if review_due is None:
        review_due, _ = period_end(calendar, at, procedure.review_after)
    if review_due <= decided_on:
        raise InvalidCase("review_due", f"must be after the decision, {fmt(decided_on)}")
    restriction.status = S.APPROVED
    restriction.decided_at, restriction.decided_by, restriction.decided_as = at, by, role
    restriction.decision_note = (note or "").strip()
    restriction.channels = channels
    restriction.single_point_of_contact = single_point_of_contact
    restriction.review_due = review_due
    restriction.save()
    record_about(
        "persistent_contact_approved",
        restriction,
        by,
        at=at,
        role=role,
        channels=channels,
        single_point_of_contact=single_point_of_contact.get_username()
        if single_point_of_contact
        else "",
        review_due=review_due,
        note=restriction.decision_note,
    )
    return restriction


@atomic
def decline(
    restriction: ContactRestriction, *, by, reason: str, at: datetime | None = None
) -> ContactRestriction:
    """The approver does not approve (002 §13.7.2: "it is seldom the case that a complainant
    who is persistent ... should be dealt with via this procedure"). Writes
    persistent_contact_not_approved."""
    restriction = _locked(restriction)
    procedure = _procedure(restriction.organisation)
    role = _ensure_role(restriction, by, procedure.approver_roles, "decide on the procedure")
    _ensure_status(restriction, (S.REVIEWED,), "be decided")
    reason = _text(reason, "reason", "say why the procedure is not approved")
    at = _when(restriction, at, after=restriction.reviewed_at, what="the review")
    restriction.status, restriction.decided_at, restriction.decided_by = S.NOT_APPROVED, at, by
    restriction.decided_as, restriction.decision_note = role, reason
    restriction.save()
    record_about(
        "persistent_contact_not_approved", restriction, by, at=at, role=role, reason=reason
    )
    return restriction


@atomic
def record_warning(
    restriction: ContactRestriction,
    *,
    by,
    note: str = "",
    letter_id: int | None = None,
    at: datetime | None = None,
) -> ContactRestriction:
    """The warning letter has gone (000 step 4: signed by the National Medical Director and
    hand delivered; 002 §13.7.3: "communicated to the complainant, in writing"): the
    restrictions are in force from then. The letter is a vexatious warning letter of one of
    the procedure's cases that has been sent, or `note` says how it went. Writes
    persistent_contact_warning_sent."""
    from candour.letters.models import Letter, LetterStatus

    restriction = _locked(restriction)
    _ensure_handler(restriction.organisation, by)
    _ensure_status(restriction, (S.APPROVED,), "have its warning letter recorded")
    letter = None
    if letter_id is not None:
        letter = Letter.objects.filter(
            pk=letter_id, case__in=restriction.cases.all(), kind="vexatious_warning"
        ).first()
        if letter is None:
            raise InvalidCase(
                "letter", f"is not a vexatious warning letter of {restriction.reference}'s cases"
            )
        if letter.status != LetterStatus.DISPATCHED:
            raise InvalidCase("letter", "has not been sent yet; record its dispatch first")
    note = (note or "").strip()
    if letter is None and not note:
        raise InvalidCase(
            "note",
            "is empty; say how the signed warning letter went, for example 'hand "
            "delivered, marked medical in confidence'",
        )
    at = _when(restriction, at, after=restriction.decided_at, what="the decision")
    restriction.status, restriction.warned_at = S.IN_FORCE, at
    restriction.warning_note, restriction.warning_letter = note, letter
    restriction.save(update_fields=["status", "warned_at", "warning_note", "warning_letter"])
    record_about(
        "persistent_contact_warning_sent",
        restriction,
        by,
        at=at,
        note=note,
        letter=letter.pk if letter else None,
        review_due=restriction.review_due,
    )
    return restriction


def _ensure_decider(restriction, by, doing: str) -> str:
    procedure = _procedure(restriction.organisation)
    return _ensure_role(
        restriction, by, [*procedure.reviewer_roles, *procedure.approver_roles], doing
    )


@atomic
def keep(
    restriction: ContactRestriction,
    *,
    by,
    next_review: date | None,
    note: str,
    at: datetime | None = None,
) -> ContactRestriction:
    """The restrictions were reviewed on or near their date and stay, until `next_review`.
    Writes persistent_contact_restrictions_kept."""
    restriction = _locked(restriction)
    role = _ensure_decider(restriction, by, "review the restrictions")
    _ensure_status(restriction, (S.IN_FORCE,), "be reviewed")
    note = _text(note, "note", "say why the restrictions are still needed")
    at = _when(restriction, at, after=restriction.warned_at, what="the restrictions began")
    if next_review is None:
        raise InvalidCase("next_review", "is empty; give the date of the next review")
    if next_review <= timezone.localdate(at):
        raise InvalidCase("next_review", f"must be after the review, {fmt(timezone.localdate(at))}")
    previous = restriction.review_due
    restriction.review_due, restriction.last_review_at = next_review, at
    restriction.save(update_fields=["review_due", "last_review_at"])
    record_about(
        "persistent_contact_restrictions_kept",
        restriction,
        by,
        at=at,
        role=role,
        note=note,
        previous_review_due=previous,
        review_due=next_review,
    )
    return restriction


@atomic
def lift(
    restriction: ContactRestriction, *, by, reason: str, at: datetime | None = None
) -> ContactRestriction:
    """The restrictions end (or, approved but not yet in force, are withdrawn). Writes
    persistent_contact_restrictions_lifted."""
    restriction = _locked(restriction)
    role = _ensure_decider(restriction, by, "lift the restrictions")
    _ensure_status(restriction, (S.APPROVED, S.IN_FORCE), "be lifted")
    reason = _text(reason, "reason", "say why the restrictions are no longer needed")
    at = _when(restriction, at, after=restriction.decided_at, what="the decision")
    restriction.status, restriction.lifted_at, restriction.lifted_by = S.LIFTED, at, by
    restriction.lifted_reason = reason
    restriction.save(update_fields=["status", "lifted_at", "lifted_by", "lifted_reason"])
    record_about(
        "persistent_contact_restrictions_lifted", restriction, by, at=at, role=role, reason=reason
    )
    return restriction
