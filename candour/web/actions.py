"""The case page's actions: one small form per action in the state machine, each calling the
same domain function as the API (candour/api/actions.py).

An action is offered when `allowed_actions(case, user)` includes one of its transitions. The
forms parse types only; the domain function checks the state, the person and the input, and
its refusal is shown beside the field it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from candour.cases import actions as plans
from candour.cases import (
    consent,
    contacts,
    corrections,
    escalation,
    handling,
    intake,
    investigation,
    joint,
    redirections,
    referrals,
    restrictions,
)
from candour.cases.access import may_see_identity
from candour.cases.intake import InvalidCase
from candour.cases.joint_models import LeadBasis, PartConsent
from candour.cases.models import (
    OUTSTANDING_ACTIONS,
    AckMethod,
    ActionStatus,
    Case,
    Channel,
    ConsentMethod,
    ContactChannel,
    ContactDirection,
    ContactMethod,
    EvidenceKind,
    Finding,
    Kind,
    LateDecision,
    OmbudsmanBody,
    OmbudsmanOutcome,
    PartyRole,
    PauseReason,
    ReferralKind,
    Relationship,
    RemedyKind,
    ShareConsent,
)
from candour.cases.people import PersonDetails
from candour.cases.workflow import (
    TRANSITIONS,
    CaseError,
    TransitionNotAllowed,
    allowed_actions,
    ensure_can,
    investigation_blocker,
    named,
)
from candour.organisations.access import can, people_with
from candour.organisations.models import Capability
from candour.text import whole_number
from candour.web import joint as joint_pages
from candour.web.forms import Field, now_local
from candour.web.intake import LEARNED, person_fields

# How a title names a case's kind, where its label would not read well mid-sentence.
KIND_NOUNS = {Kind.COMPLAINT: "complaint", Kind.MP_ENQUIRY: "MP enquiry"}


@dataclass(frozen=True)
class Action:
    slug: str
    title: str
    transitions: tuple[str, ...]
    fields: tuple[Field, ...]
    run: Callable[[Case, object, dict], object]
    # What the page says once it is done: words, or words from the case it returned.
    done: str | Callable[[Case], str]
    # What the form says first: words, or words for the case.
    hint: str | Callable[[Case], str] = ""
    # The domain's field names shown beside a differently named field of the form.
    aliases: tuple[tuple[str, str], ...] = ()

    # The form's values to start from (a correction starts from what is recorded).
    prefill: Callable[[Case, object], dict] | None = None
    # Why the action does not apply to this case, whatever its status ("" when it does):
    # correcting a patient the case does not have.
    unavailable: Callable[[Case, object], str] | None = None
    # The form that comes first, linked from this one's page while it cannot be done yet
    # (forwarding to a provider: consent to share it).
    first: str = ""

    def __post_init__(self):
        named(*self.transitions)

    def title_for(self, case: Case) -> str:
        """The title, naming the case's kind where it says {kind}: "Acknowledge the concern",
        and its organisation's escalation body where it says {escalation} (as the reports
        name it: the clinic's ADR provider, not the Ombudsman)."""
        names = {"kind": KIND_NOUNS.get(case.kind, case.get_kind_display().lower())}
        if "{escalation}" in self.title:
            names["escalation"] = escalation_named(case)
        return self.title.format(**names)

    def hint_for(self, case: Case) -> str:
        return self.hint(case) if callable(self.hint) else self.hint

    def done_after(self, result) -> str:
        """The message once done; `result` is what the domain function returned."""
        return self.done if isinstance(self.done, str) else self.done(result)

    def offered(self, allowed: list[str]) -> bool:
        return any(t in allowed for t in self.transitions)

    def unavailable_on(self, case: Case, user) -> str:
        return self.unavailable(case, user) if self.unavailable else ""

    def why_not(self, case: Case, user) -> str:
        """The domain's reason this action cannot be taken now, from the transition that
        fits the case's kind (so a compliment is told about closing a compliment)."""
        if self.unavailable_on(case, user):
            return self.unavailable_on(case, user)
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


def _outcome_hint(case: Case) -> str:
    """R22, R26: what recording the outcome does for this case: with a sign-off chain for the
    final response, it is not the response; without one, it is."""
    first = "The overall outcome follows from the findings on the issues."
    chain = investigation.final_response_chain(case)
    if chain is None:
        return f"{first} Recording it is the response: give when the response was sent."
    return (
        f"{first} Record the outcome, then send the signed final response: the complaint is "
        f"answered when its final response, signed off by '{chain.name}', is dispatched, and "
        "the time it is sent is the response's date."
    )


def when(label: str = "When", name: str = "at") -> Field:
    """The date and time something happened: now unless changed (cases.intake.when_on_case)."""
    hint = "The date and time, in UK time."
    return Field(name, label, "datetime", hint=hint, default=now_local, short="When")


AT = when()
NOTE = Field("note", "Note", "textarea")
REASON = Field("reason", "Reason", "textarea")

ACTIONS: tuple[Action, ...] = (
    Action(
        "acknowledge",
        "Acknowledge the {kind}",
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
        (Field("note", "What did the patient say?", "textarea", short="Note"), AT),
        lambda c, u, d: consent.refuse_consent(c, by=u, note=d["note"], at=d["at"]),
        "Consent recorded as refused",
    ),
    Action(
        "withdraw-consent",
        "Record consent as withdrawn",
        ("withdraw_consent",),
        (
            Field("note", "What did the patient say?", "textarea", short="Note"),
            Field(
                "stop_representative",
                "The representative should no longer act for the patient",
                "checkbox",
                default="yes",
            ),
            when("When did the patient withdraw consent?"),
        ),
        lambda c, u, d: consent.withdraw_consent(
            c, by=u, note=d["note"], stop_representative=d["stop_representative"], at=d["at"]
        ),
        "Consent recorded as withdrawn",
        hint="The patient withdraws their consent: the response clock waits until it is given "
        "again. If the patient wants the complaint to go on without the representative, "
        "record that the representative is withdrawn instead.",
    ),
    Action(
        "withdraw-representative",
        "Record that the patient has withdrawn the representative",
        ("withdraw_representative",),
        (
            Field("note", "What did the patient say, and how?", "textarea", short="Note"),
            when("When did the patient say so?"),
        ),
        lambda c, u, d: consent.withdraw_representative(c, by=u, note=d["note"], at=d["at"]),
        "Representative recorded as withdrawn: letters to them are held, and can go to the patient",
        hint="The complaint goes on and its deadlines still run. Letters to the representative "
        "are not sent until the patient's wishes are clarified; start a letter to the patient "
        "instead.",
    ),
    Action(
        "reinstate-representative",
        "Record that the representative may act again",
        ("reinstate_representative",),
        (
            Field("note", "How were the patient's wishes clarified?", "textarea", short="Note"),
            when("When was it clarified?"),
        ),
        lambda c, u, d: consent.reinstate_representative(c, by=u, note=d["note"], at=d["at"]),
        "Representative recorded as acting again",
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
            when("When was this decided?"),
        ),
        lambda c, u, d: consent.override_consent(
            c, by=u, grounds=d["grounds"], reason=d["reason"], at=d["at"]
        ),
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
        (
            Field("decision", "Decision", "radios", choices=LateDecision.choices),
            REASON,
            when("When was it decided?"),
        ),
        lambda c, u, d: handling.decide_late_complaint(
            c, by=u, decision=d["decision"], reason=d["reason"], at=d["at"]
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
        (
            Field(
                "body",
                "Who must be told?",
                hint="For example the CQC or the insurer.",
                max_length=200,
            ),
            when("When was the need found?"),
        ),
        lambda c, u, d: handling.identify_external_notification(
            c, by=u, body=d["body"], at=d["at"]
        ),
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
            when("When did the pause start?"),
        ),
        lambda c, u, d: handling.pause_case(
            c, by=u, reason=d["reason"], detail=d["detail"], at=d["at"]
        ),
        "Case paused",
        hint="Paused time does not count against the case's deadlines.",
    ),
    Action(
        "resume",
        "Resume the case",
        ("resume",),
        (NOTE, when("When did the pause end?")),
        lambda c, u, d: handling.resume_case(c, by=u, note=d["note"], at=d["at"]),
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
            when("When was the finding reached?"),
        ),
        lambda c, u, d: investigation.record_finding(
            c,
            by=u,
            issue_number=whole_number(d["issue_number"]) or 0,
            finding=d["finding"],
            summary=d["summary"],
            at=d["at"],
        ),
        "Finding recorded",
    ),
    Action(
        "record-outcome",
        "Record the outcome",
        ("record_outcome",),
        (
            Field("summary", "The conclusions of the response", "textarea", short="Summary"),
            Field(
                "at",
                "When was it decided, or the response sent?",
                "datetime",
                hint="The date and time, in UK time. Where the response is this record (no "
                "sign-off chain), it is when the response was sent.",
                default=now_local,
                short="When",
            ),
        ),
        lambda c, u, d: investigation.record_outcome(c, by=u, summary=d["summary"], at=d["at"]),
        lambda c: (
            "Outcome recorded; the response is sent"
            if c.responded_at
            else "Outcome recorded. Now send the signed final response: the complaint is "
            "answered when it is dispatched"
        ),
        hint=_outcome_hint,
    ),
    Action(
        "close",
        "Close the case",
        ("close", "close_record"),
        (NOTE, when("When was it closed?")),
        lambda c, u, d: handling.close_case(c, by=u, note=d["note"], at=d["at"]),
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
            when("When did the complainant withdraw?"),
        ),
        lambda c, u, d: handling.withdraw_case(
            c, by=u, reason=d["reason"], continue_because=d["continue_because"], at=d["at"]
        ),
        "Withdrawal recorded",
    ),
    Action(
        "reopen",
        "Reopen into the next stage",
        ("reopen",),
        (
            Field("reason", "What is the complainant still unhappy about?", "textarea"),
            Field(
                "received_at",
                "When was their request for the next stage received?",
                "datetime",
                hint="The date and time, in UK time. The next stage's deadlines run from it.",
                default=now_local,
                short="Received",
            ),
        ),
        lambda c, u, d: handling.reopen_case(
            c, by=u, reason=d["reason"], received_at=d["received_at"]
        ),
        "Case reopened into the next stage",
        hint="The response to this stage stays on record, and in the reports, as it was sent.",
    ),
    Action(
        "resolve-informally",
        "Resolve the concern informally",
        ("resolve_informally",),
        (
            Field("resolution", "How was the concern resolved?", "textarea", short="Resolution"),
            when("When was it resolved?"),
        ),
        lambda c, u, d: intake.resolve_informally(c, by=u, resolution=d["resolution"], at=d["at"]),
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


def escalation_named(case: Case) -> str:
    """Where the case's complainant goes once local resolution has ended, as the policy of
    its organisation names it (Policy.escalation_named, which the reports use too)."""
    return case.organisation.policy.escalation_named


def _ombudsman_steps(case: Case, user):
    body = escalation_named(case)
    body = body[:1].upper() + body[1:]
    return (
        ("requested", f"{body} asked for information"),
        ("sent", "We sent the information"),
        ("decided", f"{body} decided"),
    )


def _providers(case: Case, user):
    """R32: the providers in Candour the case may go to, by code; none chosen: named instead."""
    return [(o.code, o.name) for o in escalation.providers_for(case).order_by("name")]


def _provider(case: Case, code: str):
    if not code:
        return None
    found = escalation.providers_for(case).filter(code=code).first()
    if found is None:
        raise InvalidCase("provider_organisation", "choose a provider from the list")
    return found


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
        "share-consent",
        "Record consent to share it with the provider",
        ("record_share_consent",),
        (
            Field(
                "method",
                "How did the complainant agree to it going to the provider?",
                "radios",
                choices=ShareConsent.choices,
                short="How",
            ),
            Field(
                "note",
                "Note (if consent is not needed: why not)",
                "textarea",
                short="Note",
            ),
            when("When did they agree, or was it decided?"),
        ),
        lambda c, u, d: consent.record_share_consent(
            c, by=u, method=d["method"], note=d["note"], at=d["at"]
        ),
        "Consent to share with the provider recorded",
        hint="Passing a complaint to the provider needs the complainant's own consent, as well "
        "as the patient's. Explain that it cannot be properly investigated unless the provider "
        "has the chance to respond.",
    ),
    Action(
        "forward-to-provider",
        "Forward the {kind} to the provider",
        ("forward_to_provider",),
        (
            Field(
                "provider_organisation",
                "Which provider in Candour?",
                "select",
                choices=_providers,
                hint="Leave it unchosen for a provider that does not use Candour, and name it "
                "below.",
                short="Provider",
            ),
            Field(
                "provider",
                "Or, if it is not in Candour, its name",
                short="Provider",
                max_length=200,
            ),
            AT,
            Field("note", "Note to the provider", "textarea", short="Note"),
        ),
        lambda c, u, d: escalation.forward_to_provider(
            c,
            by=u,
            provider=d["provider"],
            organisation=_provider(c, d["provider_organisation"]),
            at=d["at"],
            note=d["note"],
        ),
        "Forwarded to the provider; the case is closed here",
        first="share-consent",
        hint="The provider answers the complainant directly and copies you; it is counted as "
        "provider-led and is not reopened here. A provider in Candour gets the complaint as a "
        "case of its own, and its response is shown on this case.",
    ),
    Action(
        "forward-further-issues",
        "Forward further issues to the provider",
        ("forward_further_issues",),
        (
            Field(
                "issues",
                "The further issues the provider must answer",
                "textarea",
                hint="One issue a line.",
                short="Issues",
            ),
            Field(
                "consent",
                "How did the complainant agree to these issues going to the provider?",
                "radios",
                choices=ShareConsent.choices,
                short="Consent to share",
            ),
            Field(
                "consent_note",
                "If consent is not needed: why not",
                "textarea",
                short="Why consent is not needed",
            ),
            AT,
            Field("note", "Note to the provider", "textarea", short="Note"),
        ),
        lambda c, u, d: escalation.forward_further_issues(
            c,
            by=u,
            issues=d["issues"].splitlines(),
            consent=d["consent"],
            consent_note=d["consent_note"],
            at=d["at"],
            note=d["note"],
        ),
        "Further issues forwarded to the provider",
        hint="They are added to this case and, for a provider in Candour, to its case, while "
        "that case is still being handled there.",
    ),
    Action(
        "refer-to-ombudsman",
        "Record a referral to {escalation}",
        ("refer_to_ombudsman",),
        (
            Field("body", "Who is it referred to?", "radios", choices=OmbudsmanBody.choices),
            Field(
                "body_name", "The ADR provider's name, if it is one", short="Name", max_length=200
            ),
            Field(
                "referred_on",
                "When did you learn of the referral?",
                "date",
                needed=True,
                short="The date you learned of the referral",
            ),
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
                choices=_ombudsman_steps,
            ),
            Field("on", "On what date?", "date", needed=True, short="The date it happened"),
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
        aliases=(("requested_on", "on"), ("sent_on", "on"), ("decided_on", "on")),
    ),
)


def _numbered(related: str, describe: Callable, **filters):
    """Choices of a case's numbered items (actions, referrals, staff, statement requests)."""

    def choices(case: Case, user):
        items = getattr(case, related).filter(**filters).order_by("number")
        return [(str(i.number), f"{i.number}: {describe(i)[:80]}") for i in items]

    return choices


def _number(data: dict, field: str) -> int:
    number = whole_number(data[field])
    if number is None:
        raise InvalidCase(field, "choose one from the list")
    return number


def _given(data: dict, names) -> dict:
    """The handling plan's fields that were filled in: an empty field changes nothing."""
    return {n: data[n] for n in names if data[n] not in (None, "")}


def _none_to_choose(related: str, what: str, **filters):
    """An Action's `unavailable`: a form that picks one of the case's numbered items is not
    offered while none can be picked (the domain would refuse every choice)."""

    def unavailable(case: Case, user) -> str:
        items = getattr(case, related).filter(**filters)
        return "" if items.exists() else f"{case.reference} has {what}."

    return unavailable


def _describe_action(a) -> str:
    return a.description


def _which_action(filters: dict) -> Field:
    """The choice of the case's actions a form can take: open ones to complete, and so on."""
    choices = _numbered("actions", _describe_action, **filters)
    return Field("number", "Which action?", "select", choices=choices, short="Action")


OPEN_ACTIONS = {"status": ActionStatus.OPEN}
DONE_ACTIONS = {"status": ActionStatus.DONE}
OUTSTANDING = {"status__in": OUTSTANDING_ACTIONS}
NOT_MADE = {"referred_at__isnull": True}
AWAITED = {"received_at__isnull": True}
STAFF_LIST = _numbered("staff", lambda m: f"{m.name}, {m.job_title}".strip(", "))
STATEMENTS = _numbered("statement_requests", lambda r: f"statement from {r.staff.name}", **AWAITED)
REFERRALS = _numbered("referrals", lambda r: r.get_kind_display(), **NOT_MADE)
NO_STAFF = _none_to_choose("staff", "no member of staff involved recorded; add one first")
NO_STATEMENT_AWAITED = _none_to_choose(
    "statement_requests", "no statement awaited; ask for one first", **AWAITED
)
OWNER = Field(
    "owner", "Who owns it?", "select", choices=_people(Capability.VIEW_CASES), short="Owner"
)
WHEN_DONE = AT


def _staff_step_choices(case, user):
    labels = {
        "informed": "Told about the complaint",
        "shown_complaint": "Shown the complaint before interview",
        "support_offered": "Offered support",
        "interviewed": "Interviewed",
    }
    return [(k, labels.get(k, k)) for k in investigation.STAFF_STEPS]


# Issue 4: action plans and learning (R28, R35), referrals (R16), the handling plan (R18) and
# the investigation (R21). Each form calls the function candour/api/actions.py calls.
PLAN_ACTIONS: tuple[Action, ...] = (
    Action(
        "add-action",
        "Add an action",
        ("add_action",),
        (
            Field("description", "What will be done?", "textarea", short="Description"),
            OWNER,
            Field("due", "Due by", "date", needed=True, short="Due date"),
            Field(
                "promised",
                "Promised to the complainant (the case stays open until it is done and checked)",
                "checkbox",
            ),
            Field("themes", "Themes, separated by commas", hint="For example Communication"),
        ),
        lambda c, u, d: plans.add_action(
            c,
            by=u,
            description=d["description"],
            owner=_user(d["owner"]),
            due=d["due"],
            promised=d["promised"],
            themes=[t for t in d["themes"].split(",") if t.strip()],
        ),
        "Action added",
    ),
    Action(
        "complete-action",
        "Record an action as done",
        ("complete_action",),
        (
            _which_action(OPEN_ACTIONS),
            Field("evidence", "Evidence that it was done", "textarea", short="Evidence"),
            WHEN_DONE,
        ),
        lambda c, u, d: plans.complete_action(
            c, by=u, number=_number(d, "number"), evidence=d["evidence"], at=d["at"]
        ),
        "Action recorded as done",
        unavailable=_none_to_choose("actions", "no open action", **OPEN_ACTIONS),
    ),
    Action(
        "verify-action",
        "Record that an action works",
        ("verify_action",),
        (
            _which_action(DONE_ACTIONS),
            Field("check", "How was it checked to work?", "textarea", short="Check"),
            WHEN_DONE,
        ),
        lambda c, u, d: plans.verify_action(
            c, by=u, number=_number(d, "number"), check=d["check"], at=d["at"]
        ),
        "Action checked",
        unavailable=_none_to_choose("actions", "no action done awaiting its check", **DONE_ACTIONS),
    ),
    Action(
        "cancel-action",
        "Cancel an action",
        ("cancel_action",),
        (
            _which_action(OUTSTANDING),
            REASON,
        ),
        lambda c, u, d: plans.cancel_action(
            c, by=u, number=_number(d, "number"), reason=d["reason"]
        ),
        "Action cancelled",
        unavailable=_none_to_choose("actions", "no outstanding action", **OUTSTANDING),
    ),
    Action(
        "record-lesson",
        "Record a lesson learned",
        ("record_lesson",),
        (
            Field("text", "What was learned?", "textarea", short="Lesson"),
            Field("themes", "Themes, separated by commas", hint="For example Communication"),
            when("When was it learned?"),
        ),
        lambda c, u, d: plans.record_lesson(
            c,
            by=u,
            text=d["text"],
            themes=[t for t in d["themes"].split(",") if t.strip()],
            at=d["at"],
        ),
        "Lesson recorded",
    ),
    Action(
        "raise-referral",
        "Refer a risk",
        ("raise_referral",),
        (
            Field("kind", "What kind of referral?", "select", choices=ReferralKind.choices),
            Field("detail", "What was found?", "textarea", short="Detail"),
            OWNER,
            Field("body", "Which body is told (for an external one)", short="Body", max_length=200),
            Field("due", "Due by", "date", hint="Leave empty to use the policy's time."),
            Field(
                "pause", "Pause the case while this runs (police, legal, disciplinary)", "checkbox"
            ),
            when("When was it identified?", name="identified_at"),
        ),
        lambda c, u, d: referrals.raise_referral(
            c,
            by=u,
            kind=d["kind"],
            detail=d["detail"],
            owner=_user(d["owner"]),
            body=d["body"],
            due=d["due"],
            identified_at=d["identified_at"],
            pause=d["pause"],
        ),
        "Referral recorded",
    ),
    Action(
        "record-referral",
        "Record that a referral was made",
        ("record_referral",),
        (
            Field("number", "Which referral?", "select", choices=REFERRALS, short="Referral"),
            WHEN_DONE,
            Field("their_reference", "Their reference", short="Reference", max_length=100),
            NOTE,
        ),
        lambda c, u, d: referrals.record_referral(
            c,
            by=u,
            number=_number(d, "number"),
            at=d["at"],
            their_reference=d["their_reference"],
            note=d["note"],
        ),
        "Referral recorded as made",
        unavailable=_none_to_choose("referrals", "no referral waiting to be made", **NOT_MADE),
    ),
    Action(
        "handling-plan",
        "Change the handling plan",
        ("update_handling_plan",),
        (
            Field("desired_outcomes", "What outcomes does the complainant want?", "textarea"),
            Field("meeting_offered_at", "Meeting offered on", "datetime"),
            Field("meeting_held_at", "Meeting held on", "datetime"),
            Field("advocacy_signposted_at", "Advocacy signposted on", "datetime"),
            Field("mediation_signposted_at", "Mediation signposted on", "datetime"),
            Field("legal_implications", "Legal implications", "textarea"),
            Field("agreed_at", "Plan agreed with the complainant on", "datetime"),
        ),
        lambda c, u, d: investigation.update_handling_plan(
            c, by=u, **_given(d, investigation.PLAN_TEXT + investigation.PLAN_TIMES)
        ),
        "Handling plan changed",
        hint="Fill in only what changes; each change is on the timeline.",
    ),
    Action(
        "investigation-plan",
        "Set what the investigation needs",
        ("update_investigation",),
        (
            Field("root_cause_analysis", "A root-cause analysis", "checkbox"),
            Field("independent_clinical_review", "An independent clinical review", "checkbox"),
            Field("mediation_agreed", "Mediation both parties agreed to", "checkbox"),
        ),
        lambda c, u, d: investigation.update_investigation(
            c, by=u, **{f: d[f] for f in investigation.INVESTIGATION_FLAGS}
        ),
        "Investigation plan changed",
    ),
    Action(
        "add-staff",
        "Add a member of staff involved",
        ("add_staff_involved",),
        (
            Field("name", "Name", short="Name", max_length=200),
            Field("job_title", "Job title", short="Job title", max_length=200),
        ),
        lambda c, u, d: investigation.add_staff_involved(
            c, by=u, name=d["name"], job_title=d["job_title"]
        ),
        "Member of staff added",
    ),
    Action(
        "staff-step",
        "Record a step with a member of staff",
        ("record_staff_step",),
        (
            Field("staff", "Who?", "select", choices=STAFF_LIST, short="Staff"),
            Field("step", "What happened?", "radios", choices=_staff_step_choices),
            WHEN_DONE,
            NOTE,
        ),
        lambda c, u, d: investigation.record_staff_step(
            c, by=u, staff=_number(d, "staff"), step=d["step"], at=d["at"], note=d["note"]
        ),
        "Recorded",
        unavailable=NO_STAFF,
        hint="Staff are told and shown the complaint before they are interviewed.",  # R21
    ),
    Action(
        "request-statement",
        "Ask for a statement",
        ("request_statement",),
        (
            Field("staff", "From whom?", "select", choices=STAFF_LIST, short="Staff"),
            Field("due", "Due by", "date", hint="Leave empty to use the policy's time."),
            when("When was it asked for?"),
        ),
        lambda c, u, d: investigation.request_statement(
            c, by=u, staff=_number(d, "staff"), due=d["due"], at=d["at"]
        ),
        "Statement requested",
        unavailable=NO_STAFF,
    ),
    Action(
        "remind-statement",
        "Send a reminder for a statement",
        ("remind_statement",),
        (
            Field("number", "Which request?", "select", choices=STATEMENTS, short="Request"),
            Field("due", "New due date", "date", hint="Leave empty to use the policy's time."),
            when("When was the reminder sent?"),
        ),
        lambda c, u, d: investigation.remind_statement(
            c, by=u, number=_number(d, "number"), due=d["due"], at=d["at"]
        ),
        "Reminder recorded",
        unavailable=NO_STATEMENT_AWAITED,
    ),
    Action(
        "receive-statement",
        "Record a statement as received",
        ("receive_statement",),
        (
            Field("number", "Which request?", "select", choices=STATEMENTS, short="Request"),
            WHEN_DONE,
        ),
        lambda c, u, d: investigation.receive_statement(
            c, by=u, number=_number(d, "number"), at=d["at"]
        ),
        "Statement received",
        unavailable=NO_STATEMENT_AWAITED,
    ),
    Action(
        "record-evidence",
        "Record evidence reviewed",
        ("record_evidence",),
        (
            Field("kind", "What kind?", "radios", choices=EvidenceKind.choices),
            Field("description", "What was reviewed?", "textarea", short="Description"),
            when("When was it reviewed?"),
        ),
        lambda c, u, d: investigation.record_evidence(
            c, by=u, kind=d["kind"], description=d["description"], at=d["at"]
        ),
        "Evidence recorded",
    ),
    Action(
        "offer-remedy",
        "Record a remedy offered",
        ("offer_remedy",),
        (
            Field("kind", "What kind?", "radios", choices=RemedyKind.choices),
            Field("description", "What was offered?", "textarea", short="Description"),
            Field("amount", "Amount in pounds (to reimburse costs)", short="Amount", width="5"),
            when("When was it offered?"),
        ),
        lambda c, u, d: investigation.offer_remedy(
            c,
            by=u,
            kind=d["kind"],
            description=d["description"],
            amount=d["amount"] or None,
            at=d["at"],
        ),
        "Remedy recorded",
    ),
)


# --- issue 16: the contact log and corrections ------------------------------------------------


def _parties(case: Case, user):
    """The people on the case to choose from, each by role, named where the user may see
    them (R8: on a confidential case, only the patient is named to everyone)."""
    visible = may_see_identity(user, case)
    choices = []
    for party in sorted(case.parties.all(), key=lambda p: PartyRole.values.index(p.role)):
        role = party.get_role_display()
        named = visible or party.role == PartyRole.PATIENT
        choices.append((party.role, f"{role}, {party.person.full_name}" if named else role))
    return choices


def _shown(value) -> str:
    """A recorded value as a form shows it."""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%dT%H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _current(names) -> Callable[[Case, object], dict]:
    def prefill(case: Case, user) -> dict:
        return {name: _shown(getattr(case, name)) for name in names}

    return prefill


def _party_on(case: Case, role: str):
    return next((p for p in case.parties.all() if p.role == role), None)


def _person_now(role: str) -> Callable[[Case, object], dict]:
    def prefill(case: Case, user) -> dict:
        party = _party_on(case, role)
        if party is None or not (role == PartyRole.PATIENT or may_see_identity(user, case)):
            return {}
        values = {n: _shown(getattr(party.person, n)) for n in corrections.PERSON}
        return values | {n: _shown(getattr(party, n)) for n in corrections.PLACE}

    return prefill


def _without(role: str) -> Callable[[Case, object], str]:
    def unavailable(case: Case, user) -> str:
        if _party_on(case, role) is None:
            return f"{case.reference} has no {role} recorded."
        return ""

    return unavailable


def _may_add(role: str) -> Callable[[Case, object], str]:
    def unavailable(case: Case, user) -> str:
        if case.anonymous:
            return f"{case.reference} was made anonymously: it names no one."
        if _party_on(case, role) is not None:
            return f"{case.reference} already has a {role}; correct their details instead."
        complainant = _party_on(case, PartyRole.COMPLAINANT)
        if role == PartyRole.PATIENT and complainant and complainant.relationship == "self":
            return f"The complainant on {case.reference} is the patient."
        return ""

    return unavailable


SHARED = (
    "A person is kept once and may be on other cases of the organisation: a correction "
    "changes their details on every case they are on, and each case's history records it."
)
WHY = Field(
    "reason",
    "Why is it corrected?",
    "textarea",
    hint="For example: misspelt at intake, or moved house. It is kept with the old values.",
    short="Reason",
)
MOBILE = Field("mobile", "Mobile number", "tel", width="20", max_length=30, short="Their mobile")
PERSON = (
    *(
        field
        for each in person_fields("", "Their", preferences=True)
        for field in ((each, MOBILE) if each.name == "telephone" else (each,))
    ),
    Field("deceased", "The person has died", "checkbox"),
)
PLACE = (
    Field(
        "relationship",
        "Their relationship to the patient",
        "select",
        choices=Relationship.choices,
        short="Relationship",
    ),
    Field("relationship_detail", "Relationship, in their words", max_length=200),
)
ROLE_PLACE = {
    PartyRole.COMPLAINANT: PLACE,
    PartyRole.PATIENT: (),
    PartyRole.REPRESENTATIVE: PLACE,
}
DETAIL_FIELDS = (
    Field("description", "What it is about", "textarea", short="Details"),
    Field("desired_outcome", "What outcome do they want?", "textarea", short="Outcome wanted"),
    Field("event_date", "When did it happen?", "date", short="Date it happened"),
    LEARNED,
    Field("service", "Service involved", max_length=200),
    Field("staff_involved", "Staff involved", "textarea"),
    Field("action_taken", "Action taken", "textarea"),
    Field("call_handler", "Call handler", max_length=200),
    Field("passed_on_to", "Passed on to", max_length=200),
    Field("passed_on_at", "When was it passed on?", "datetime", short="Passed on"),
    Field("urgent_clinical_need", "The patient had an urgent clinical need", "checkbox"),
    Field("urgent_clinical_note", "The urgent clinical need, and what was done", "textarea"),
    Field("confidential", "Made in confidence: who made it is kept from staff", "checkbox"),
    Field("channel", "How did it arrive?", "select", choices=Channel.choices, short="Channel"),
    Field(
        "received_at",
        "When did it arrive?",
        "datetime",
        needed=True,
        hint="Only before it is acknowledged: every deadline is worked out from it.",
        short="Time of receipt",
    ),
)


def _correct_person(role: str) -> Action:
    return Action(
        f"correct-{role}",
        f"Correct the {role}'s details",
        ("correct_person",),
        (*PERSON, *ROLE_PLACE[role], WHY),
        lambda c, u, d: corrections.correct_person(
            c, role, by=u, **{k: v for k, v in d.items() if k != "relationship" or v}
        ),
        f"The {role}'s details are corrected",
        hint=SHARED,
        prefill=_person_now(role),
        unavailable=_without(role),
    )


def _add_person(role: str) -> Action:
    place = ROLE_PLACE[role]
    return Action(
        f"add-{role}",
        f"Add the {role}" if role == PartyRole.PATIENT else f"Add a {role}",
        ("correct_person",),
        (*PERSON, *place, WHY),
        lambda c, u, d: corrections.add_person(
            c,
            role,
            by=u,
            reason=d["reason"],
            details=PersonDetails(**{n: d[n] for n in corrections.PERSON}),
            **{f.name: d[f.name] for f in place},
        ),
        f"The {role} is added",
        unavailable=_may_add(role),
    )


RECORD_ACTIONS: tuple[Action, ...] = (
    Action(
        "log-contact",
        "Record a call, email, letter or meeting",
        ("log_contact",),
        (
            Field("channel", "How?", "radios", choices=ContactMethod.choices, short="How"),
            Field("direction", "Which way?", "radios", choices=ContactDirection.choices),
            Field("party", "With whom on the case?", "select", choices=_parties, short="Who"),
            Field(
                "with_whom",
                "Or who else? Give their name and role",
                hint="For example: Dr Jones, GP; or the complainant's daughter.",
                max_length=200,
                short="Who",
            ),
            Field(
                "happened_at", "When did it happen?", "datetime", default=now_local, short="When"
            ),
            Field("summary", "What was said, asked or agreed?", "textarea", short="Summary"),
        ),
        lambda c, u, d: contacts.log_contact(c, by=u, **d),
        lambda entry: restrictions.contact_recorded(entry),
        hint="To keep the email or letter itself, attach it to the entry from the case's "
        "contact log once it is recorded.",
    ),
    Action(
        "correct-details",
        "Correct the case's details",
        ("correct_details",),
        (*DETAIL_FIELDS, WHY),
        lambda c, u, d: corrections.correct_details(c, by=u, **d),
        "The case's details are corrected",
        hint="Change what is wrong; what is left as it is stays as recorded.",
        prefill=_current([f.name for f in DETAIL_FIELDS]),
    ),
    *(_correct_person(role) for role in PartyRole.values),
    *(_add_person(role) for role in corrections.ADDABLE),
)

REDIRECT_ACTIONS = (
    Action(
        "redirect-outside-procedure",
        "Redirect outside the complaints procedure",
        ("redirect_outside_procedure",),
        (
            Field(
                "category",
                "What kind of matter is it?",
                "radios",
                choices=lambda case, user: [
                    (key, label, f"Goes to: {where}")
                    for key, label, where in redirections.categories(case.organisation)
                ],
                short="Kind of matter",
            ),
            Field(
                "where_to",
                "Where was it sent?",
                hint="Leave blank for the place the policy names for this kind of matter.",
                max_length=200,
                short="Where to",
            ),
            Field("reason", "Why is it outside the procedure?", "textarea", short="Reason"),
            when("When was it redirected?"),
        ),
        lambda c, u, d: redirections.redirect_outside_procedure(
            c, by=u, category=d["category"], where_to=d["where_to"], reason=d["reason"], at=d["at"]
        ),
        "Redirected outside the complaints procedure and closed",
        hint="Staff employment, individual funding requests, continuing "
        "healthcare decisions and information requests have procedures of their own. The "
        "case is closed as declined (excluded) with where it went, and counted in the reports.",
    ),
)


# --- joint complaints (R31; candour.cases.joint, candour.web.joint) ---------------------------

PART_FIELD = {
    which: Field("part", "Which part?", "select", choices=joint_pages.parts(which), short="Part")
    for which in joint_pages.WHICH
}

JOINT_ACTIONS: tuple[Action, ...] = (
    Action(
        "joint-complaint",
        "Make it a joint complaint",
        ("start_joint",),
        (
            Field("lead_basis", "Why does this organisation lead?", "radios",
                  choices=LeadBasis.choices, short="Lead basis"),
            Field("lead_reason", "Say why, for example which issues are about it", "textarea",
                  short="Reason"),
            when("When was it agreed?"),
        ),
        lambda c, u, d: joint.start_joint(
            c, by=u, lead_basis=d["lead_basis"], lead_reason=d["lead_reason"], at=d["at"]
        ),
        "Joint complaint started: now ask each other organisation for its part",
        hint=joint_pages.lead_hint,
    ),
    Action(
        "joint-add-part",
        "Ask another organisation for its part",
        ("add_joint_part",),
        (
            Field("organisation", "Which organisation in Candour?", "select",
                  choices=joint_pages.organisations, short="Organisation"),
            Field("organisation_name", "Or, for an organisation outside Candour, its name",
                  max_length=200, short="Name"),
            Field("asked", "What is it asked to look into and answer?", "textarea",
                  short="What is asked"),
            Field("issues", "Which issues does it answer?", width="10", short="Issues",
                  hint="Their numbers, separated by commas, for example 1, 3."),
            Field("due", "When is its reply due?", "date", needed=True, short="Due date"),
            when("When was it asked for?"),
        ),
        joint_pages.add_part,
        "Part added: share it once the complainant consents to sharing it",
        hint=joint_pages.issues_hint,
    ),
    Action(
        "joint-share",
        "Share a part with its organisation",
        ("share_joint_part",),
        (
            PART_FIELD["unshared"],
            Field("consent", "Consent to share it with that organisation", "radios",
                  choices=PartConsent.choices),
            Field("consent_on", "When did the complainant consent?", "date",
                  short="Date of consent"),
            Field("consent_reason", "Without consent: why is it shared?", "textarea",
                  short="Reason", hint="Only for an over-riding public interest obligation."),
            Field("due", "A new due date for its reply, if it changes", "date", short="Due date"),
            when("When was it shared?"),
        ),
        lambda c, u, d: joint.share_part(
            c, by=u, number=joint_pages.part_number(d), consent=d["consent"],
            consent_on=d["consent_on"], consent_reason=d["consent_reason"], due=d["due"],
            at=d["at"],
        ),
        "Part shared",
        hint="A complaint is not passed to another organisation without the complainant's "
        "explicit consent, unless there is an over-riding public interest obligation. An "
        "organisation in Candour sees its part from now on, and nothing else of the case.",
        unavailable=joint_pages.none_left("unshared", "every part is already shared"),
    ),
    Action(
        "joint-reply",
        "Record an organisation's reply to its part",
        ("record_part_reply",),
        (
            PART_FIELD["awaited"],
            Field("text", "What did it say?", "textarea", short="Reply"),
            Field("reference", "Or the reference of its letter, or of the file on this case",
                  max_length=200, short="Reference"),
            when("When did the reply come?"),
        ),
        lambda c, u, d: joint.record_reply(
            c, by=u, number=joint_pages.part_number(d), text=d["text"],
            reference=d["reference"], at=d["at"],
        ),
        "Reply recorded",
        unavailable=joint_pages.none_left("awaited", "no shared part awaits its reply"),
    ),
    Action(
        "joint-without",
        "Respond without an organisation's reply",
        ("go_without_part",),
        (
            PART_FIELD["unanswered"],
            Field("reason", "Why does the response go without it?", "textarea", short="Reason"),
            when("When was it decided?"),
        ),
        lambda c, u, d: joint.go_without(
            c, by=u, number=joint_pages.part_number(d), reason=d["reason"], at=d["at"]
        ),
        "Recorded: the coordinated response goes without that reply",
        hint="The coordinated response covers every organisation's part; without a reply, "
        "say why.",
        unavailable=joint_pages.none_left("unanswered", "every part is answered"),
    ),
    Action(
        "joint-change-part",
        "Change a part awaiting its reply",
        ("change_joint_part",),
        (
            PART_FIELD["unanswered"],
            Field("asked", "What is it asked to look into and answer?", "textarea",
                  short="What is asked"),
            Field("organisation_name", "Name of the organisation, if it is outside Candour",
                  max_length=200, short="Name"),
            Field("issues", "Which issues does it answer?", width="10", short="Issues",
                  hint="Their numbers, separated by commas, for example 1, 3."),
            Field("due", "When is its reply due?", "date", short="Due date"),
            when("When was it changed?"),
        ),
        joint_pages.change_part,
        "Part changed",
        hint=joint_pages.change_hint,
        prefill=joint_pages.change_prefill,
        unavailable=joint_pages.none_left("unanswered", "no part awaits its reply"),
    ),
    Action(
        "joint-withdraw-part",
        "Withdraw a part",
        ("withdraw_joint_part",),
        (
            PART_FIELD["replyless"],
            Field("reason", "Why is it withdrawn?", "textarea", short="Reason",
                  hint="For example, the organisation was asked in error, or its part is no "
                  "longer needed."),
            when("When was it withdrawn?"),
        ),
        lambda c, u, d: joint.withdraw_part(
            c, by=u, number=joint_pages.part_number(d), reason=d["reason"], at=d["at"]
        ),
        "Part withdrawn: the coordinated response no longer waits for it",
        hint="A withdrawn part no longer holds up the coordinated response, and an "
        "organisation in Candour no longer sees it. A part with a reply cannot be withdrawn.",
        unavailable=joint_pages.none_left("replyless", "every part has its reply"),
    ),
)  # fmt: skip

ACTIONS = (
    ACTIONS + ESCALATION_ACTIONS + PLAN_ACTIONS + RECORD_ACTIONS + REDIRECT_ACTIONS + JOINT_ACTIONS
)


def performs(*transitions: str):
    """Declares, on a view, the transitions of the state machine a page other than these
    forms performs (a page of its own for a longer form), as an Action's `transitions` do
    for the forms: tests/api/test_transition_coverage.py finds the views in the URLs."""
    named(*transitions)

    def declared(view):
        view.transitions = transitions
        return view

    return declared


BY_SLUG = {a.slug: a for a in ACTIONS}


def offered(case: Case, user) -> list[Action]:
    allowed = allowed_actions(case, user)
    return [a for a in ACTIONS if a.offered(allowed) and not a.unavailable_on(case, user)]


def blockers(case: Case, user) -> list[str]:
    """What stops the investigation starting, in the domain's words (R12, R7): shown on the
    case page while the state machine would otherwise let this user assign an investigator."""
    assign = TRANSITIONS["assign_investigator"]
    if (
        case.investigator_id
        or case.status not in assign.from_statuses
        or case.kind not in assign.kinds
        or not can(user, assign.capability, case.organisation_id)
    ):
        return []
    why = investigation_blocker(case)
    return [why] if why else []
