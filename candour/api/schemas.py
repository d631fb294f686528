"""What the API accepts and returns. Input schemas forbid unknown fields, so a misspelt
field is a 422 naming it rather than silently ignored. Lengths follow the database columns,
so that PostgreSQL never refuses what SQLite would have taken.

The schema says what the code accepts: text the domain refuses when blank says so
(minLength and a pattern), dates and times are the RFC 3339 strings their format names (not
numbers, not other spellings), whole numbers are bounded, and true/false is a JSON boolean.
Every string is also text as candour.text defines it; candour/api/urls.py adds that pattern
to the schema and candour/config/edge.py checks it, once, for every request."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Path, Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    WithJsonSchema,
    create_model,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from candour import text as text_rule
from candour.cases.consent import OVERRIDE_GROUNDS
from candour.cases.listing import Queue
from candour.cases.models import (
    AccessibleFormat,
    AckMethod,
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
    Status,
)
from candour.cases.workflow import named

MAX_NUMBER = text_rule.MAX_NUMBER


def text(max_length: int | None = None, default: str = ""):
    return Field(default, max_length=max_length)


def said(max_length: int | None = None, *, at_least: int = 1, description: str | None = None):
    """Required text that must say something. The domain refuses it blank, with a message that
    says what to write; the schema says so too, without pydantic refusing it first."""
    return Field(
        max_length=max_length,
        description=description,
        json_schema_extra={
            "minLength": at_least,
            "pattern": text_rule.said_pattern(at_least),
        },
    )


# Dates and times: the strings RFC 3339 writes (what `format` promises), in the years
# candour.calendars takes (1900 to 2999; tests/test_text.py checks that the two agree), so
# that a time zone never moves one outside the years a datetime can hold.
_YEAR_MONTH_DAY = "(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
DAY_PATTERN = f"^{_YEAR_MONTH_DAY}$"
MOMENT_PATTERN = (
    f"^{_YEAR_MONTH_DAY}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]+)?"
    "([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)


def _written_as(pattern: str, kind: str, example: str):
    compiled = re.compile(pattern)

    def check(value):
        if isinstance(value, str) and compiled.fullmatch(value):
            return value
        raise PydanticCustomError(
            f"{kind}_format", f"must be a {kind} from 1900 on, written like {example}"
        )

    return BeforeValidator(check)


Day = Annotated[
    date,
    _written_as(DAY_PATTERN, "date", "2026-03-27"),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN}),
]
Moment = Annotated[
    datetime,
    _written_as(MOMENT_PATTERN, "date and time", "2026-03-27T14:30:00Z, with its time zone"),
    # The same instant in UTC: RFC 3339 allows offsets to 23:59, PostgreSQL stores them only
    # to 15:59 (a time "-16:00" was a server error).
    AfterValidator(lambda moment: moment.astimezone(UTC)),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN}),
]


def _whole(value):
    """JSON has one kind of number: 2.0 is a whole number as JSON Schema counts them."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def whole(low: int, high: int):
    """A whole number in a body, from `low` to `high`: a JSON number, not a string of digits,
    nor true or false."""
    return Annotated[StrictInt, Field(ge=low, le=high), BeforeValidator(_whole)]


# A number on the case (issue, action, referral, member of staff, statement) or a letter's id.
Number = whole(1, MAX_NUMBER)
# In the path: a case's reference, and a number on a case or a letter's id.
Reference = Annotated[str, Path(max_length=32, description="For example MMG-2026-00042.")]
NumberInPath = Annotated[int, Path(ge=1, le=MAX_NUMBER)]
# Pounds and pence, as the API writes amounts back ("24.50"); the domain says above 0.
AMOUNT_PATTERN = "^[0-9]{1,7}([.][0-9]{1,2})?$"
Amount = Annotated[str, Field(json_schema_extra={"pattern": AMOUNT_PATTERN})]


class Input(Schema):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


# --- people -------------------------------------------------------------------------------


class PersonIn(Input):
    title: str = text(20)
    first_name: str = text(200)
    last_name: str = text(200)
    address: str = ""
    postcode: str = text(10)
    telephone: str = text(30)
    mobile: str = text(30)
    email: str = text(254)
    date_of_birth: Day | None = None
    nhs_number: str = Field("", max_length=20, description="10 digits; spaces are ignored.")
    deceased: StrictBool = False
    preferred_channel: ContactChannel | Literal[""] = ""
    language: str = text(60)
    interpreter_needed: StrictBool = False
    accessible_format: AccessibleFormat = AccessibleFormat.NONE
    times_to_avoid: str = text(200)


class PersonOut(Schema):
    title: str
    first_name: str
    last_name: str
    full_name: str
    address: str
    postcode: str
    telephone: str
    mobile: str
    email: str
    date_of_birth: date | None
    nhs_number: str
    deceased: bool
    preferred_channel: str
    language: str
    interpreter_needed: bool
    accessible_format: str
    times_to_avoid: str


class PartyOut(Schema):
    role: str
    relationship: str
    relationship_detail: str
    person: PersonOut


# --- cases --------------------------------------------------------------------------------


class NewCaseIn(Input):
    organisation: str = Field(
        max_length=12, description="The organisation's code, for example MMG."
    )
    kind: Kind
    channel: Channel
    received_at: Moment = Field(
        description="Exact date and time of receipt, with a time zone (R2); not in the future."
    )
    description: str = said()
    complainant: PersonIn | None = None
    patient: PersonIn | None = Field(
        None, description="Only when the complainant is not the patient."
    )
    relationship: Relationship = Relationship.SELF
    relationship_detail: str = text(200)
    event_date: Day | None = Field(None, description="Not after the date of receipt.")
    learned_date: Day | None = Field(
        None,
        description="When the complainant learned of it, if later than event_date: the time "
        "limit runs from the later of the two (reg 12(1)). Not before event_date, nor after "
        "the date of receipt.",
    )
    desired_outcome: str = ""
    issues: list[str] = Field(default_factory=list, max_length=100)
    service: str = text(200)
    staff_involved: str = ""
    action_taken: str = ""
    call_handler: str = text(200)
    passed_on_to: str = text(200)
    passed_on_at: Moment | None = None
    urgent_clinical_need: StrictBool = False
    urgent_clinical_note: str = Field("", description="Needed when urgent_clinical_need.")
    anonymous: StrictBool = False
    confidential: StrictBool = False
    grade: whole(1, 4) | None = Field(
        None,
        description="A level of the policy's grading matrix, as the intake page grades. "
        "Level 4 (more than one provider) needs a joint complaint with its lead named, which "
        "is started once the case is recorded: leave it out and grade the case then.",
    )


class CaseItem(Schema):
    reference: str
    organisation: str
    kind: str
    status: str
    stage: int
    received_at: datetime
    acknowledge_due: date | None
    response_due: date | None
    next_due: date | None
    grade: int | None
    complainant: str = Field(
        description="Display name; 'Anonymous', or 'Confidential' when you may not see it."
    )
    handler: str | None


class CasePage(Schema):
    items: list[CaseItem]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")
    count: int | None = Field(description="Total matching cases, only when ?count=true.")


class IssueOut(Schema):
    number: int
    stage: int
    description: str
    desired_outcome: str
    finding: str
    finding_summary: str
    found_at: datetime | None


class ActionOut(Schema):
    number: int
    description: str
    owner: str
    due: date
    promised: bool
    status: str
    themes: list[str]
    created_at: datetime
    evidence: str
    completed_at: datetime | None
    completed_by: str | None
    verification: str
    verified_at: datetime | None
    verified_by: str | None
    cancelled_reason: str


class ReferralOut(Schema):
    number: int
    kind: str
    body: str
    detail: str
    owner: str
    identified_at: datetime
    due: date
    due_at: datetime | None
    due_basis: str
    referred_at: datetime | None
    their_reference: str
    note: str
    pause_offered: str | None = Field(
        description="A pause reason to offer while the case is open (R23); never automatic."
    )


class HandlingPlanOut(Schema):
    desired_outcomes: str
    meeting_offered_at: datetime | None
    meeting_held_at: datetime | None
    advocacy_signposted_at: datetime | None
    mediation_signposted_at: datetime | None
    legal_implications: str
    agreed_at: datetime | None
    root_cause_analysis: bool
    independent_clinical_review: bool
    mediation_agreed: bool
    updated_at: datetime | None


class StaffOut(Schema):
    number: int
    name: str
    job_title: str
    informed_at: datetime | None
    shown_complaint_at: datetime | None
    support_offered_at: datetime | None
    support_note: str
    interviewed_at: datetime | None


class StatementOut(Schema):
    number: int
    staff: int
    requested_at: datetime
    first_due: date
    due: date
    basis: str
    reminders: int
    reminded_at: datetime | None
    received_at: datetime | None


class EvidenceOut(Schema):
    kind: str
    description: str
    reviewed_at: datetime


class RemedyOut(Schema):
    kind: str
    description: str
    amount: Decimal | None
    offered_at: datetime


class ContactOut(Schema):
    number: int
    happened_at: datetime
    channel: str
    direction: str
    party: str = Field(description="The role of the person on the case it was with, or empty.")
    name: str = Field(description="Their name; 'Confidential' where you may not see it (R8).")
    with_whom: str
    summary: str
    recorded_at: datetime
    recorded_by: str
    attachments: list[int] = Field(description="The files that came with it, by id.")


class LessonOut(Schema):
    number: int
    text: str
    themes: list[str]
    recorded_at: datetime
    recorded_by: str


class PauseOut(Schema):
    reason: str
    detail: str
    started_at: datetime
    ended_at: datetime | None


class OmbudsmanReferralOut(Schema):
    number: int = Field(description="1 for the first referral recorded on the case, and so on.")
    body: str
    body_name: str
    referred_on: date
    information_requested_on: date | None
    information_due: date | None
    information_sent_on: date | None
    outcome: str
    decided_on: date | None
    outcome_summary: str
    note: str


class DeadlineOut(Schema):
    key: str
    label: str
    due: date | None
    due_at: datetime | None
    basis: str
    state: str
    met: bool | None
    completed_at: datetime | None


class StageResponseOut(Schema):
    """The response that ended a stage, as it was sent (R22, R29), kept when the case is
    reopened into its next stage; `met` is the deadline engine's verdict on it."""

    stage: int
    started_at: datetime = Field(description="When the stage began: receipt, or the request.")
    responded_at: datetime
    outcome: str
    response_due: date | None
    met: bool | None
    extensions: int
    reopened_at: datetime | None = Field(description="When the next stage began, if it has.")


class ProviderResponseOut(Schema):
    """R32 (003 §3.7): the copy of the provider's response the commissioner gets."""

    organisation: str
    reference: str = Field(description="The provider's reference for the complaint.")
    status: str
    responded_at: datetime | None
    outcome: str
    summary: str


class ForwardedFromOut(Schema):
    organisation: str = Field(description="The commissioner that forwarded the complaint.")
    reference: str = Field(description="The commissioner's reference for it.")


class CaseDetail(CaseItem):
    organisation_name: str
    stage_name: str = Field(description="The stage's name in the organisation's policy (R29).")
    channel: str
    recorded_at: datetime
    recorded_by: str | None
    event_date: date | None
    learned_date: date | None = Field(
        description="When the complainant learned of it, if later than event_date."
    )
    description: str
    summary: str
    desired_outcome: str
    service: str
    staff_involved: str
    action_taken: str
    call_handler: str
    passed_on_to: str
    passed_on_at: datetime | None
    urgent_clinical_need: bool
    urgent_clinical_note: str
    anonymous: bool
    confidential: bool
    stage_started_at: datetime
    investigator: str | None
    consent_state: str
    consent_requested_at: datetime | None
    consent_received_at: datetime | None
    consent_method: str
    consent_note: str
    representative_on_hold: bool
    representative_withdrawn_at: datetime | None = Field(
        description="When the patient withdrew the representative (R13), until reinstated."
    )
    summary_required: bool
    summary_approved_at: datetime | None
    out_of_time: bool
    late_decision: str
    late_decision_reason: str
    acknowledged_at: datetime | None
    acknowledgement_method: str
    agreed_response_date: date | None
    extensions: int
    paused_at: datetime | None
    last_update_at: datetime | None
    external_notification_identified_at: datetime | None
    external_notification_body: str
    external_notified_at: datetime | None
    responded_at: datetime | None
    outcome: str
    outcome_summary: str
    acknowledge_met: bool | None = Field(
        description="The deadline engine's verdict on the acknowledgement, once done."
    )
    response_met: bool | None = Field(
        description="Its verdict on this stage's response, once sent."
    )
    closed_at: datetime | None
    withdrawn_at: datetime | None
    continued_after_withdrawal: str
    provider_name: str = Field(description="The provider the feedback is about (R32).")
    forwarded_to_provider_at: datetime | None
    provider_organisation: str | None = Field(
        description="The code of the provider it was forwarded to, when it is in Candour."
    )
    share_consent: str = Field(
        description="The complainant's consent to share it with the provider: how given, "
        "or not_needed (R12, R32); empty until recorded."
    )
    share_consent_at: datetime | None
    share_consent_note: str
    provider_response: ProviderResponseOut | None = Field(
        description="For a case forwarded to a provider in Candour: the copy of the "
        "provider's response, and where its case has got to."
    )
    forwarded_from: ForwardedFromOut | None = Field(
        description="For a complaint a commissioner forwarded here: where it came from."
    )
    people: list[PartyOut] = Field(
        description="Empty for a confidential case unless you may see identities (R8)."
    )
    issues: list[IssueOut]
    pauses: list[PauseOut]
    actions: list[ActionOut] = Field(description="The action plan (R28, R35).")
    lessons: list[LessonOut]
    referrals: list[ReferralOut] = Field(description="Risk flags referred on (R16).")
    handling_plan: HandlingPlanOut | None = Field(description="R18; none until first changed.")
    staff: list[StaffOut] = Field(description="Staff involved in the investigation (R21).")
    statement_requests: list[StatementOut]
    evidence: list[EvidenceOut]
    remedies: list[RemedyOut]
    ombudsman_referrals: list[OmbudsmanReferralOut] = Field(
        description="Referrals to the Ombudsman or an ADR provider (R30)."
    )
    contacts: list[ContactOut] = Field(description="The contact log: calls, emails, meetings.")
    deadlines: list[DeadlineOut]
    responses: list[StageResponseOut] = Field(description="Each stage's response, as sent.")
    allowed_actions: list[str] = Field(
        description="Actions the case allows now and your role permits (workflow names)."
    )


class CaseFilters(Schema):
    queue: Queue | None = Field(
        None, description="A worklist queue, e.g. ombudsman_information; none: every case."
    )
    status: Status | None = None
    kind: Kind | None = None
    organisation: str | None = Field(None, max_length=12, description="An organisation code.")
    q: str | None = Field(
        None,
        max_length=100,
        description="Reference, complainant or patient name, NHS number or postcode.",
    )
    sort: Literal["response_due", "-received_at", "received_at", "reference"] = "response_due"
    limit: int = Field(25, ge=1, le=100)
    cursor: str | None = Field(
        None, max_length=400, description="`next_cursor` of the page before, as it was given."
    )
    count: bool = Field(False, description="Also count every matching case (slower).")


class LearningFilters(Schema):
    theme: str | None = Field(None, max_length=80, description="A theme's name, any case.")
    service: str | None = Field(None, max_length=200)
    since: Day | None = Field(
        None, description="Recorded (lessons) or agreed (actions) on or after."
    )
    until: Day | None = None
    q: str | None = Field(None, max_length=100, description="Words in the text, or a reference.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_NUMBER)


class ActionFilters(LearningFilters):
    status: Literal["open", "done", "verified", "cancelled"] | None = None
    outstanding: bool | None = None


class Across(Schema):
    reference: str
    organisation: str
    service: str


class LessonItem(Across):
    lesson: LessonOut


class ActionItem(Across):
    action: ActionOut


class TimelineEntry(Schema):
    sequence: int
    at: datetime = Field(description="When the event was recorded.")
    happened_at: datetime | date = Field(
        description="When what it records happened (a day for steps counted in days): `at` "
        "unless it was entered later."
    )
    recorded_late: bool = Field(
        description="Recorded more than a few minutes (or, for a day, a day or more) after it "
        "happened: a late entry."
    )
    event: str
    actor: str
    data: dict


# --- actions ------------------------------------------------------------------------------

When = Annotated[
    Moment | None,
    Field(
        None,
        description="When it happened, with a time zone; now if left out. Not in the future, "
        "nor before the case was received or the step it follows.",
    ),
]


class AcknowledgeIn(Input):
    method: AckMethod
    at: When = None


class RequestConsentIn(Input):
    at: When = None


class ReceiveConsentIn(Input):
    method: ConsentMethod
    at: When = None


class RefuseConsentIn(Input):
    note: str = said()
    at: When = None


class WithdrawConsentIn(Input):
    note: str = said()
    stop_representative: StrictBool = True
    at: When = None


OverrideGrounds = Literal[tuple(OVERRIDE_GROUNDS)]  # type: ignore[valid-type]


class OverrideConsentIn(Input):
    grounds: OverrideGrounds
    reason: str = said(at_least=10, description="Why consent is not needed here.")
    at: When = None


class ApproveSummaryIn(Input):
    summary: str = Field("", description="The summary approved; the case's own if left out.")
    at: When = None


class GradeIn(Input):
    level: whole(1, 4) = Field(description="A level of the policy's grading matrix.")


class IssueIn(Input):
    description: str = said()
    desired_outcome: str = ""


class FindingIn(Input):
    finding: Finding
    summary: str = said()
    at: When = None


class HandlerIn(Input):
    handler: str = Field(max_length=150, description="The username of the new handler.")


class InvestigatorIn(Input):
    investigator: str = Field(max_length=150, description="The investigating officer's username.")


class ResponseDateIn(Input):
    response_date: Day = Field(description="Not in the past.")
    note: str = ""


class ExtensionIn(Input):
    new_date: Day = Field(description="After the current response date.")
    reason: str = said()


class LateDecisionIn(Input):
    decision: LateDecision
    reason: str = said()
    at: When = None


class UpdateIn(Input):
    method: ContactChannel
    note: str = said()
    at: When = None


class ExternalNotificationIn(Input):
    body: str = said(200, description="Who must be told, for example the CQC.")
    at: When = None


class ExternalNotifiedIn(Input):
    at: When = None


class PauseIn(Input):
    reason: PauseReason
    detail: str = said()
    at: When = None


Theme = Annotated[str, Field(max_length=80)]
Themes = Annotated[
    list[Theme],
    Field(default_factory=list, max_length=20, description="Free themes; reused by name."),
]


class ActionIn(Input):
    description: str = said()
    owner: str = Field(max_length=150, description="The username of the action's owner.")
    due: Day = Field(description="Not in the past.")
    promised: StrictBool = Field(
        True, description="Promised to the complainant: the case cannot close until it is done."
    )
    themes: Themes


class CompleteActionIn(Input):
    evidence: str = said(description="What shows the action was done.")
    at: When = None


class VerifyActionIn(Input):
    check: str = said(description="How the change was checked to work.")
    at: When = None


class CancelActionIn(Input):
    reason: str = said()


class LessonIn(Input):
    text: str = said()
    themes: list[Annotated[Theme, Field(json_schema_extra={"pattern": text_rule.SAID_PATTERN})]] = (
        Field(
            max_length=20,
            description="At least one; free themes, reused by name.",
            json_schema_extra={"minItems": 1},
        )
    )
    at: When = None


class ReferralIn(Input):
    kind: ReferralKind
    detail: str = said()
    owner: str = Field(max_length=150, description="The username of who makes the referral.")
    body: str = Field(
        "", max_length=200, description="Who it goes to; needed for a regulator (GMC, NMC …)."
    )
    due: Day | None = Field(
        None, description="Needed when the policy sets no time; may be earlier, not later."
    )
    identified_at: When = None
    pause: StrictBool = Field(
        False, description="Also pause the case (police, legal, disciplinary)."
    )


class ReferralMadeIn(Input):
    at: When = None
    their_reference: str = text(100)
    note: str = ""


class HandlingPlanIn(Input):
    """Only the fields sent change (at least one); send null to clear a date."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    desired_outcomes: str | None = None
    meeting_offered_at: Moment | None = None
    meeting_held_at: Moment | None = None
    advocacy_signposted_at: Moment | None = Field(
        None, description="NHS Complaints Advocacy or ICAS signposted."
    )
    mediation_signposted_at: Moment | None = None
    legal_implications: str | None = None
    agreed_at: Moment | None = Field(None, description="When the complainant agreed it.")


class InvestigationIn(Input):
    """Only the fields sent change (at least one)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    root_cause_analysis: StrictBool = None  # type: ignore[assignment]
    independent_clinical_review: StrictBool = None  # type: ignore[assignment]
    mediation_agreed: StrictBool = None  # type: ignore[assignment]


class StaffIn(Input):
    name: str = said(200)
    job_title: str = text(200)


class StaffStepIn(Input):
    step: Literal["informed", "shown_complaint", "support_offered", "interviewed"]
    at: When = None
    note: str = Field("", description="For support offered: what was offered.")


class StatementRequestIn(Input):
    staff: Number = Field(description="The number of the member of staff on the case.")
    due: Day | None = Field(None, description="The policy's statement time unless given.")
    at: When = None


class StatementReminderIn(Input):
    due: Day | None = None
    at: When = None


class EvidenceIn(Input):
    kind: EvidenceKind
    description: str = said()
    at: When = None


class RemedyIn(Input):
    kind: RemedyKind
    description: str = said()
    amount: Amount | None = Field(
        None, description='Pounds and pence, above 0, for example "24.50"; needed to reimburse.'
    )
    at: When = None


class NoteIn(Input):
    note: str = ""
    at: When = None


class OutcomeIn(Input):
    summary: str = said()
    outcome: Finding | None = Field(
        None, description="Optional check: must match the outcome the findings make."
    )
    at: Moment | None = Field(
        None,
        description="When the response was sent, where recording the outcome is the response "
        "(the policy has no sign-off chain for the final response); else when the outcome was "
        "decided. With a time zone; now if left out. Not in the future, nor before the last "
        "finding was recorded.",
    )


class ReopenIn(Input):
    reason: str = said()
    received_at: Moment | None = Field(
        None,
        description="When the complainant's request for the next stage was received, with a "
        "time zone; now if left out. Not in the future, nor before the response it is about. "
        "The next stage's deadlines run from it.",
    )


class WithdrawIn(Input):
    reason: str = said()
    continue_because: str = Field(
        "", description="Carry on regardless (learning, safeguarding, public interest)."
    )
    at: When = None


class ReasonIn(Input):
    reason: str = said()


class ResolveInformallyIn(Input):
    resolution: str = said()
    at: When = None


# --- beyond the organisation (R30, R32) ----------------------------------------------------


class ProviderIn(Input):
    provider: str = said(200, description="The provider the feedback is about.")


class ForwardIn(Input):
    provider: str = Field(
        "",
        max_length=200,
        description="The provider that will answer the complainant, by name, when it is not "
        "in Candour.",
    )
    provider_organisation: str = Field(
        "",
        max_length=12,
        description="The code of the provider, when it is an organisation in Candour: the "
        "complaint becomes a case there, and its response is copied to this case.",
    )
    at: When = None
    note: str = ""


class FurtherIssuesIn(Input):
    issues: list[Annotated[str, Field(max_length=2000)]] = Field(
        min_length=1,
        max_length=50,
        description="The further issues the complainant raised, one an item, for the provider "
        "to answer.",
    )
    consent: ShareConsent = Field(
        description="How the complainant agreed to these issues going to the provider, or "
        "not_needed."
    )
    consent_note: str = Field("", description="Needed for not_needed: why consent is not needed.")
    at: When = None
    note: str = Field("", description="A note to the provider.")


class ShareConsentIn(Input):
    method: ShareConsent = Field(
        description="How the complainant agreed to share it with the provider, or not_needed."
    )
    note: str = Field("", description="Needed for not_needed: why consent is not needed.")
    at: When = None


class RepresentativeIn(Input):
    note: str = said(description="What the patient said, and how.")
    at: When = None


class OmbudsmanReferralIn(Input):
    body: OmbudsmanBody
    body_name: str = Field("", max_length=200, description="The ADR provider's name, for adr.")
    referred_on: Day = Field(
        description="When you learned of the referral; not in the future, nor before receipt."
    )
    note: str = ""


class InformationRequestIn(Input):
    requested_on: Day = Field(
        description="The date of the request; not in the future, nor before the referral."
    )
    due: Day = Field(description="The date the information is due by; not before the request.")


class InformationSentIn(Input):
    sent_on: Day = Field(description="Not in the future, nor before the request.")


class OmbudsmanOutcomeIn(Input):
    outcome: OmbudsmanOutcome
    decided_on: Day = Field(description="Not in the future, nor before the referral.")
    summary: str = ""


# --- the contact log and corrections (issue 16) ---------------------------------------------


class ContactIn(Input):
    channel: ContactMethod
    direction: ContactDirection
    summary: str = said(description="What was said, asked or agreed.")
    happened_at: When = None
    party: PartyRole | Literal[""] = Field(
        "", description="The person on the case it was with, by their role."
    )
    with_whom: str = Field(
        "", max_length=200, description="Who it was with, by name; needed without a party."
    )


class Correction(Input):
    """Only the fields sent change (at least one, besides the reason), each with what it was
    kept in the case's audit trail."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 2})


class DetailsIn(Correction):
    reason: str = said(description="Why it is corrected, for example 'misspelt at intake'.")
    description: str = None  # type: ignore[assignment]
    desired_outcome: str = None  # type: ignore[assignment]
    event_date: Day | None = Field(None, description="Not after the date of receipt.")
    learned_date: Day | None = Field(
        None,
        description="When the complainant learned of it, if later than event_date: the time "
        "limit runs from the later of the two (reg 12(1)). Not before event_date, nor after "
        "the date of receipt.",
    )
    service: str = Field(None, max_length=200)
    staff_involved: str = None  # type: ignore[assignment]
    action_taken: str = None  # type: ignore[assignment]
    call_handler: str = Field(None, max_length=200)
    passed_on_to: str = Field(None, max_length=200)
    passed_on_at: Moment | None = None
    urgent_clinical_need: StrictBool = None  # type: ignore[assignment]
    urgent_clinical_note: str = None  # type: ignore[assignment]
    confidential: StrictBool = Field(
        None, description="Only staff who may see confidential identities change it (R8)."
    )
    channel: Channel = None  # type: ignore[assignment]
    received_at: Moment = Field(
        None,
        description="Only while the case awaits acknowledgement, not after anything recorded "
        "on it, and in the financial year it is coded for; the deadlines follow it.",
    )


class PlaceIn(Input):
    """How a complainant or representative is related to the patient (R11)."""

    relationship: Relationship | Literal[""] = ""
    relationship_detail: str = text(200)


class NewPersonIn(PersonIn, PlaceIn):
    reason: str = said(description="Why they are added now.")


def _every_field_optional(name: str, *bases: type[Schema], doc: str, **more) -> type[Correction]:
    """A schema of `bases`' fields, each optional with its checks kept, and `more`: only the
    fields sent change. A field that may be empty (a date of birth) is cleared with null."""
    fields = {
        field: (info.annotation, FieldInfo.merge_field_infos(info, default=None))
        for base in bases
        for field, info in base.model_fields.items()
    }
    return create_model(name, __base__=Correction, __doc__=doc, **fields, **more)


PersonCorrectionIn = _every_field_optional(
    "PersonCorrectionIn",
    PersonIn,
    PlaceIn,
    doc="Only the fields sent change; the relationship is the complainant's or "
    "representative's. The person is changed on every case they are on.",
    reason=(str, said(description="Why it is corrected, for example 'moved house'.")),
)


# --- errors (for the OpenAPI schema; errors.py builds them) ---------------------------------


class Message(Schema):
    detail: str


class FieldError(Schema):
    field: str = Field(description="The input to correct, dotted for nested fields.")
    message: str


class FieldErrors(Schema):
    detail: list[FieldError]


READ_ERRORS = {401: Message, 404: Message, 422: FieldErrors}
WRITE_ERRORS = {**READ_ERRORS, 403: Message, 409: Message}


# The OpenAPI extension that names the transitions of candour.cases.workflow an operation
# performs (tests/api/test_transition_coverage.py reads it back from the schema).
TRANSITIONS_PERFORMED = "x-candour-transitions"


def performs(*transitions: str) -> dict:
    """The route's arguments that declare the transitions it performs, once, beside it:
    `@router.post(path, response=..., **performs("acknowledge"))`."""
    return {"openapi_extra": {TRANSITIONS_PERFORMED: list(named(*transitions))}}


def file_response(mime: str) -> dict:
    """A file in the schema: its media type, and the refusals as JSON."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "response": READ_ERRORS,
        "openapi_extra": {"responses": {"200": {"description": "OK", "content": {mime: binary}}}},
    }
