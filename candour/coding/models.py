"""Code lists for statutory returns and how a case is coded against them.

The lists are data (REGULATIONS.md §3.4, "store the KO41 code lists as versioned data keyed
by return and year"): loaded from the files in codelists/ or an administrator's replacement
by `candour codelists load`, never written in Python. A case stores raw facts (the patient's
age at receipt, the complainant's relationship) and the codes a person chose; age band and
complainant status are mapped from the facts by the list's own data when a report counts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Return(models.TextChoices):
    KO41A = "KO41a", "KO41a: hospital and community health services"
    KO41B = "KO41b", "KO41b: primary care"


class Dimension(models.TextChoices):
    SUBJECT = "subject", "Subject area"
    SERVICE = "service", "Service area"
    PROFESSION = "profession", "Profession or staff group"
    AGE_BAND = "age_band", "Age of patient"
    STATUS = "status", "Status of complainant"


# A person picks these; age band and status are mapped from facts.
CHOSEN_DIMENSIONS = (Dimension.SUBJECT, Dimension.SERVICE, Dimension.PROFESSION)
MAPPED_DIMENSIONS = (Dimension.AGE_BAND, Dimension.STATUS)


class CodeList(models.Model):
    """One list (say KO41a subject areas) for one financial year. Loading a replacement
    file keeps the list and its codes' keys, updates labels, retires codes the file no longer
    has (cases coded with them still count) and adds one to `revision`."""

    return_code = models.CharField(max_length=10, choices=Return.choices)
    year = models.PositiveSmallIntegerField(help_text="First calendar year of the financial year.")
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    title = models.CharField(max_length=200)
    source = models.TextField(help_text="Where the labels come from.")
    unconfirmed = models.BooleanField(
        default=False, help_text="Not checked against the published return (REGULATIONS.md §3)."
    )
    revision = models.PositiveIntegerField(default=1)
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    loaded_at = models.DateTimeField()
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["return_code", "year", "dimension"], name="code_list_unique"
            )
        ]
        ordering = ["return_code", "year", "dimension"]

    def __str__(self) -> str:
        return f"{self.return_code} {self.year_label} {self.get_dimension_display()}"

    @property
    def year_label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}"


class Code(models.Model):
    """One entry of a list. Age bands carry their ages, statuses the relationships they
    cover; exactly one code of each of those lists is the `unknown` catch-all, so the
    section sums exactly to new complaints (REGULATIONS.md §3.1)."""

    code_list = models.ForeignKey(CodeList, on_delete=models.CASCADE, related_name="codes")
    key = models.CharField(max_length=60)
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()
    unconfirmed = models.BooleanField(default=False)
    retired = models.BooleanField(default=False)
    age_from = models.PositiveSmallIntegerField(null=True, blank=True)
    age_to = models.PositiveSmallIntegerField(null=True, blank=True)
    relationships = models.JSONField(default=list, blank=True)
    unknown = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code_list", "key"], name="code_key_unique")]
        ordering = ["code_list", "position"]

    def __str__(self) -> str:
        return self.label


class CaseCoding(models.Model):
    """How a case is coded for one return and financial year, with the raw facts its age
    band and complainant status are mapped from."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="coding")
    return_code = models.CharField(max_length=10, choices=Return.choices)
    year = models.PositiveSmallIntegerField()
    patient_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Whole years at receipt; empty when not known."
    )
    complainant_relationship = models.CharField(
        max_length=20, blank=True, help_text="Empty when there is no named complainant."
    )
    coded_at = models.DateTimeField()
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["return_code", "year"], name="case_coding_return_year")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.return_code} {self.year}"


class CaseCode(models.Model):
    """A code chosen for a case: one row per subject, service area or profession. Several
    subjects on one case count once in totals and once per subject in breakdowns."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="codes")
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="case_codes")
    dimension = models.CharField(max_length=20, choices=Dimension.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="case_code_unique")]
        indexes = [models.Index(fields=["code", "case"], name="case_code_by_code")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.code_id}"


class CaseTheme(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="themes")
    theme = models.ForeignKey(
        "organisations.Theme", on_delete=models.PROTECT, related_name="case_themes"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "theme"], name="case_theme_unique")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.theme_id}"


class SubmittedReturn(models.Model):
    """A KO41 return that a manager has marked as submitted for an organisation and a
    financial year (KO41a and KO41b are annual since 2022-23, REGULATIONS.md §3.1, and the
    KO41 report pages name their period by the year). While it stands, the coding of the
    cases it counts cannot change (candour.coding.returns); withdrawing it deletes the row,
    and the audit trail keeps both steps."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    return_code = models.CharField(max_length=10, choices=Return.choices)
    year = models.PositiveSmallIntegerField(help_text="First calendar year of the financial year.")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "return_code", "year"], name="submitted_return_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.return_code} {self.year} of {self.organisation_id}, submitted"
