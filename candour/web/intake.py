"""Recording feedback from a call or a visit, following the practice's contact record sheet
(seed 001 Appendix B; R3), with the urgent clinical need question first (R4); and the quick
path for a compliment or a concern resolved on the spot (R6).

The forms turn what was typed into a NewCase and call candour.cases.intake; the domain's
InvalidCase names the field, which is the form field's name (complainant.nhs_number …).
"""

from __future__ import annotations

from candour.cases import handling, intake
from candour.cases.intake import NewCase
from candour.cases.models import (
    AccessibleFormat,
    Case,
    Channel,
    ContactChannel,
    Kind,
    Relationship,
)
from candour.cases.people import PersonDetails
from candour.cases.workflow import TransitionNotAllowed
from candour.config.transactions import atomic
from candour.organisations.access import organisations_for
from candour.organisations.models import Capability, Organisation
from candour.web.forms import Field, Form, now_local

YES_NO = [("yes", "Yes"), ("no", "No")]
# Where the domain names a whole person, the message goes beside their first name.
ALIASES = {"complainant": "complainant.first_name", "patient": "patient.first_name"}


def organisations(user) -> list[Organisation]:
    """Where the user may record cases."""
    return list(organisations_for(user, Capability.HANDLE_CASES).order_by("name"))


def _organisation_choices(user, **_):
    return [(str(o.pk), o.name) for o in organisations(user)]


def _grades(organisation: Organisation | None = None, **_):
    """The policy's grading matrix with its guidance beside each level (R15)."""
    if organisation is None:
        return []
    return [("", "Not graded yet", "Grade it later from the case page.")] + [
        (str(g.level), f"{g.level}: {g.name}", f"{g.description} Handling: {g.handling}")
        for g in organisation.policy.grading
    ]


def person_fields(who: str, called: str, *, preferences: bool) -> list[Field]:
    """A person's fields, named `who.name` (or `name` alone when `who` is empty)."""

    def f(name, label, kind="text", **kw):
        field = f"{who}.{name}" if who else name
        return Field(field, label, kind, short=f"{called} {label.lower()}", **kw)

    fields = [
        f("title", "Title", width="4", max_length=20, hint="For example Mr, Mrs, Ms or Dr."),
        f("first_name", "First name", max_length=200),
        f("last_name", "Surname", max_length=200),
        f("address", "Address", "textarea"),
        f("postcode", "Postcode", width="10", max_length=10),
        f("telephone", "Phone number", "tel", width="20", max_length=30),
        f("email", "Email address", "email", max_length=254),
        f("date_of_birth", "Date of birth", "date"),
        f("nhs_number", "NHS number", width="10", max_length=20, hint="10 digits."),
    ]
    if preferences:  # R9
        fields += [
            f(
                "preferred_channel",
                "How would they like us to contact them?",
                "radios",
                choices=[("", "No preference"), *ContactChannel.choices],
            ),
            f("language", "Language, if not English", max_length=60),
            f("interpreter_needed", "They need an interpreter", "checkbox"),
            f(
                "accessible_format",
                "Accessible format",
                "select",
                choices=[c for c in AccessibleFormat.choices if c[0]],
            ),
            f("times_to_avoid", "Times to avoid", max_length=200),
        ]
    return fields


URGENT = [
    Field(
        "urgent_clinical_need",
        "Does the patient have an urgent clinical need?",
        "radios",
        choices=YES_NO,
        hint="Ask this first. The patient's immediate medical needs come before the complaint.",
        default="no",
    ),
    Field(
        "urgent_clinical_note",
        "If yes: what is the need and what has been done about it?",
        "textarea",
        short="Urgent clinical note",
    ),
]
ORGANISATION = Field(
    "organisation", "Organisation", "select", choices=_organisation_choices, short="Organisation"
)
CONTACT = [
    Field("kind", "What kind of feedback is it?", "radios", choices=Kind.choices, short="Kind"),
    Field("channel", "How did it arrive?", "select", choices=Channel.choices, short="Channel"),
    Field(
        "received_at",
        "When did it arrive?",
        "datetime",
        default=now_local,
        needed=True,
        short="Time of receipt",
    ),
]
CALLER = [
    *person_fields("complainant", "The caller's", preferences=True),
    Field("anonymous", "The caller wants to stay anonymous", "checkbox"),
    Field(
        "confidential",
        "The caller asks that their identity be kept confidential",
        "checkbox",
    ),
]
PATIENT = [
    Field(
        "relationship",
        "If the caller is not the patient, their relationship to the patient",
        "select",
        choices=Relationship.choices,
        default=Relationship.SELF,
        short="Relationship",
    ),
    Field("relationship_detail", "Relationship, in their words", max_length=200),
    *person_fields("patient", "The patient's", preferences=False),
]
# R7, reg 12(1), 002 §10.3.1: the time limit runs from the later of the two dates.
LEARNED = Field(
    "learned_date",
    "When did they learn of it, if later?",
    "date",
    hint="Only if they found out after it happened: the time limit runs from the later date.",
    short="Date they learned of it",
)
DETAILS = [
    Field("service", "Service involved", max_length=200),
    Field("staff_involved", "Staff involved", "textarea"),
    Field("event_date", "When did it happen?", "date", short="Date it happened"),
    LEARNED,
    Field("description", "Details", "textarea", short="Details"),
    Field("action_taken", "Action taken", "textarea"),
    Field("desired_outcome", "What outcome do they want?", "textarea", short="Outcome wanted"),
    Field(
        "issues",
        "Issues the response must answer",
        "textarea",
        hint="Put each issue on a line of its own.",
        short="Issues",
    ),
]
HANDLING = [
    Field("level", "Level", "radios", choices=_grades, short="Level"),
    Field("call_handler", "Call handler", max_length=200),
    Field("passed_on_to", "Passed on to", max_length=200, hint="Leave empty if not passed on."),
    Field("passed_on_at", "When was it passed on?", "datetime", short="Passed on"),
]
SECTIONS = [
    ("Urgent clinical need", URGENT),
    ("The contact", [ORGANISATION, *CONTACT]),
    ("The caller", CALLER),
    ("The patient, if different", PATIENT),
    ("What it is about", DETAILS),
    ("Grading and handling", HANDLING),
]
FIELDS = [f for _, fields in SECTIONS for f in fields]


def _details(data: dict, who: str) -> PersonDetails | None:
    prefix = f"{who}."
    values = {k[len(prefix) :]: v for k, v in data.items() if k.startswith(prefix)}
    if not any(v for v in values.values()):
        return None
    return PersonDetails(**values)


def new_case(data: dict) -> NewCase:
    return NewCase(
        kind=data["kind"],
        channel=data["channel"],
        received_at=data["received_at"],
        description=data["description"],
        complainant=_details(data, "complainant"),
        patient=_details(data, "patient"),
        relationship=data["relationship"] or Relationship.SELF,
        relationship_detail=data["relationship_detail"],
        event_date=data["event_date"],
        learned_date=data["learned_date"],
        desired_outcome=data["desired_outcome"],
        service=data["service"],
        staff_involved=data["staff_involved"],
        action_taken=data["action_taken"],
        call_handler=data["call_handler"],
        passed_on_to=data["passed_on_to"],
        passed_on_at=data["passed_on_at"],
        urgent_clinical_need=data["urgent_clinical_need"] == "yes",
        urgent_clinical_note=data["urgent_clinical_note"],
        anonymous=data["anonymous"],
        confidential=data["confidential"],
        issues=[line for line in data["issues"].splitlines() if line.strip()],
    )


def chosen_organisation(form: Form, user) -> Organisation | None:
    """The organisation chosen in the form, if it is one where the user records cases."""
    raw = form.values.get("organisation", "")
    return next((o for o in organisations(user) if str(o.pk) == raw), None)


@atomic
def record(form: Form, user) -> Case:
    """Record the feedback (and its grade, if one was chosen) in one transaction: a refused
    grade leaves nothing recorded. A compliment is recorded and closed."""
    organisation = chosen_organisation(form, user)
    if organisation is None:
        raise intake.InvalidCase("organisation", "is not chosen; choose one from the list")
    new = new_case(form.data)
    record_it = intake.record_compliment if new.kind == Kind.COMPLIMENT else intake.record_case
    case = record_it(organisation, new, by=user)
    if form.data["level"]:
        try:
            case = handling.grade_case(case, by=user, level=form.data["level"])
        except TransitionNotAllowed as error:  # this kind is not graded; nothing is kept
            raise intake.InvalidCase("level", f"cannot be given: {error}") from None
    return case


# --- the quick path (R6) -------------------------------------------------------------------

QUICK_KINDS = [
    ("compliment", "A compliment", "Recorded and closed at once."),
    ("concern", "A concern resolved on the spot", "Recorded, then closed as resolved."),
]
QUICK = [
    ORGANISATION,
    Field("kind", "What is it?", "radios", choices=QUICK_KINDS, short="Kind"),
    Field("channel", "How did it arrive?", "select", choices=Channel.choices, short="Channel"),
    Field("description", "What did they say?", "textarea", short="Details"),
    Field(
        "resolution",
        "For a concern: how was it resolved?",
        "textarea",
        short="Resolution",
    ),
    Field("complainant.first_name", "Their first name", max_length=200, short="First name"),
    Field("complainant.last_name", "Their surname", max_length=200, short="Surname"),
    Field("complainant.telephone", "Phone number", "tel", max_length=30, short="Phone number"),
    Field("anonymous", "They did not give their name", "checkbox"),
]


@atomic
def record_quickly(form: Form, user, now) -> Case:
    """A compliment, or a concern recorded and resolved informally, in one transaction."""
    organisation = chosen_organisation(form, user)
    if organisation is None:
        raise intake.InvalidCase("organisation", "is not chosen; choose one from the list")
    data = form.data
    if data["kind"] not in ("compliment", "concern"):
        raise intake.InvalidCase("kind", "must be a compliment or a concern resolved on the spot")
    new = NewCase(
        kind=data["kind"],
        channel=data["channel"],
        received_at=now,
        description=data["description"],
        complainant=_details(data, "complainant"),
        anonymous=data["anonymous"],
    )
    if new.kind == Kind.COMPLIMENT:
        return intake.record_compliment(organisation, new, by=user)
    case = intake.record_case(organisation, new, by=user)
    return intake.resolve_informally(case, by=user, resolution=data["resolution"])
