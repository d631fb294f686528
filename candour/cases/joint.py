"""Joint complaints (R31): one lead organisation, others contribute, one coordinated response.

Seed 001 §8: "If the complaint involves another organisation as well, Minster Medical Group
will endeavor to ensure that the complainant should be sent a single, coordinated response.
The organisation which has the most serious complaint or large number of issues about it
would normally take the lead." Seed 001 Appendix B grades such a complaint "Level 4 Complex:
A serious complaint involving more than one provider"; seed 002 §10.7.1 deals with one "in a
co-ordinated way".

- The case's own organisation leads; starting the joint complaint records why
  (`start_joint`). Grade 4 needs it (`grade_refusal`, asked by handling.grade_case).
- Each contributor, an organisation in Candour or one named outside it, gets a part: what is
  asked of it, the issues it answers and a due date (`add_part`).
- A part is shared only with the complainant's consent to share it with that organisation,
  with its date, or a reason recorded for sharing without it (`share_part`; seed 002
  §10.5.1 III). A contributor in Candour sees its part from then on, and nothing else of the
  case (candour.cases.access.parts_for).
- The reply, with when it came and its text or reference (`record_reply`): recorded by the
  lead, or by the contributor's own staff on the part's page.
- The coordinated response is the lead's final response: it is refused while a part has no
  reply, unless the lead recorded why it goes without one (`go_without`, and the guard on
  record_outcome, which the signed final response's dispatch passes through too).
- The lead changes a part awaiting its reply (`change_part`) or withdraws one without a reply
  (`withdraw_part`): a withdrawn part no longer holds the response up, and its contributor no
  longer sees it. A part's due date is one of the case's deadlines (deadlines.item_deadlines;
  ADR 0028), and the final response's draft offers each reply (letters.compose).

Every change locks the case, asks the state machine, and is written with its audit event in
one transaction (candour.cases.changes.apply); each takes when it happened (when_on_case).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from candour.cases import deadlines
from candour.cases.access import ANONYMOUS, CONFIDENTIAL, may_see_identity
from candour.cases.changes import apply
from candour.cases.intake import InvalidCase, when_on_case
from candour.cases.joint_models import (
    JointComplaint,
    JointPart,
    LeadBasis,
    PartConsent,
)
from candour.cases.models import OPEN_STATUSES, Case, PartyRole
from candour.cases.workflow import (
    PermissionDenied,
    TransitionNotAllowed,
    ensure_can,
    lock,
)
from candour.config.transactions import atomic
from candour.organisations.access import can, organisation_ids_for
from candour.organisations.models import Capability, Organisation

# Seed 001 Appendix B: "Level 4 Complex: A serious complaint involving more than one
# provider." The level that needs the lead named.
JOINT_LEVEL = 4


def joint_of(case: Case) -> JointComplaint | None:
    """The case's joint complaint, or None (read once per case object; the case page reads
    it with the case)."""
    return getattr(case, "joint", None)


def _parts_awaited(case: Case) -> list[JointPart]:
    return list(
        JointPart.objects.filter(
            case=case, reply_at__isnull=True, without_reply_reason="", withdrawn_at__isnull=True
        )
        .select_related("organisation")
        .order_by("number")
    )


# --- the state machine's rules for joint complaints (workflow.GUARDS asks these) -----------


def _not_joint_yet(case: Case) -> str | None:
    joint = joint_of(case)
    if joint is not None:
        return (
            f"{case.reference} is already a joint complaint led by {case.organisation.name}; "
            "add the organisations that contribute to it."
        )
    return None


def _joint(case: Case) -> str | None:
    if joint_of(case) is None:
        return (
            f"{case.reference} is not a joint complaint; make it one first, saying why "
            f"{case.organisation.name} leads."
        )
    return None


def parts_unanswered(case: Case) -> str | None:
    """R31: one coordinated response, covering every contributor's part. Refused while a
    part has no reply, unless the lead recorded why the response goes without it."""
    if joint_of(case) is None:
        return None
    waiting = _parts_awaited(case)
    if not waiting:
        return None
    names = " and ".join(f"part {p.number} ({p.contributor})" for p in waiting)
    return (
        f"{case.reference} is a joint complaint: its coordinated response covers every "
        f"contributor's part, and {names} {'has' if len(waiting) == 1 else 'have'} no reply "
        "yet. Record each reply, or record why the response goes without it."
    )


GUARDS = {
    "start_joint": _not_joint_yet,
    "add_joint_part": _joint,
    "share_joint_part": _joint,
    "record_part_reply": _joint,
    "go_without_part": _joint,
    "change_joint_part": _joint,
    "withdraw_joint_part": _joint,
    "record_outcome": parts_unanswered,
}


def grade_refusal(case: Case, level: int) -> str | None:
    """Seed 001 Appendix B, level 4: "A serious complaint involving more than one provider";
    R31: one of them leads. Grade 4 needs the lead named: the reason it cannot be given, or
    None."""
    if level != JOINT_LEVEL or joint_of(case) is not None:
        return None
    return (
        f"{JOINT_LEVEL} (more than one provider) needs the lead organisation named: make "
        f"{case.reference} a joint complaint first, saying why {case.organisation.name} "
        "leads, then grade it 4. When recording a new case, leave it ungraded and do this from "
        "its page."
    )


# --- the changes -----------------------------------------------------------------------------


def _said(value: str, field: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidCase(field, f"is empty; {what}")
    return value


def _day(day: date) -> str:
    return deadlines.fmt(day)


@atomic
def start_joint(
    case: Case, *, by, lead_basis: str, lead_reason: str, at: datetime | None = None
) -> JointComplaint:
    """Make the case a joint complaint led by its own organisation, recording why it leads
    (seed 001 §8: the one "which has the most serious complaint or large number of issues
    about it would normally take the lead")."""
    case = lock(case)
    ensure_can(case, "start_joint", by)
    if lead_basis not in LeadBasis.values:
        raise InvalidCase("lead_basis", f"must be one of {', '.join(LeadBasis.values)}")
    reason = _said(
        lead_reason,
        "lead_reason",
        f"say why {case.organisation.name} leads, for example which issues are about it",
    )
    at = when_on_case(case, at)
    joint = JointComplaint.objects.create(
        case=case, lead_basis=lead_basis, lead_reason=reason, started_at=at, started_by=by
    )
    case.joint = joint
    apply(
        case,
        "start_joint",
        by=by,
        event="joint_complaint_started",
        at=at,
        lead=case.organisation.code,
        lead_basis=lead_basis,
        lead_reason=reason,
    )
    return joint


def contributor_by_code(code: str) -> Organisation:
    """An organisation in Candour by its code (the API names contributors so)."""
    found = Organisation.objects.filter(code=(code or "").strip().upper()).first()
    if found is None:
        raise InvalidCase(
            "organisation",
            f"there is no organisation {code} in Candour; give the code of one, or the name of "
            "one outside Candour as organisation_name",
        )
    return found


def _contributor(
    case: Case, organisation: Organisation | None, name: str, *, besides: JointPart | None = None
):
    """The contributor given, checked: one of an organisation in Candour (not the lead) or a
    name outside it (not one in Candour), not already contributing a part that stands
    (`besides`: the part being changed)."""
    name = " ".join((name or "").split())
    if organisation is not None and name:
        raise InvalidCase(
            "organisation_name",
            "give either an organisation in Candour or the name of one outside it, not both",
        )
    if organisation is None and not name:
        raise InvalidCase(
            "organisation",
            "is not chosen; choose the organisation in Candour, or name one outside it",
        )
    if len(name) > 200:
        raise InvalidCase("organisation_name", "is longer than 200 characters")
    if organisation is not None and organisation.pk == case.organisation_id:
        raise InvalidCase(
            "organisation",
            f"is {organisation.name}, which leads this joint complaint; choose the other "
            "organisation",
        )
    if organisation is None:
        inside = Organisation.objects.filter(name__iexact=name).first()
        if inside is not None:
            raise InvalidCase(
                "organisation_name",
                f"names {inside.name}, which is in Candour; choose it as the organisation, so "
                "that its staff see their part",
            )
    if organisation is not None:
        same = Q(organisation=organisation)
    else:
        same = Q(organisation_name__iexact=name)
    already = (
        JointPart.objects.filter(same, case=case, withdrawn_at__isnull=True)
        .exclude(pk=besides.pk if besides else None)
        .first()
    )
    if already is not None:
        raise InvalidCase(
            "organisation_name" if organisation is None else "organisation",
            f"{already.contributor} already contributes part {already.number}",
        )
    return organisation, name


def _issues(case: Case, numbers: Iterable[int]):
    wanted = sorted({int(n) for n in numbers or ()})
    found = list(case.issues.filter(stage=case.stage, number__in=wanted))
    missing = sorted(set(wanted) - {i.number for i in found})
    if missing:
        have = list(case.issues.filter(stage=case.stage).values_list("number", flat=True))
        listed = ", ".join(str(n) for n in have) or "none yet"
        raise InvalidCase(
            "issues",
            f"there is no issue {', '.join(map(str, missing))} on {case.reference} at stage "
            f"{case.stage}; its issues are {listed}",
        )
    return found


@atomic
def add_part(
    case: Case,
    *,
    by,
    asked: str,
    due: date | None,
    organisation: Organisation | None = None,
    organisation_name: str = "",
    issues: Iterable[int] = (),
    at: datetime | None = None,
) -> JointPart:
    """A contributing organisation's part: what is asked of it, the issues of this stage it
    answers and when its reply is due. It is not shared until consent to share is recorded."""
    case = lock(case)
    ensure_can(case, "add_joint_part", by)
    organisation, name = _contributor(case, organisation, organisation_name)
    asked = _said(asked, "asked", "say what the organisation is asked to look into and answer")
    found = _issues(case, issues)
    at = when_on_case(case, at)
    if not isinstance(due, date) or isinstance(due, datetime):
        raise InvalidCase("due", "is missing; give the date the contributor's reply is due")
    if due < timezone.localdate(at):
        raise InvalidCase("due", "is before the part was asked for; give a later date")
    number = (JointPart.objects.filter(case=case).aggregate(n=Max("number"))["n"] or 0) + 1
    part = JointPart.objects.create(
        joint=joint_of(case),
        case=case,
        number=number,
        organisation=organisation,
        organisation_name=name,
        asked=asked,
        due=due,
        added_at=at,
        added_by=by,
    )
    part.issues.set(found)
    _audit(
        case,
        "add_joint_part",
        part,
        by=by,
        event="joint_part_added",
        at=at,
        organisation=organisation.code if organisation else "",
        asked=asked,
        issues=[i.number for i in found],
        due=due.isoformat(),
    )
    return part


def _locked_part(case: Case, number) -> JointPart | None:
    """A part of the locked case, locked after it (docs/adr/0016's order), or None."""
    part = (
        JointPart.objects.select_for_update(no_key=True, of=("self",))
        .select_related("organisation")
        .filter(case=case, number=number)
        .first()
    )
    if part is not None:
        part.case = case
    return part


def _part(case: Case, number) -> JointPart:
    """A part of the locked case that stands (not withdrawn), locked, for the lead to act on."""
    part = _locked_part(case, number)
    if part is None:
        raise InvalidCase("part", f"there is no part {number} of {case.reference}")
    if part.withdrawn:
        raise TransitionNotAllowed(
            f"{case.reference}: part {part.number} ({part.contributor}) was withdrawn on "
            f"{_day(timezone.localdate(part.withdrawn_at))}."
        )
    return part


def _audit(case: Case, action: str, part: JointPart, *, by, event: str, at, **details) -> None:
    """The part's change, audited as `event` on its case, naming the part."""
    apply(
        case,
        action,
        by=by,
        event=event,
        at=at,
        number=part.number,
        contributor=part.contributor,
        **details,
    )


@atomic
def share_part(
    case: Case,
    *,
    by,
    number: int,
    consent: str,
    consent_on: date | None = None,
    consent_reason: str = "",
    due: date | None = None,
    at: datetime | None = None,
) -> JointPart:
    """Share a part with its contributor: only with the complainant's consent to share the
    complaint with that organisation, and its date, or a reason recorded for going ahead
    without it (seed 002 §10.5.1 III). From then on a contributor in Candour sees its part.
    `due`, if given, moves the reply's due date."""
    case = lock(case)
    ensure_can(case, "share_joint_part", by)
    part = _part(case, number)
    if part.shared_at is not None:
        raise TransitionNotAllowed(
            f"{case.reference}: part {part.number} was already shared with {part.contributor} "
            f"on {_day(timezone.localdate(part.shared_at))}."
        )
    at = when_on_case(case, at, after=part.added_at, what="the part was added")
    reason = (consent_reason or "").strip()
    if consent == PartConsent.GIVEN:
        if not isinstance(consent_on, date) or isinstance(consent_on, datetime):
            raise InvalidCase(
                "consent_on",
                f"is missing; give the date the complainant agreed to sharing it with "
                f"{part.contributor}",
            )
        if consent_on < timezone.localdate(case.received_at):
            raise InvalidCase("consent_on", "is before the case was received")
        if consent_on > timezone.localdate(at):
            raise InvalidCase(
                "consent_on", "is after it was shared; consent to share comes before sharing"
            )
    elif consent == PartConsent.NOT_GIVEN:
        if consent_on is not None:
            raise InvalidCase("consent_on", "is for consent given; leave it empty")
        if not reason:
            raise InvalidCase(
                "consent_reason",
                "is empty; say why it is shared without the complainant's consent (only for "
                "an over-riding public interest obligation)",
            )
    else:
        raise InvalidCase("consent", f"must be one of {', '.join(PartConsent.values)}")
    due = due or part.due
    if due < timezone.localdate(at):
        raise InvalidCase(
            "due",
            f"({_day(due)}) is before it is shared; give a later date for the reply",
        )
    part.consent, part.consent_on, part.consent_reason = consent, consent_on, reason
    part.shared_at, part.shared_by, part.due = at, by, due
    part.save(
        update_fields=["consent", "consent_on", "consent_reason", "shared_at", "shared_by", "due"]
    )
    _audit(
        case,
        "share_joint_part",
        part,
        by=by,
        event="joint_part_shared",
        at=at,
        consent=consent,
        consent_on=consent_on.isoformat() if consent_on else "",
        consent_reason=reason,
        due=due.isoformat(),
    )
    return part


def is_lead(user, case: Case) -> bool:
    return can(user, Capability.HANDLE_CASES, case.organisation_id)


def may_reply(user, part: JointPart) -> bool:
    """Who records a part's reply: the lead's staff who handle cases, or, once it is shared,
    staff of the contributor in Candour who handle cases there."""
    if is_lead(user, part.case):
        return True
    return (
        part.organisation_id is not None
        and part.shared_at is not None
        and can(user, Capability.HANDLE_CASES, part.organisation_id)
    )


def _contributors_part(case: Case, by, number) -> JointPart:
    """The part `by` answers for its own organisation, or a refusal that says no more than
    the lead's staff would be told about a case that is not theirs."""
    part = _locked_part(case, number)
    if part is not None and part.withdrawn:
        part = None  # its contributor no longer sees it
    if part is not None and may_reply(by, part):
        return part
    if part is not None and part.shared_at and can(by, Capability.VIEW_CASES, part.organisation_id):
        raise PermissionDenied(
            f"You do not have a role at {part.contributor} or at {case.organisation.name} that "
            "allows recording this reply (record and handle cases)."
        )
    raise PermissionDenied(
        f"You do not have a role at {case.organisation.name} that allows this "
        f"({Capability.HANDLE_CASES.label.lower()})."
    )


@atomic
def record_reply(
    case: Case,
    *,
    by,
    number: int,
    text: str = "",
    reference: str = "",
    at: datetime | None = None,
) -> JointPart:
    """A contributor's reply to its part, when it came, and what it said or where it is (its
    letter's reference, or a file on the case)."""
    case = lock(case)
    lead = is_lead(by, case)
    if lead:
        ensure_can(case, "record_part_reply", by)
        part = _part(case, number)
    else:
        part = _contributors_part(case, by, number)
        if case.status not in OPEN_STATUSES:
            raise TransitionNotAllowed(
                f"{case.reference} no longer takes replies to its parts; contact "
                f"{case.organisation.name}."
            )
        ensure_can(case, "record_part_reply", None)  # its role is checked at its own
    if part.shared_at is None:
        raise TransitionNotAllowed(
            f"{case.reference}: part {part.number} has not been shared with {part.contributor} "
            "yet; share it first."
        )
    if part.reply_at is not None:
        raise TransitionNotAllowed(
            f"{case.reference}: {part.contributor}'s reply to part {part.number} was already "
            f"recorded, received on {_day(timezone.localdate(part.reply_at))}."
        )
    text, reference = (text or "").strip(), " ".join((reference or "").split())
    if not text and not reference:
        raise InvalidCase(
            "text",
            "is empty; give the reply, or the reference of the letter or file it came in",
        )
    if len(reference) > 200:
        raise InvalidCase("reference", "is longer than 200 characters")
    at = when_on_case(
        case, at, after=part.shared_at, what=f"the part was shared with {part.contributor}"
    )
    part.reply_at, part.reply_text, part.reply_reference, part.reply_by = at, text, reference, by
    part.save(update_fields=["reply_at", "reply_text", "reply_reference", "reply_by"])
    _audit(
        case,
        "record_part_reply",
        part,
        by=by,
        event="joint_part_replied",
        at=at,
        by_contributor=not lead,
        reference=reference,
        late=not deadlines.met_by(part.due, None, at),
    )
    return part


@atomic
def go_without(case: Case, *, by, number: int, reason: str, at: datetime | None = None):
    """The lead records why the coordinated response goes without a contributor's reply (it
    did not answer in time, or the complainant would not consent to sharing with it)."""
    case = lock(case)
    ensure_can(case, "go_without_part", by)
    part = _part(case, number)
    if part.reply_at is not None:
        raise TransitionNotAllowed(
            f"{case.reference}: part {part.number} already has {part.contributor}'s reply."
        )
    if part.without_reply_reason:
        raise TransitionNotAllowed(
            f"{case.reference}: the response already goes without part {part.number}."
        )
    reason = _said(
        reason,
        "reason",
        f"say why the coordinated response goes without {part.contributor}'s reply",
    )
    at = when_on_case(case, at, after=part.added_at, what="the part was added")
    part.without_reply_reason, part.without_reply_at = reason, at
    part.save(update_fields=["without_reply_reason", "without_reply_at"])
    _audit(
        case, "go_without_part", part, by=by, event="joint_part_gone_without", at=at, reason=reason
    )
    return part


def _standing(case: Case, number, doing: str) -> JointPart:
    """A part the lead may still change or withdraw: standing, and without a reply."""
    part = _part(case, number)
    if part.reply_at is not None:
        raise TransitionNotAllowed(
            f"{case.reference}: part {part.number} already has {part.contributor}'s reply, "
            f"received on {_day(timezone.localdate(part.reply_at))}; it cannot be {doing}."
        )
    return part


@atomic
def change_part(
    case: Case,
    *,
    by,
    number: int,
    asked: str | None = None,
    organisation_name: str | None = None,
    issues: Iterable[int] | None = None,
    due: date | None = None,
    at: datetime | None = None,
) -> JointPart:
    """Change a part awaiting its reply: what is asked, the issues it answers, its due date,
    or the name of a contributor outside Candour. None (or empty words) keeps what is
    recorded. One audited change, with the values before and after."""
    case = lock(case)
    ensure_can(case, "change_joint_part", by)
    part = _standing(case, number, "changed")
    if part.without_reply_reason:
        raise TransitionNotAllowed(
            f"{case.reference}: the response already goes without part {part.number}."
        )
    at = when_on_case(case, at, after=part.added_at, what="the part was added")
    old = {
        "asked": part.asked,
        "organisation_name": part.organisation_name,
        "issues": sorted(i.number for i in part.issues.all()),
        "due": part.due.isoformat(),
    }
    new = dict(old)
    if asked is not None and asked.strip():
        new["asked"] = asked.strip()
    if organisation_name is not None and organisation_name.strip():
        if part.organisation_id is not None:
            raise InvalidCase(
                "organisation_name",
                f"is for a contributor outside Candour; part {part.number} is asked of "
                f"{part.contributor}, which is in Candour: withdraw it and ask the other "
                "organisation instead",
            )
        _, new["organisation_name"] = _contributor(case, None, organisation_name, besides=part)
    found = None
    if issues is not None:
        found = _issues(case, issues)
        new["issues"] = [i.number for i in found]
    if due is not None:
        if not isinstance(due, date) or isinstance(due, datetime):
            raise InvalidCase("due", "is not a date; give the date the reply is due")
        if due < timezone.localdate(at):
            raise InvalidCase("due", f"({_day(due)}) is before the change; give a later date")
        new["due"] = due.isoformat()
    changed = sorted(k for k in new if new[k] != old[k])
    if not changed:
        raise InvalidCase(
            "part",
            f"nothing has changed; give what part {part.number} now asks, its issues, its due "
            "date or its contributor's name",
        )
    part.asked, part.organisation_name = new["asked"], new["organisation_name"]
    part.due = date.fromisoformat(new["due"])
    part.save(update_fields=["asked", "organisation_name", "due"])
    if found is not None:
        part.issues.set(found)
    _audit(
        case,
        "change_joint_part",
        part,
        by=by,
        event="joint_part_changed",
        at=at,
        before={k: old[k] for k in changed},
        after={k: new[k] for k in changed},
    )
    return part


@atomic
def withdraw_part(
    case: Case, *, by, number: int, reason: str, at: datetime | None = None
) -> JointPart:
    """Withdraw a part that has no reply (asked of the wrong organisation, or no longer
    needed), saying why: the coordinated response no longer waits for it, and its
    contributor in Candour no longer sees it."""
    case = lock(case)
    ensure_can(case, "withdraw_joint_part", by)
    part = _standing(case, number, "withdrawn")
    reason = _said(reason, "reason", f"say why part {part.number} is withdrawn")
    at = when_on_case(case, at, after=part.added_at, what="the part was added")
    part.withdrawn_at, part.withdrawn_reason, part.withdrawn_by = at, reason, by
    part.save(update_fields=["withdrawn_at", "withdrawn_reason", "withdrawn_by"])
    _audit(
        case,
        "withdraw_joint_part",
        part,
        by=by,
        event="joint_part_withdrawn",
        at=at,
        reason=reason,
        was_shared=part.shared_at is not None,
    )
    return part


# --- reading ---------------------------------------------------------------------------------


def parts_of(case: Case) -> list[JointPart]:
    """The case's parts, for its lead (the case page and the API)."""
    return list(
        JointPart.objects.filter(case=case)
        .select_related("organisation")
        .prefetch_related("issues")
        .order_by("number")
    )


def parts_due(user) -> list[JointPart]:
    """R31: the parts of open joint complaints shared with the user's organisations and
    awaiting their reply, soonest due first: the contributor's worklist."""
    ids = organisation_ids_for(user, Capability.VIEW_CASES)
    if not ids:
        return []
    return list(
        JointPart.objects.filter(
            organisation_id__in=ids,
            shared_at__isnull=False,
            reply_at__isnull=True,
            without_reply_reason="",
            withdrawn_at__isnull=True,
            case__status__in=OPEN_STATUSES,
        )
        .select_related("organisation", "case__organisation")
        .order_by("due", "case_id", "number")[:100]
    )


# How far ahead the lead's worklist looks for parts falling due (the urgency tag then keeps
# those overdue or due soon; a fortnight covers DUE_SOON_WORKING_DAYS over any holiday).
LEAD_LOOKAHEAD_DAYS = 14


def parts_awaited(user) -> list[JointPart]:
    """R31: the parts that the joint complaints led by the user's organisations still await,
    overdue or falling due within LEAD_LOOKAHEAD_DAYS, soonest first: the lead's worklist."""
    ids = organisation_ids_for(user, Capability.VIEW_CASES)
    if not ids:
        return []
    soon = timezone.localdate() + timedelta(days=LEAD_LOOKAHEAD_DAYS)
    return list(
        JointPart.objects.filter(
            case__organisation_id__in=ids,
            reply_at__isnull=True,
            without_reply_reason="",
            withdrawn_at__isnull=True,
            case__status__in=OPEN_STATUSES,
            due__lte=soon,
        )
        .select_related("organisation", "case__organisation")
        .order_by("due", "case_id", "number")[:100]
    )


def lead_view(case: Case) -> dict:
    """The joint complaint as its lead sees it: why it leads, every part, and what the
    coordinated response waits for."""
    joint = joint_of(case)
    return {
        "reference": case.reference,
        "lead": case.organisation.code,
        "lead_name": case.organisation.name,
        "lead_basis": joint.lead_basis,
        "lead_reason": joint.lead_reason,
        "started_at": joint.started_at,
        "parts": [
            {
                "number": p.number,
                "contributor": p.contributor,
                "organisation": p.organisation.code if p.organisation_id else None,
                "asked": p.asked,
                "issues": sorted(i.number for i in p.issues.all()),
                "due": p.due,
                "consent": p.consent,
                "consent_on": p.consent_on,
                "consent_reason": p.consent_reason,
                "shared_at": p.shared_at,
                "reply_at": p.reply_at,
                "reply_text": p.reply_text,
                "reply_reference": p.reply_reference,
                "without_reply_reason": p.without_reply_reason,
                "without_reply_at": p.without_reply_at,
                "withdrawn_at": p.withdrawn_at,
                "withdrawn_reason": p.withdrawn_reason,
            }
            for p in parts_of(case)
        ],
        "response_waits": parts_unanswered(case),
    }


def contributor_view(user, part: JointPart, *, whole_case: bool) -> dict:
    """A part as its contributor sees it (R31, R38 need to know): who leads and asks, what is
    asked, the issues it answers, its due date, the basis on which it was shared, who the
    complaint is from and about (names, and the patient's date of birth and NHS number, to
    find their records; no addresses or contact details), and its reply. Nothing else of
    the case. A confidential complainant's name is withheld from contributors (R8); staff of
    the lead see it as they see it on the case (`whole_case`)."""
    case = part.case
    identity = may_see_identity(user, case) if whole_case else not case.confidential
    parties = {p.role: p for p in case.parties.select_related("person")}
    complainant = parties.get(PartyRole.COMPLAINANT)
    patient = parties.get(PartyRole.PATIENT)
    if case.anonymous:
        complainant_name = ANONYMOUS
    elif not identity:
        complainant_name = CONFIDENTIAL
    else:
        complainant_name = complainant.person.full_name if complainant else ""
    return {
        "reference": case.reference,
        "number": part.number,
        "lead": case.organisation.name,
        "lead_code": case.organisation.code,
        "lead_contact": ", ".join(
            v for v in (case.organisation.telephone, case.organisation.email) if v
        ),
        "contributor": part.contributor,
        "asked": part.asked,
        "issues": [
            {"number": i.number, "description": i.description, "desired_outcome": i.desired_outcome}
            for i in part.issues.order_by("number")
        ],
        "due": part.due,
        "shared_at": part.shared_at,
        "consent": part.consent,
        "consent_on": part.consent_on,
        "consent_reason": part.consent_reason,
        "complainant": complainant_name,
        "patient": {
            "name": patient.person.full_name,
            "date_of_birth": patient.person.date_of_birth,
            "nhs_number": patient.person.nhs_number,
        }
        if patient
        else None,
        "reply_at": part.reply_at,
        "reply_text": part.reply_text,
        "reply_reference": part.reply_reference,
        "open": case.status in OPEN_STATUSES and part.reply_at is None and not part.withdrawn,
    }
