"""The questions of the public feedback form, page by page (the NHS.UK "question pages"
pattern), how each answer is checked, and how the answers become a NewCase.

Answers are kept exactly as typed (strings; a date as its three boxes) so that a page shown
again after an error, a back link or a change link shows what the person wrote. They are
checked again, all together, when the form is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from candour.cases.intake import NewCase
from candour.cases.models import AccessibleFormat, Channel, ConsentState, Kind, Relationship
from candour.cases.people import PersonDetails

Answers = dict[str, object]

LONG_TEXT = 8000  # characters in a long answer (what happened)
MEDIUM_TEXT = 2000
SHORT_TEXT = 200

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
TELEPHONE = re.compile(r"^\+?[0-9 ()-]{10,20}$")


class Invalid(ValueError):
    """An answer that cannot be used; the message says how to fix it (NHS.UK style)."""


@dataclass(frozen=True)
class Option:
    value: str
    text: str
    hint: str = ""
    reveals: str = ""  # the name of a field shown when this option is chosen


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    widget: str = "text"  # text, textarea, radios, date, email, tel
    required: str = ""  # the message when it is empty; "" for an optional question
    hint: str = ""
    max_length: int = SHORT_TEXT
    options: tuple[Option, ...] = ()
    autocomplete: str = ""
    width: str = ""  # nhsuk-input--width-N
    noun: str = ""  # "Description" in "Description must be 8,000 characters or fewer"

    def raw(self, post) -> object:
        if self.widget == "date":
            return {part: post.get(f"{self.name}-{part}", "").strip() for part in DATE_PARTS}
        return post.get(self.name, "").strip().replace("\r\n", "\n")

    def clean(self, raw) -> object:
        if self.widget == "date":
            return _clean_date(self, raw or {})
        value = (raw or "").strip()
        if not value:
            if self.required:
                raise Invalid(self.required)
            return ""
        if len(value) > self.max_length:
            raise Invalid(
                f"{self.noun or self.label} must be {self.max_length:,} characters or fewer"
            )
        if self.options and value not in {o.value for o in self.options}:
            raise Invalid(self.required or f"Select {self.label.lower()}")
        if self.widget == "email":
            try:
                validate_email(value)
            except ValidationError:
                raise Invalid(
                    "Enter an email address in the correct format, like name@example.com"
                ) from None
        if self.widget == "tel" and not TELEPHONE.match(value):
            raise Invalid(
                "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
            )
        if self.name == "postcode":
            value = " ".join(value.upper().split())
            if not POSTCODE.match(value):
                raise Invalid("Enter a full UK postcode, like LS1 4AP")
        return value

    def display(self, raw) -> str:
        """The answer as the check-your-answers page shows it."""
        if self.widget == "date":
            try:
                value = _clean_date(self, raw or {})
            except Invalid:
                return ""
            return f"{value.day} {value:%B %Y}" if value else ""
        for option in self.options:
            if option.value == raw:
                return option.text
        try:
            return str(self.clean(raw) or "")  # as it will be kept: LS1 4AP, not ls1 4ap
        except Invalid:
            return str(raw or "")


DATE_PARTS = ("day", "month", "year")


def _clean_date(f: Field, raw: dict) -> date | None:
    parts = {p: (raw.get(p) or "").strip() for p in DATE_PARTS}
    if not any(parts.values()):
        if f.required:
            raise Invalid(f.required)
        return None
    missing = [p for p in DATE_PARTS if not parts[p]]
    if missing:
        raise Invalid(f"{f.noun or f.label} must include a {' and a '.join(missing)}")
    try:
        value = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        raise Invalid(f"{f.noun or f.label} must be a real date, like 27 3 2025") from None
    if value.year < 1900:
        raise Invalid(f"{f.noun or f.label} must be after 1900")
    if value > timezone.localdate():
        raise Invalid(f"{f.noun or f.label} must be today or in the past")
    return value


def _always(answers: Answers) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    """One page of the form."""

    slug: str
    title: str | Callable[[Answers], str]
    fields: tuple[Field, ...]
    applies: Callable[[Answers], bool] = _always
    hint: str = ""
    # Checks across the page's fields: {field name: message}.
    check: Callable[[Answers], dict[str, str]] = field(default=lambda answers: {})

    def heading(self, answers: Answers) -> str:
        return self.title(answers) if callable(self.title) else self.title

    def visible_fields(self, answers: Answers) -> list[Field]:
        """The fields that count: not those under an option that is not chosen."""
        return [
            f for f in self.fields if f.name not in self.revealed_by or self._revealed(f, answers)
        ]

    def validate(self, answers: Answers) -> dict[str, str]:
        errors: dict[str, str] = {}
        for f in self.visible_fields(answers):
            try:
                f.clean(answers.get(f.name))
            except Invalid as error:
                errors[f.name] = str(error)
        for name, message in self.check(answers).items():
            errors.setdefault(name, message)
        return errors

    @property
    def revealed_by(self) -> dict[str, tuple[str, str]]:
        """{field: (radios field, option value)} for fields shown under an option."""
        return {o.reveals: (f.name, o.value) for f in self.fields for o in f.options if o.reveals}

    def _revealed(self, f: Field, answers: Answers) -> bool:
        radios, value = self.revealed_by[f.name]
        return answers.get(radios) == value


# --- the pages ----------------------------------------------------------------------------


def _kind(answers: Answers) -> str:
    return str(answers.get("kind") or "")


def _is_concern_or_complaint(answers: Answers) -> bool:
    return _kind(answers) in (Kind.COMPLAINT, Kind.CONCERN)


def _about_someone_else(answers: Answers) -> bool:
    return _is_concern_or_complaint(answers) and answers.get("about") == "someone_else"


def _gives_contact(answers: Answers) -> bool:
    return answers.get("contact_by") in ("email", "phone", "post")


def _when_check(answers: Answers) -> dict[str, str]:
    """The date they found out is not before the date it happened (reg 12(1))."""
    happened = learned = None
    try:
        if answers.get("when_known") == "date":
            happened = _clean_date(_EVENT_DATE, answers.get("event_date") or {})
        learned = _clean_date(_LEARNED_DATE, answers.get("learned_date") or {})
    except Invalid:
        return {}  # each date's own message is shown
    if happened and learned and learned < happened:
        return {
            "learned_date": "The date you found out must be the same as or after the date it "
            "happened"
        }
    return {}


def _what_title(answers: Answers) -> str:
    return {
        Kind.COMPLIMENT: "What would you like to tell us?",
        Kind.SUGGESTION: "What is your suggestion?",
    }.get(_kind(answers), "What happened?")


def _contact_check(answers: Answers) -> dict[str, str]:
    way = answers.get("contact_by")
    needed = {
        "email": {"email": "Enter your email address, or go back and choose another way"},
        "phone": {"telephone": "Enter your telephone number, or go back and choose another way"},
        "post": {
            "address": "Enter your address, or go back and choose another way",
            "postcode": "Enter your postcode",
        },
    }.get(str(way), {})
    return {name: message for name, message in needed.items() if not answers.get(name)}


RELATIONSHIPS = (
    Option(Relationship.PARENT_GUARDIAN, "I am their parent or guardian"),
    Option(Relationship.RELATIVE, "I am a relative"),
    Option(Relationship.CARER, "I am their carer"),
    Option(Relationship.FRIEND, "I am a friend"),
    Option(
        Relationship.ADVOCATE,
        "I am their advocate",
        "For example from an NHS complaints advocacy service",
    ),
    Option(Relationship.SOLICITOR, "I am their solicitor"),
    Option(Relationship.OTHER, "Something else", reveals="relationship_other"),
)

CONSENT_ANSWERS = (
    Option("agrees", "Yes, they agree"),
    Option("child", "They cannot agree because they are a child"),
    Option(
        "lacks_capacity",
        "They cannot agree because they are not able to make this decision",
        "For example because of dementia, a learning disability or being very unwell",
    ),
    Option("died", "They cannot agree because they have died"),
    Option("not_yet", "I have not asked them yet"),
)

STEPS: tuple[Step, ...] = (
    Step(
        "kind",
        "What would you like to do?",
        (
            Field(
                "kind",
                "What you would like to do",
                "radios",
                "Select what you would like to do",
                options=(
                    Option(
                        Kind.COMPLAINT,
                        "Make a complaint",
                        "Something went wrong and you want us to look into it and reply in writing",
                    ),
                    Option(
                        Kind.CONCERN,
                        "Raise a concern",
                        "Something you would like us to put right quickly, without a formal "
                        "complaint",
                    ),
                    Option(
                        Kind.COMPLIMENT, "Pay a compliment", "Tell us about care that went well"
                    ),
                    Option(Kind.SUGGESTION, "Make a suggestion", "An idea to improve our services"),
                ),
            ),
        ),
    ),
    Step(
        "about",
        "Who is this about?",
        (
            Field(
                "about",
                "Who it is about",
                "radios",
                "Select whether this is about you or someone else",
                options=(
                    Option("myself", "Myself"),
                    Option(
                        "someone_else",
                        "Someone else",
                        "For example your child, a relative or someone you care for",
                    ),
                ),
            ),
        ),
        applies=_is_concern_or_complaint,
    ),
    Step(
        "person",
        "About the person",
        (
            Field(
                "patient_first_name",
                "Their first name",
                required="Enter their first name",
                autocomplete="off",
                noun="First name",
            ),
            Field(
                "patient_last_name",
                "Their last name",
                required="Enter their last name",
                autocomplete="off",
                noun="Last name",
            ),
            Field(
                "patient_date_of_birth",
                "Their date of birth (optional)",
                "date",
                hint="For example, 15 3 1984",
                noun="Date of birth",
            ),
        ),
        applies=_about_someone_else,
        hint="The person the care was for.",
    ),
    Step(
        "relationship",
        "What is your relationship to them?",
        (
            Field(
                "relationship",
                "Your relationship to them",
                "radios",
                "Select your relationship to them",
                options=RELATIONSHIPS,
            ),
            Field(
                "relationship_other",
                "Tell us your relationship to them",
                required="Enter your relationship to them",
                noun="Relationship",
            ),
        ),
        applies=_about_someone_else,
    ),
    Step(
        "consent",
        "Do they agree to you acting for them?",
        (
            Field(
                "consent",
                "Whether they agree",
                "radios",
                "Select whether they agree to you acting for them",
                options=CONSENT_ANSWERS,
            ),
        ),
        applies=_about_someone_else,
        hint=(
            "We need their permission to look at their care and to share what we find with "
            "you. If they can agree, we will send them a consent form to sign. If they cannot, "
            "we will talk to you about it."
        ),
    ),
    Step(
        "what",
        _what_title,
        (
            Field(
                "description",
                "Tell us in your own words",
                "textarea",
                "Enter what you would like to tell us",
                hint="Include what happened, how it affected you, and anything you have already "
                "done about it.",
                max_length=LONG_TEXT,
                noun="Your answer",
            ),
        ),
    ),
    Step(
        "when",
        "When did it happen?",
        (
            Field(
                "when_known",
                "When it happened",
                "radios",
                "Select whether you know when it happened",
                hint="If it happened over a period of time, tell us when it started.",
                options=(
                    Option("date", "I know the date, or roughly when", reveals="event_date"),
                    Option("not_sure", "I'm not sure"),
                ),
            ),
            Field(
                "event_date",
                "Date it happened",
                "date",
                "Enter the date it happened",
                hint="For example, 27 3 2025. If you do not know the day, enter 1.",
                noun="The date it happened",
            ),
            Field(
                "learned_date",
                "If you found out about it later, when did you find out? (optional)",
                "date",
                hint="Complaints are usually made within 12 months of when something happened, "
                "or of when you found out about it. For example, 27 3 2025.",
                noun="The date you found out",
            ),
        ),
        applies=lambda answers: _kind(answers) != Kind.SUGGESTION,
        check=_when_check,
    ),
    Step(
        "where",
        "Where did it happen and who was involved?",
        (
            Field(
                "service",
                "Which service, place or department (optional)",
                hint="For example, the surgery on High Street, or the children's ward",
                noun="Service",
            ),
            Field(
                "staff_involved",
                "Who was involved (optional)",
                "textarea",
                hint="Names or job titles of staff, if you know them",
                max_length=MEDIUM_TEXT,
                noun="Who was involved",
            ),
        ),
        applies=lambda answers: _kind(answers) != Kind.SUGGESTION,
    ),
    Step(
        "outcome",
        "What would you like to happen?",
        (
            Field(
                "desired_outcome",
                "What would you like to happen (optional)",
                "textarea",
                hint="For example, an explanation, an apology, or a change so that it does not "
                "happen to anyone else.",
                max_length=MEDIUM_TEXT,
                noun="Your answer",
            ),
        ),
        applies=_is_concern_or_complaint,
    ),
    Step(
        "contact",
        "How should we contact you?",
        (
            Field(
                "contact_by",
                "How we should contact you",
                "radios",
                "Select how we should contact you, or that you do not want to give your details",
                options=(
                    Option("email", "By email"),
                    Option("phone", "By telephone"),
                    Option("post", "By post"),
                    Option(
                        "none",
                        "I do not want to give my details",
                        "We will not be able to reply to you or tell you what we found. "
                        "Without your details it can be hard for us to look into a complaint.",
                    ),
                ),
            ),
        ),
    ),
    Step(
        "details",
        "Your details",
        (
            Field(
                "first_name",
                "First name",
                required="Enter your first name",
                autocomplete="given-name",
            ),
            Field(
                "last_name",
                "Last name",
                required="Enter your last name",
                autocomplete="family-name",
            ),
            Field(
                "email",
                "Email address",
                "email",
                hint="Needed if you chose email",
                autocomplete="email",
                noun="Email address",
            ),
            Field(
                "telephone",
                "Telephone number",
                "tel",
                hint="Needed if you chose telephone",
                autocomplete="tel",
                width="nhsuk-input--width-20",
                noun="Telephone number",
                max_length=30,
            ),
            Field(
                "address",
                "Address",
                "textarea",
                hint="Needed if you chose post",
                autocomplete="street-address",
                max_length=500,
                noun="Address",
            ),
            Field(
                "postcode",
                "Postcode",
                autocomplete="postal-code",
                width="nhsuk-input--width-10",
                max_length=10,
                noun="Postcode",
            ),
        ),
        applies=_gives_contact,
        check=_contact_check,
    ),
    Step(
        "needs",
        "Help communicating with us",
        (
            Field(
                "accessible_format",
                "Do you need our letters in another format?",
                "radios",
                "Select a format, or No",
                options=(
                    Option("none", "No"),
                    Option(AccessibleFormat.LARGE_PRINT, "Large print"),
                    Option(AccessibleFormat.EASY_READ, "Easy read"),
                    Option(AccessibleFormat.BRAILLE, "Braille"),
                    Option(AccessibleFormat.AUDIO, "Audio"),
                    Option(AccessibleFormat.BSL, "British Sign Language"),
                ),
            ),
            Field(
                "language",
                "If you need an interpreter, which language? (optional)",
                hint="Including British Sign Language",
                max_length=60,
                width="nhsuk-input--width-20",
                noun="Language",
            ),
        ),
        applies=_gives_contact,
    ),
)

# The "when" page's two dates, for its check across them (_when_check).
_WHEN_FIELDS = {f.name: f for step in STEPS if step.slug == "when" for f in step.fields}
_EVENT_DATE, _LEARNED_DATE = _WHEN_FIELDS["event_date"], _WHEN_FIELDS["learned_date"]

BY_SLUG = {step.slug: step for step in STEPS}


def applicable(answers: Answers) -> list[Step]:
    return [step for step in STEPS if step.applies(answers)]


def first_unfinished(answers: Answers, done: set[str]) -> Step | None:
    """The first page that applies and is not answered well yet."""
    for step in applicable(answers):
        if step.slug not in done or step.validate(answers):
            return step
    return None


def after(step: Step, answers: Answers) -> Step | None:
    steps = applicable(answers)
    later = steps[[s.slug for s in steps].index(step.slug) + 1 :] if step in steps else steps
    return later[0] if later else None


def before(step: Step, answers: Answers) -> Step | None:
    steps = applicable(answers)
    if step not in steps:
        return None
    index = steps.index(step)
    return steps[index - 1] if index else None


# --- from answers to a case ---------------------------------------------------------------

CONSENT_NOTES = {
    "agrees": "The sender says the patient agrees; the patient's consent is still to be confirmed.",
    "child": "The sender says the patient is a child and cannot agree.",
    "lacks_capacity": "The sender says the patient is not able to make this decision.",
    "died": "The sender says the patient has died.",
    "not_yet": "The sender has not yet asked the patient.",
}


def _clean(answers: Answers) -> dict[str, object]:
    values: dict[str, object] = {}
    for step in applicable(answers):
        for f in step.visible_fields(answers):
            values[f.name] = f.clean(answers.get(f.name))
    return values


def to_new_case(answers: Answers, received_at: datetime) -> NewCase:
    """The answers as what intake knows (checked again first: raises Invalid)."""
    v = _clean(answers)
    kind = str(v["kind"])
    complainant = None
    if _gives_contact(answers):
        language = str(v.get("language") or "")
        complainant = PersonDetails(
            first_name=str(v["first_name"]),
            last_name=str(v["last_name"]),
            email=str(v.get("email") or ""),
            telephone=str(v.get("telephone") or ""),
            address=str(v.get("address") or ""),
            postcode=str(v.get("postcode") or ""),
            preferred_channel=str(v["contact_by"]),  # email, phone, post: ContactChannel values
            accessible_format=str(v.get("accessible_format") or "").replace("none", ""),
            language=language,
            interpreter_needed=bool(language),
        )
    new = NewCase(
        kind=kind,
        channel=Channel.WEB_FORM,
        received_at=received_at,
        description=str(v["description"]),
        complainant=complainant,
        anonymous=complainant is None,
        event_date=v.get("event_date") if v.get("when_known") == "date" else None,
        learned_date=v.get("learned_date") or None,
        service=str(v.get("service") or ""),
        staff_involved=str(v.get("staff_involved") or ""),
        desired_outcome=str(v.get("desired_outcome") or ""),
    )
    if _about_someone_else(answers):
        consent = str(v["consent"])
        new.patient = PersonDetails(
            first_name=str(v["patient_first_name"]),
            last_name=str(v["patient_last_name"]),
            date_of_birth=v.get("patient_date_of_birth") or None,
            deceased=consent == "died",
        )
        chosen = Relationship(str(v["relationship"]))
        detail = str(v.get("relationship_other") or "") if chosen == Relationship.OTHER else ""
        # R11: the domain names a representative of a patient who lacks capacity or has died
        # by that; the family tie they gave is kept as the detail.
        new.relationship = {
            "lacks_capacity": Relationship.LACKS_CAPACITY,
            "died": Relationship.BEREAVED,
        }.get(consent, chosen)
        if new.relationship != chosen:
            detail = detail or chosen.label
        new.relationship_detail = detail
        if complainant is not None:
            # 002 §9.2-9.3: explicit consent, or staff judge whether the representative is
            # appropriate; either way it is needed and staff take it from here.
            new.consent_state = ConsentState.NEEDED
            new.consent_note = CONSENT_NOTES[consent]
    return new
