"""An organisation's complaints policy as a validated data object.

Domain code asks the policy; it never hard-codes "25" or "3" (DESIGN.md, "Policy is data").
The five presets below are taken from the seeds in ../shared/seeds and the 2009 Regulations;
each number and label cites where it comes from (CITATIONS, at the end, which
tests/organisations/test_preset_citations.py checks against the seeds). An administrator
starts from a preset and edits it in the admin; `validate_policy` turns any mistake into a
message that names the field.
"""

from __future__ import annotations

import copy
import re
from enum import StrEnum
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class ClockUnit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    HOURS = "hours"
    CALENDAR_MONTHS = "calendar_months"


UNIT_LABELS = {
    ClockUnit.WORKING_DAYS: ("working day", "working days"),
    ClockUnit.CALENDAR_DAYS: ("day", "days"),
    ClockUnit.HOURS: ("hour", "hours"),
    ClockUnit.CALENDAR_MONTHS: ("month", "months"),
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(Strict):
    """A length of time in one clock unit, for example 25 working days or 48 hours."""

    amount: Annotated[int, Field(gt=0, le=3650)]
    unit: ClockUnit

    def __str__(self) -> str:
        singular, plural = UNIT_LABELS[self.unit]
        return f"{self.amount} {singular if self.amount == 1 else plural}"


class GradeLevel(Strict):
    """One level of the grading matrix (seed 001 Appendix B)."""

    level: Annotated[int, Field(ge=1, le=4)]
    name: Annotated[str, Field(min_length=1, max_length=40)]
    description: Annotated[str, Field(min_length=1)]
    handling: Annotated[str, Field(min_length=1)]
    default_owner_role: str = ""


class EscalationBody(Strict):
    """Where a complainant goes when local resolution has ended: PHSO or an ADR provider."""

    route: Literal["phso", "adr", "spso", "pso_wales", "nipso"]
    name: Annotated[str, Field(min_length=1)]
    address: Annotated[str, Field(min_length=1)]
    telephone: str = ""
    website: str = ""


class ResponseClockStart(Strict):
    """When the response clock starts (002 §10.5.1 VI).

    The clock always starts on receipt; a policy may make it wait for consent and for the
    complainant's approval of the typed summary of a verbal complaint (R5, R12).
    """

    waits_for_consent: bool = False
    waits_for_summary_approval: bool = False


class LetterKind(StrEnum):
    """R24: the letters an organisation sends."""

    ACKNOWLEDGEMENT = "acknowledgement"
    CONSENT_REQUEST = "consent_request"
    SUMMARY_FOR_APPROVAL = "summary_for_approval"
    HOLDING = "holding"
    FINAL_RESPONSE = "final_response"
    LATE_COMPLAINT_DECISION = "late_complaint_decision"
    VEXATIOUS_WARNING = "vexatious_warning"
    MP_REPLY = "mp_reply"


class DispatchChannel(StrEnum):
    """R27: how a signed letter leaves."""

    POST = "post"
    EMAIL = "email"
    HAND_DELIVERY = "hand_delivery"
    RETURNED_TO_COMMISSIONER = "returned_to_commissioner"


StepKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]

# What a sign-off step's due time may be counted from, besides an earlier step (SignOffStep).
DUE_FROM = ("arrival", "receipt", "response")


class SignOffStep(Strict):
    """One step of a sign-off chain (R26).

    `roles`: who may act. With `joint`, every role drafts together and the step is done when
    each has approved; otherwise any one of them acts. `edits`: holders may change the text
    here. `signs`: approving this step signs the letter (its text is then frozen). `due`: the
    step's due time, counted from `due_from`: "arrival" (when the letter reached this step),
    "receipt" (the receipt of the letter's stage: the complaint for stage 1, the request for
    the stage for a later stage) or an earlier step's key (when the letter first reached that
    step). With `due_from` "response" the step has no `due` of its own: it is due on the
    stage's response date (the policy's `response`, or the date agreed with the complainant).
    """

    key: StepKey
    label: Annotated[str, Field(min_length=1, max_length=120)]
    roles: Annotated[list[str], Field(min_length=1)]
    joint: bool = False
    edits: bool = False
    signs: bool = False
    due: Period | None = None
    due_from: str = "arrival"
    source: str = ""


class DispatchOption(Strict):
    """A way the signed letter may leave, and who may send it that way."""

    channel: DispatchChannel
    roles: Annotated[list[str], Field(min_length=1)]
    medical_in_confidence: bool = False
    note: str = ""


class SignOffChain(Strict):
    """The steps a letter passes through before it is sent. `letters` empty: every letter
    kind not covered by another chain; `stages` empty: every stage."""

    name: Annotated[str, Field(min_length=1, max_length=120)]
    letters: list[LetterKind] = []
    stages: list[Annotated[int, Field(ge=1, le=9)]] = []
    steps: Annotated[list[SignOffStep], Field(min_length=1)]
    dispatch: Annotated[list[DispatchOption], Field(min_length=1)]

    @model_validator(mode="after")
    def check_steps(self) -> SignOffChain:
        keys = [s.key for s in self.steps]
        for i, step in enumerate(self.steps):
            if step.key in keys[:i]:
                raise ValueError(f"steps.{i}.key: {step.key!r} is used by an earlier step")
            if step.due_from not in DUE_FROM and step.due_from not in keys[:i]:
                raise ValueError(
                    f"steps.{i}.due_from: must be arrival, receipt, response or the key of an "
                    f"earlier step, not {step.due_from!r}"
                )
            if step.due_from == "response" and step.due is not None:
                raise ValueError(
                    f"steps.{i}.due: leave it empty for due_from response (the step is due on "
                    "the stage's response date), or count it from arrival or receipt"
                )
            if step.due_from not in ("arrival", "response") and step.due is None:
                raise ValueError(f"steps.{i}.due: give a due time for due_from {step.due_from}")
        signing = [i for i, s in enumerate(self.steps) if s.signs]
        if len(signing) != 1:
            raise ValueError("steps: exactly one step must sign the letter (signs: true)")
        if not any(s.edits for s in self.steps[: signing[0] + 1]):
            raise ValueError("steps: a step before the signing step must draft it (edits: true)")
        return self

    def covers(self, kind: str, stage: int) -> bool:
        return (not self.letters or kind in self.letters) and (
            not self.stages or stage in self.stages
        )

    def index(self, key: str) -> int:
        for i, step in enumerate(self.steps):
            if step.key == key:
                return i
        raise KeyError(key)

    def due_words(self, step: SignOffStep, stage: int | None = None) -> str:
        """When the step is due, in words for the letter page ("" when it has no due time),
        for a letter at `stage` if given."""
        if step.due_from == "response":
            return f"by the stage {stage} response date" if stage else "by the response date"
        if step.due is None:
            return ""
        if step.due_from == "arrival":
            return f"within {step.due} of reaching this step"
        if step.due_from == "receipt":
            if stage is None:
                return f"within {step.due} of the stage's receipt"
            what = "the complaint" if stage == 1 else f"the stage {stage} request"
            return f"within {step.due} of receipt of {what}"
        return f"within {step.due} of reaching '{self.steps[self.index(step.due_from)].label}'"

    @property
    def signing_index(self) -> int:
        return next(i for i, s in enumerate(self.steps) if s.signs)

    @property
    def drafting_index(self) -> int:
        return next(i for i, s in enumerate(self.steps) if s.edits)


class PersistentContact(Strict):
    """R33: the persistent, serial or vexatious contact procedure (seed 000 "Managing
    vexatious complainant"; 001 §13; 002 §13.7): who reviews the documented evidence, who
    approves the decision (the accountable officer, or the national medical director), and how
    long restrictions run before they are reviewed."""

    reviewer_roles: Annotated[list[str], Field(min_length=1)]
    approver_roles: Annotated[list[str], Field(min_length=1)]
    review_after: Period
    source: str = ""


class OutsideMatter(Strict):
    """R10: a matter outside the complaints procedure, and where it is redirected to
    (002 §13; 2009 Regulations reg 8(1))."""

    key: StepKey
    label: Annotated[str, Field(min_length=1, max_length=120)]
    where_to: Annotated[str, Field(min_length=1, max_length=200)]
    source: str = ""


# --- the satisfaction survey after closure (R37; seed 004, seed 003 §11.2) -------------------
SATISFACTION_SCALE = [
    "Very satisfied",
    "Satisfied",
    "Neither satisfied nor dissatisfied",
    "Dissatisfied",
    "Very dissatisfied",
]


class SurveyQuestion(Strict):
    """One question of the satisfaction survey. `answers`: the choices (none: free text);
    `satisfied`: the answers the reports count as satisfied."""

    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    text: Annotated[str, Field(min_length=5, max_length=300)]
    answers: list[Annotated[str, Field(min_length=1, max_length=80)]] = []
    satisfied: list[str] = []
    source: str = ""

    @model_validator(mode="after")
    def check_answers(self) -> SurveyQuestion:
        if len(set(self.answers)) != len(self.answers):
            raise ValueError("answers: each answer must be different")
        unknown = [a for a in self.satisfied if a not in self.answers]
        if unknown:
            raise ValueError(
                f"satisfied: {', '.join(map(repr, unknown))} is not one of the answers "
                f"({', '.join(self.answers) or 'none: a free-text question'})"
            )
        return self


DEFAULT_SURVEY_QUESTIONS = [
    {
        "key": "handling",
        "text": "How satisfied were you with the way your complaint was handled?",
        "answers": SATISFACTION_SCALE,
        "satisfied": SATISFACTION_SCALE[:2],
        "source": "004 Reporting and Recording Complaints: whether complainants and staff "
        "were satisfied with the process and outcomes",
    },
    {
        "key": "outcome",
        "text": "How satisfied were you with the outcome of your complaint?",
        "answers": SATISFACTION_SCALE,
        "satisfied": SATISFACTION_SCALE[:2],
        "source": "004 Reporting and Recording Complaints: satisfied with the process and outcomes",
    },
    {
        "key": "informed",
        "text": "Did we tell you how your complaint would be dealt with and how long it "
        "would take?",
        "answers": ["Yes", "Partly", "No"],
        "satisfied": ["Yes"],
        "source": "004 Timeframes: the acknowledgment provides how the complaint will be dealt "
        "with and how long it is expected to take",
    },
    {
        "key": "comments",
        "text": "Is there anything else you would like to tell us about how we dealt with "
        "your complaint?",
        "source": "003 §11.2: introduce a patient satisfaction/experience survey",
    },
]


class SurveyPolicy(Strict):
    """R37: the satisfaction survey sent or offered when a case closes. `offer`: whether the
    survey is offered at closure (the case page then asks for it)."""

    offer: bool = True
    questions: Annotated[list[SurveyQuestion], Field(min_length=1, max_length=20)] = [
        SurveyQuestion(**q) for q in DEFAULT_SURVEY_QUESTIONS
    ]

    @model_validator(mode="after")
    def check_keys(self) -> SurveyPolicy:
        keys = [q.key for q in self.questions]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"questions: the key {', '.join(repeated)} is used more than once")
        return self

    def question(self, key: str) -> SurveyQuestion | None:
        return next((q for q in self.questions if q.key == key), None)


class Policy(Strict):
    """Everything about a complaints policy that Candour computes with."""

    name: Annotated[str, Field(min_length=1, max_length=120)]
    source: str = ""
    time_limit: Period
    time_limit_basis: str = "from the event, or from when the complainant first knew of it"
    acknowledgement: Period
    informal_resolution: Period
    consent_chase: Period | None = None
    investigation: Period | None = None
    response: Period
    response_clock: ResponseClockStart = ResponseClockStart()
    response_limit: Period | None = None
    update_after: Period | None = None
    update_repeats: bool = False
    six_month_review: Period | None = None
    external_notification: Period | None = None
    # R21: how long a member of staff has to give a statement, and again after a reminder.
    statement_due: Period | None = None
    grading: list[GradeLevel]
    # R29: the organisation's own stages, in order (local resolution, further local stages,
    # an independent review it runs). A case is at one of them; reopening moves it to the
    # next. The escalation body (the Ombudsman or an ADR provider) is not a stage of the
    # organisation's: the complainant goes to it after the last stage.
    stages: Annotated[list[str], Field(min_length=1)]
    escalation: EscalationBody
    rights_paragraph: Annotated[str, Field(min_length=20)]
    # Whether every stage's response tells the complainant of their right to go to the
    # escalation body (the 2009 Regulations reg 14(2)(c); seed 001 App D 7), or only the
    # last stage's, earlier responses pointing to the next stage (seed 000 line 44).
    escalation_rights_every_stage: bool = True
    roles: Annotated[list[str], Field(min_length=1)]
    # R26: the sign-off chains, first match wins (see chain_for).
    sign_off: list[SignOffChain] = []
    # R33 and R10 (candour.cases.restrictions, candour.cases.redirections).
    persistent_contact: PersistentContact | None = None
    outside_procedure: list[OutsideMatter] = []
    # R37: the satisfaction survey after closure (candour.cases.surveys).
    survey: SurveyPolicy = SurveyPolicy()

    @model_validator(mode="after")
    def check_routes(self) -> Policy:
        known = set(self.roles)
        if self.persistent_contact:
            for name in ("reviewer_roles", "approver_roles"):
                for role in getattr(self.persistent_contact, name):
                    if role not in known:
                        raise ValueError(
                            f"persistent_contact.{name}: {role!r} is not one of the policy's "
                            f"roles ({', '.join(self.roles)})"
                        )
        keys = [m.key for m in self.outside_procedure]
        if len(keys) != len(set(keys)):
            raise ValueError("outside_procedure: each matter needs a key of its own")
        return self

    @model_validator(mode="after")
    def check_consistency(self) -> Policy:
        levels = [g.level for g in self.grading]
        if levels != sorted(set(levels)):
            raise ValueError("grading: levels must be unique and in order, for example 1, 2, 3, 4")
        if self.response_limit and self.response_limit.unit == self.response.unit:
            if self.response_limit.amount < self.response.amount:
                raise ValueError(
                    "response_limit: must not be shorter than the response target "
                    f"({self.response})"
                )
        if self.escalation.name.lower() not in self.rights_paragraph.lower():
            raise ValueError(
                "rights_paragraph: must name the escalation body "
                f"({self.escalation.name}) so that letters state the complainant's rights"
            )
        known = set(self.roles)
        for c, chain in enumerate(self.sign_off):
            for i, step in enumerate(chain.steps):
                for role in step.roles:
                    if role not in known:
                        raise ValueError(
                            f"sign_off.{c}.steps.{i}.roles: {role!r} is not one of the "
                            f"policy's roles ({', '.join(self.roles)})"
                        )
            for i, option in enumerate(chain.dispatch):
                for role in option.roles:
                    if role not in known:
                        raise ValueError(
                            f"sign_off.{c}.dispatch.{i}.roles: {role!r} is not one of the "
                            f"policy's roles ({', '.join(self.roles)})"
                        )
        if self.sign_off and not any(not c.letters and not c.stages for c in self.sign_off):
            raise ValueError(
                "sign_off: add a chain for every other letter (with no letters and no stages) "
                "so that each letter has a way to be signed"
            )
        return self

    @property
    def escalation_named(self) -> str:
        """The escalation body as a sentence names it: "the Parliamentary and Health Service
        Ombudsman", "an approved Alternative Dispute Resolution provider"."""
        name = self.escalation.name
        return name if re.match(r"(?i)(the|an?)\s", name) else f"the {name}"

    @property
    def referred_label(self) -> str:
        """What the reports call a case referred to the escalation body (R30)."""
        return f"Referred to {self.escalation_named}"

    def chain_for(self, kind: str, stage: int) -> SignOffChain | None:
        """The sign-off chain for a letter of `kind` at `stage`: the first chain that covers
        it, so put the specific chains before the catch-all."""
        return next((c for c in self.sign_off if c.covers(kind, stage)), None)

    def stage_name(self, stage: int) -> str:
        """The name of stage `stage` (1, 2, …) in this policy."""
        if 1 <= stage <= len(self.stages):
            return self.stages[stage - 1]
        return f"Stage {stage}"

    def stage_label(self, stage: int) -> str:
        """For example "Stage 2: Further local resolution"; the name alone where it says so."""
        name = self.stage_name(stage)
        prefix = f"stage {stage}"
        return name if name.lower().startswith(prefix) else f"Stage {stage}: {name}"

    def next_stage(self, stage: int) -> str | None:
        """The name of the stage after `stage`, or None at the last stage (then the
        complainant's next step is the escalation body)."""
        return self.stages[stage] if 0 < stage < len(self.stages) else None

    def rights_at(self, stage: int) -> bool:
        """Whether a response at `stage` states the right to go to the escalation body."""
        return self.next_stage(stage) is None or self.escalation_rights_every_stage

    def grade(self, level: int) -> GradeLevel:
        for g in self.grading:
            if g.level == level:
                return g
        raise KeyError(level)


class PolicyError(ValueError):
    """A policy failed validation. The message names each field and what to fix."""


def validate_policy(data: dict) -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        lines = []
        for e in error.errors():
            where = ".".join(str(p) for p in e["loc"])
            message = e["msg"].removeprefix("Value error, ")
            nested = re.match(r"^((?:steps|dispatch)(?:\.[\w.]+)?): (.*)$", message, re.S)
            if where and nested:
                # A chain's own check names the step or option inside the chain.
                where, message = f"{where}.{nested.group(1)}", nested.group(2)
            if not where:
                # check_consistency has no location of its own; its messages start with the
                # field they are about, so report them as that field, not as "policy: grading:".
                field, sep, rest = message.partition(": ")
                if sep and field.split(".")[0] in Policy.model_fields:
                    where, message = field, rest
                else:
                    where = "policy"
            lines.append(f"{where}: {message}")
        raise PolicyError("; ".join(lines)) from None


# --- presets -------------------------------------------------------------------------------

PHSO = {
    "route": "phso",
    "name": "Parliamentary and Health Service Ombudsman",
    "address": "Millbank Tower, Millbank, London SW1P 4QP",
    "telephone": "0345 015 4033",
    "website": "www.ombudsman.org.uk",
}

PHSO_RIGHTS = (
    "If you are not satisfied with this response, you can ask the Parliamentary and Health "
    "Service Ombudsman to look at your complaint. The Ombudsman is independent of the NHS "
    "and the government. You can contact the Ombudsman at Millbank Tower, Millbank, London "
    "SW1P 4QP, by telephone on 0345 015 4033, or at www.ombudsman.org.uk. The Ombudsman "
    "usually expects a complaint within 12 months of when you first knew of the problem."
)

NHS_GRADING = [
    {
        "level": 1,
        "name": "Minor",
        "description": "Something for which it should be possible to get a quick solution and "
        "which does not warrant the full complaints procedure.",
        "handling": "Agree a call back, ideally the same day. If resolved quickly and the "
        "complainant is happy, no further action; keep the contact record.",
        "default_owner_role": "Office Manager",
    },
    {
        "level": 2,
        "name": "Significant",
        "description": "Will require some investigation or contact with staff, may involve some "
        "correspondence, but is unlikely to warrant an in-depth investigation.",
        "handling": "Discuss the outcome and timeframe with the complainant; escalate to the "
        "complaints manager if it cannot be resolved in the agreed time.",
        "default_owner_role": "Office Manager",
    },
    {
        "level": 3,
        "name": "Major",
        "description": "A serious complaint that requires full investigation.",
        "handling": "Agree an action plan for the investigation with a senior lead; review "
        "progress and correspondence regularly.",
        "default_owner_role": "Executive Manager",
    },
    {
        "level": 4,
        "name": "Complex",
        "description": "A serious complaint involving more than one provider.",
        "handling": "Coordinated by the complaints manager with the other organisations; agree "
        "a lead organisation and one coordinated response.",
        "default_owner_role": "Executive Manager",
    },
]

WD = "working_days"

# R29: the organisation's own stages where its policy names no further stage: local
# resolution and a further local response when the complainant comes back (seed 001 App D 9).
# The escalation body is not one of them (Policy.stages).
LOCAL_STAGES = ["Local resolution", "Further local resolution"]


# --- sign-off chains (R26) -------------------------------------------------------------------

# Seed 000, "Stage 2 sign off process [including NHSE letters]", encoded step by step. Line
# numbers are those of ../shared/seeds/000_5380ba2ff028fde6.txt; CITATIONS below holds the
# words of each number and role, and tests/organisations/test_preset_citations.py reads them
# in the seed. Every step has a due date, counted from the receipt of the stage-2 request
# (docs/adr/0022-stage-two-due-dates-from-receipt.md):
#   step 1, documents: "within 2-5 working days of receipt of Stage 2" (line 9): 5 days;
#   step 2, the regional draft, comments and sign-off, and step 3's send to national review:
#     "within 10 working days (12-15 working days of receipt)" (line 21): 15 days of receipt;
#   step 3's national review and sign-off and step 4's return to the site: the seed gives
#     them no time of their own, so they are due by the stage's response date.
STAGE_2_RECEIPT = {"amount": 5, "unit": WD}
STAGE_2_TO_NATIONAL = {"amount": 15, "unit": WD}
NATIONAL_STAGE_2 = {
    "name": "Stage 2 sign-off (regional and national)",
    "letters": ["final_response"],
    "stages": [2],
    "steps": [
        {
            # 000 l.7-9, Step 1: "HOHC to provide all necessary documentation to Regional
            # Governance Manager within 2-5 working days of receipt of Stage 2".
            "key": "documents",
            "label": "Head of Healthcare sends the documents to the Regional Governance Manager",
            "roles": ["Head of Healthcare"],
            "due": STAGE_2_RECEIPT,
            "due_from": "receipt",
            "source": "seed 000 Stage 2, step 1 (line 9)",
        },
        {
            # 000 l.11-13, Step 2: "Regional Governance Manager, Regional Medical Director and
            # Regional Operations manager [jointly] to draft a response." Step 2 is done before
            # step 3's send, "12-15 working days of receipt" (line 21).
            "key": "regional_draft",
            "label": "Regional Governance Manager, Regional Medical Director and Regional "
            "Operations Manager draft the response jointly",
            "roles": [
                "Regional Governance Manager",
                "Regional Medical Director",
                "Regional Operations Manager",
            ],
            "joint": True,
            "edits": True,
            "due": STAGE_2_TO_NATIONAL,
            "due_from": "receipt",
            "source": "seed 000 Stage 2, step 2 (line 13)",
        },
        {
            # 000 l.15: "Regional Director to receive the draft for their comments."
            "key": "regional_director",
            "label": "Regional Director comments on the draft",
            "roles": ["Regional Director"],
            "due": STAGE_2_TO_NATIONAL,
            "due_from": "receipt",
            "source": "seed 000 Stage 2, step 2 (line 15)",
        },
        {
            # 000 l.17: "Regional sign off following this."
            "key": "regional_sign_off",
            "label": "Regional sign-off",
            "roles": ["Regional Director"],
            "due": STAGE_2_TO_NATIONAL,
            "due_from": "receipt",
            "source": "seed 000 Stage 2, step 2 (line 17)",
        },
        {
            # 000 l.19-21, Step 3: "Regional Governance Manager to send to National Complaints
            # Manager for review within 10 working days (12-15 working days of receipt)": the
            # ten days follow step 1's 2-5, so the send is due 15 working days from receipt.
            "key": "send_to_national",
            "label": "Regional Governance Manager sends it to the National Complaints Manager",
            "roles": ["Regional Governance Manager"],
            "due": STAGE_2_TO_NATIONAL,
            "due_from": "receipt",
            "source": "seed 000 Stage 2, step 3 (line 21)",
        },
        {
            # 000 l.23: "National Complaints reviewer and National Medical team comments/
            # review. If there are any comments - sends back to the Regional Governance
            # manager." (A send-back to regional_draft, where the RGM drafts.) The national
            # medical team reviews too, so the National Medical Director may act here.
            "key": "national_review",
            "label": "National Complaints Manager or Reviewer and the national medical team "
            "review it",
            "roles": [
                "National Complaints Manager",
                "National Complaints Reviewer",
                "National Medical Director",
            ],
            "due_from": "response",
            "source": "seed 000 Stage 2, step 3 (line 23)",
        },
        {
            # 000 l.23-25: "If no comments, The National Medical Director to sign off."
            "key": "national_sign_off",
            "label": "National Medical Director signs the letter",
            "roles": ["National Medical Director"],
            "signs": True,
            "due_from": "response",
            "source": "seed 000 Stage 2, step 3 (lines 23-25)",
        },
        {
            # 000 l.27-29, Step 4: "The signed letter emailed to Regional Governance manager
            # and Regional Manager who will then email it to the HOHC."
            "key": "return_to_site",
            "label": "Regional Governance Manager or Regional Manager returns the signed "
            "letter to the Head of Healthcare",
            "roles": ["Regional Governance Manager", "Regional Manager"],
            "due_from": "response",
            "source": "seed 000 Stage 2, step 4 (line 29)",
        },
    ],
    "dispatch": [
        {
            # 000 l.29: "HOHC/delegated member of healthcare to place the letter in an
            # envelope, stamp it /write on the envelope 'medical in confidence' and hand
            # deliver it to the patient."
            "channel": "hand_delivery",
            "roles": ["Head of Healthcare"],
            "medical_in_confidence": True,
            "note": "seed 000 Stage 2, step 4 (line 29)",
        },
        {
            # 000 l.29: "NHSE letters are sent back to NHSE by the Regional Governance Manager"
            "channel": "returned_to_commissioner",
            "roles": ["Regional Governance Manager"],
            "note": "NHS England letters go back to NHS England (seed 000 line 29)",
        },
    ],
}

# Seed 000, "Managing vexatious complainant" (lines 31-52).
NATIONAL_VEXATIOUS = {
    "name": "Vexatious route warning (regional and national)",
    "letters": ["vexatious_warning"],
    "steps": [
        {
            # 000 l.33-35: "HOHC to provide all necessary documentation to Regional Governance
            # Manager concerns recorded, stage 1 letter and stage 2"
            "key": "documents",
            "label": "Head of Healthcare sends the concerns and both stages' letters to the "
            "Regional Governance Manager",
            "roles": ["Head of Healthcare"],
            "source": "seed 000 vexatious, step 1 (line 35)",
        },
        {
            # 000 l.37-39: "Regional Governance Manager to send these letters to National
            # Complaints Reviewer"
            "key": "send_to_national",
            "label": "Regional Governance Manager sends the letters to the National Complaints "
            "Reviewer",
            "roles": ["Regional Governance Manager"],
            "source": "seed 000 vexatious, step 2 (line 39)",
        },
        {
            # 000 l.43-44: the reviewer agrees the route with the National Medical/Deputy
            # Director and drafts the letter (escalate to stage 3; warning of the route).
            "key": "national_draft",
            "label": "National Complaints Reviewer drafts the warning",
            "roles": ["National Complaints Reviewer"],
            "edits": True,
            "source": "seed 000 vexatious, step 3 (lines 43-44)",
        },
        {
            # 000 l.48: "The letter is signed by the National Medical Director."
            "key": "national_sign_off",
            "label": "National Medical Director signs the letter",
            "roles": ["National Medical Director"],
            "signs": True,
            "source": "seed 000 vexatious, step 4 (line 48)",
        },
        {
            # 000 l.49: "Signed letter emailed to Regional Governance Manager and Regional
            # Manager who will then email it to the HOHC."
            "key": "return_to_site",
            "label": "Regional Governance Manager or Regional Manager returns the signed "
            "letter to the Head of Healthcare",
            "roles": ["Regional Governance Manager", "Regional Manager"],
            "source": "seed 000 vexatious, step 4 (line 49)",
        },
    ],
    "dispatch": NATIONAL_STAGE_2["dispatch"],
}

# Stage 1 and every other letter: local resolution by the Head of Healthcare (the preset's
# stages; seed 000 names the HOHC as the site's lead).
NATIONAL_LOCAL = {
    "name": "Local letters (Head of Healthcare)",
    "steps": [
        {
            "key": "draft",
            "label": "Head of Healthcare drafts and signs the letter",
            "roles": ["Head of Healthcare"],
            "edits": True,
            "signs": True,
        }
    ],
    "dispatch": [
        {
            "channel": "hand_delivery",
            "roles": ["Head of Healthcare"],
            "medical_in_confidence": True,
        },
        {"channel": "post", "roles": ["Head of Healthcare"]},
    ],
}


def _by_post_or_email(roles: list[str]) -> list[dict]:
    return [{"channel": "post", "roles": roles}, {"channel": "email", "roles": roles}]


def _draft_then_sign(name, letters, drafters, signers, dispatchers, *, draft, sign, source):
    """A two-step chain: `drafters` draft (any one of them), `signers` sign."""
    return {
        "name": name,
        "letters": letters,
        "steps": [
            {"key": "draft", "label": draft, "roles": drafters, "edits": True, "source": source},
            {"key": "signature", "label": sign, "roles": signers, "signs": True, "source": source},
        ],
        "dispatch": _by_post_or_email(dispatchers),
    }


def _one_step(name, roles, dispatchers, *, source=""):
    """Every other letter: drafted and signed by any one of `roles`."""
    return {
        "name": name,
        "steps": [
            {
                "key": "draft",
                "label": f"{' or '.join(roles)} drafts and signs the letter",
                "roles": roles,
                "edits": True,
                "signs": True,
                "source": source,
            }
        ],
        "dispatch": _by_post_or_email(dispatchers),
    }


GP_OFFICE = ["Executive Manager", "Office Manager"]
# Seed 001 §14: "It will be the responsibility of the Executive Manager to prepare a draft
# response and ensure that the draft has been seen and approved by the Partners"; §16 and
# Appendix D: "No letter shall be sent without the Executive Managers agreement".
GP_CHAINS = [
    _draft_then_sign(
        "Final response (Executive Manager drafts, a Partner approves)",
        ["final_response", "vexatious_warning"],
        ["Executive Manager"],
        ["Partner"],
        GP_OFFICE,
        draft="Executive Manager drafts the response",
        sign="A Partner approves and signs the response",
        source="seed 001 §14, Appendix D",
    ),
    _one_step("Other letters (Executive Manager)", GP_OFFICE, GP_OFFICE, source="seed 001 §14"),
]

# Seed 002 §10.5.1 VI: "A written response, signed by the Accountable Officer or Appropriate
# Director"; the Governance function drafts: the Head of Corporate Governance, the designated
# Complaints Manager (§6.4), and the Customer Care Officer.
GOVERNANCE = ["Head of Corporate Governance", "Customer Care Officer"]
COMMISSIONER_CHAINS = [
    _draft_then_sign(
        "Final response (Accountable Officer or Director signs)",
        ["final_response", "vexatious_warning", "mp_reply"],
        GOVERNANCE,
        ["Accountable Officer", "Director"],
        GOVERNANCE,
        draft="Head of Corporate Governance or Customer Care Officer drafts the response",
        sign="Accountable Officer or a Director signs the response",
        source="seed 002 §10.5.1 VI",
    ),
    _one_step(
        "Other letters (Governance function)", GOVERNANCE, GOVERNANCE, source="seed 002 §10.5.1 I"
    ),
]

# The statutory baseline: the complaints manager drafts, the responsible person signs
# (2009 Regulations reg 4(1)(a), reg 14(2)).
BASELINE_CHAINS = [
    _draft_then_sign(
        "Final response (Responsible Person signs)",
        ["final_response"],
        ["Complaints Manager"],
        ["Responsible Person"],
        ["Complaints Manager"],
        draft="Complaints Manager drafts the response",
        sign="Responsible Person signs the response",
        source="2009 Regulations reg 4(1)(a), reg 14(2)",
    ),
    _one_step("Other letters (Complaints Manager)", ["Complaints Manager"], ["Complaints Manager"]),
]

# The clinic (seed 004): the complaints manager drafts; the registered manager or a director
# signs.
CLINIC_OFFICE = ["Complaints Manager", "Registered Manager"]
CLINIC_CHAINS = [
    _draft_then_sign(
        "Final response (Registered Manager or Director signs)",
        ["final_response"],
        ["Complaints Manager"],
        ["Registered Manager", "Director"],
        CLINIC_OFFICE,
        draft="Complaints Manager drafts the response",
        sign="Registered Manager or Director signs the response",
        source="seed 004",
    ),
    _one_step(
        "Other letters (Complaints Manager)", CLINIC_OFFICE, CLINIC_OFFICE, source="seed 004"
    ),
]

# R33: who reviews the evidence and who approves a persistent or vexatious contact decision.
# The seeds say nothing of how long restrictions last; six months, then a review, is what
# NHS policies on unreasonably persistent contact commonly set.
REVIEW_AFTER = {"amount": 6, "unit": "calendar_months"}


def _persistent(reviewers: list[str], approvers: list[str], source: str) -> dict:
    return {
        "reviewer_roles": reviewers,
        "approver_roles": approvers,
        "review_after": REVIEW_AFTER,
        "source": source,
    }


# R10: matters outside the procedure. The 2009 Regulations, reg 8(1), exclude a complaint by
# an employee about their employment (b) and about a Freedom of Information request (g); a
# request for one's own records is a subject access request under data protection law.
OUTSIDE_BASELINE = [
    {
        "key": "staff_employment",
        "label": "Staff employment",
        "where_to": "Human resources policies and procedures",
        "source": "2009 Regulations reg 8(1)(b); seed 002 §13.1.2",
    },
    {
        "key": "foi_request",
        "label": "Freedom of Information request",
        "where_to": "The Freedom of Information team",
        "source": "2009 Regulations reg 8(1)(g)",
    },
    {
        "key": "subject_access",
        "label": "Subject access request (a copy of one's own records)",
        "where_to": "The information governance (data protection) team",
        "source": "UK GDPR Article 15",
    },
]
# Seed 002 §13.1.3 and §13.2.1: what the commissioner's procedure sends elsewhere.
OUTSIDE_COMMISSIONER = [
    OUTSIDE_BASELINE[0],
    {
        "key": "staff_concern",
        "label": "Staff concern about governance, safety or practice",
        "where_to": "Incident Reporting, Risk Management, Whistle-blowing or Health and Safety "
        "processes",
        "source": "seed 002 §13.1.3",
    },
    {
        "key": "individual_funding",
        "label": "Individual funding request",
        "where_to": "The procedures for consideration of single patient funding decisions",
        "source": "seed 002 §13.2.1",
    },
    {
        "key": "continuing_healthcare",
        "label": "Continuing healthcare decision",
        "where_to": "The separate process for the management of Continuing Care",
        "source": "seed 002 §13.2.1",
    },
    *OUTSIDE_BASELINE[1:],
]

PRESETS: dict[str, dict] = {
    "nhs-england-2009": {
        "name": "NHS England statutory baseline",
        "source": "Local Authority Social Services and NHS Complaints (England) Regulations "
        "2009 (SI 2009/309), regs 12-14",
        "time_limit": {"amount": 12, "unit": "calendar_months"},
        "acknowledgement": {"amount": 3, "unit": WD},
        # reg 8(1)(c): an oral complaint resolved by the next working day is outside the Regs.
        "informal_resolution": {"amount": 1, "unit": WD},
        "consent_chase": {"amount": 10, "unit": WD},
        "investigation": None,
        # reg 14: a response period agreed with the complainant; 6 months unless extended.
        "response": {"amount": 6, "unit": "calendar_months"},
        "response_limit": {"amount": 6, "unit": "calendar_months"},
        "update_after": {"amount": 20, "unit": WD},
        "update_repeats": True,
        "six_month_review": {"amount": 6, "unit": "calendar_months"},
        "external_notification": None,
        "grading": NHS_GRADING,
        # R29: a complainant unhappy with the response may ask for it to be looked at again
        # locally; the Ombudsman reviews once local resolution has ended (reg 14(2)(c): every
        # response states the right, with the Ombudsman's details).
        "stages": LOCAL_STAGES,
        "escalation_rights_every_stage": True,
        "escalation": PHSO,
        "rights_paragraph": PHSO_RIGHTS,
        "roles": ["Responsible Person", "Complaints Manager", "Investigating Officer"],
        "sign_off": BASELINE_CHAINS,
        "persistent_contact": _persistent(
            ["Complaints Manager"],
            ["Responsible Person"],
            "2009 Regulations reg 4(1)(a): the responsible person",
        ),
        "outside_procedure": OUTSIDE_BASELINE,
    },
    "gp-practice": {
        "name": "GP practice (Minster Medical Group)",
        "source": "seed 001: complaints policy, Appendices A-D",
        # 001 §9: normally within 3 years from the date the incident occurred.
        "time_limit": {"amount": 36, "unit": "calendar_months"},
        "time_limit_basis": "from the date the incident occurred",
        # 001 §7, §14: acknowledged within three working days with an offer to discuss.
        "acknowledgement": {"amount": 3, "unit": WD},
        # 001 §1: an oral complaint resolved within 24 hours need not be answered formally.
        "informal_resolution": {"amount": 24, "unit": "hours"},
        "consent_chase": {"amount": 10, "unit": WD},
        "investigation": None,
        "response": {"amount": 6, "unit": "calendar_months"},
        "response_limit": {"amount": 6, "unit": "calendar_months"},
        "update_after": {"amount": 20, "unit": WD},
        "update_repeats": True,
        # 001 §15: good practice to review any case lasting more than six months.
        "six_month_review": {"amount": 6, "unit": "calendar_months"},
        "external_notification": None,
        "grading": NHS_GRADING,
        # 001 App D 9: "Ask them to come back to you if they remain dissatisfied - there may
        # be more you could do" (a further local stage); App D 7: "the contact details for the
        # Parliamentary and Health Service Ombudsman is on the bottom of each letter".
        "stages": LOCAL_STAGES,
        "escalation_rights_every_stage": True,
        "escalation": PHSO,
        "rights_paragraph": PHSO_RIGHTS,
        "roles": [
            "Office Manager",
            "Executive Manager",
            "Partner",
            "Investigating Officer",
            "Receptionist",
        ],
        "sign_off": GP_CHAINS,
        # 001 §13: "discuss with the Executive Manager who will take advise from an
        # appropriate source".
        "persistent_contact": _persistent(
            ["Executive Manager"], ["Executive Manager"], "seed 001 §13"
        ),
        "outside_procedure": OUTSIDE_BASELINE,
    },
    "commissioner": {
        "name": "Commissioner (Walsall CCG)",
        "source": "seed 002: concerns and complaints policy §9-§13; seed 003 reporting",
        # 002 §10.3.1: within 12 months of the matter or of discovering it.
        "time_limit": {"amount": 12, "unit": "calendar_months"},
        # 002 §10.5.1 I: acknowledged within three working days.
        "acknowledgement": {"amount": 3, "unit": WD},
        # A concern resolved by the end of the next working day is outside the Regulations
        # (reg 8(1)(c)); 002 §10.4.2 hopes for "immediate/same-day resolution" of a concern.
        "informal_resolution": {"amount": 1, "unit": WD},
        "consent_chase": {"amount": 10, "unit": WD},
        # 002 §10.5.1 V: investigations within 10 working days.
        "investigation": {"amount": 10, "unit": WD},
        # 002 §10.5.1 V: staff co-operate with investigations of 10 working days, so
        # statements are asked for within the first half of it.
        "statement_due": {"amount": 5, "unit": WD},
        # 002 §10.5.1 VI: written response within 25 working days, the clock waiting for
        # consent and for approval of the complaint summary.
        "response": {"amount": 25, "unit": WD},
        "response_clock": {"waits_for_consent": True, "waits_for_summary_approval": True},
        "response_limit": {"amount": 6, "unit": "calendar_months"},
        "update_after": {"amount": 20, "unit": WD},
        "update_repeats": True,
        "six_month_review": {"amount": 6, "unit": "calendar_months"},
        "external_notification": None,
        "grading": NHS_GRADING,
        # 002 §11.1: independent review by the Ombudsman "once Local Resolution has been
        # thoroughly explored and has ended"; every response states the right (reg 14(2)(c)).
        "stages": LOCAL_STAGES,
        "escalation_rights_every_stage": True,
        "escalation": PHSO,
        "rights_paragraph": PHSO_RIGHTS,
        "roles": [
            "Customer Care Officer",
            "Head of Corporate Governance",
            "Director",
            "Accountable Officer",
            "Investigating Officer",
        ],
        "sign_off": COMMISSIONER_CHAINS,
        # 002 §13.7.3: "clear, documented evidence ... All such letters must be approved and
        # signed by the Accountable Officer or the appropriate Director".
        "persistent_contact": _persistent(
            GOVERNANCE, ["Accountable Officer", "Director"], "seed 002 §13.7.3"
        ),
        "outside_procedure": OUTSIDE_COMMISSIONER,
    },
    "private-clinic": {
        "name": "Private clinic (Luxira Aesthetics)",
        "source": "seed 004: complaints policy",
        "time_limit": {"amount": 12, "unit": "calendar_months"},
        # 004: acknowledged in writing or in person within 48 hours.
        "acknowledgement": {"amount": 48, "unit": "hours"},
        "informal_resolution": {"amount": 24, "unit": "hours"},
        "consent_chase": {"amount": 7, "unit": "calendar_days"},
        "investigation": None,
        # 004: investigated and resolved within 30 days; update if not resolved in 20.
        "response": {"amount": 30, "unit": "calendar_days"},
        "update_after": {"amount": 20, "unit": "calendar_days"},
        "update_repeats": False,
        "six_month_review": {"amount": 6, "unit": "calendar_months"},
        # 004: notification of an external body within three days of identifying the issue.
        "external_notification": {"amount": 3, "unit": "calendar_days"},
        "grading": NHS_GRADING,
        # 004: the clinic signposts an approved ADR provider when "The complaint cannot be
        # resolved internally to the patients satisfaction": after its last local stage.
        "stages": LOCAL_STAGES,
        "escalation_rights_every_stage": False,
        "escalation": {
            "route": "adr",
            "name": "an approved Alternative Dispute Resolution provider",
            "address": "Approved providers are listed by the Chartered Trading Standards "
            "Institute, 1 Sylvan Court, Sylvan Way, Southfields Business Park, Basildon SS15 6TH",
            "website": "www.tradingstandards.uk",
        },
        "rights_paragraph": (
            "If you are not satisfied with our response, you may refer your complaint to an "
            "approved Alternative Dispute Resolution provider, under the Alternative Dispute "
            "Resolution Regulations 2015. The Chartered Trading Standards Institute lists "
            "approved providers at www.tradingstandards.uk. We will co-operate with the provider "
            "and comply with its recommendations."
        ),
        "roles": ["Complaints Manager", "Registered Manager", "Clinician", "Director"],
        "sign_off": CLINIC_CHAINS,
        # Seed 004 is silent: the registered manager or a director decides, as they sign.
        "persistent_contact": _persistent(
            ["Complaints Manager"], ["Registered Manager", "Director"], "seed 004 (silent)"
        ),
        "outside_procedure": OUTSIDE_BASELINE,
    },
    "national-provider": {
        "name": "National healthcare provider with regional and national tiers",
        "source": "seed 000: Stage 2 sign-off, vexatious route, high service users",
        "time_limit": {"amount": 12, "unit": "calendar_months"},
        "acknowledgement": {"amount": 3, "unit": WD},
        "informal_resolution": {"amount": 1, "unit": WD},
        "consent_chase": {"amount": 10, "unit": WD},
        # Seed 000 gives stage 1 no investigation time: its "2-5 working days" (line 9) is the
        # stage-2 documents step, in the Stage 2 chain below, so stage 1 has no separate
        # investigation clock. Nor does it give a response time: 25 working days as the
        # commissioner's (002 §10.5.1 VI), well inside the Regulations' six months.
        "investigation": None,
        "response": {"amount": 25, "unit": WD},
        "response_limit": {"amount": 6, "unit": "calendar_months"},
        "update_after": {"amount": 20, "unit": WD},
        "update_repeats": True,
        "six_month_review": {"amount": 6, "unit": "calendar_months"},
        "external_notification": None,
        "grading": NHS_GRADING,
        "stages": [
            "Stage 1: local resolution by the Head of Healthcare",
            "Stage 2: regional and national review",
            "Stage 3: independent review",
        ],
        # 000 line 44: after stage 2 the letter directs "the patient to escalate the complaint
        # to stage 3"; the Ombudsman only after the last stage.
        "escalation_rights_every_stage": False,
        "escalation": PHSO,
        "rights_paragraph": PHSO_RIGHTS,
        "roles": [
            "Head of Healthcare",
            "Regional Governance Manager",
            "Regional Medical Director",
            "Regional Operations Manager",
            "Regional Director",
            "Regional Manager",
            "National Complaints Manager",
            "National Complaints Reviewer",
            "National Medical Director",
            "Investigating Officer",
        ],
        "sign_off": [NATIONAL_STAGE_2, NATIONAL_VEXATIOUS, NATIONAL_LOCAL],
        # 000 vexatious, step 3 (line 43): the National Complaints Reviewer reviews the letters
        # and agrees with the National Medical /Deputy Director that the patient "should be
        # taken through the vexatious route"; step 4 (line 48): the NMD signs.
        "persistent_contact": _persistent(
            ["National Complaints Reviewer"],
            ["National Medical Director"],
            "seed 000 vexatious route, steps 3-4 (lines 43, 48)",
        ),
        "outside_procedure": OUTSIDE_BASELINE,
    },
}


def preset(name: str) -> dict:
    """A fresh copy of a preset's data, ready to edit and validate."""
    try:
        return copy.deepcopy(PRESETS[name])
    except KeyError:
        choices = ", ".join(sorted(PRESETS))
        raise PolicyError(f"preset: unknown preset {name!r}; choose one of {choices}") from None


# --- where each preset's numbers and labels come from ----------------------------------------


class Cite(NamedTuple):
    """A preset value's source: `document` is a seed ("000" … "004", in ../shared/seeds) or
    "REGULATIONS.md" (in ../shared); `lines` the first and last line it is on; `words` the
    words there that give the value. tests/organisations/test_preset_citations.py reads them."""

    document: str
    lines: tuple[int, int]
    words: str


class Chosen(NamedTuple):
    """A preset value that no document gives: Candour's choice, and why."""

    reason: str


def cite(document: str, lines: int | tuple[int, int], words: str) -> Cite:
    return Cite(document, lines if isinstance(lines, tuple) else (lines, lines), words)


CONSENT_CHASE = Chosen(
    "No seed says when to chase consent that has not come back: two weeks, so that the "
    "response clock that waits for it does not stall unnoticed (R12)."
)
UPDATE_AFTER = Chosen(
    "No seed of this preset gives an interval for updates: the Regulations ask that the "
    "complainant be kept informed (REGULATIONS.md line 87), the clinic updates at 20 days "
    "(seed 004 line 85); 20 working days here."
)
REGULATIONS_CITES = {
    "time_limit": cite("REGULATIONS.md", 82, "**12 months** from the event"),
    "acknowledgement": cite("REGULATIONS.md", 84, "by the 3rd working day after the day of"),
    "informal_resolution": cite(
        "REGULATIONS.md", 68, "resolved to the complainant's satisfaction **by the next working day"
    ),
    "response_limit": cite("REGULATIONS.md", 89, "**6 months beginning on the day of receipt**"),
}
SIX_MONTH_REVIEW = cite("001", 177, "review any case lasting more than six months")
# R29: the second stage is the organisation's own further local response; the Ombudsman
# reviews only once local resolution has ended, after the last of them.
FURTHER_LOCAL = cite(
    "002", 238, "will only review a complaint once Local Resolution has been thoroughly explored"
)
PHSO_CITES = {
    "stages.0": cite("002", 238, "on conclusion of Local Resolution"),
    "stages.1": FURTHER_LOCAL,
    "escalation.name": cite("002", 238, "Parliamentary and Health Service Ombudsman"),
}
GRADING_CITES = {
    "grading.1": cite("001", (371, 372), "Level 1 Minor"),
    "grading.2": cite("001", 376, "Level 2 Significant"),
    "grading.3": cite("001", (380, 381), "Level 3 Major"),
    "grading.4": cite("001", (387, 388), "Level 4 Complex"),
}
HOHC_AND_REGION = cite(
    "000", 29, "emailed to Regional Governance manager and Regional Manager who will then email"
)

CITATIONS: dict[str, dict[str, Cite | Chosen]] = {
    "nhs-england-2009": {
        **REGULATIONS_CITES,
        "consent_chase": CONSENT_CHASE,
        "response": cite("REGULATIONS.md", 89, "**6 months beginning on the day of receipt**"),
        "update_after": UPDATE_AFTER,
        "six_month_review": SIX_MONTH_REVIEW,
        **PHSO_CITES,
        "stages.1": Chosen(
            "The Regulations name one local stage; a complainant who comes back after the "
            "response is answered again locally (R29) before the Ombudsman, who reviews once "
            "local resolution has ended (seed 002 §11.1)."
        ),
        "escalation.name": cite("REGULATIONS.md", 88, "right to go to the **PHSO**"),
        **GRADING_CITES,
        "sign_off.0.draft.roles": cite("REGULATIONS.md", 45, "and a **complaints manager**"),
        "sign_off.0.signature.roles": cite("REGULATIONS.md", 48, "responsible person"),
        "sign_off.1.draft.roles": cite("REGULATIONS.md", 45, "and a **complaints manager**"),
    },
    "gp-practice": {
        "time_limit": cite("001", 104, "within 3 years from the date the incident occurred"),
        "acknowledgement": cite("001", 147, "Within three working days of receiving a complaint"),
        "informal_resolution": cite(
            "001", 76, "resolved to the complainant's satisfaction within 24 hours"
        ),
        "consent_chase": CONSENT_CHASE,
        "response": cite("REGULATIONS.md", 89, "**6 months beginning on the day of receipt**"),
        "response_limit": REGULATIONS_CITES["response_limit"],
        "update_after": UPDATE_AFTER,
        "six_month_review": SIX_MONTH_REVIEW,
        "stages.0": Chosen("Seed 001 names no stages; local resolution is the Regulations' stage."),
        "stages.1": cite("001", 550, "Ask them to come back to you if they remain dissatisfied"),
        "escalation.name": cite("001", 270, "Parliamentary and Health Service Ombudsman"),
        **GRADING_CITES,
        "sign_off.0.draft.roles": cite(
            "001", 161, "responsibility of the Executive Manager to prepare a draft response"
        ),
        "sign_off.0.signature.roles": cite(
            "001", 475, "obtain final approval from the relevant Partner"
        ),
        "sign_off.1.draft.roles": cite(
            "001", 140, "The Office Manager will try and resolve matters"
        ),
    },
    "commissioner": {
        "time_limit": cite("002", 194, "within 12 months from when the matter"),
        "acknowledgement": cite("002", 218, "acknowledged within three working days"),
        # 002 §10.4.2 hopes for "immediate/same-day resolution" of a concern (line 210); the
        # Regulations leave out an oral complaint resolved by the next working day.
        "informal_resolution": REGULATIONS_CITES["informal_resolution"],
        "consent_chase": CONSENT_CHASE,
        "investigation": cite(
            "002", 223, "thorough, proportionate investigations within 10 working days"
        ),
        "statement_due": Chosen(
            "Seed 002 §10.5.1 V asks staff to co-operate with investigations of 10 working "
            "days (line 223); statements are asked for within the first half of it."
        ),
        "response": cite("002", 224, "will be provided to the complainant within 25 working days"),
        "response_limit": REGULATIONS_CITES["response_limit"],
        "update_after": UPDATE_AFTER,
        "six_month_review": SIX_MONTH_REVIEW,
        **PHSO_CITES,
        **GRADING_CITES,
        "sign_off.0.draft.roles": cite(
            "002",
            141,
            "Head of Corporate Governance:** will be the designated Complaints Manager for WCCG",
        ),
        "sign_off.0.signature.roles": cite(
            "002", 224, "signed by the Accountable Officer or Appropriate Director"
        ),
        "sign_off.1.draft.roles": cite(
            "002",
            141,
            "Head of Corporate Governance:** will be the designated Complaints Manager for WCCG",
        ),
    },
    "private-clinic": {
        "time_limit": Chosen(
            "Seed 004 sets no time limit for complaining: the Regulations' 12 months."
        ),
        "acknowledgement": cite("004", 81, "acknowledged in writing or in person within 48 hours"),
        "informal_resolution": Chosen(
            "Seed 004 resolves a complaint at the point of service where it can (line 23) with "
            "no time; 24 hours as the GP practice (seed 001 line 76)."
        ),
        "consent_chase": Chosen("Seed 004 says nothing of consent to chase: a week."),
        "response": cite("004", 84, "investigated and resolved within 30 days"),
        "update_after": cite("004", 85, "not resolved within 20 days"),
        "six_month_review": SIX_MONTH_REVIEW,
        "external_notification": cite("004", 83, "will occur within three days of those issues"),
        "stages.0": cite("004", 71, "normally resolved by direct negotiation with the complainant"),
        "stages.1": cite(
            "004", 77, "The complaint cannot be resolved internally to the patients satisfaction"
        ),
        "escalation.name": cite(
            "004", 78, "approved (by the Chartered Trading Standards Institute"
        ),
        **GRADING_CITES,
        "sign_off.0.draft.roles": cite("004", 41, "The complaints manager coordinates resolution"),
        "sign_off.0.signature.roles": Chosen(
            "Seed 004 names no signatory; the CQC-registered manager or a director (seed 004 "
            "line 122: directors' meetings)."
        ),
        "sign_off.1.draft.roles": cite("004", 41, "The complaints manager coordinates resolution"),
    },
    "national-provider": {
        **REGULATIONS_CITES,
        "consent_chase": CONSENT_CHASE,
        "response": Chosen(
            "Seed 000 gives no response time for either stage: 25 working days as the "
            "commissioner (seed 002 line 224), within the Regulations' six months."
        ),
        "update_after": UPDATE_AFTER,
        "six_month_review": SIX_MONTH_REVIEW,
        "stages.0": cite("000", 35, "HOHC to provide all necessary documentation"),
        "stages.1": cite("000", 3, "Stage 2 sign off process"),
        "stages.2": cite("000", 44, "escalate the complaint to stage 3"),
        "escalation.name": cite("REGULATIONS.md", 88, "right to go to the **PHSO**"),
        **GRADING_CITES,
        "sign_off.0.documents.roles": cite("000", 9, "HOHC to provide all necessary documentation"),
        "sign_off.0.documents.due": cite("000", 9, "within 2-5 working days of receipt of Stage 2"),
        "sign_off.0.regional_draft.roles": cite(
            "000",
            13,
            "Regional Governance Manager, Regional Medical Director and Regional Operations "
            "manager [jointly] to draft",
        ),
        "sign_off.0.regional_draft.due": cite("000", 21, "(12-15 working days of receipt)"),
        "sign_off.0.regional_director.roles": cite(
            "000", 15, "Regional Director to receive the draft"
        ),
        "sign_off.0.regional_director.due": cite("000", 21, "(12-15 working days of receipt)"),
        "sign_off.0.regional_sign_off.roles": cite(
            "000",
            (15, 17),
            "Regional Director to receive the draft for their comments. Regional sign off",
        ),
        "sign_off.0.regional_sign_off.due": cite("000", 21, "(12-15 working days of receipt)"),
        "sign_off.0.send_to_national.roles": cite("000", 21, "Regional Governance Manager to send"),
        "sign_off.0.send_to_national.due": cite(
            "000", 21, "within 10 working days (12-15 working days of receipt)"
        ),
        "sign_off.0.national_review.roles": cite(
            "000",
            (21, 23),
            "to National Complaints Manager for review within 10 working days (12-15 working "
            "days of receipt) National Complaints reviewer and National Medical team",
        ),
        "sign_off.0.national_review.due": Chosen(
            "Seed 000 gives the national review no time of its own (line 23): it is due by the "
            "stage's response date, as are the signature and the return to the site."
        ),
        "sign_off.0.national_sign_off.roles": cite(
            "000", 25, "National Medical Director to sign off"
        ),
        "sign_off.0.national_sign_off.due": Chosen(
            "As the national review: the stage's response date."
        ),
        "sign_off.0.return_to_site.roles": HOHC_AND_REGION,
        "sign_off.0.return_to_site.due": Chosen(
            "As the national review: the stage's response date."
        ),
        "sign_off.1.documents.roles": cite(
            "000", 35, "HOHC to provide all necessary documentation"
        ),
        "sign_off.1.send_to_national.roles": cite(
            "000",
            39,
            "Regional Governance Manager to send these letters to National Complaints Reviewer",
        ),
        "sign_off.1.national_draft.roles": cite(
            "000", 44, "National Complaints Reviewer to draft a letter"
        ),
        "sign_off.1.national_sign_off.roles": cite(
            "000", 48, "signed by the National Medical Director"
        ),
        "sign_off.1.return_to_site.roles": cite(
            "000", 49, "emailed to Regional Governance Manager and Regional Manager"
        ),
        "sign_off.2.draft.roles": cite("000", 35, "stage 1 letter"),
    },
}
