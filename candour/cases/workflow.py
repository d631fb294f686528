"""The case's state machine: which action is allowed from which status, for which kinds of
feedback and with which capability. Every domain function asks `ensure_can` first.

The table is data, so it can be tested and drawn: `python -m candour.cases.workflow` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from candour.cases.models import Case, ConsentState, Kind, LateDecision, PartyRole, Status
from candour.organisations.access import can
from candour.organisations.models import Capability

OPEN_STATUSES = frozenset({Status.RECEIVED, Status.OPEN, Status.PAUSED})

# Kinds that follow the formal complaints procedure (acknowledge, investigate, respond).
FORMAL_KINDS = frozenset({Kind.COMPLAINT, Kind.MP_ENQUIRY})
# Kinds that are recorded and closed without a formal response.
RECORD_ONLY_KINDS = frozenset(
    {Kind.COMPLIMENT, Kind.COMMENT, Kind.SUGGESTION, Kind.ENQUIRY, Kind.INBOX_ENQUIRY}
)
ALL_KINDS = frozenset(Kind)
RESPONDING_KINDS = FORMAL_KINDS | {Kind.CONCERN}


class CaseError(Exception):
    """A rule refused an action. The message says what was wrong and what to do next."""


class TransitionNotAllowed(CaseError):
    pass


class PermissionDenied(CaseError):
    pass


@dataclass(frozen=True)
class Transition:
    label: str
    from_statuses: frozenset[Status]
    to_status: Status | None = None  # None: the status does not change
    kinds: frozenset[Kind] = ALL_KINDS
    capability: Capability = Capability.HANDLE_CASES


def _t(label, frm, to=None, kinds=ALL_KINDS, capability=Capability.HANDLE_CASES) -> Transition:
    return Transition(label, frozenset(frm), to, frozenset(kinds), capability)


R, OP, P, D, C = (Status.RECEIVED, Status.OPEN, Status.PAUSED, Status.RESPONDED, Status.CLOSED)
W = Status.WITHDRAWN
ANY_STATUS = frozenset(Status)
INV = Capability.INVESTIGATE

TRANSITIONS: dict[str, Transition] = {
    "acknowledge": _t("acknowledged", {R}, OP, RESPONDING_KINDS),
    "request_consent": _t("asked for consent", {R, OP, P}),
    "receive_consent": _t("recorded consent as received", {R, OP, P}),
    "refuse_consent": _t("recorded consent as refused", {R, OP, P}),
    "withdraw_consent": _t("recorded consent as withdrawn", {R, OP, P}),
    "override_consent": _t("recorded a consent override", {R, OP, P}),
    # R13 (002 §9.5): the patient no longer wants the representative to act; the complaint,
    # its consent and its clocks go on.
    "withdraw_representative": _t(
        "given the patient's withdrawal of the representative", {R, OP, P, D}
    ),
    "reinstate_representative": _t("given the representative's reinstatement", {R, OP, P, D}),
    "approve_summary": _t("recorded approval of the summary", {R, OP, P}, None, RESPONDING_KINDS),
    "grade": _t("graded", {R, OP, P}, None, RESPONDING_KINDS),
    "add_issue": _t("added an issue", {R, OP, P}, None, RESPONDING_KINDS),
    "assign_handler": _t("assigned a handler", {R, OP, P}),
    "assign_investigator": _t("assigned an investigator", {R, OP, P}, None, FORMAL_KINDS),
    "agree_response_date": _t("agreed a response date", {R, OP, P}, None, RESPONDING_KINDS),
    "agree_extension": _t("agreed an extension", {OP, P}, None, RESPONDING_KINDS),
    "decide_late_complaint": _t("decided on a late complaint", {R, OP}, None, FORMAL_KINDS),
    "log_update": _t("recorded an update to the complainant", {OP, P}, None, RESPONDING_KINDS),
    "identify_external_notification": _t("identified an external notification", {R, OP, P}),
    "record_external_notification": _t("recorded an external notification", {R, OP, P, D, C}),
    "pause": _t("paused", {OP}, P, RESPONDING_KINDS),
    "resume": _t("resumed", {P}, OP, RESPONDING_KINDS),
    "record_finding": _t(
        "recorded a finding", {OP}, None, FORMAL_KINDS, capability=Capability.INVESTIGATE
    ),
    # The status moves to responded when the response is sent (investigation._respond): by
    # this action where the policy has no sign-off chain for the final response, else by
    # dispatching the signed final response (R26; ADR 0018).
    "record_outcome": _t("given its outcome", {OP}, None, FORMAL_KINDS),
    "close": _t("closed", {D}, C, FORMAL_KINDS),
    "close_record": _t("closed", {R, OP}, C, RECORD_ONLY_KINDS),
    "continue_after_withdrawal": _t(
        "continued after withdrawal", {R, OP, P}, None, RESPONDING_KINDS
    ),
    "withdraw": _t("recorded a withdrawal", {R, OP, P}, Status.WITHDRAWN, RESPONDING_KINDS),
    "reopen": _t("reopened into the next stage", {D, C}, OP, FORMAL_KINDS),
    "resolve_informally": _t("resolved informally", {R, OP}, C, {Kind.CONCERN}),
    "convert_to_complaint": _t("made a formal complaint", {R, OP}, None, {Kind.CONCERN}),
    # R10, 002 §13: a matter outside the procedure is redirected and closed, never dropped.
    "redirect_outside_procedure": _t(
        "redirected outside the procedure", {R, OP, P}, C, ALL_KINDS - {Kind.COMPLIMENT}
    ),
    "name_provider": _t("named the provider", ANY_STATUS),
    # R12, R32 (003 §3.7): the complainant's consent to pass it to the provider, first.
    "record_share_consent": _t(
        "given consent to share with the provider", {R, OP, P}, None, {Kind.COMPLAINT, Kind.CONCERN}
    ),
    "forward_to_provider": _t(
        "forwarded to the provider", {R, OP, P}, C, {Kind.COMPLAINT, Kind.CONCERN}
    ),
    "refer_to_ombudsman": _t("referred to the Ombudsman", {D, C, W}, None, RESPONDING_KINDS),
    "record_ombudsman_step": _t("updated its Ombudsman referral", ANY_STATUS, None),
    # Action plans and learning (R28, R35). A promised action blocks "close" (actions.py);
    # an action not promised to the complainant may be finished after the case has closed.
    "add_action": _t("given an action", {R, OP, P, D}),
    "complete_action": _t(
        "recorded as having done an action",
        {R, OP, P, D, C, W},
        capability=Capability.VIEW_CASES,  # its owner; others need handle_cases (actions.py)
    ),
    "verify_action": _t("recorded as having checked an action", {R, OP, P, D, C, W}),
    "cancel_action": _t("recorded as having cancelled an action", {R, OP, P, D, C, W}),
    "record_lesson": _t("given a lesson learned", {R, OP, P, D, C, W}),
    # Risk referrals (R16); a referral made is recorded whatever has happened to the case.
    "raise_referral": _t("referred", {R, OP, P, D}),
    "record_referral": _t("recorded as having made a referral", {R, OP, P, D, C, W}),
    # The handling plan (R18) and the investigation (R21).
    "update_handling_plan": _t(
        "given a change to its handling plan", {R, OP, P}, None, RESPONDING_KINDS
    ),
    "update_investigation": _t(
        "given a change to its investigation", {OP, P}, None, FORMAL_KINDS, INV
    ),
    "add_staff_involved": _t("given a member of staff involved", {OP, P}, None, FORMAL_KINDS, INV),
    "record_staff_step": _t(
        "given a step with a member of staff", {OP, P}, None, FORMAL_KINDS, INV
    ),
    "request_statement": _t("given a statement request", {OP, P}, None, FORMAL_KINDS, INV),
    "remind_statement": _t("given a statement reminder", {OP, P}, None, FORMAL_KINDS, INV),
    "receive_statement": _t("given a statement received", {OP, P, D}, None, FORMAL_KINDS, INV),
    "record_evidence": _t("given evidence reviewed", {OP, P}, None, FORMAL_KINDS, INV),
    "offer_remedy": _t("given a remedy offered", {OP, P, D}, None, RESPONDING_KINDS),
    # The contact log and corrections (issue 16): a call after closure is still recorded, and
    # a wrong name or address is put right whatever has happened to the case since.
    "log_contact": _t("given a contact log entry", ANY_STATUS),
    "correct_details": _t("given a correction to its details", ANY_STATUS),
    "correct_person": _t("given a correction to its people", ANY_STATUS),
    # Joint complaints (R31; candour.cases.joint): the case's organisation leads, others
    # contribute a part each, and the final response waits for every part.
    "start_joint": _t("made a joint complaint", {R, OP, P}, None, FORMAL_KINDS),
    "add_joint_part": _t("given a contributing organisation", {R, OP, P}, None, FORMAL_KINDS),
    "share_joint_part": _t("shared with a contributor", {R, OP, P}, None, FORMAL_KINDS),
    # The lead records a reply; a contributor in Candour records its own (joint.py checks
    # its role at its own organisation, as the lead's is checked here).
    "record_part_reply": _t("given a contributor's reply", {R, OP, P}, None, FORMAL_KINDS),
    "go_without_part": _t("answered without a contributor's reply", {R, OP, P}, None, FORMAL_KINDS),
    "change_joint_part": _t("given a change to a part", {R, OP, P}, None, FORMAL_KINDS),
    "withdraw_joint_part": _t("given a part withdrawn", {R, OP, P}, None, FORMAL_KINDS),
    # After closure (R37; 003 §11.2, 004): the satisfaction survey and case studies
    # (candour.cases.surveys, candour.cases.case_studies).
    "send_survey": _t("given a satisfaction survey", {D, C}, None, RESPONDING_KINDS),
    "record_survey_answers": _t("given its survey's answers", ANY_STATUS, None, RESPONDING_KINDS),
    "draft_case_study": _t("drawn on for a case study", {C}, None, RESPONDING_KINDS),
    "edit_case_study": _t("given a change to its case study", ANY_STATUS, None, RESPONDING_KINDS),
    "approve_case_study": _t(
        "given an approved case study", ANY_STATUS, None, RESPONDING_KINDS, Capability.SIGN_OFF
    ),
    "withdraw_case_study": _t("given a withdrawn case study", ANY_STATUS, None, RESPONDING_KINDS),
}


# --- guards: what else the case's state must be for an action ---------------------------------
# A guard returns why the action cannot be taken now, or None. ensure_can() raises it, and
# allowed_actions() leaves the action out, so a page never offers what would be refused. Each
# rule lives only here; the domain functions reach it through ensure_can.


def _consent_not(states: set[str], doing: str):
    def guard(case: Case) -> str | None:
        if case.consent_state in states:
            state = ConsentState(case.consent_state).label.lower()
            return f"{case.reference}: cannot {doing} while consent is {state}."
        return None

    return guard


def investigation_blocker(case: Case) -> str | None:
    """R12: no investigation without consent or a recorded override; R7: a late complaint
    needs a decision to accept it first."""
    if not case.consent_satisfied:
        return (
            f"{case.reference} cannot be investigated yet: consent is "
            f"{case.get_consent_state_display().lower()}. Record consent, or record an override "
            "with its reasons."
        )
    if case.out_of_time and case.late_decision != LateDecision.ACCEPTED:
        return (
            f"{case.reference} was made after the time limit. Record a decision on the late "
            "complaint before investigating."
        )
    return None


def _summary_awaited(case: Case) -> str | None:
    if not case.summary_required:
        return f"{case.reference} needs no summary approval: it was not made verbally."
    if case.summary_approved_at:
        return f"{case.reference}: the summary is already approved."
    return None


def _late_undecided(case: Case) -> str | None:
    if not case.out_of_time:
        return f"{case.reference} was made within the time limit."
    if case.late_decision:
        return f"{case.reference}: the late complaint is already decided."
    return None


def _notification_identified(case: Case) -> str | None:
    if not case.external_notification_identified_at:
        return f"{case.reference} has no external notification to record."
    return None


def _no_agreed_date(case: Case) -> str | None:
    if case.agreed_response_date:
        return (
            f"{case.reference} already has an agreed response date "
            f"({case.agreed_response_date:%d %B %Y}); agree an extension to change it."
        )
    return None


def _has_response_date(case: Case) -> str | None:
    if not (case.agreed_response_date or case.response_due):
        return f"{case.reference} has no response date yet to extend; agree a response date."
    return None


def _ombudsman_referred(case: Case) -> str | None:
    """R30: a referral's next step needs a referral (one small query, on the cases whose
    status and kind allow the step at all)."""
    if not case.ombudsman_referrals.exists():
        return f"{case.reference} has no Ombudsman or ADR referral; record the referral first."
    return None


def _joint_rule(action: str):
    """R31: a rule of joint complaints, kept with them (candour.cases.joint builds on this
    module, so it is read when the rule is asked)."""

    def guard(case: Case) -> str | None:
        from candour.cases.joint import GUARDS as JOINT_GUARDS

        return JOINT_GUARDS[action](case)

    return guard


def _all(*guards):
    def guard(case: Case) -> str | None:
        return next((why for why in (g(case) for g in guards) if why), None)

    return guard


def _survey_recorded(case: Case) -> str | None:
    """R37: one survey for each stage's closure."""
    if case.surveys.filter(stage=case.stage).exists():
        return f"{case.reference}: the satisfaction survey of stage {case.stage} is recorded."
    return None


def _once(case: Case, key: str, ask) -> bool:
    """A guard's question of the database asked once for this instance of the case (the
    case page and the case API ask every guard for the actions they offer)."""
    asked = case.__dict__.setdefault("_guards_asked", {})
    if key not in asked:
        asked[key] = ask()
    return asked[key]


def _no_survey_awaited(case: Case) -> str | None:
    awaited = _once(
        case,
        "survey awaited",
        lambda: case.surveys.filter(offer="sent", answered_at__isnull=True).exists(),
    )
    if not awaited:
        return f"{case.reference} has no satisfaction survey sent and awaiting its answers."
    return None


def _no_case_study(case: Case) -> str | None:
    if not _once(case, "case study", case.case_studies.exists):
        return f"{case.reference} has no case study; draft one from the closed case first."
    return None


def _representative_acting(case: Case) -> str | None:
    """R13: a representative to withdraw, whose correspondence is not already held."""
    if not any(p.role == PartyRole.REPRESENTATIVE for p in case.parties.all()):
        return f"{case.reference} has no representative recorded."
    if case.representative_on_hold:
        return (
            f"{case.reference}: correspondence with the representative is already on hold "
            "until the patient's wishes are clarified."
        )
    return None


def _representative_withdrawn(case: Case) -> str | None:
    if not case.representative_withdrawn_at:
        return f"{case.reference}: the patient has not withdrawn the representative."
    return None


def _share_consent_recorded(case: Case) -> str | None:
    """R12, R32: "Sharing with a provider needs its own consent" (003 §3.7)."""
    if not case.share_consent:
        return (
            f"{case.reference} needs the complainant's consent to pass it to the provider "
            "before it is forwarded. Record that consent, or why it is not needed, first."
        )
    return None


def _not_forwarded(case: Case) -> str | None:
    """002 §11.2: a complaint the provider answered is not taken up again by the commissioner
    that forwarded it; the complainant may go to the Ombudsman."""
    if case.forwarded_to_provider_at:
        return (
            f"{case.reference} was forwarded to {case.provider_name or 'the provider'}, which "
            "answers the complainant directly; it is not reopened here. If the complainant is "
            "unhappy with the provider's response, they can ask the Parliamentary and Health "
            "Service Ombudsman to look at it."
        )
    return None


RECEIVED_, NOT_NEEDED = ConsentState.RECEIVED, ConsentState.NOT_NEEDED
GUARDS = {
    "request_consent": _consent_not({RECEIVED_}, "ask for consent"),
    "receive_consent": _consent_not({RECEIVED_, NOT_NEEDED}, "record consent"),
    "refuse_consent": _consent_not({NOT_NEEDED, ConsentState.REFUSED}, "record a refusal"),
    "withdraw_consent": _consent_not({NOT_NEEDED, ConsentState.WITHDRAWN}, "withdraw consent"),
    "override_consent": _consent_not({NOT_NEEDED, RECEIVED_}, "override consent"),
    "approve_summary": _summary_awaited,
    "decide_late_complaint": _late_undecided,
    "record_external_notification": _notification_identified,
    "agree_response_date": _no_agreed_date,
    "agree_extension": _has_response_date,
    "assign_investigator": investigation_blocker,
    "record_finding": investigation_blocker,
    "record_outcome": _all(investigation_blocker, _joint_rule("record_outcome")),
    "update_investigation": investigation_blocker,
    "add_staff_involved": investigation_blocker,
    "record_staff_step": investigation_blocker,
    "request_statement": investigation_blocker,
    "record_evidence": investigation_blocker,
    "record_ombudsman_step": _ombudsman_referred,
    **{
        action: _joint_rule(action)
        for action in (
            "start_joint",
            "add_joint_part",
            "share_joint_part",
            "record_part_reply",
            "go_without_part",
            "change_joint_part",
            "withdraw_joint_part",
        )
    },
    "send_survey": _survey_recorded,
    "record_survey_answers": _no_survey_awaited,
    "edit_case_study": _no_case_study,
    "approve_case_study": _no_case_study,
    "withdraw_case_study": _no_case_study,
    "withdraw_representative": _representative_acting,
    "reinstate_representative": _representative_withdrawn,
    "forward_to_provider": _share_consent_recorded,
    "reopen": _not_forwarded,
}


def allowed_actions(case: Case, user=None) -> list[str]:
    """The actions the state machine allows now (and the user may take, if given)."""
    return [
        name
        for name, t in TRANSITIONS.items()
        if case.status in t.from_statuses
        and case.kind in t.kinds
        and not (name in GUARDS and GUARDS[name](case))
        and (user is None or can(user, t.capability, case.organisation_id))
    ]


def ensure_can(case: Case, action: str, by) -> Transition:
    """Raise a clear error unless `action` is allowed on `case` now, by `by`."""
    t = TRANSITIONS[action]
    if by is not None and not can(by, t.capability, case.organisation_id):
        raise PermissionDenied(
            f"You do not have a role at {case.organisation.name} that allows this "
            f"({Capability(t.capability).label.lower()})."
        )
    if case.kind not in t.kinds:
        kinds = ", ".join(sorted(Kind(k).label.lower() for k in t.kinds))
        raise TransitionNotAllowed(
            f"{case.reference} is a {Kind(case.kind).label.lower()}; only a case of kind "
            f"{kinds} can be {t.label}."
        )
    if case.status not in t.from_statuses:
        allowed = ", ".join(sorted(Status(s).label.lower() for s in t.from_statuses))
        raise TransitionNotAllowed(
            f"{case.reference} cannot be {t.label}: it is {Status(case.status).label.lower()}. "
            f"This is allowed only when it is {allowed}."
        )
    why = GUARDS[action](case) if action in GUARDS else None
    if why:
        raise TransitionNotAllowed(why)
    return t


def named(*actions: str) -> tuple[str, ...]:
    """`actions`, when each is a transition of the table: how an interface declares what an
    endpoint or a form performs (tests/api/test_transition_coverage.py). A name that is not
    one fails when the interface is imported."""
    unknown = [a for a in actions if a not in TRANSITIONS]
    if unknown or not actions:
        raise ValueError(f"not transitions of candour.cases.workflow: {unknown or 'none'}")
    return actions


def lock(case: Case) -> Case:
    """Re-read the case for update inside the caller's transaction.

    Every write path takes its locks in one order (docs/adr/0016): the case first, then the
    case's own rows (a letter, a referral, an action), then a case reference number, and the
    audit chain's head last (`audit.chain.record`), held until commit. The case row alone is
    locked, FOR NO KEY UPDATE: its organisation is read, not locked (a lock on it would block
    every insert that names the organisation, whose foreign key check takes FOR KEY SHARE,
    PostgreSQL's deadlocks under concurrent intake), and NO KEY UPDATE leaves those checks free
    for rows that refer to the case (its audit events, issues, letters)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock() must be called inside a transaction")
    return (
        Case.objects.select_for_update(no_key=True, of=("self",))
        .select_related("organisation")
        .get(pk=case.pk)
    )


if __name__ == "__main__":  # pragma: no cover - a drawing aid
    for name, t in TRANSITIONS.items():
        frm = ",".join(sorted(t.from_statuses))
        print(f"{name:32} {frm:40} -> {t.to_status or '(same)'}")
