"""After closure (R37; seed 003 §11.2, seed 004): the satisfaction survey sent or offered when a
case closes, its answers, and the anonymised case studies drawn from closed cases.

Imported by candour.cases.models, so these are models of the cases app. The rules are in
candour.cases.surveys and candour.cases.case_studies.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from candour.organisations.models import Organisation


class SurveyOffer(models.TextChoices):
    SENT = "sent", "Sent"
    DECLINED = "declined", "Offered and declined"


class SurveyChannel(models.TextChoices):
    POST = "post", "By post"
    EMAIL = "email", "By email"
    PHONE = "phone", "By phone"
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "A link to answer online"


class SurveyAnsweredVia(models.TextChoices):
    STAFF = "staff", "Recorded by staff"
    ONLINE = "online", "Answered online"


class Survey(models.Model):
    """The satisfaction survey of one stage of a case: sent (how and when) or offered and
    declined; its questions as they were when it was sent; and, once they came back, the
    answers (SurveyAnswer) with the day they were received."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="surveys")
    stage = models.PositiveSmallIntegerField()
    offer = models.CharField(max_length=10, choices=SurveyOffer.choices)
    channel = models.CharField(max_length=12, choices=SurveyChannel.choices)
    offered_at = models.DateTimeField(help_text="When it was sent, or offered and declined.")
    questions = models.JSONField(default=list, help_text="The policy's questions when sent.")
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # A link to answer online: only the SHA-256 of its key is kept (as StatusKey, ADR 0008).
    key_hash = models.CharField(max_length=64, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_via = models.CharField(max_length=10, choices=SurveyAnsweredVia.choices, blank=True)
    answers_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage"], name="one_survey_per_stage")
        ]
        indexes = [
            models.Index(fields=["offered_at"], name="survey_offered"),
            models.Index(fields=["answered_at"], name="survey_answered"),
        ]

    def __str__(self) -> str:
        return f"Survey of {self.case_id} stage {self.stage}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


class SurveyAnswer(models.Model):
    """One answer to one question of a survey. `satisfied`: whether the policy counts the
    answer as satisfied (None for a free-text question), fixed when it is recorded."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(max_length=40)
    text = models.CharField(max_length=300, help_text="The question as it was asked.")
    answer = models.TextField()
    satisfied = models.BooleanField(null=True)

    class Meta:
        ordering = ["survey", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.answer[:40]}"


class CaseStudyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    WITHDRAWN = "withdrawn", "Withdrawn"


class CaseStudy(models.Model):
    """An anonymised case study drawn from a closed case (seed 004: "case studies using
    anonymised individual complaints to demonstrate how complaints are resolved and
    followed up"). Only an approved one is seen outside the case's organisation, and never
    with the case it came from."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="case_studies")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=CaseStudyStatus.choices, default=CaseStudyStatus.DRAFT
    )
    title = models.CharField(max_length=200)
    period = models.CharField(max_length=40, help_text="When, as a month and year.")
    service = models.CharField(max_length=200, blank=True)
    what_happened = models.TextField()
    what_we_found = models.TextField(blank=True)
    what_changed = models.TextField(blank=True)
    drafted_at = models.DateTimeField()
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-approved_at", "-drafted_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="case_study_number_unique")
        ]
        verbose_name_plural = "case studies"

    def __str__(self) -> str:
        return self.title

    TEXT_FIELDS = ("title", "service", "what_happened", "what_we_found", "what_changed")

    def texts(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in self.TEXT_FIELDS}


class SurveyKeyAttempts(models.Model):
    """Survey keys tried on the public page from one client address in one hour
    (candour.cases.key_attempts): a row per address and hour, counted in the database that
    every worker shares, by an UPDATE that cannot overshoot the limit."""

    address = models.CharField(max_length=64)
    hour = models.BigIntegerField(help_text="Hours since 1970, UTC.")
    tried = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["address", "hour"], name="survey_key_attempts_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tried} survey key(s) tried from {self.address}"
