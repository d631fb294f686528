"""Joint complaints (R31): what is stored. The rules are in candour/cases/joint.py.

Seed 001 §8: "If the complaint involves another organisation as well, Minster Medical Group
will endeavor to ensure that the complainant should be sent a single, coordinated response.
The organisation which has the most serious complaint or large number of issues about it
would normally take the lead." Seed 002 §10.7 and its glossary: "Joint Complaint - A formal
complaint involving two or more organisations for which a co-ordinated approach is
required."

The case's own organisation leads (`JointComplaint`, one per case); each other organisation,
inside Candour or named outside it, contributes a part (`JointPart`): what is asked of it and
the issues it answers, by a due date, shared with it only once the complainant's consent to
share (or a recorded reason) is on record, and its reply. Imported at the end of
candour/cases/models.py, so that Django finds these models in the cases app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from candour.cases.models import Case, Issue
from candour.organisations.models import Organisation


class LeadBasis(models.TextChoices):
    """Why the case's organisation leads (seed 001 §8: "would normally take the lead")."""

    MOST_SERIOUS = "most_serious", "It has the most serious part of the complaint"
    MOST_ISSUES = "most_issues", "It has the largest number of the issues"
    AGREED = "agreed", "Agreed otherwise between the organisations"


class PartConsent(models.TextChoices):
    """The complainant's consent to share the complaint with a contributor (seed 002
    §10.5.1 III: "Complaints will not be passed forward for investigation without the
    complainant's explicit consent unless there is an over-riding public interest
    obligation")."""

    GIVEN = "given", "The complainant consented to sharing it"
    NOT_GIVEN = "not_given", "Shared without consent, for a reason recorded"


class JointComplaint(models.Model):
    """A case that is a joint complaint, led by the case's organisation."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="joint")
    lead_basis = models.CharField(max_length=20, choices=LeadBasis.choices)
    lead_reason = models.TextField(help_text="Why this organisation leads.")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Joint complaint {self.case_id}"


class JointPart(models.Model):
    """One contributing organisation's part of a joint complaint."""

    joint = models.ForeignKey(JointComplaint, on_delete=models.CASCADE, related_name="parts")
    # The case again, for the access rule and the worklist (one join fewer).
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="joint_parts")
    number = models.PositiveSmallIntegerField()
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="joint_parts",
        help_text="The contributor, when it is an organisation in Candour.",
    )
    organisation_name = models.CharField(
        max_length=200, blank=True, help_text="The contributor, when it is outside Candour."
    )
    asked = models.TextField(help_text="What is asked of the contributor.")
    issues = models.ManyToManyField(Issue, blank=True, related_name="joint_parts")
    due = models.DateField()
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    consent = models.CharField(max_length=12, choices=PartConsent.choices, blank=True)
    consent_on = models.DateField(null=True, blank=True)
    consent_reason = models.TextField(blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reply_at = models.DateTimeField(null=True, blank=True, help_text="When the reply came.")
    reply_text = models.TextField(blank=True)
    reply_reference = models.CharField(
        max_length=200, blank=True, help_text="Their letter's reference, or a file on the case."
    )
    reply_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    without_reply_reason = models.TextField(blank=True)
    without_reply_at = models.DateTimeField(null=True, blank=True)
    # Withdrawn by the lead (asked of the wrong organisation, or no longer needed): it no
    # longer holds up the coordinated response, and its contributor no longer sees it.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="joint_part_number_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(organisation__isnull=False, organisation_name="")
                    | (models.Q(organisation__isnull=True) & ~models.Q(organisation_name=""))
                ),
                name="joint_part_one_contributor",
            ),
        ]
        # A contributor's worklist: the parts shared with its organisations, awaiting reply.
        indexes = [models.Index(fields=["organisation", "reply_at", "due"], name="joint_part_due")]

    def __str__(self) -> str:
        return f"Part {self.number} of {self.case_id}: {self.contributor}"

    @property
    def contributor(self) -> str:
        return self.organisation.name if self.organisation_id else self.organisation_name

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def answered(self) -> bool:
        """Replied to, or the lead recorded why the coordinated response goes without it."""
        return self.reply_at is not None or bool(self.without_reply_reason)
