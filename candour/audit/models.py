"""One append-only table of everything that happened, hash-chained (DESIGN.md, Audit)."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """A change or a read, written by the domain function that made it, in its transaction.

    `hash` = SHA-256 of the previous row's hash and this row's content, so editing or
    deleting any row breaks the chain; `candour audit verify` walks it."""

    sequence = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    # No index of its own: audit_case_sequence (case, sequence) serves every lookup by case.
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        db_index=False,
    )
    event = models.CharField(max_length=60)
    data = models.JSONField(default=dict, blank=True)
    # The record about a person, across cases, that the event is about ("restriction:12",
    # "service_user_plan:3"), repeated from `data` (chain.subject_of) so that a record's
    # history is read through an index, not by scanning every event's JSON. Not hashed:
    # `data` is, and `verify` checks that this column still says what `data` says.
    subject = models.CharField(max_length=60, null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["sequence"]
        indexes = [
            models.Index(fields=["case", "sequence"], name="audit_case_sequence"),
            models.Index(fields=["organisation_id", "at"], name="audit_org_at"),
            models.Index(
                fields=["subject", "sequence"],
                name="audit_subject_sequence",
                condition=models.Q(subject__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.event}"


class AuditChainHead(models.Model):
    """The single row that records the chain's end. Appends lock it, so they are serial,
    and deleting the newest events is caught because the head no longer matches."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"Audit chain head at event {self.sequence}"
