"""What reporting stores: only the commentary a team writes for a report. The figures are
never stored; they are counted from the case records each time a report is made."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from candour.organisations.models import Organisation


class Commentary(models.Model):
    """One version of the commentary on one report of one organisation for one period.
    Saving writes a new version; the latest is the one shown, the earlier ones stay."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    report = models.CharField(max_length=20, help_text="annual, quarterly or monthly")
    period = models.CharField(max_length=12, help_text="2025-26, 2025-26-Q3 or 2025-11")
    version = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    written_at = models.DateTimeField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "report", "period", "version"],
                name="commentary_version_unique",
            )
        ]

    def __str__(self) -> str:
        return f"Commentary on the {self.report} report {self.period}, version {self.version}"
