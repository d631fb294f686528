"""Organisations (nested), roles, memberships, policies, closure days and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from candour.calendars import NATION_LABELS, Nation, WorkingCalendar
from candour.organisations.policy import PRESETS, Policy, PolicyError, validate_policy


class OrganisationKind(models.TextChoices):
    NATIONAL = "national", "National body"
    REGION = "region", "Region"
    SITE = "site", "Site"
    ICB = "icb", "Integrated care board or commissioner"
    TRUST = "trust", "NHS trust"
    PRACTICE = "practice", "GP practice"
    CLINIC = "clinic", "Private clinic"
    OTHER = "other", "Other provider"


class Organisation(models.Model):
    """A body that handles complaints. Organisations nest: national → region → site,
    ICB → practice. `path` holds the ids from the root ("/1/4/9/") so that everything
    below an organisation is one indexed prefix match."""

    name = models.CharField(max_length=200)
    code = models.CharField(
        max_length=12,
        unique=True,
        help_text="Short upper-case code used in case references, for example MMG.",
    )
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    nation = models.CharField(
        max_length=3,
        choices=[(n.value, NATION_LABELS[n]) for n in Nation],
        default=Nation.ENGLAND,
        help_text="Decides which bank holidays are not working days.",
    )
    address = models.TextField(blank=True)
    telephone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.code and not self.code.replace("-", "").isalnum():
            raise ValidationError({"code": "Use letters and digits only, for example MMG."})
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": "An organisation cannot sit below itself."})
            ancestor = ancestor.parent

    def save(self, *args, **kwargs) -> None:
        self.code = self.code.upper()
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:
            old = self.path
            self.path = path
            Organisation.objects.filter(pk=self.pk).update(path=path)
            if old:
                # Move the subtree with it.
                for child in Organisation.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    child.path = path + child.path[len(old) :]
                    Organisation.objects.filter(pk=child.pk).update(path=child.path)

    def subtree(self) -> models.QuerySet[Organisation]:
        """This organisation and every organisation below it."""
        return Organisation.objects.filter(path__startswith=self.path)

    def ancestors(self) -> list[Organisation]:
        ids = [int(i) for i in self.path.strip("/").split("/") if i][:-1]
        by_id = Organisation.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    @property
    def policy(self) -> Policy:
        """The policy in force: the organisation's own, else the nearest ancestor's."""
        cached = getattr(self, "_policy_cache", None)
        if cached is None:
            cached = self._policy_cache = OrganisationPolicy.policy_for(self)
        return cached

    def working_calendar(self) -> WorkingCalendar:
        cached = getattr(self, "_calendar_cache", None)
        if cached is None:
            closures = ClosureDay.objects.filter(
                models.Q(organisation=self)
                | models.Q(organisation__isnull=True, nation=self.nation)
            ).values_list("date", flat=True)
            cached = self._calendar_cache = WorkingCalendar.for_nation(self.nation, closures)
        return cached


def calendars_for(organisation_ids) -> dict[int, WorkingCalendar]:
    """The working calendars of many organisations in two queries (Organisation.working_calendar
    reads one organisation's closures at a time)."""
    nations = dict(Organisation.objects.filter(pk__in=organisation_ids).values_list("pk", "nation"))
    return _calendars(nations)


def calendars_of(organisations) -> dict[int, WorkingCalendar]:
    """The working calendars of organisations already read, by id, in one query."""
    return _calendars({o.pk: o.nation for o in organisations})


def _calendars(nations: dict[int, str]) -> dict[int, WorkingCalendar]:
    if not nations:
        return {}
    closures = ClosureDay.objects.filter(
        models.Q(organisation_id__in=nations)
        | models.Q(organisation__isnull=True, nation__in=set(nations.values()))
    ).values_list("organisation_id", "nation", "date")
    days: dict[int, set] = {pk: set() for pk in nations}
    for organisation_id, nation, day in closures:
        for pk, its_nation in nations.items():
            if pk == organisation_id or (organisation_id is None and nation == its_nation):
                days[pk].add(day)
    return {pk: WorkingCalendar.for_nation(nations[pk], days[pk]) for pk in nations}


class OrganisationPolicy(models.Model):
    """An organisation's complaints policy, validated against policy.Policy."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="policy_record"
    )
    preset = models.CharField(
        max_length=40, blank=True, choices=[(k, k) for k in PRESETS], help_text="Started from."
    )
    data = models.JSONField(help_text="The policy. It is checked when saved.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "policy"
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return f"Policy of {self.organisation}"

    def clean(self) -> None:
        try:
            validate_policy(self.data)
        except PolicyError as error:
            raise ValidationError({"data": str(error)}) from None

    @classmethod
    def policy_for(cls, organisation: Organisation) -> Policy:
        ids = [int(i) for i in organisation.path.strip("/").split("/") if i] or [organisation.pk]
        records = {r.organisation_id: r for r in cls.objects.filter(organisation_id__in=ids)}
        for org_id in reversed(ids):
            if org_id in records:
                return validate_policy(records[org_id].data)
        raise PolicyError(
            f"{organisation.name} has no complaints policy; give it one from a preset "
            "(candour createorganisation --preset, or the admin)."
        )


class ClosureDay(models.Model):
    """A day that is not a working day: an organisation's closure, or (with no organisation)
    an extra non-working day for a whole nation that the holidays package does not know yet."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="closures"
    )
    nation = models.CharField(
        max_length=3, blank=True, choices=[(n.value, NATION_LABELS[n]) for n in Nation]
    )
    date = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=False) | ~models.Q(nation=""),
                name="closure_day_has_organisation_or_nation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%d %B %Y}: {self.reason}"


class Theme(models.Model):
    """An organisation's own theme ("Communication", "NHS funded continuing healthcare:
    retrospective"): one list for coding complaints for reporting (candour.coding, where a
    theme may be mapped onto a subject code of each return) and for the lessons and actions
    learned from them (candour.cases.actions, R35)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=200)
    subject_keys = models.JSONField(
        default=dict,
        blank=True,
        help_text='The subject code each return counts it under: {"KO41a": "commissioning"}.',
    )
    retired = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="theme_name_unique")
        ]
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return self.name


class Capability(models.TextChoices):
    """What a role lets a member do. Seeds' roles map onto these (R39)."""

    VIEW_CASES = "view_cases", "See cases"
    HANDLE_CASES = "handle_cases", "Record and handle cases"
    INVESTIGATE = "investigate", "Investigate cases assigned to them"
    SIGN_OFF = "sign_off", "Approve and sign responses"
    VIEW_CONFIDENTIAL = "view_confidential", "See confidential complainants' identities"
    ADMINISTER = "administer", "Administer the organisation and its policy"
    VIEW_REPORTS = "view_reports", "See reports and write their commentary"


class Role(models.Model):
    """A named role, configurable per deployment (R39): Office Manager, HOHC, …"""

    name = models.CharField(max_length=80, unique=True)
    capabilities = models.JSONField(default=list)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        valid = set(Capability.values)
        unknown = [c for c in self.capabilities if c not in valid]
        if unknown:
            raise ValidationError(
                {"capabilities": f"Unknown {', '.join(unknown)}; use {', '.join(sorted(valid))}."}
            )


class Membership(models.Model):
    """A user holds a role in an organisation, and so in every organisation below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} at {self.organisation}"


class ApiToken(models.Model):
    """A token an integration presents as `Authorization: Bearer <token>`.

    Only a SHA-256 digest is stored; the token is shown once when created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        token = "cdr_" + secrets.token_urlsafe(32)
        record = cls.objects.create(
            user=user, name=name, digest=cls.digest_of(token), prefix=token[:8]
        )
        return record, token
