"""An organisation's complaints policy as a validated data object.

Domain code asks the policy; it never hard-codes "25" or "3" (DESIGN.md, "Policy is data").
The five presets below are taken from the seeds in ../shared/seeds and the 2009 Regulations;
each rule cites where it comes from. An administrator starts from a preset and edits it in
the admin; `validate_policy` turns any mistake into a message that names the field.
"""

from __future__ import annotations

import copy
from enum import StrEnum
from typing import Annotated, Literal

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
    stages: Annotated[list[str], Field(min_length=1)]
    escalation: EscalationBody
    rights_paragraph: Annotated[str, Field(min_length=20)]
    roles: Annotated[list[str], Field(min_length=1)]

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
        return self

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
            if not where:
                # check_consistency has no location of its own; its messages start with the
                # field they are about, so report them as that field, not as "policy: grading:".
                field, sep, rest = message.partition(": ")
                if sep and field in Policy.model_fields:
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
        "stages": ["Local resolution", "Parliamentary and Health Service Ombudsman"],
        "escalation": PHSO,
        "rights_paragraph": PHSO_RIGHTS,
        "roles": ["Responsible Person", "Complaints Manager", "Investigating Officer"],
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
        "stages": ["Local resolution", "Parliamentary and Health Service Ombudsman"],
        "escalation": PHSO,
        "rights_paragraph": PHSO_RIGHTS,
        "roles": [
            "Office Manager",
            "Executive Manager",
            "Partner",
            "Investigating Officer",
            "Receptionist",
        ],
    },
    "commissioner": {
        "name": "Commissioner (Walsall CCG)",
        "source": "seed 002: concerns and complaints policy §9-§13; seed 003 reporting",
        # 002 §10.3.1: within 12 months of the matter or of discovering it.
        "time_limit": {"amount": 12, "unit": "calendar_months"},
        # 002 §10.5.1 I: acknowledged within three working days.
        "acknowledgement": {"amount": 3, "unit": WD},
        # 002 §10.4: a concern resolved by the end of the next working day.
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
        "stages": ["Local resolution", "Parliamentary and Health Service Ombudsman"],
        "escalation": PHSO,
        "rights_paragraph": PHSO_RIGHTS,
        "roles": [
            "Customer Care Officer",
            "Head of Governance",
            "Director",
            "Accountable Officer",
            "Investigating Officer",
        ],
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
        "stages": ["Local resolution", "Alternative dispute resolution"],
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
    },
    "national-provider": {
        "name": "National healthcare provider with regional and national tiers",
        "source": "seed 000: Stage 2 sign-off, vexatious route, high service users",
        "time_limit": {"amount": 12, "unit": "calendar_months"},
        "acknowledgement": {"amount": 3, "unit": WD},
        "informal_resolution": {"amount": 1, "unit": WD},
        "consent_chase": {"amount": 10, "unit": WD},
        # 000 Stage 2: documents to regional governance in 2-5 working days; national review
        # at 12-15 working days; the response follows national sign-off.
        "investigation": {"amount": 5, "unit": WD},
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
        "escalation": PHSO,
        "rights_paragraph": PHSO_RIGHTS,
        "roles": [
            "Head of Healthcare",
            "Regional Governance Manager",
            "Regional Medical Director",
            "Regional Operations Manager",
            "Regional Director",
            "National Complaints Reviewer",
            "National Medical Director",
            "Investigating Officer",
        ],
    },
}


def preset(name: str) -> dict:
    """A fresh copy of a preset's data, ready to edit and validate."""
    try:
        return copy.deepcopy(PRESETS[name])
    except KeyError:
        choices = ", ".join(sorted(PRESETS))
        raise PolicyError(f"preset: unknown preset {name!r}; choose one of {choices}") from None
