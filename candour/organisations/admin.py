"""Administration of organisations, policies, roles, memberships, closure days and tokens.

Every save goes through the set-up functions so that it is validated and audited. Case
data is not administered here: the case pages and the API reach it through the user's
organisations.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db import transaction

from candour.audit.chain import record
from candour.organisations.models import (
    ApiToken,
    Capability,
    ClosureDay,
    Membership,
    Organisation,
    OrganisationPolicy,
    Role,
)
from candour.organisations.policy import PolicyError, preset, validate_policy


def _audit_save(request, obj, change: bool, event: str, **details) -> None:
    record(
        f"{event}_{'changed' if change else 'created'}",
        actor=request.user,
        organisation_id=getattr(obj, "organisation_id", None) or getattr(obj, "pk", None),
        object=str(obj),
        **details,
    )


class AuditedAdmin(admin.ModelAdmin):
    audit_event = "record"

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _audit_save(request, obj, change, self.audit_event, fields=sorted(form.changed_data))

    @transaction.atomic
    def delete_model(self, request, obj):
        record(f"{self.audit_event}_deleted", actor=request.user, object=str(obj))
        super().delete_model(request, obj)


class IndentedJSONField(forms.JSONField):
    """Shows the policy laid out one setting per line, so an administrator can edit it."""

    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


class PolicyForm(forms.ModelForm):
    data = IndentedJSONField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "style": "font-family: monospace"}),
        help_text="The policy as JSON. Leave empty and choose a preset to start from it.",
    )

    class Meta:
        model = OrganisationPolicy
        fields = ["organisation", "preset", "data"]

    def clean(self):
        cleaned = super().clean()
        data = cleaned.get("data")
        if not data:
            if not cleaned.get("preset"):
                raise forms.ValidationError("Choose a preset or give the policy as JSON.")
            data = preset(cleaned["preset"])
        try:
            validate_policy(data)
        except PolicyError as error:
            raise forms.ValidationError({"data": str(error)}) from None
        cleaned["data"] = data
        return cleaned


@admin.register(OrganisationPolicy)
class OrganisationPolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = ["organisation", "preset", "updated_at"]
    search_fields = ["organisation__name", "organisation__code"]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        before = OrganisationPolicy.objects.filter(pk=obj.pk).values_list("data", flat=True).first()
        obj.data = form.cleaned_data["data"]
        super().save_model(request, obj, form, change)
        record(
            "policy_changed",
            actor=request.user,
            organisation_id=obj.organisation_id,
            before=before,
            after=obj.data,
            preset=obj.preset,
        )


class PolicyInline(admin.StackedInline):
    model = OrganisationPolicy
    form = PolicyForm
    extra = 0
    max_num = 1


class ClosureInline(admin.TabularInline):
    model = ClosureDay
    extra = 0
    fields = ["date", "reason"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    audit_event = "organisation"
    list_display = ["name", "code", "kind", "parent", "nation", "policy_preset"]
    list_filter = ["kind", "nation"]
    search_fields = ["name", "code"]
    inlines = [PolicyInline, ClosureInline]

    @admin.display(description="Policy")
    def policy_preset(self, obj):
        record = getattr(obj, "policy_record", None)
        return (record.preset or "custom") if record else "inherited"

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            if isinstance(inline_form, PolicyForm) and inline_form.cleaned_data.get("data"):
                inline_form.instance.data = inline_form.cleaned_data["data"]
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            record(
                "organisation_settings_changed",
                actor=request.user,
                organisation_id=form.instance.pk,
                part=formset.model._meta.verbose_name_plural,
            )


class RoleForm(forms.ModelForm):
    capabilities = forms.MultipleChoiceField(
        choices=Capability.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Role
        fields = ["name", "capabilities"]


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    audit_event = "role"
    form = RoleForm
    list_display = ["name", "capability_list"]

    @admin.display(description="May")
    def capability_list(self, obj):
        return ", ".join(Capability(c).label.lower() for c in obj.capabilities)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    audit_event = "membership"
    list_display = ["user", "role", "organisation"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "organisation__name"]
    autocomplete_fields = ["organisation"]


@admin.register(ClosureDay)
class ClosureDayAdmin(AuditedAdmin):
    audit_event = "closure_day"
    list_display = ["date", "reason", "organisation", "nation"]
    list_filter = ["nation"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = ["user", "name", "revoked_at", "prefix", "created_at", "last_used_at"]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            record(
                "api_token_changed",
                actor=request.user,
                token=obj.prefix,
                revoked=obj.revoked_at is not None,
            )
            return
        issued, token = ApiToken.issue(obj.user, obj.name)
        obj.pk = issued.pk
        record(
            "api_token_issued",
            actor=request.user,
            token=issued.prefix,
            for_user=obj.user.get_username(),
        )
        messages.warning(
            request,
            f"Token for {obj.user}: {token} — copy it now; Candour keeps only a digest and "
            "cannot show it again.",
        )
