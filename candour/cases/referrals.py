"""Risk flags that create referrals (R16; seed 001 §12, seed 002 §13, seed 004).

A complaint may show a serious incident, a safeguarding risk, fraud, a crime, a matter for
disciplinary or performance procedures, a legal claim, media interest, or something for the
insurer or a professional regulator (GMC, NMC, GDC, GPhC and others). Each flag is a referral
with its own owner and due date, a deadline of the case until it is made.

An external body is told within the policy's external notification time when the policy has
one (seed 004: "within three days of those issues being identified"); a due date given by the
handler may be earlier, never later. Police, legal and disciplinary processes may make it
right to pause the complaint (seed 002 §13.3, §13.4: "consideration should be given to
halting"): a referral offers the pause, and pauses only when asked.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Max

from candour.cases import deadlines, handling
from candour.cases.actions import staff_member
from candour.cases.changes import apply
from candour.cases.intake import InvalidCase, when_on_case
from candour.cases.models import Case, PauseReason, Referral, ReferralKind, Status
from candour.cases.workflow import TransitionNotAllowed, ensure_can, lock
from candour.config.transactions import atomic

# Told to a body outside the organisation, so the policy's external notification time applies.
EXTERNAL = frozenset(
    {
        ReferralKind.SERIOUS_INCIDENT,
        ReferralKind.SAFEGUARDING_ADULT,
        ReferralKind.SAFEGUARDING_CHILD,
        ReferralKind.COUNTER_FRAUD,
        ReferralKind.POLICE,
        ReferralKind.INSURER,
        ReferralKind.REGULATOR,
    }
)

# Who it goes to unless the handler names someone (seed 002 §13.4, §13.5).
DEFAULT_BODY = {
    ReferralKind.SERIOUS_INCIDENT: "Serious incident team",
    ReferralKind.SAFEGUARDING_ADULT: "Adult safeguarding lead",
    ReferralKind.SAFEGUARDING_CHILD: "Child safeguarding lead",
    ReferralKind.COUNTER_FRAUD: "Local Counter Fraud Specialist",
    ReferralKind.POLICE: "Police",
    ReferralKind.DISCIPLINARY: "Human resources",
    ReferralKind.LEGAL_CLAIM: "Litigation and claims",
    ReferralKind.MEDIA: "Communications team",
    ReferralKind.INSURER: "Insurer",
}

REGULATORS = ("GMC", "NMC", "GDC", "GPhC", "HCPC", "GOC", "GCC", "GOsC", "CQC")

# The processes that may pause the complaint (R23).
PAUSE_FOR = {
    ReferralKind.POLICE: PauseReason.POLICE,
    ReferralKind.LEGAL_CLAIM: PauseReason.LEGAL,
    ReferralKind.DISCIPLINARY: PauseReason.DISCIPLINARY,
}


def pause_offered(case: Case, referral: Referral) -> str | None:
    """The pause reason to offer for an open case, or None."""
    return PAUSE_FOR.get(referral.kind) if case.status == Status.OPEN else None


def due_for(
    case: Case, kind: str, identified_at: datetime, due: date | None
) -> tuple[date, datetime | None, str]:
    """The referral's due date, its time for a rule in hours, and the basis in words."""
    policy = case.organisation.policy
    made = deadlines.fmt(deadlines.local(identified_at).date())
    period = policy.external_notification if kind in EXTERNAL else None
    if period is None:
        if due is None:
            raise InvalidCase("due", "is missing; the policy sets no time for this, so give one")
        if due < deadlines.local(identified_at).date():
            raise InvalidCase("due", "is before the issue was identified")
        return due, None, f"due date set when it was identified on {made}"
    limit, limit_at = deadlines.period_end(
        case.organisation.working_calendar(), identified_at, period
    )
    basis = f"{period} after it was identified on {made}"
    if due is None or due >= limit:
        if due is not None and due > limit:
            raise InvalidCase(
                "due",
                f"is after {deadlines.fmt(limit)}; the policy says external bodies are told "
                f"within {period} of identifying the issue",
            )
        return limit, limit_at, basis
    if due < deadlines.local(identified_at).date():
        raise InvalidCase("due", "is before the issue was identified")
    return due, None, f"due date set when it was identified on {made}, within {basis}"


@atomic
def raise_referral(
    case: Case,
    *,
    by,
    kind: str,
    detail: str,
    owner,
    body: str = "",
    due: date | None = None,
    identified_at: datetime | None = None,
    pause: bool = False,
) -> Referral:
    """R16: flag a risk and refer it, with an owner and a due date. With `pause`, a police,
    legal or disciplinary referral also pauses the case (R23) in the same transaction."""
    case = lock(case)
    ensure_can(case, "raise_referral", by)
    if kind not in ReferralKind.values:
        raise InvalidCase("kind", f"must be one of {', '.join(ReferralKind.values)}")
    detail = handling._text(detail, "detail", "say what was identified and why it is referred")
    body = " ".join(body.split()) or DEFAULT_BODY.get(kind, "")
    if not body:
        examples = ", ".join(REGULATORS[:4])
        raise InvalidCase("body", f"is empty; name the regulator, for example {examples}")
    staff_member(owner, case, "owner")
    at = when_on_case(case, identified_at, "identified_at")
    due_day, due_at, basis = due_for(case, kind, at, due)
    if pause and kind not in PAUSE_FOR:
        raise InvalidCase(
            "pause", "only a police, legal claim or disciplinary referral may pause the case"
        )
    number = (case.referrals.aggregate(n=Max("number"))["n"] or 0) + 1
    referral = Referral.objects.create(
        case=case,
        number=number,
        kind=kind,
        body=body,
        detail=detail,
        owner=owner,
        identified_at=at,
        raised_by=by,
        due=due_day,
        due_at=due_at,
        due_basis=basis,
    )
    apply(
        case,
        "raise_referral",
        by=by,
        event="referral_raised",
        at=at,
        number=number,
        kind=kind,
        body=body,
        detail=detail,
        owner=owner.get_username(),
        due=due_day.isoformat(),
        basis=basis,
        pause_offered=PAUSE_FOR.get(kind, ""),
    )
    if pause:
        handling.pause_case(
            case,
            by=by,
            reason=PAUSE_FOR[kind],
            detail=f"{ReferralKind(kind).label} referral {number} to {body}: {detail}",
        )
    return referral


@atomic
def record_referral(
    case: Case,
    *,
    by,
    number: int,
    at: datetime | None = None,
    their_reference: str = "",
    note: str = "",
) -> Referral:
    """The referral was made: the body told, when, and its reference."""
    case = lock(case)
    ensure_can(case, "record_referral", by)
    referral = (
        Referral.objects.select_for_update(no_key=True).filter(case=case, number=number).first()
    )
    if referral is None:
        raise InvalidCase("number", f"there is no referral {number} on {case.reference}")
    if referral.referred_at is not None:
        raise TransitionNotAllowed(
            f"{case.reference}: referral {number} was already made on "
            f"{deadlines.fmt(deadlines.local(referral.referred_at).date())}."
        )
    at = when_on_case(case, at, after=referral.identified_at, what="the issue was identified")
    referral.referred_at, referral.referred_by = at, by
    referral.their_reference, referral.note = their_reference.strip(), note.strip()
    referral.save(update_fields=["referred_at", "referred_by", "their_reference", "note"])
    late = not deadlines.met_by(referral.due, referral.due_at, at)
    apply(
        case,
        "record_referral",
        by=by,
        event="referral_made",
        at=at,
        number=number,
        body=referral.body,
        their_reference=referral.their_reference,
        late=late,
    )
    return referral
