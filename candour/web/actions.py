"""The case page's actions: one small form per action in the state machine, each calling the
same domain function as the API (candour/api/actions.py).

An action is offered when `allowed_actions(case, user)` includes one of its transitions. The
forms parse types only; the domain function checks the state, the person and the input, and
its refusal is shown beside the field it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from candour.cases import consent, escalation, handling, intake, investigation
from candour.cases.intake import InvalidCase
from candour.cases.models import (
    AckMethod,
    Case,
    ConsentMethod,
    ContactChannel,
    Finding,
    LateDecision,
    OmbudsmanBody,
    OmbudsmanOutcome,
    PauseReason,
)
from candour.cases.workflow import (
    TRANSITIONS,
    CaseError,
    TransitionNotAllowed,
    allowed_actions,
    ensure_can,
)
from candour.organisations.access import people_with
from candour.organisations.models import Capability
from candour.web.forms import Field, now_local


@dataclass(frozen=True)
class Action:
    slug: str
    title: str
    transitions: tuple[str, ...]
    fields: tuple[Field, ...]
    run: Callable[[Case, object, dict], object]
    done: str
    hint: str = ""

    def offered(self, allowed: list[str]) -> bool:
        return any(t in allowed for t in self.transitions)

    def why_not(self, case: Case, user) -> str:
        """The domain's reason this action cannot be taken now, from the transition that
        fits the case's kind (so a compliment is told about closing a compliment)."""
        fitting = [t for t in self.transitions if case.kind in TRANSITIONS[t].kinds]
        try:
            ensure_can(case, (fitting or self.transitions)[0], user)
        except CaseError as error:
            return str(error)
        return ""


def _user(username: str):
    """A colleague by username, or None: the domain refuses both alike (as the API does)."""
    if not username:
        return None
    return get_user_model().objects.filter(username=username, is_active=True).first()


def _people(capability: Capability):
    def choices(case: Case, user):
        return [
            (u.get_username(), u.get_full_name() or u.get_username())
            for u in people_with(capability, case.organisation)
        ]

    return choices


def _grades(case: Case, user):
    """The policy's grading matrix, with its description and handling guidance (R15)."""
    return [
        (str(g.level), f"{g.level}: {g.name}", f"{g.description} Handling: {g.handling}")
        for g in case.organisation.policy.grading
    ]


def _open_issues(case: Case, user):
    return [
        (str(i.number), f"Issue {i.number}: {i.description[:80]}")
        for i in case.issues.filter(stage=case.stage).order_by("number")
    ]


AT = Field(
    "at", "When", "datetime", hint="The date and time, in UK time.", default=now_local, short="When"
)
NOTE = Field("note", "Note", "textarea")
REASON = Field("reason", "Reason", "textarea")

ACTIONS: tuple[Action, ...] = (
    Action(
        "acknowledge",
        "Acknowledge the complaint",
        ("acknowledge",),
        (Field("method", "How was it acknowledged?", "radios", choices=AckMethod.choices), AT),
        lambda c, u, d: handling.acknowledge_case(c, by=u, method=d["method"], at=d["at"]),
        "Acknowledgement recorded",
    ),
    Action(
        "request-consent",
        "Ask the patient for consent",
        ("request_consent",),
        (AT,),
        lambda c, u, d: consent.request_consent(c, by=u, at=d["at"]),
        "Consent request recorded",
    ),
    Action(
        "receive-consent",
        "Record consent as received",
        ("receive_consent",),
        (Field("method", "How was consent given?", "radios", choices=ConsentMethod.choices), AT),
        lambda c, u, d: consent.receive_consent(c, by=u, method=d["method"], at=d["at"]),
        "Consent recorded as received",
    ),
    Action(
        "refuse-consent",
        "Record consent as refused",
        ("refuse_consent",),
        (Field("note", "What did the patient say?", "textarea", short="Note"),),
        lambda c, u, d: consent.refuse_consent(c, by=u, note=d["note"]),
        "Consent recorded as refused",
    ),
    Action(
        "withdraw-consent",
        "Record consent as withdrawn",
        ("withdraw_consent",),
        (
            Field("note", "What did the patient say, and when?", "textarea", short="Note"),
            Field(
                "stop_representative",
                "The representative should no longer act for the patient",
                "checkbox",
                default="yes",
            ),
        ),
        lambda c, u, d: consent.withdraw_consent(
            c, by=u, note=d["note"], stop_representative=d["stop_representative"]
        ),
        "Consent recorded as withdrawn",
    ),
    Action(
        "override-consent",
        "Go ahead without consent",
        ("override_consent",),
        (
            Field(
                "grounds",
                "On what grounds?",
                "radios",
                choices=list(consent.OVERRIDE_GROUNDS.items()),
            ),
            Field("reason", "Why is consent not needed here?", "textarea", short="Reason"),
        ),
        lambda c, u, d: consent.override_consent(c, by=u, grounds=d["grounds"], reason=d["reason"]),
        "Consent override recorded",
    ),
    Action(
        "approve-summary",
        "Record the complainant's approval of the summary",
        ("approve_summary",),
        (Field("summary", "The summary the complainant approved", "textarea", short="Summary"), AT),
        lambda c, u, d: consent.approve_summary(c, by=u, at=d["at"], summary=d["summary"]),
        "Summary approval recorded",
        hint="A verbal complaint needs a typed summary the complainant agrees with.",
    ),
    Action(
        "grade",
        "Grade the case",
        ("grade",),
        (Field("level", "Which level fits this case?", "radios", choices=_grades, short="Level"),),
        lambda c, u, d: handling.grade_case(c, by=u, level=d["level"] or None),
        "Grade recorded",
    ),
    Action(
        "add-issue",
        "Add an issue",
        ("add_issue",),
        (
            Field("description", "The issue the response must answer", "textarea"),
            Field("desired_outcome", "What outcome does the complainant want on it?", "textarea"),
        ),
        lambda c, u, d: investigation.add_issue(
            c, by=u, description=d["description"], desired_outcome=d["desired_outcome"]
        ),
        "Issue added",
    ),
    Action(
        "assign-handler",
        "Assign a handler",
        ("assign_handler",),
        (
            Field(
                "handler",
                "Who will handle this case?",
                "select",
                choices=_people(Capability.HANDLE_CASES),
            ),
        ),
        lambda c, u, d: handling.assign_handler(c, by=u, handler=_user(d["handler"])),
        "Handler assigned",
    ),
    Action(
        "assign-investigator",
        "Assign an investigator",
        ("assign_investigator",),
        (
            Field(
                "investigator",
                "Who will investigate?",
                "select",
                choices=_people(Capability.INVESTIGATE),
            ),
        ),
        lambda c, u, d: handling.assign_investigator(
            c, by=u, investigator=_user(d["investigator"])
        ),
        "Investigator assigned",
    ),
    Action(
        "agree-response-date",
        "Agree a response date",
        ("agree_response_date",),
        (
            Field("response_date", "Response date agreed", "date", needed=True),
            NOTE,
        ),
        lambda c, u, d: handling.agree_response_date(
            c, by=u, response_date=d["response_date"], note=d["note"]
        ),
        "Response date agreed",
    ),
    Action(
        "agree-extension",
        "Agree an extension",
        ("agree_extension",),
        (Field("new_date", "New response date", "date", needed=True), REASON),
        lambda c, u, d: handling.agree_extension(
            c, by=u, new_date=d["new_date"], reason=d["reason"]
        ),
        "Extension agreed",
    ),
    Action(
        "late-decision",
        "Decide on a late complaint",
        ("decide_late_complaint",),
        (Field("decision", "Decision", "radios", choices=LateDecision.choices), REASON),
        lambda c, u, d: handling.decide_late_complaint(
            c, by=u, decision=d["decision"], reason=d["reason"]
        ),
        "Decision on the late complaint recorded",
    ),
    Action(
        "log-update",
        "Record an update to the complainant",
        ("log_update",),
        (
            Field("method", "How were they updated?", "radios", choices=ContactChannel.choices),
            Field("note", "What were they told?", "textarea", short="Note"),
            AT,
        ),
        lambda c, u, d: handling.log_update(
            c, by=u, method=d["method"], note=d["note"], at=d["at"]
        ),
        "Update recorded",
    ),
    Action(
        "external-notification",
        "An external body must be told",
        ("identify_external_notification",),
        (Field("body", "Who must be told?", hint="For example the CQC or the insurer."),),
        lambda c, u, d: handling.identify_external_notification(c, by=u, body=d["body"]),
        "External notification recorded as needed",
    ),
    Action(
        "external-notification-done",
        "Record that the external body was told",
        ("record_external_notification",),
        (AT,),
        lambda c, u, d: handling.record_external_notification(c, by=u, at=d["at"]),
        "External notification recorded",
    ),
    Action(
        "pause",
        "Pause the case",
        ("pause",),
        (
            Field("reason", "Why?", "radios", choices=PauseReason.choices, short="Reason"),
            Field("detail", "Details", "textarea"),
        ),
        lambda c, u, d: handling.pause_case(c, by=u, reason=d["reason"], detail=d["detail"]),
        "Case paused",
        hint="Paused time does not count against the case's deadlines.",
    ),
    Action(
        "resume",
        "Resume the case",
        ("resume",),
        (NOTE,),
        lambda c, u, d: handling.resume_case(c, by=u, note=d["note"]),
        "Case resumed",
    ),
    Action(
        "record-finding",
        "Record a finding on an issue",
        ("record_finding",),
        (
            Field("issue_number", "Issue", "select", choices=_open_issues, short="Issue"),
            Field("finding", "Finding", "radios", choices=Finding.choices),
            Field("summary", "Reasons for the finding", "textarea", short="Summary"),
        ),
        lambda c, u, d: investigation.record_finding(
            c,
            by=u,
            issue_number=int(d["issue_number"]) if d["issue_number"].isdigit() else 0,
            finding=d["finding"],
            summary=d["summary"],
        ),
        "Finding recorded",
    ),
    Action(
        "record-outcome",
        "Record the outcome and send the response",
        ("record_outcome",),
        (Field("summary", "The conclusions of the response", "textarea", short="Summary"),),
        lambda c, u, d: investigation.record_outcome(c, by=u, summary=d["summary"]),
        "Outcome recorded; the response is sent",
        hint="The overall outcome follows from the findings on the issues.",
    ),
    Action(
        "close",
        "Close the case",
        ("close", "close_record"),
        (NOTE,),
        lambda c, u, d: handling.close_case(c, by=u, note=d["note"]),
        "Case closed",
    ),
    Action(
        "withdraw",
        "Record a withdrawal",
        ("withdraw", "continue_after_withdrawal"),
        (
            Field("reason", "What did the complainant say?", "textarea", short="Reason"),
            Field(
                "continue_because",
                "Carry on regardless? If so, why",
                "textarea",
                hint="Only for learning, safeguarding or the public interest. Leave empty to "
                "close the case as withdrawn.",
            ),
        ),
        lambda c, u, d: handling.withdraw_case(
            c, by=u, reason=d["reason"], continue_because=d["continue_because"]
        ),
        "Withdrawal recorded",
    ),
    Action(
        "reopen",
        "Reopen into the next stage",
        ("reopen",),
        (Field("reason", "What is the complainant still unhappy about?", "textarea"),),
        lambda c, u, d: handling.reopen_case(c, by=u, reason=d["reason"]),
        "Case reopened into the next stage",
    ),
    Action(
        "resolve-informally",
        "Resolve the concern informally",
        ("resolve_informally",),
        (Field("resolution", "How was the concern resolved?", "textarea", short="Resolution"),),
        lambda c, u, d: intake.resolve_informally(c, by=u, resolution=d["resolution"]),
        "Concern resolved informally",
    ),
    Action(
        "convert-to-complaint",
        "Make it a formal complaint",
        ("convert_to_complaint",),
        (Field("reason", "Why is it now a formal complaint?", "textarea", short="Reason"),),
        lambda c, u, d: intake.convert_to_complaint(c, by=u, reason=d["reason"]),
        "The concern is now a formal complaint",
    ),
)


def _ombudsman_step(case: Case, user, data: dict):
    """R30: the next step of the case's latest Ombudsman or ADR referral."""
    referral = case.ombudsman_referrals.order_by("-referred_on", "-pk").first()
    if referral is None:
        raise TransitionNotAllowed(
            f"{case.reference} has no Ombudsman or ADR referral; record the referral first."
        )
    match data["step"]:
        case "requested":
            return escalation.request_ombudsman_information(
                referral, by=user, requested_on=data["on"], due=data["due"]
            )
        case "sent":
            return escalation.send_ombudsman_information(referral, by=user, sent_on=data["on"])
        case "decided":
            return escalation.record_ombudsman_outcome(
                referral,
                by=user,
                outcome=data["outcome"],
                decided_on=data["on"],
                summary=data["summary"],
            )
    raise InvalidCase("step", "choose what happened")


ESCALATION_ACTIONS: tuple[Action, ...] = (
    Action(
        "name-provider",
        "Name the provider it is about",
        ("name_provider",),
        (Field("provider", "Which provider is it about?", short="Provider", max_length=200),),
        lambda c, u, d: escalation.name_provider(c, by=u, provider=d["provider"]),
        "Provider recorded",
    ),
    Action(
        "forward-to-provider",
        "Forward the complaint to the provider",
        ("forward_to_provider",),
        (
            Field("provider", "Which provider?", short="Provider", max_length=200),
            AT,
            NOTE,
        ),
        lambda c, u, d: escalation.forward_to_provider(
            c, by=u, provider=d["provider"], at=d["at"], note=d["note"]
        ),
        "Forwarded to the provider; the case is closed here",
        hint="002 §10.6: with the complainant's consent, the provider answers directly and "
        "copies you. It is counted as provider-led.",
    ),
    Action(
        "refer-to-ombudsman",
        "Record a referral to the Ombudsman or an ADR provider",
        ("refer_to_ombudsman",),
        (
            Field("body", "Who is it referred to?", "radios", choices=OmbudsmanBody.choices),
            Field("body_name", "The ADR provider's name, if it is one", short="Name"),
            Field("referred_on", "When did you learn of the referral?", "date", needed=True),
            NOTE,
        ),
        lambda c, u, d: escalation.refer_to_ombudsman(
            c,
            by=u,
            body=d["body"],
            body_name=d["body_name"],
            referred_on=d["referred_on"],
            note=d["note"],
        ),
        "Referral recorded",
    ),
    Action(
        "ombudsman-step",
        "Record the next step of the referral",
        ("record_ombudsman_step",),
        (
            Field(
                "step",
                "What happened?",
                "radios",
                choices=(
                    ("requested", "The Ombudsman asked for information"),
                    ("sent", "We sent the information"),
                    ("decided", "The Ombudsman or ADR provider decided"),
                ),
            ),
            Field("on", "On what date?", "date", needed=True, short="Date"),
            Field("due", "Information due by (for a request)", "date", short="Due date"),
            Field(
                "outcome",
                "The decision (for a decision)",
                "select",
                choices=(("", "Choose a decision"), *OmbudsmanOutcome.choices),
                short="Decision",
            ),
            Field("summary", "Summary of the decision", "textarea", short="Summary"),
        ),
        _ombudsman_step,
        "Referral updated",
    ),
)

ACTIONS = ACTIONS + ESCALATION_ACTIONS

BY_SLUG = {a.slug: a for a in ACTIONS}


def offered(case: Case, user) -> list[Action]:
    allowed = allowed_actions(case, user)
    return [a for a in ACTIONS if a.offered(allowed)]


def blockers(case: Case, user) -> list[str]:
    """What stops the next step, in the domain's words (R12, R7)."""
    if "assign_investigator" not in allowed_actions(case, user) or case.investigator_id:
        return []
    try:
        handling.ensure_investigation_may_start(case)
    except TransitionNotAllowed as error:
        return [str(error)]
    return []
