"""Setting up organisations, their policy, roles and memberships: each change audited."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from candour.audit.chain import record
from candour.calendars import Nation
from candour.organisations import access
from candour.organisations.models import (
    Capability,
    ClosureDay,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationPolicy,
    Role,
)
from candour.organisations.policy import PolicyError, preset, validate_policy

V, H, INV, S, C, A = (
    Capability.VIEW_CASES,
    Capability.HANDLE_CASES,
    Capability.INVESTIGATE,
    Capability.SIGN_OFF,
    Capability.VIEW_CONFIDENTIAL,
    Capability.ADMINISTER,
)

# R39: the roles the seeds name, and what each may do. Administrators can change these.
ROLE_CAPABILITIES: dict[str, list[str]] = {
    "Responsible Person": [V, S, C],
    "Complaints Manager": [V, H, INV, C, A],
    "Investigating Officer": [V, INV],
    "Office Manager": [V, H, C],
    "Executive Manager": [V, H, INV, C, A],
    "Partner": [V, S, C],
    "Receptionist": [H],
    "Customer Care Officer": [V, H, C],
    "Head of Governance": [V, H, INV, C, A],
    "Director": [V, S, C],
    "Accountable Officer": [V, S, C],
    "Registered Manager": [V, H, S, C],
    "Clinician": [V, INV],
    "Head of Healthcare": [V, H, INV],
    "Regional Governance Manager": [V, H, INV, C],
    "Regional Medical Director": [V, INV, S],
    "Regional Operations Manager": [V, INV],
    "Regional Director": [V, S],
    "Regional Manager": [V, H],
    "National Complaints Manager": [V, H, INV, C],
    "National Complaints Reviewer": [V, H, INV, C],
    "National Medical Director": [V, S, C],
}


class SetupError(ValueError):
    pass


def ensure_roles(names: list[str]) -> dict[str, Role]:
    roles = {}
    for name in names:
        role, _ = Role.objects.get_or_create(
            name=name, defaults={"capabilities": [str(c) for c in ROLE_CAPABILITIES.get(name, [V])]}
        )
        roles[name] = role
    return roles


@transaction.atomic
def create_organisation(
    *,
    name: str,
    code: str,
    kind: str,
    by=None,
    parent: Organisation | None = None,
    nation: str = Nation.ENGLAND,
    preset_name: str | None = None,
    policy_data: dict | None = None,
) -> Organisation:
    """Create an organisation, optionally with a policy from a preset (or given data)."""
    if kind not in OrganisationKind.values:
        raise SetupError(f"kind: must be one of {', '.join(OrganisationKind.values)}")
    if nation not in Nation.__members__.values():
        raise SetupError(f"nation: must be one of {', '.join(n.value for n in Nation)}")
    code = code.upper()
    if not code.replace("-", "").isalnum() or len(code) > 12:
        raise SetupError("code: use up to 12 letters and digits, for example MMG")
    if Organisation.objects.filter(code=code).exists():
        raise SetupError(f"code: {code} is already used by another organisation")
    data = policy_data
    if preset_name:
        data = preset(preset_name)
    if data is not None:
        policy = validate_policy(data)
    elif parent is None:
        raise SetupError("preset: a top-level organisation needs a policy; choose a preset")
    organisation = Organisation.objects.create(
        name=name, code=code, kind=kind, parent=parent, nation=nation
    )
    if data is not None:
        OrganisationPolicy.objects.create(
            organisation=organisation, preset=preset_name or "", data=data
        )
        ensure_roles(policy.roles)
    record(
        "organisation_created",
        actor=by,
        organisation_id=organisation.pk,
        name=name,
        code=code,
        kind=kind,
        parent=parent.pk if parent else None,
        preset=preset_name,
    )
    return organisation


@transaction.atomic
def set_policy(organisation: Organisation, data: dict, *, by, preset_name: str = "") -> None:
    """Replace an organisation's policy; rejected with a message naming the field if invalid."""
    policy = validate_policy(data)
    existing = OrganisationPolicy.objects.filter(organisation=organisation).first()
    before = existing.data if existing else None
    OrganisationPolicy.objects.update_or_create(
        organisation=organisation, defaults={"data": data, "preset": preset_name}
    )
    organisation.__dict__.pop("_policy_cache", None)
    # As create_organisation does: the roles the new policy names must exist to be granted.
    ensure_roles(policy.roles)
    record("policy_changed", actor=by, organisation_id=organisation.pk, before=before, after=data)


@transaction.atomic
def add_member(user, organisation: Organisation, role_name: str, *, by=None) -> Membership:
    role = Role.objects.filter(name=role_name).first()
    if role is None:
        raise SetupError(f"role: there is no role called {role_name!r}")
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role
    )
    if created:
        record(
            "membership_granted",
            actor=by,
            organisation_id=organisation.pk,
            user=user.get_username(),
            role=role_name,
        )
    access.forget(user)
    return membership


@transaction.atomic
def add_closure_day(organisation: Organisation, day: date, reason: str, *, by) -> ClosureDay:
    if not reason.strip():
        raise SetupError("reason: say why the organisation is closed")
    closure = ClosureDay.objects.create(organisation=organisation, date=day, reason=reason.strip())
    organisation.__dict__.pop("_calendar_cache", None)
    record("closure_day_added", actor=by, organisation_id=organisation.pk, date=day, reason=reason)
    return closure


__all__ = [
    "PolicyError",
    "SetupError",
    "add_closure_day",
    "add_member",
    "create_organisation",
    "ensure_roles",
    "set_policy",
]
