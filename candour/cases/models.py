"""The case file: a case, its people, issues and pauses.

Rules do not live here. State changes are functions in the domain modules beside this one
(intake, workflow, consent, deadlines); these classes only say what is stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from candour.organisations.models import Organisation


class Kind(models.TextChoices):
    """R1: every kind of feedback, each counted on its own in reports."""

    COMPLAINT = "complaint", "Formal complaint"
    CONCERN = "concern", "Concern"
    COMPLIMENT = "compliment", "Compliment"
    COMMENT = "comment", "Comment"
    SUGGESTION = "suggestion", "Suggestion"
    ENQUIRY = "enquiry", "General enquiry"
    MP_ENQUIRY = "mp_enquiry", "MP enquiry"
    INBOX_ENQUIRY = "inbox_enquiry", "Inbox enquiry"


class Channel(models.TextChoices):
    """R2: how it arrived."""

    PHONE = "phone", "Telephone"
    IN_PERSON = "in_person", "In person"
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    WEB_FORM = "web_form", "Web form"
    VIA_MP = "via_mp", "Via an MP"
    VIA_ADVOCATE = "via_advocate", "Via an advocate"
    PROVIDER = "provider", "Copied in by or about a provider"
    # R32: a complaint a commissioner in Candour forwarded to this provider to answer directly.
    VIA_COMMISSIONER = "via_commissioner", "Forwarded by the commissioner"


VERBAL_CHANNELS = frozenset({Channel.PHONE, Channel.IN_PERSON})


class Status(models.TextChoices):
    RECEIVED = "received", "Received, awaiting acknowledgement"
    OPEN = "open", "Open"
    PAUSED = "paused", "Paused"
    RESPONDED = "responded", "Response sent"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The statuses of a case still being worked (the worklist's open queues).
OPEN_STATUSES = (Status.RECEIVED, Status.OPEN, Status.PAUSED)

# The columns of the reports' index on cases (Case.Meta.indexes): an organisation's cases by
# when they were received, with what the annual report, the KO41 return and the periodic
# reports count of them (the acknowledgement's stored verdict, how and when the current stage
# ended), and the id last, which PostgreSQL's indexes do not otherwise hold (the counts join
# the coding by it). What was answered is counted from the stage responses (StageResponse),
# which have their own index.
REPORTED_BY_RECEIPT = (
    "organisation",
    "received_at",
    "kind",
    "forwarded_to_provider_at",
    "provider_name",
    "acknowledged_at",
    "acknowledge_met",
    "status",
    "responded_at",
    "withdrawn_at",
    "closed_at",
    "response_due",
    "id",
)
# The columns of the stage responses' index: an organisation's responses by when they were
# sent, with everything the reports group them by (ADR 0018).
REPORTED_RESPONSES = (
    "organisation",
    "responded_at",
    "kind",
    "outcome",
    "met",
    "extensions",
    "started_at",
    "case",
    "id",
)


class ConsentState(models.TextChoices):
    """R12: consent for the organisation to act on the patient's information."""

    NOT_NEEDED = "not_needed", "Not needed"
    NEEDED = "needed", "Needed, not yet requested"
    REQUESTED = "requested", "Requested"
    RECEIVED = "received", "Received"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"
    OVERRIDDEN = "overridden", "Not obtained; override recorded"


CONSENT_SATISFIED = frozenset(
    {ConsentState.NOT_NEEDED, ConsentState.RECEIVED, ConsentState.OVERRIDDEN}
)


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", "Signed form or letter"
    EMAIL = "email", "Email"
    VERBAL = "verbal", "Verbally, recorded by staff"
    VIA_MP = "via_mp", "Given to the MP"


class ShareConsent(models.TextChoices):
    """R12, R32 (003 §3.7): the complainant's own consent to pass the complaint to the
    provider it is about, how it was given, or that it is not needed (with the reason)."""

    WRITTEN = "written", "Signed form or letter"
    EMAIL = "email", "Email"
    VERBAL = "verbal", "Verbally, recorded by staff"
    NOT_NEEDED = "not_needed", "Not needed (reason recorded)"


class Outcome(models.TextChoices):
    """R22: the overall outcome of a case."""

    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"
    WITHDRAWN = "withdrawn", "Withdrawn"
    RESOLVED_INFORMALLY = "resolved_informally", "Resolved informally"
    DECLINED = "declined", "Declined (out of time or excluded)"
    RECORDED = "recorded", "Recorded (no response needed)"
    FORWARDED = "forwarded", "Forwarded to the provider for a direct response"


FINDING_OUTCOMES = (Outcome.UPHELD, Outcome.PARTLY_UPHELD, Outcome.NOT_UPHELD)


class Finding(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"


class LateDecision(models.TextChoices):
    """R7: a complaint made after the time limit needs a recorded decision."""

    ACCEPTED = "accepted", "Accepted: good reason and still possible to investigate fairly"
    DECLINED = "declined", "Declined"


class PauseReason(models.TextChoices):
    """R23: processes that can pause a case (002 §13.3, §13.4)."""

    POLICE = "police", "Police investigation"
    LEGAL = "legal", "Legal proceedings"
    DISCIPLINARY = "disciplinary", "Disciplinary process"
    CORONER = "coroner", "Coroner's inquest"
    COMPLAINANT = "complainant", "At the complainant's request"
    OTHER = "other", "Other"


class AckMethod(models.TextChoices):
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    PHONE = "phone", "Telephone"
    IN_PERSON = "in_person", "In person"


class Case(models.Model):
    # No index of its own: every case index but two begins with the organisation.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    reference = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(help_text="Exact date and time of receipt (R2).")
    recorded_at = models.DateTimeField()
    # No index: no query looks cases up by who recorded them, and staff are made inactive,
    # never deleted (the audit trail names them too).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # What it is about (R3).
    event_date = models.DateField(null=True, blank=True, help_text="When the matter happened.")
    learned_date = models.DateField(
        null=True,
        blank=True,
        help_text="When the complainant learned of the matter, if later (reg 12(1); 002 "
        "§10.3.1 'or of discovering'): the time limit runs from the later of the two.",
    )
    description = models.TextField()
    summary = models.TextField(blank=True, help_text="Typed summary of a verbal complaint (R5).")
    desired_outcome = models.TextField(blank=True)
    service = models.CharField(max_length=200, blank=True)
    staff_involved = models.TextField(blank=True)
    action_taken = models.TextField(blank=True)
    call_handler = models.CharField(max_length=200, blank=True)
    passed_on_to = models.CharField(max_length=200, blank=True)
    passed_on_at = models.DateTimeField(null=True, blank=True)
    urgent_clinical_need = models.BooleanField(default=False)
    urgent_clinical_note = models.TextField(blank=True)
    anonymous = models.BooleanField(default=False)
    confidential = models.BooleanField(default=False)
    grade = models.PositiveSmallIntegerField(null=True, blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    stage = models.PositiveSmallIntegerField(default=1)
    stage_started_at = models.DateTimeField()
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Consent (R12, R13) and the typed summary (R5).
    consent_state = models.CharField(
        max_length=20, choices=ConsentState.choices, default=ConsentState.NOT_NEEDED
    )
    consent_requested_at = models.DateTimeField(null=True, blank=True)
    consent_received_at = models.DateTimeField(null=True, blank=True)
    consent_method = models.CharField(max_length=20, choices=ConsentMethod.choices, blank=True)
    consent_note = models.TextField(blank=True)
    representative_on_hold = models.BooleanField(
        default=False, help_text="R13: correspondence to the representative stopped."
    )
    representative_withdrawn_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="R13 (002 §9.5): when the patient said the representative should no longer "
        "act for them; the consent and the clocks are unchanged.",
    )
    summary_required = models.BooleanField(default=False)
    summary_approved_at = models.DateTimeField(null=True, blank=True)

    # Time limit for making a complaint (R7).
    out_of_time = models.BooleanField(default=False)
    late_decision = models.CharField(max_length=20, choices=LateDecision.choices, blank=True)
    late_decision_reason = models.TextField(blank=True)

    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_method = models.CharField(max_length=20, choices=AckMethod.choices, blank=True)
    agreed_response_date = models.DateField(null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    last_update_at = models.DateTimeField(null=True, blank=True)
    six_month_letter_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="R20: when a holding letter first told the complainant that the response "
        "comes after the six-month point, and when (deadlines.tells_of_delay_past_six_months).",
    )
    external_notification_identified_at = models.DateTimeField(null=True, blank=True)
    external_notification_body = models.CharField(max_length=200, blank=True)
    external_notified_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    outcome_summary = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    continued_after_withdrawal = models.TextField(blank=True)
    # R32: the provider the feedback is about and, for a complaint a commissioner forwarded
    # with consent for the provider to answer directly, when it went ("provider-led").
    provider_name = models.CharField(max_length=200, blank=True)
    forwarded_to_provider_at = models.DateTimeField(null=True, blank=True)
    # The provider when it is an organisation in Candour: the forwarded complaint is then a
    # case of its own there (`forwarded_from` on that case points back here).
    provider_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # case_provider_organisation: only the few cases forwarded
    )
    forwarded_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="forwarded_case",
        help_text="R32: the commissioner's case this complaint was forwarded from.",
    )
    # R12, R32: the complainant's consent to share the complaint with the provider.
    share_consent = models.CharField(max_length=20, choices=ShareConsent.choices, blank=True)
    share_consent_at = models.DateTimeField(null=True, blank=True)
    share_consent_note = models.TextField(blank=True)

    # Deadlines kept on the row for sorting and worklists; deadlines.refresh() owns them.
    acknowledge_due = models.DateField(null=True, blank=True)
    response_due = models.DateField(null=True, blank=True)
    next_due = models.DateField(null=True, blank=True)
    # The verdicts of the deadline engine, stored when the thing is done (ADR 0018): every
    # report counts these, so that a report and the case page never disagree. None until the
    # acknowledgement, or this stage's response, is done. deadlines.refresh() owns them.
    acknowledge_met = models.BooleanField(null=True, blank=True)
    response_met = models.BooleanField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "response_due", "id"], name="case_org_response_due"
            ),
            models.Index(fields=["response_due", "id"], name="case_response_due"),
            # The worklist's "next due" sort and its due-soon and overdue queues.
            models.Index(fields=["organisation", "next_due", "id"], name="case_org_next_due"),
            models.Index(fields=["next_due", "id"], name="case_next_due"),
            # The open queues in date order: open cases are a few in a hundred, and their
            # dates are the latest, so a walk of the whole index would first pass every
            # closed case (docs/performance.md, "Worklist and search").
            models.Index(
                fields=["organisation", "response_due", "id"],
                name="case_open_org_response_due",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["organisation", "next_due", "id"],
                name="case_open_org_next_due",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # The worklist's queue and filter counts (listing.queue_counts, facet_counts) read
            # only this index: every column they test or group by, over the open cases alone.
            # The filters' counts group by its first six columns in this order, so SQLite
            # reads the groups in the index's order instead of sorting every open case. The
            # id is for PostgreSQL, whose indexes hold no row id: with it the queues that
            # test a case's id ("Awaiting sign-off") are answered from the index too.
            models.Index(
                fields=[
                    "organisation",
                    "status",
                    "kind",
                    "stage",
                    "grade",
                    "service",
                    "consent_state",
                    "next_due",
                    "handler",
                    "investigator",
                    "id",
                ],
                name="case_open_counts",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # The worklist's "by reference" order within an organisation.
            models.Index(fields=["organisation", "reference", "id"], name="case_org_reference"),
            models.Index(fields=["organisation", "status"], name="case_org_status"),
            # Reports count what was received in a period (candour.reporting): the index holds
            # every column those counts read, so they are answered from the index rather than
            # by reading each case's row (a site's annual report and KO41 return at 1,000,000
            # cases on SQLite: about a third quicker). It also serves the worklist's walks by
            # date received. What was answered is counted from StageResponse's own index.
            models.Index(fields=[*REPORTED_BY_RECEIPT], name="case_org_received"),
            # The commissioner's cases forwarded to a provider in Candour: a few in a hundred.
            models.Index(
                fields=["provider_organisation"],
                name="case_provider_organisation",
                condition=models.Q(provider_organisation__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in (Status.RECEIVED, Status.OPEN, Status.PAUSED)

    @property
    def consent_satisfied(self) -> bool:
        return self.consent_state in CONSENT_SATISFIED


class CaseSequence(models.Model):
    """The last reference number given per organisation and year (references never repeat)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="case_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.last_number}"


class ContactChannel(models.TextChoices):
    POST = "post", "Post"
    EMAIL = "email", "Email"
    PHONE = "phone", "Telephone"
    TEXT = "text", "Text message"
    IN_PERSON = "in_person", "In person"


class AccessibleFormat(models.TextChoices):
    NONE = "", "None"
    LARGE_PRINT = "large_print", "Large print"
    BRAILLE = "braille", "Braille"
    EASY_READ = "easy_read", "Easy read"
    AUDIO = "audio", "Audio"
    BSL = "bsl", "British Sign Language"


class Person(models.Model):
    """A complainant, patient or representative, held by one organisation."""

    # No index of its own: person_org_last_name begins with it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="people", db_index=False
    )
    title = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=200, blank=True)
    last_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    telephone = models.CharField(max_length=30, blank=True)
    mobile = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True)
    deceased = models.BooleanField(default=False)
    # Communication preferences (R9).
    preferred_channel = models.CharField(max_length=20, choices=ContactChannel.choices, blank=True)
    language = models.CharField(max_length=60, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    accessible_format = models.CharField(
        max_length=20, choices=AccessibleFormat.choices, blank=True
    )
    times_to_avoid = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "last_name"], name="person_org_last_name"),
            # Search (candour.cases.listing.search): names by prefix, whatever their case;
            # NHS number, date of birth and postcode exactly.
            models.Index(Lower("last_name"), name="person_lower_last_name"),
            models.Index(Lower("first_name"), name="person_lower_first_name"),
            models.Index(fields=["nhs_number"], name="person_nhs_number"),
            models.Index(fields=["date_of_birth"], name="person_date_of_birth"),
            models.Index(fields=["postcode"], name="person_postcode"),
        ]

    def __str__(self) -> str:
        return self.full_name or "Unnamed person"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)


class PartyRole(models.TextChoices):
    COMPLAINANT = "complainant", "Complainant"
    PATIENT = "patient", "Patient"
    REPRESENTATIVE = "representative", "Representative"


class Relationship(models.TextChoices):
    """R11: how a representative or complainant relates to the patient."""

    SELF = "self", "The patient"
    PARENT_GUARDIAN = "parent_guardian", "Parent or guardian of a child"
    LOCAL_AUTHORITY = "local_authority", "Local authority (child in care)"
    RELATIVE = "relative", "Relative"
    CARER = "carer", "Carer"
    LACKS_CAPACITY = "lacks_capacity", "Acting for a patient who lacks capacity"
    BEREAVED = "bereaved", "Representative of a patient who has died"
    ADVOCATE = "advocate", "Advocate"
    MP = "mp", "Member of Parliament"
    FRIEND = "friend", "Friend"
    SOLICITOR = "solicitor", "Solicitor"
    OTHER = "other", "Other"


class CaseParty(models.Model):
    # No index of its own: case_party_unique (case, role, person) begins with it.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="case_parties")
    role = models.CharField(max_length=20, choices=PartyRole.choices)
    relationship = models.CharField(max_length=20, choices=Relationship.choices, default="self")
    relationship_detail = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "role", "person"], name="case_party_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.person}"


class Issue(models.Model):
    """R18: each issue raised is tracked and answered separately (R22)."""

    # No index of its own: issue_number_unique (case, number) begins with it.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="issues", db_index=False)
    number = models.PositiveSmallIntegerField()
    stage = models.PositiveSmallIntegerField(default=1)
    description = models.TextField()
    desired_outcome = models.TextField(blank=True)
    finding = models.CharField(max_length=20, choices=Finding.choices, blank=True)
    finding_summary = models.TextField(blank=True)
    found_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="issue_number_unique")
        ]

    def __str__(self) -> str:
        return f"Issue {self.number}"


class Pause(models.Model):
    """R23: a period when the case is paused; paused time does not count."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=20, choices=PauseReason.choices)
    detail = models.TextField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"Paused for {self.get_reason_display().lower()} from {self.started_at:%d %b %Y}"


class ContactMethod(models.TextChoices):
    """How a contact with the complainant (or anyone about the case) happened. The keys it
    shares with ContactChannel mean the same; ContactChannel is how a person may be written
    to or called, which a meeting or a video call is not."""

    PHONE = "phone", "Telephone"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    MEETING = "meeting", "Meeting"
    VIDEO_CALL = "video_call", "Video call"
    IN_PERSON = "in_person", "In person"
    TEXT = "text", "Text message"
    OTHER = "other", "Other"


class ContactDirection(models.TextChoices):
    FROM_COMPLAINANT = "from_complainant", "From the complainant"
    TO_COMPLAINANT = "to_complainant", "To the complainant"
    OTHER = "other", "Other (a meeting, or someone else)"


class ContactEntry(models.Model):
    """One entry of a case's contact log: a call, email, letter or meeting with the
    complainant or someone else about the case, when it happened and what was said."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    number = models.PositiveSmallIntegerField()
    happened_at = models.DateTimeField()
    channel = models.CharField(max_length=20, choices=ContactMethod.choices)
    direction = models.CharField(max_length=20, choices=ContactDirection.choices)
    # With whom: a person on the case, or a name (or both: "Mrs Example's daughter").
    party = models.ForeignKey(
        CaseParty, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    with_whom = models.CharField(max_length=200, blank=True)
    summary = models.TextField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="contact_entry_unique")
        ]

    def __str__(self) -> str:
        return f"Contact {self.number}"


class StageResponse(models.Model):
    """R22, R29: the response that ended one stage of a case, as it was when sent: its date,
    outcome, response date and extensions, and the deadline engine's verdict on it. Written by
    the domain function that responds (cases/responses.py) and kept when the case is reopened
    into its next stage, so that every report counts each stage's response once, with its own
    date and verdict (ADR 0018).

    `organisation` and `kind` are the case's, copied for the reports' index; `started_at` is
    when the stage began (receipt, or the request for the next stage); `reopened_at` when the
    next stage began, if it has."""

    # No indexes of their own: stage_response_unique begins with the case, and
    # response_org_responded with the organisation.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="responses", db_index=False
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    stage = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    started_at = models.DateTimeField()
    responded_at = models.DateTimeField()
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    summary = models.TextField(blank=True)
    response_due = models.DateField(null=True, blank=True)
    met = models.BooleanField(null=True, blank=True)
    agreed_response_date = models.DateField(null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(default=0)
    reopened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage"], name="stage_response_unique")
        ]
        indexes = [
            models.Index(fields=[*REPORTED_RESPONSES], name="response_org_responded"),
            # The few responses followed by a further stage: between the two a case is not
            # open, which the caseload, the KO41 summary and the dashboard take into account.
            models.Index(
                fields=["organisation", "responded_at", "reopened_at", "case"],
                name="response_org_reopened",
                condition=models.Q(reopened_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Stage {self.stage} response of {self.case_id}"


class Attachment(models.Model):
    """A file on a case (a letter received, a statement). The bytes are on disk under
    settings.ATTACHMENTS_DIR; `stored_as` is the path below it, never derived from the
    uploaded name."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    contact = models.ForeignKey(
        ContactEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
        help_text="The contact log entry the file came with or was sent in, if any.",
    )
    filename = models.CharField(max_length=120, help_text="The uploaded name, made safe.")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_as = models.CharField(max_length=200, unique=True)
    description = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.filename} on {self.case_id}"


class StatusKey(models.Model):
    """The secret that lets the person who sent feedback see its stage and next date on the
    public status page (cases.status). Only a SHA-256 hash of the secret is kept."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="status_key")
    key_hash = models.CharField(max_length=64)
    issued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Status key for case {self.case_id}"


class OmbudsmanBody(models.TextChoices):
    PHSO = "phso", "Parliamentary and Health Service Ombudsman"
    LGSCO = "lgsco", "Local Government and Social Care Ombudsman"
    PSOW = "psow", "Public Services Ombudsman for Wales"
    SPSO = "spso", "Scottish Public Services Ombudsman"
    NIPSO = "nipso", "Northern Ireland Public Services Ombudsman"
    ADR = "adr", "Independent adjudication (ADR provider)"


class OmbudsmanOutcome(models.TextChoices):
    """R30: what the Ombudsman or ADR provider decided (003 §9)."""

    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"
    DECLINED = "declined", "Declined to investigate"
    NOT_INVESTIGATED = "not_investigated", "Closed without investigation"


class OmbudsmanReferral(models.Model):
    """R30: a complaint taken to the Ombudsman (NHS-funded care) or an ADR provider (private
    care), its information request and its outcome. Dates are those of the letters."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ombudsman_referrals")
    body = models.CharField(max_length=10, choices=OmbudsmanBody.choices)
    body_name = models.CharField(max_length=200, blank=True, help_text="The ADR provider's name.")
    referred_on = models.DateField(help_text="When the organisation learned of the referral.")
    information_requested_on = models.DateField(null=True, blank=True)
    information_due = models.DateField(null=True, blank=True)
    information_sent_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=OmbudsmanOutcome.choices, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    outcome_summary = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["referred_on", "id"]
        indexes = [models.Index(fields=["referred_on"], name="ombudsman_referred_on")]

    def __str__(self) -> str:
        return f"{self.get_body_display()} referral of {self.case_id}"

    @property
    def information_awaited(self) -> bool:
        """An information request still to answer: asked for, not yet sent, and the referral
        not yet decided (a decision made without it no longer waits for it)."""
        return (
            self.information_requested_on is not None
            and self.information_sent_on is None
            and not self.outcome
        )

    @staticmethod
    def numbered(referrals) -> list[tuple[int, OmbudsmanReferral]]:
        """A case's referrals numbered 1, 2, … in the order they were recorded (by id), the
        numbers the API and the case's deadlines name them by."""
        return list(enumerate(sorted(referrals, key=lambda r: r.pk), start=1))


# `information_awaited` as a condition on referrals, for the worklist's queue
# (tests/cases/test_ombudsman_information.py checks that the two agree).
INFORMATION_AWAITED = models.Q(
    information_requested_on__isnull=False, information_sent_on__isnull=True, outcome=""
)


# --- action plans and learning (R28, R35) ---------------------------------------------------


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done, awaiting a check that it works"
    VERIFIED = "verified", "Done and checked"
    CANCELLED = "cancelled", "Cancelled"


# An action in one of these keeps the case open (R28: "actions outstanding").
OUTSTANDING_ACTIONS = (ActionStatus.OPEN, ActionStatus.DONE)


class CaseAction(models.Model):
    """R28, R35: a change promised or planned because of the case, with its owner, due date,
    evidence that it was done and a check, by someone named, that the change works."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    number = models.PositiveSmallIntegerField()
    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    promised = models.BooleanField(
        default=True, help_text="Promised to the complainant: the case cannot close until done."
    )
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    themes = models.ManyToManyField("organisations.Theme", blank=True, related_name="actions")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    evidence = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verification = models.TextField(blank=True, help_text="How the change was checked to work.")
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="case_action_number_unique")
        ]
        indexes = [models.Index(fields=["status", "due"], name="case_action_status_due")]

    def __str__(self) -> str:
        return f"Action {self.number}"

    @property
    def outstanding(self) -> bool:
        return self.status in OUTSTANDING_ACTIONS


class Lesson(models.Model):
    """R35: a lesson learned from a case, with its themes."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lessons")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    themes = models.ManyToManyField("organisations.Theme", blank=True, related_name="lessons")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="lesson_number_unique")
        ]
        indexes = [models.Index(fields=["recorded_at"], name="lesson_recorded_at")]

    def __str__(self) -> str:
        return f"Lesson {self.number}"


# --- risk referrals (R16) -------------------------------------------------------------------


class ReferralKind(models.TextChoices):
    """R16; seed 001 §12, seed 002 §13, seed 004: matters a complaint may need to go to."""

    SERIOUS_INCIDENT = "serious_incident", "Serious incident"
    SAFEGUARDING_ADULT = "safeguarding_adult", "Adult safeguarding"
    SAFEGUARDING_CHILD = "safeguarding_child", "Child safeguarding"
    COUNTER_FRAUD = "counter_fraud", "Counter-fraud"
    POLICE = "police", "Police"
    DISCIPLINARY = "disciplinary", "Disciplinary or performance"
    LEGAL_CLAIM = "legal_claim", "Legal claim"
    MEDIA = "media", "Media interest"
    INSURER = "insurer", "Insurer"
    REGULATOR = "regulator", "Professional regulator"


class Referral(models.Model):
    """R16: a risk flag on a case that is referred on, with its own owner and due date."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=ReferralKind.choices)
    body = models.CharField(max_length=200, help_text="Who it goes to, for example the GMC.")
    detail = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    identified_at = models.DateTimeField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField()
    due_at = models.DateTimeField(null=True, blank=True, help_text="For a rule in hours.")
    due_basis = models.CharField(max_length=200)
    referred_at = models.DateTimeField(null=True, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    their_reference = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="referral_number_unique")
        ]

    def __str__(self) -> str:
        return f"Referral {self.number}: {self.get_kind_display()}"


# --- handling plan and investigation (R18, R21) ---------------------------------------------


class HandlingPlan(models.Model):
    """R18 (seed 001 §14, §15, Appendix C): the plan agreed with the complainant. The issues
    are Issue rows, the agreed response date is on the case and consent is the case's consent
    state; this holds the rest. Each change is an event on the timeline."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="handling_plan")
    desired_outcomes = models.TextField(blank=True)
    meeting_offered_at = models.DateTimeField(null=True, blank=True)
    meeting_held_at = models.DateTimeField(null=True, blank=True)
    advocacy_signposted_at = models.DateTimeField(
        null=True, blank=True, help_text="NHS Complaints Advocacy or ICAS (seed 001 §18)."
    )
    mediation_signposted_at = models.DateTimeField(null=True, blank=True)
    legal_implications = models.TextField(blank=True)
    agreed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the complainant agreed the plan."
    )
    # The investigation's own flags (R21; seed 001 Appendix C).
    root_cause_analysis = models.BooleanField(default=False)
    independent_clinical_review = models.BooleanField(default=False)
    mediation_agreed = models.BooleanField(
        default=False, help_text="Both parties agreed to mediation (seed 001 §18)."
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Handling plan of {self.case}"


class StaffInvolved(models.Model):
    """R21: a member of staff the complaint is about or who was there: informed, shown the
    complaint before any interview, and offered support (seed 001 §11), each with its date."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="staff")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    informed_at = models.DateTimeField(null=True, blank=True)
    shown_complaint_at = models.DateTimeField(null=True, blank=True)
    support_offered_at = models.DateTimeField(null=True, blank=True)
    support_note = models.TextField(blank=True)
    interviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="staff_involved_unique")
        ]

    def __str__(self) -> str:
        return self.name


class StatementRequest(models.Model):
    """R21: a statement asked of a member of staff, due by a date, chased by reminders."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="statement_requests")
    number = models.PositiveSmallIntegerField()
    staff = models.ForeignKey(StaffInvolved, on_delete=models.PROTECT, related_name="requests")
    requested_at = models.DateTimeField()
    first_due = models.DateField()
    due = models.DateField(help_text="The current due date: moved on by each reminder.")
    basis = models.CharField(max_length=200)
    reminders = models.PositiveSmallIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="statement_request_unique")
        ]

    def __str__(self) -> str:
        return f"Statement {self.number}"


class EvidenceKind(models.TextChoices):
    RECORDS = "records", "Records (clinical or other)"
    POLICY = "policy", "Policy, protocol or procedure"
    STATEMENT = "statement", "Statement"
    OTHER = "other", "Other"


class Evidence(models.Model):
    """R21: what the investigation reviewed (seed 001 Appendix C: records, policies)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=12, choices=EvidenceKind.choices)
    description = models.TextField()
    reviewed_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["reviewed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:40]}"


class RemedyKind(models.TextChoices):
    """Seed 001 Appendix C: "can we sort out treatment, reimburse financial loss"."""

    PUT_RIGHT = "put_right", "Put things right"
    REIMBURSE = "reimburse", "Reimburse costs"
    OTHER = "other", "Other"


class Remedy(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="remedies")
    kind = models.CharField(max_length=12, choices=RemedyKind.choices)
    description = models.TextField()
    amount = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    offered_at = models.DateTimeField()
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["offered_at", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()


# The routes beside a complaint's own course (issue 17): R33, R34, R10.
# Joint complaints (R31) keep their models in a module of their own.
# After closure (R37): the satisfaction survey and case studies, in a module of their own.
from candour.cases.closure_models import (  # noqa: E402, F401
    CaseStudy,
    CaseStudyStatus,
    Survey,
    SurveyAnswer,
    SurveyAnsweredVia,
    SurveyChannel,
    SurveyKeyAttempts,
    SurveyOffer,
)
from candour.cases.joint_models import JointComplaint, JointPart  # noqa: E402, F401
from candour.cases.route_models import (  # noqa: E402, F401
    ContactRestriction,
    PlanStep,
    Redirection,
    RestrictionEvidence,
    ServiceUserPlan,
)
