"""The tables of three routes beside a complaint's own course (issue 17, "Missing routes"):

- the persistent, serial or vexatious contact procedure (R33), about a person across cases;
- a high service user's plan (R34), about a person's health needs, not a complaint;
- a matter redirected outside the complaints procedure (R10), about one case.

Rules do not live here: candour.cases.restrictions, .high_users and .redirections hold them.
Imported by candour.cases.models so that the app's migrations see them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from candour.organisations.models import Organisation


class RestrictionStatus(models.TextChoices):
    """Where a persistent contact procedure is (seed 000 vexatious route; 002 §13.7)."""

    EVIDENCE = "evidence", "Gathering documented evidence"
    REVIEWED = "reviewed", "Reviewed, awaiting approval"
    NOT_APPROVED = "not_approved", "Not approved"
    APPROVED = "approved", "Approved, warning letter to send"
    IN_FORCE = "in_force", "Restrictions in force"
    LIFTED = "lifted", "Lifted"


# The statuses in which the procedure is still being worked or its restrictions apply.
RESTRICTION_LIVE = (
    RestrictionStatus.EVIDENCE,
    RestrictionStatus.REVIEWED,
    RestrictionStatus.APPROVED,
    RestrictionStatus.IN_FORCE,
)


class ContactRestriction(models.Model):
    """R33: the persistent, serial or vexatious contact procedure for one person (the
    complainant), with the cases it concerns: documented evidence, a review, approval by the
    accountable officer, the warning letter, the restrictions (a single point of contact, the
    channels they may use) and the date they are reviewed, until they are lifted."""

    # Its audit events carry its id under this key (candour.cases.person_records).
    AUDIT_KEY = "restriction"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="contact_restrictions"
    )
    number = models.PositiveIntegerField(help_text="Numbered within the organisation.")
    person = models.ForeignKey(
        "cases.Person", on_delete=models.PROTECT, related_name="contact_restrictions"
    )
    cases = models.ManyToManyField("cases.Case", related_name="contact_restrictions")
    status = models.CharField(
        max_length=20, choices=RestrictionStatus.choices, default=RestrictionStatus.EVIDENCE
    )
    grounds = models.TextField(help_text="Why the procedure is being considered.")
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_summary = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_as = models.CharField(max_length=80, blank=True, help_text="The approver's role.")
    decision_note = models.TextField(blank=True)
    # The restrictions, set when the decision is approved.
    single_point_of_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channels = models.JSONField(default=list, blank=True, help_text="ContactMethod values.")
    restriction_note = models.TextField(blank=True)
    review_due = models.DateField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    warning_note = models.TextField(blank=True)
    warning_letter = models.ForeignKey(
        "letters.Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_review_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["organisation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="contact_restriction_number_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["organisation", "status", "review_due"], name="restriction_review_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code}-PC{self.number}"

    @property
    def reference(self) -> str:
        return str(self)

    @property
    def channels_text(self) -> str:
        from candour.cases.restrictions import channels_text

        return channels_text(self.channels) if self.channels else ""


class RestrictionEvidence(models.Model):
    """002 §13.7.3: "clear, documented evidence that reasonable efforts have been made to
    respond to the complainant's concerns within the usual processes"; 000 step 1: "concerns
    recorded, stage 1 letter and stage 2"."""

    restriction = models.ForeignKey(
        ContactRestriction, on_delete=models.CASCADE, related_name="evidence"
    )
    number = models.PositiveSmallIntegerField()
    description = models.TextField()
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dated = models.DateField(help_text="The date of the letter, call or event it documents.")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["restriction", "number"], name="restriction_evidence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Evidence {self.number}"


class ServiceUserPlanStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ServiceUserPlan(models.Model):
    """R34, seed 000 "High Service Users": a plan for a patient whose contacts are about their
    health needs rather than a complaint, with its steps, each with an owner and a due date."""

    # Its audit events carry its id under this key (candour.cases.person_records).
    AUDIT_KEY = "service_user_plan"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="service_user_plans"
    )
    number = models.PositiveIntegerField()
    person = models.ForeignKey(
        "cases.Person", on_delete=models.PROTECT, related_name="service_user_plans"
    )
    cases = models.ManyToManyField("cases.Case", related_name="service_user_plans")
    status = models.CharField(
        max_length=10, choices=ServiceUserPlanStatus.choices, default=ServiceUserPlanStatus.OPEN
    )
    reason = models.TextField(help_text="Why the patient's contacts are about health needs.")
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["organisation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="service_user_plan_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code}-HSU{self.number}"

    @property
    def reference(self) -> str:
        return str(self)


class PlanStepKind(models.TextChoices):
    """Seed 000 "High Service Users", steps 1-4."""

    MDT_MEETING = "mdt_meeting", "MDT meeting with the patient"
    CAPACITY_ASSESSMENT = "capacity_assessment", "Capacity assessment"
    MENTAL_HEALTH_REFERRAL = "mental_health_referral", "Referral to the mental health team"
    COMMUNICATION_PLAN = "communication_plan", "Communication plan agreed with the patient"
    REGIONAL_SUPPORT = "regional_support", "Regional support"
    NATIONAL_SUPPORT = "national_support", "National support"


class PlanStep(models.Model):
    plan = models.ForeignKey(ServiceUserPlan, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=30, choices=PlanStepKind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    detail = models.TextField(blank=True, help_text="What is planned.")
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    not_needed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_step_number_unique")
        ]
        indexes = [models.Index(fields=["done_at", "due"], name="plan_step_done_due")]

    def __str__(self) -> str:
        return f"Step {self.number}: {self.get_kind_display()}"

    @property
    def finished(self) -> bool:
        return self.done_at is not None or bool(self.not_needed_reason)


class Redirection(models.Model):
    """R10, 002 §13: a matter outside the complaints procedure, redirected with a recorded
    reason and where to, never silently dropped; counted in the reports."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="redirection")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=40, help_text="The policy's outside_procedure key.")
    category_label = models.CharField(max_length=120)
    where_to = models.CharField(max_length=200)
    reason = models.TextField()
    redirected_at = models.DateTimeField()
    redirected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "redirected_at"], name="redirection_org_at")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} redirected to {self.where_to}"
