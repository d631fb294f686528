"""Letters: templates (versioned per organisation), letters, their text versions, their
journey through the sign-off chain, and their dispatch.

Rules do not live here: templates.py, compose.py, signoff.py, render.py and dispatch.py
change these rows, each change in one transaction with its audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from candour.cases.models import Case, CaseParty
from candour.organisations.models import Organisation
from candour.organisations.policy import DispatchChannel, LetterKind

LETTER_KIND_LABELS = {
    LetterKind.ACKNOWLEDGEMENT: "Acknowledgement",
    LetterKind.CONSENT_REQUEST: "Consent request",
    LetterKind.SUMMARY_FOR_APPROVAL: "Summary for approval",
    LetterKind.HOLDING: "Holding letter (delay)",
    LetterKind.FINAL_RESPONSE: "Final response",
    LetterKind.LATE_COMPLAINT_DECISION: "Late complaint decision",
    LetterKind.VEXATIOUS_WARNING: "Vexatious route warning",
    LetterKind.MP_REPLY: "Reply to an MP",
}
KIND_CHOICES = [(k.value, LETTER_KIND_LABELS[k]) for k in LetterKind]

CHANNEL_LABELS = {
    DispatchChannel.POST: "Post",
    DispatchChannel.EMAIL: "Email",
    DispatchChannel.HAND_DELIVERY: "Hand delivery, marked “medical in confidence”",
    DispatchChannel.RETURNED_TO_COMMISSIONER: "Returned to the commissioner (NHS England) to send",
}


class LetterTemplate(models.Model):
    """One version of an organisation's template for a kind of letter (R24). A change is a
    new row; a letter points at the version it was made from."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="letter_templates"
    )
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    version = models.PositiveIntegerField()
    subject = models.CharField(max_length=200)
    sections = models.JSONField(help_text="Ordered list of [name, Jinja source] pairs.")
    source = models.CharField(max_length=120, blank=True, help_text="Preset file it came from.")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "version"], name="letter_template_version_unique"
            )
        ]
        ordering = ["organisation", "kind", "-version"]

    def __str__(self) -> str:
        return f"{LETTER_KIND_LABELS[LetterKind(self.kind)]} v{self.version}"


class LetterStatus(models.TextChoices):
    IN_SIGN_OFF = "in_sign_off", "In sign-off"
    SIGNED = "signed", "Signed"
    READY = "ready", "Signed, ready to send"
    DISPATCHED = "dispatched", "Sent"


# A letter still in its sign-off chain ("signed" too: a chain may go on after the signature,
# seed 000: back to the HOHC).
SIGN_OFF_STATUSES = (LetterStatus.IN_SIGN_OFF.value, LetterStatus.SIGNED.value)


class Letter(models.Model):
    # For candour.cases.listing.in_sign_off, which reaches this model through the case.
    SIGN_OFF_STATUSES = SIGN_OFF_STATUSES

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    stage = models.PositiveSmallIntegerField()
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        CaseParty, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The chain as it was when the letter started, so that a policy edit does not move a
    # letter already on its way.
    chain = models.JSONField()
    status = models.CharField(
        max_length=20, choices=LetterStatus.choices, default=LetterStatus.IN_SIGN_OFF
    )
    step = models.CharField(max_length=40, blank=True, help_text="Key of the current step.")
    step_since = models.DateTimeField(null=True, blank=True)
    signed_version = models.ForeignKey(
        "LetterVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    staff_named = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Staff named in the response, who receive a copy (R27).",
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["case", "kind"], name="letter_case_kind"),
            # The worklist's sign-off queues (candour.cases.listing.in_sign_off): the letters
            # still in their chains are a few among every letter ever sent.
            models.Index(
                fields=["case"],
                name="letter_in_sign_off",
                condition=models.Q(status__in=SIGN_OFF_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"{LETTER_KIND_LABELS[LetterKind(self.kind)]} for {self.case.reference}"


class LetterVersion(models.Model):
    """The text of a letter. Every change is a new version; a signed version is never
    changed (its hash is in the audit event that signed it)."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    subject = models.CharField(max_length=200)
    sections = models.JSONField(help_text="Ordered list of [name, text] pairs.")
    text_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["letter", "number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "number"], name="letter_version_unique")
        ]

    def __str__(self) -> str:
        return f"version {self.number}"

    def section(self, name: str) -> str:
        return next((text for key, text in self.sections if key == name), "")


class StepVisit(models.Model):
    """One stay of a letter at a step: when it arrived, when it was due, when and how it
    left. A send-back makes a new visit to the earlier step."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="visits")
    step = models.CharField(max_length=40)
    arrived_at = models.DateTimeField()
    due = models.DateField(null=True, blank=True)
    due_basis = models.CharField(max_length=200, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    left_how = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["letter", "arrived_at", "id"]
        indexes = [models.Index(fields=["letter", "step"], name="step_visit_letter_step")]

    def __str__(self) -> str:
        return f"{self.step} from {self.arrived_at:%d %b %Y %H:%M}"


class StepAction(models.TextChoices):
    COMMENT = "comment", "Commented"
    APPROVE = "approve", "Approved"
    SEND_BACK = "send_back", "Sent back"
    REVISE = "revise", "Revised the text"


class LetterAction(models.Model):
    """What someone did at a step: comment, approve (for the roles they hold), send back."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="actions")
    visit = models.ForeignKey(StepVisit, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=20, choices=StepAction.choices)
    roles = models.JSONField(default=list)
    comment = models.TextField(blank=True)
    to_step = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.visit.step}"


class Dispatch(models.Model):
    """R27: how, when and by whom the signed letter was sent, and who had a copy."""

    letter = models.OneToOneField(Letter, on_delete=models.PROTECT, related_name="dispatch")
    version = models.ForeignKey(LetterVersion, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(
        max_length=32, choices=[(c.value, CHANNEL_LABELS[c]) for c in DispatchChannel]
    )
    medical_in_confidence = models.BooleanField(default=False)
    sent_on = models.DateField()
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was sent: a final response's response time."
    )
    recorded_at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient = models.CharField(max_length=200)
    copies = models.JSONField(default=list, help_text="Staff named in the response who had a copy.")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} on {self.sent_on:%d %b %Y}"
