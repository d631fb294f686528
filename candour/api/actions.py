"""Lifecycle actions: POST /api/v1/cases/{reference}/<action>.

Each endpoint finds the case through the access module (a case you cannot see is 404),
calls one domain function with a typed body, and returns the case as it now is. The
domain function checks the state (409), your role (403) and the input (422).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from ninja import Router, Status

from candour.api import render
from candour.api.schemas import (
    WRITE_ERRORS,
    AcknowledgeIn,
    ActionIn,
    ApproveSummaryIn,
    CancelActionIn,
    CaseDetail,
    CompleteActionIn,
    EvidenceIn,
    ExtensionIn,
    ExternalNotificationIn,
    ExternalNotifiedIn,
    FindingIn,
    GradeIn,
    HandlerIn,
    HandlingPlanIn,
    InvestigationIn,
    InvestigatorIn,
    IssueIn,
    LateDecisionIn,
    LessonIn,
    NoteIn,
    NumberInPath,
    OutcomeIn,
    OverrideConsentIn,
    PauseIn,
    ReasonIn,
    ReceiveConsentIn,
    Reference,
    ReferralIn,
    ReferralMadeIn,
    RefuseConsentIn,
    RemedyIn,
    ReopenIn,
    RepresentativeIn,
    RequestConsentIn,
    ResolveInformallyIn,
    ResponseDateIn,
    StaffIn,
    StaffStepIn,
    StatementReminderIn,
    StatementRequestIn,
    UpdateIn,
    VerifyActionIn,
    WithdrawConsentIn,
    WithdrawIn,
    performs,
)
from candour.cases import actions, consent, handling, intake, investigation, referrals
from candour.cases.access import get_case, get_case_in_full

router = Router(tags=["case actions"])


def _done(request, reference: Reference) -> dict:
    """The case after the action, read afresh in a fixed number of queries (the action itself
    is the audit record, so the read is not logged again)."""
    return render.detail(request.auth, get_case_in_full(request.auth, reference))


def _case(request, reference: Reference):
    return get_case(request.auth, reference)


def _user(username: str):
    """A named colleague, or None: the domain then refuses with the same message whether
    the name is unknown or belongs to someone without a role there, so that usernames in
    other organisations cannot be probed."""
    return get_user_model().objects.filter(username=username, is_active=True).first()


@router.post(
    "/{reference}/acknowledge",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("acknowledge"),
)
def acknowledge(request, reference: Reference, payload: AcknowledgeIn):
    """Record that the complainant has been acknowledged (reg 13; R17)."""
    handling.acknowledge_case(
        _case(request, reference), by=request.auth, method=payload.method, at=payload.at
    )
    return _done(request, reference)


@router.post(
    "/{reference}/consent/request",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("request_consent"),
)
def request_consent(request, reference: Reference, payload: RequestConsentIn):
    """Ask the patient for consent; starts the consent chase deadline (R12)."""
    consent.request_consent(_case(request, reference), by=request.auth, at=payload.at)
    return _done(request, reference)


@router.post(
    "/{reference}/consent/receive",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("receive_consent"),
)
def receive_consent(request, reference: Reference, payload: ReceiveConsentIn):
    """Record consent as received, how and when (R12)."""
    consent.receive_consent(
        _case(request, reference), by=request.auth, method=payload.method, at=payload.at
    )
    return _done(request, reference)


@router.post(
    "/{reference}/consent/refuse",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("refuse_consent"),
)
def refuse_consent(request, reference: Reference, payload: RefuseConsentIn):
    consent.refuse_consent(
        _case(request, reference), by=request.auth, note=payload.note, at=payload.at
    )
    return _done(request, reference)


@router.post(
    "/{reference}/consent/withdraw",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("withdraw_consent"),
)
def withdraw_consent(request, reference: Reference, payload: WithdrawConsentIn):
    """The patient withdrew their consent (R12): the response clock waits again. With
    `stop_representative`, correspondence with the representative stops too (R13); to
    withdraw only the representative, use representative/withdraw."""
    consent.withdraw_consent(
        _case(request, reference),
        by=request.auth,
        note=payload.note,
        stop_representative=payload.stop_representative,
        at=payload.at,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/representative/withdraw",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("withdraw_representative"),
)
def withdraw_representative(request, reference: Reference, payload: RepresentativeIn):
    """The patient no longer wants the representative to act for them (R13): letters to the
    representative are held until it is clarified, and can go to the patient; the consent
    and the clocks are unchanged."""
    consent.withdraw_representative(
        _case(request, reference), by=request.auth, note=payload.note, at=payload.at
    )
    return _done(request, reference)


@router.post(
    "/{reference}/representative/reinstate",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("reinstate_representative"),
)
def reinstate_representative(request, reference: Reference, payload: RepresentativeIn):
    """It was clarified that the patient wants the representative to act again (R13)."""
    consent.reinstate_representative(
        _case(request, reference), by=request.auth, note=payload.note, at=payload.at
    )
    return _done(request, reference)


@router.post(
    "/{reference}/consent/override",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("override_consent"),
)
def override_consent(request, reference: Reference, payload: OverrideConsentIn):
    """Go ahead without consent on recorded grounds, with reasons (R12)."""
    consent.override_consent(
        _case(request, reference),
        by=request.auth,
        grounds=payload.grounds,
        reason=payload.reason,
        at=payload.at,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/summary/approve",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("approve_summary"),
)
def approve_summary(request, reference: Reference, payload: ApproveSummaryIn):
    """The complainant approved the typed summary of their verbal complaint (R5)."""
    consent.approve_summary(
        _case(request, reference), by=request.auth, at=payload.at, summary=payload.summary
    )
    return _done(request, reference)


@router.post("/{reference}/grade", response={200: CaseDetail, **WRITE_ERRORS}, **performs("grade"))
def grade(request, reference: Reference, payload: GradeIn):
    """Grade the case by the policy's grading matrix (R15)."""
    handling.grade_case(_case(request, reference), by=request.auth, level=payload.level)
    return _done(request, reference)


@router.post(
    "/{reference}/issues", response={201: CaseDetail, **WRITE_ERRORS}, **performs("add_issue")
)
def add_issue(request, reference: Reference, payload: IssueIn):
    """Add an issue the response must answer (R18)."""
    investigation.add_issue(
        _case(request, reference),
        by=request.auth,
        description=payload.description,
        desired_outcome=payload.desired_outcome,
    )
    return Status(201, _done(request, reference))


@router.post(
    "/{reference}/issues/{number}/finding",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("record_finding"),
)
def record_finding(request, reference: Reference, number: NumberInPath, payload: FindingIn):
    """Record the finding on one issue at the current stage (R22)."""
    investigation.record_finding(
        _case(request, reference),
        by=request.auth,
        issue_number=number,
        finding=payload.finding,
        summary=payload.summary,
        at=payload.at,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/handler", response={200: CaseDetail, **WRITE_ERRORS}, **performs("assign_handler")
)
def assign_handler(request, reference: Reference, payload: HandlerIn):
    handling.assign_handler(
        _case(request, reference), by=request.auth, handler=_user(payload.handler)
    )
    return _done(request, reference)


@router.post(
    "/{reference}/investigator",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("assign_investigator"),
)
def assign_investigator(request, reference: Reference, payload: InvestigatorIn):
    """Assign the investigating officer; needs consent or an override first (R12, R21)."""
    handling.assign_investigator(
        _case(request, reference), by=request.auth, investigator=_user(payload.investigator)
    )
    return _done(request, reference)


@router.post(
    "/{reference}/response-date",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("agree_response_date"),
)
def agree_response_date(request, reference: Reference, payload: ResponseDateIn):
    """The response date agreed with the complainant in the handling plan (R18)."""
    handling.agree_response_date(
        _case(request, reference),
        by=request.auth,
        response_date=payload.response_date,
        note=payload.note,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/extension",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("agree_extension"),
)
def agree_extension(request, reference: Reference, payload: ExtensionIn):
    """A new response date agreed with the complainant (R19)."""
    handling.agree_extension(
        _case(request, reference), by=request.auth, new_date=payload.new_date, reason=payload.reason
    )
    return _done(request, reference)


@router.post(
    "/{reference}/late-decision",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("decide_late_complaint"),
)
def decide_late_complaint(request, reference: Reference, payload: LateDecisionIn):
    """Accept or decline a complaint made after the time limit (R7)."""
    handling.decide_late_complaint(
        _case(request, reference),
        by=request.auth,
        decision=payload.decision,
        reason=payload.reason,
        at=payload.at,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/updates", response={200: CaseDetail, **WRITE_ERRORS}, **performs("log_update")
)
def log_update(request, reference: Reference, payload: UpdateIn):
    """The complainant was updated on progress (R19)."""
    handling.log_update(
        _case(request, reference),
        by=request.auth,
        method=payload.method,
        note=payload.note,
        at=payload.at,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/external-notification",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("identify_external_notification"),
)
def identify_external_notification(request, reference: Reference, payload: ExternalNotificationIn):
    """An external body must be told (R16)."""
    handling.identify_external_notification(
        _case(request, reference), by=request.auth, body=payload.body, at=payload.at
    )
    return _done(request, reference)


@router.post(
    "/{reference}/external-notification/done",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("record_external_notification"),
)
def record_external_notification(request, reference: Reference, payload: ExternalNotifiedIn):
    """The external body has been told."""
    handling.record_external_notification(_case(request, reference), by=request.auth, at=payload.at)
    return _done(request, reference)


@router.post("/{reference}/pause", response={200: CaseDetail, **WRITE_ERRORS}, **performs("pause"))
def pause(request, reference: Reference, payload: PauseIn):
    """Pause the case; paused time does not count against its deadlines (R23)."""
    handling.pause_case(
        _case(request, reference),
        by=request.auth,
        reason=payload.reason,
        detail=payload.detail,
        at=payload.at,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/resume", response={200: CaseDetail, **WRITE_ERRORS}, **performs("resume")
)
def resume(request, reference: Reference, payload: NoteIn):
    handling.resume_case(
        _case(request, reference), by=request.auth, note=payload.note, at=payload.at
    )
    return _done(request, reference)


@router.post(
    "/{reference}/outcome", response={200: CaseDetail, **WRITE_ERRORS}, **performs("record_outcome")
)
def record_outcome(request, reference: Reference, payload: OutcomeIn):
    """The overall outcome, once every issue has a finding (R22). Where the organisation's
    policy has a sign-off chain for the final response (R26), this records the outcome only:
    the complaint is answered when its signed final response is dispatched
    (`POST /letters/{id}/dispatch`), dated when it was sent. Where it has none, this is the
    response, sent `at`."""
    investigation.record_outcome(
        _case(request, reference),
        by=request.auth,
        summary=payload.summary,
        outcome=payload.outcome,
        at=payload.at,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/close",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("close", "close_record"),
)
def close(request, reference: Reference, payload: NoteIn):
    """Close a responded case, or a compliment, comment, suggestion or enquiry on record."""
    handling.close_case(
        _case(request, reference), by=request.auth, note=payload.note, at=payload.at
    )
    return _done(request, reference)


@router.post(
    "/{reference}/withdraw",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("withdraw", "continue_after_withdrawal"),
)
def withdraw(request, reference: Reference, payload: WithdrawIn):
    """The complainant withdraws; with `continue_because` the case carries on (R14)."""
    handling.withdraw_case(
        _case(request, reference),
        by=request.auth,
        reason=payload.reason,
        continue_because=payload.continue_because,
        at=payload.at,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/reopen", response={200: CaseDetail, **WRITE_ERRORS}, **performs("reopen")
)
def reopen(request, reference: Reference, payload: ReopenIn):
    """Take a dissatisfied complainant's case to the next stage (R29), from when their
    request was received; the stage answered keeps its response."""
    handling.reopen_case(
        _case(request, reference),
        by=request.auth,
        reason=payload.reason,
        received_at=payload.received_at,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/resolve-informally",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("resolve_informally"),
)
def resolve_informally(request, reference: Reference, payload: ResolveInformallyIn):
    """A concern resolved to the person's satisfaction (R6)."""
    intake.resolve_informally(
        _case(request, reference), by=request.auth, resolution=payload.resolution, at=payload.at
    )
    return _done(request, reference)


@router.post(
    "/{reference}/convert-to-complaint",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("convert_to_complaint"),
)
def convert_to_complaint(request, reference: Reference, payload: ReasonIn):
    """A concern becomes a formal complaint; its clocks run from the original receipt (R6)."""
    intake.convert_to_complaint(_case(request, reference), by=request.auth, reason=payload.reason)
    return _done(request, reference)


# --- action plans and learning (R28, R35) ----------------------------------------------------


@router.post(
    "/{reference}/actions", response={201: CaseDetail, **WRITE_ERRORS}, **performs("add_action")
)
def add_action(request, reference: Reference, payload: ActionIn):
    """Add an action to the case's action plan, with its owner and due date (R35). A promised
    action keeps the case from closing until it is done and checked (R28)."""
    actions.add_action(
        _case(request, reference),
        by=request.auth,
        description=payload.description,
        owner=_user(payload.owner),
        due=payload.due,
        promised=payload.promised,
        themes=payload.themes,
    )
    return Status(201, _done(request, reference))


@router.post(
    "/{reference}/actions/{number}/complete",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("complete_action"),
)
def complete_action(request, reference: Reference, number: NumberInPath, payload: CompleteActionIn):
    """The action is done, with the evidence; by its owner or someone who handles cases."""
    actions.complete_action(
        _case(request, reference),
        by=request.auth,
        number=number,
        evidence=payload.evidence,
        at=payload.at,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/actions/{number}/verify",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("verify_action"),
)
def verify_action(request, reference: Reference, number: NumberInPath, payload: VerifyActionIn):
    """Record the check that the change works (R35)."""
    actions.verify_action(
        _case(request, reference),
        by=request.auth,
        number=number,
        check=payload.check,
        at=payload.at,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/actions/{number}/cancel",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("cancel_action"),
)
def cancel_action(request, reference: Reference, number: NumberInPath, payload: CancelActionIn):
    """An action that will not be done, with the reason."""
    actions.cancel_action(
        _case(request, reference), by=request.auth, number=number, reason=payload.reason
    )
    return _done(request, reference)


@router.post(
    "/{reference}/lessons", response={201: CaseDetail, **WRITE_ERRORS}, **performs("record_lesson")
)
def record_lesson(request, reference: Reference, payload: LessonIn):
    """A lesson learned from the case, with its themes (R35)."""
    actions.record_lesson(
        _case(request, reference),
        by=request.auth,
        text=payload.text,
        themes=payload.themes,
        at=payload.at,
    )
    return Status(201, _done(request, reference))


# --- risk referrals (R16) --------------------------------------------------------------------


@router.post(
    "/{reference}/referrals",
    response={201: CaseDetail, **WRITE_ERRORS},
    **performs("raise_referral"),
)
def raise_referral(request, reference: Reference, payload: ReferralIn):
    """Flag a risk and refer it, with its owner and due date (R16). A police, legal claim or
    disciplinary referral may also pause the case, if asked (R23)."""
    referrals.raise_referral(
        _case(request, reference),
        by=request.auth,
        kind=payload.kind,
        detail=payload.detail,
        owner=_user(payload.owner),
        body=payload.body,
        due=payload.due,
        identified_at=payload.identified_at,
        pause=payload.pause,
    )
    return Status(201, _done(request, reference))


@router.post(
    "/{reference}/referrals/{number}/made",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("record_referral"),
)
def record_referral(request, reference: Reference, number: NumberInPath, payload: ReferralMadeIn):
    """The referral was made: when, and the body's reference."""
    referrals.record_referral(
        _case(request, reference),
        by=request.auth,
        number=number,
        at=payload.at,
        their_reference=payload.their_reference,
        note=payload.note,
    )
    return _done(request, reference)


# --- the handling plan (R18) and the investigation (R21) -------------------------------------


@router.post(
    "/{reference}/handling-plan",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("update_handling_plan"),
)
def update_handling_plan(request, reference: Reference, payload: HandlingPlanIn):
    """Change the handling plan agreed with the complainant; only the fields sent change."""
    investigation.update_handling_plan(
        _case(request, reference), by=request.auth, **payload.model_dump(exclude_unset=True)
    )
    return _done(request, reference)


@router.post(
    "/{reference}/investigation",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("update_investigation"),
)
def update_investigation(request, reference: Reference, payload: InvestigationIn):
    """Root-cause analysis, independent clinical review, mediation agreed (R21)."""
    investigation.update_investigation(
        _case(request, reference), by=request.auth, **payload.model_dump(exclude_unset=True)
    )
    return _done(request, reference)


@router.post(
    "/{reference}/staff",
    response={201: CaseDetail, **WRITE_ERRORS},
    **performs("add_staff_involved"),
)
def add_staff_involved(request, reference: Reference, payload: StaffIn):
    """A member of staff involved in the complaint (R21)."""
    investigation.add_staff_involved(
        _case(request, reference), by=request.auth, name=payload.name, job_title=payload.job_title
    )
    return Status(201, _done(request, reference))


@router.post(
    "/{reference}/staff/{number}/steps",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("record_staff_step"),
)
def record_staff_step(request, reference: Reference, number: NumberInPath, payload: StaffStepIn):
    """Informed, shown the complaint, offered support or interviewed; an interview needs the
    first two before it (R21)."""
    investigation.record_staff_step(
        _case(request, reference),
        by=request.auth,
        staff=number,
        step=payload.step,
        at=payload.at,
        note=payload.note,
    )
    return _done(request, reference)


@router.post(
    "/{reference}/statements",
    response={201: CaseDetail, **WRITE_ERRORS},
    **performs("request_statement"),
)
def request_statement(request, reference: Reference, payload: StatementRequestIn):
    """Ask a member of staff for a statement by a due date (R21)."""
    investigation.request_statement(
        _case(request, reference),
        by=request.auth,
        staff=payload.staff,
        due=payload.due,
        at=payload.at,
    )
    return Status(201, _done(request, reference))


@router.post(
    "/{reference}/statements/{number}/remind",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("remind_statement"),
)
def remind_statement(
    request, reference: Reference, number: NumberInPath, payload: StatementReminderIn
):
    """Chase an outstanding statement; the due date moves on."""
    investigation.remind_statement(
        _case(request, reference), by=request.auth, number=number, due=payload.due, at=payload.at
    )
    return _done(request, reference)


@router.post(
    "/{reference}/statements/{number}/received",
    response={200: CaseDetail, **WRITE_ERRORS},
    **performs("receive_statement"),
)
def receive_statement(
    request, reference: Reference, number: NumberInPath, payload: ExternalNotifiedIn
):
    investigation.receive_statement(
        _case(request, reference), by=request.auth, number=number, at=payload.at
    )
    return _done(request, reference)


@router.post(
    "/{reference}/evidence",
    response={201: CaseDetail, **WRITE_ERRORS},
    **performs("record_evidence"),
)
def record_evidence(request, reference: Reference, payload: EvidenceIn):
    """Records, policies or other evidence reviewed (R21)."""
    investigation.record_evidence(
        _case(request, reference),
        by=request.auth,
        kind=payload.kind,
        description=payload.description,
        at=payload.at,
    )
    return Status(201, _done(request, reference))


@router.post(
    "/{reference}/remedies", response={201: CaseDetail, **WRITE_ERRORS}, **performs("offer_remedy")
)
def offer_remedy(request, reference: Reference, payload: RemedyIn):
    """A remedy offered: put things right, or reimburse costs with the amount (R21)."""
    investigation.offer_remedy(
        _case(request, reference),
        by=request.auth,
        kind=payload.kind,
        description=payload.description,
        amount=payload.amount,
        at=payload.at,
    )
    return Status(201, _done(request, reference))
