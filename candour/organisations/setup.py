"""Setting up organisations, their policy, roles and memberships: each change audited."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django_otp.plugins.otp_totp.models import TOTPDevice

from candour.audit.chain import record
from candour.calendars import Nation
from candour.config.transactions import atomic
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

V, H, INV, S, C, A, R = (
    Capability.VIEW_CASES,
    Capability.HANDLE_CASES,
    Capability.INVESTIGATE,
    Capability.SIGN_OFF,
    Capability.VIEW_CONFIDENTIAL,
    Capability.ADMINISTER,
    Capability.VIEW_REPORTS,
)

# R39: the roles the seeds name, and what each may do. Administrators can change these.
ROLE_CAPABILITIES: dict[str, list[str]] = {
    "Responsible Person": [V, S, C, R],
    "Complaints Manager": [V, H, INV, C, A, R],
    "Investigating Officer": [V, INV],
    "Office Manager": [V, H, C, R],
    "Executive Manager": [V, H, INV, C, A, R],
    "Partner": [V, S, C, R],
    "Receptionist": [H],
    "Customer Care Officer": [V, H, C],
    "Head of Corporate Governance": [V, H, INV, C, A, R],
    "Director": [V, S, C, R],
    "Accountable Officer": [V, S, C, R],
    "Registered Manager": [V, H, S, C, R],
    "Clinician": [V, INV],
    "Head of Healthcare": [V, H, INV, R],  # runs a site's complaints and reports them (000)
    "Regional Governance Manager": [V, H, INV, C, R],
    "Regional Medical Director": [V, INV, S],
    "Regional Operations Manager": [V, INV],
    "Regional Director": [V, S, R],
    "Regional Manager": [V, H],
    "National Complaints Manager": [V, H, INV, C, R],
    "National Complaints Reviewer": [V, H, INV, C],
    "National Medical Director": [V, S, C, R],
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


@atomic
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


@atomic
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


@atomic
def add_member(user, organisation: Organisation, role_name: str, *, by=None) -> Membership:
    role = Role.objects.filter(name=role_name).first()
    if role is None:
        raise SetupError(f"role: there is no role called {role_name!r}")
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role
    )
    if created:
        _membership_changed("membership_granted", user, organisation, role_name, by)
    access.forget(user)
    return membership


def _membership_changed(event: str, user, organisation: Organisation, role_name: str, by):
    record(
        event,
        actor=by,
        organisation_id=organisation.pk,
        user=user.get_username(),
        role=role_name,
    )


@atomic
def add_closure_day(organisation: Organisation, day: date, reason: str, *, by) -> ClosureDay:
    if not reason.strip():
        raise SetupError("reason: say why the organisation is closed")
    if len(reason.strip()) > 200:
        raise SetupError("reason: keep the reason to 200 characters or fewer")
    if ClosureDay.objects.filter(organisation=organisation, date=day).exists():
        raise SetupError(f"date: {day:%-d %B %Y} is already a closure day")
    closure = ClosureDay.objects.create(organisation=organisation, date=day, reason=reason.strip())
    organisation.__dict__.pop("_calendar_cache", None)
    record("closure_day_added", actor=by, organisation_id=organisation.pk, date=day, reason=reason)
    return closure


ADDRESS_LINES = 8


@atomic
def update_letterhead(
    organisation: Organisation, *, address: str, telephone: str = "", email: str = "", by
) -> Organisation:
    """The organisation's postal address, telephone and email, printed on its letterhead and
    given to complainants in its letters (R17, R24). By a member who administers it (the
    caller checks: the manage pages find only organisations the user administers; the API
    refuses others)."""
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    if not lines:
        raise SetupError(
            "address: enter the letterhead's postal address, each line on a line of its own, "
            "ending with the postcode"
        )
    if len(lines) > ADDRESS_LINES or any(len(line) > 100 for line in lines):
        raise SetupError(
            f"address: keep the address to {ADDRESS_LINES} lines of up to 100 characters each"
        )
    telephone, email = telephone.strip(), email.strip()
    if len(telephone) > 40:
        raise SetupError("telephone: keep the telephone number to 40 characters or fewer")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise SetupError(
                "email: enter an email address like complaints@example.nhs.uk"
            ) from None
    before = {
        "address": organisation.address,
        "telephone": organisation.telephone,
        "email": organisation.email,
    }
    after = {"address": "\n".join(lines), "telephone": telephone, "email": email}
    if before == after:
        return organisation
    for field, value in after.items():
        setattr(organisation, field, value)
    Organisation.objects.filter(pk=organisation.pk).update(**after)
    record(
        "organisation_letterhead_changed",
        actor=by,
        organisation_id=organisation.pk,
        before=before,
        after=after,
    )
    return organisation


def grantable_roles(organisation: Organisation) -> list[str]:
    """The roles an administrator may grant at `organisation`: those its policy names."""
    return list(organisation.policy.roles)


@atomic
def grant_role(user, organisation: Organisation, role_name: str, *, by) -> Membership:
    """Give `user` a role at `organisation`; the role must be one its policy names."""
    if role_name not in grantable_roles(organisation):
        raise SetupError(
            f"role: choose one of the roles in {organisation.name}'s policy, not {role_name!r}"
        )
    if Membership.objects.filter(
        user=user, organisation=organisation, role__name=role_name
    ).exists():
        raise SetupError(f"role: {user.get_username()} already has the role {role_name}")
    return add_member(user, organisation, role_name, by=by)


@atomic
def revoke_role(user, organisation: Organisation, role_name: str, *, by) -> None:
    """Take a role at `organisation` away from `user`. An administrator cannot take away
    their own administering role (someone else must), so an organisation is not left
    without one by a slip."""
    membership = (
        Membership.objects.select_related("role")
        .filter(user=user, organisation=organisation, role__name=role_name)
        .first()
    )
    if membership is None:
        raise SetupError(f"role: {user.get_username()} does not have the role {role_name}")
    if by is not None and by.pk == user.pk and A in membership.role.capabilities:
        raise SetupError(
            "role: you cannot remove your own administrator role; ask another administrator"
        )
    membership.delete()
    _membership_changed("membership_revoked", user, organisation, role_name, by)
    access.forget(user)


# The columns of Django's user: username, first_name and last_name.
USERNAME_MAX = NAME_PART_MAX = 150


@atomic
def add_staff_user(
    organisation: Organisation,
    *,
    username: str,
    full_name: str,
    email: str,
    password: str,
    role_name: str,
    by,
):
    """A new staff account with an initial password and one role at `organisation`. It has
    no authenticator app yet, so its first sign-in makes the user set one up."""
    User = get_user_model()
    username = username.strip()
    if not username:
        raise SetupError("username: enter a username, for example jsmith")
    if len(username) > USERNAME_MAX:
        raise SetupError(f"username: keep it to {USERNAME_MAX} characters or fewer")
    if User.objects.filter(username__iexact=username).exists():
        raise SetupError(f"username: {username} is already taken; choose another")
    try:
        User.username_validator(username)
    except ValidationError:
        raise SetupError(
            "username: use letters, digits and @ . + - _ only, with no spaces"
        ) from None
    first, _, last = full_name.strip().partition(" ")
    if not first:
        raise SetupError("full_name: enter the person's name")
    if len(first) > NAME_PART_MAX or len(last.strip()) > NAME_PART_MAX:
        raise SetupError(
            f"full_name: keep each of the first name and the rest to {NAME_PART_MAX} characters"
        )
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise SetupError("email: enter an email address like name@example.nhs.uk") from None
    user = User(username=username, first_name=first, last_name=last.strip(), email=email)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise SetupError(f"password: {' '.join(error.messages)}") from None
    if role_name not in grantable_roles(organisation):
        raise SetupError(f"role: choose one of the roles in {organisation.name}'s policy")
    user.set_password(password)
    user.save()
    record(
        "staff_user_created",
        actor=by,
        organisation_id=organisation.pk,
        user=username,
        name=full_name.strip(),
    )
    add_member(user, organisation, role_name, by=by)
    return user


@atomic
def reset_second_factor(user, organisation: Organisation, *, by) -> int:
    """Remove a user's authenticator app (lost or replaced phone): their next sign-in sets
    up a new one. Returns how many devices were removed.

    Until they set up the new one, the password alone lets someone enrol an app; so only an
    administrator of every organisation where the user holds a role may reset it, and never
    for a superuser (whose account reaches more than any organisation)."""
    if by is not None:
        theirs = set(Membership.objects.filter(user=user).values_list("organisation", flat=True))
        if user.is_superuser or not theirs <= access.organisation_ids_for(by, A):
            raise SetupError(
                f"user: {user.get_username()} also works for organisations you do not "
                "administer; ask a Candour system administrator to reset their app"
            )
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    record(
        "second_factor_reset",
        actor=by,
        organisation_id=organisation.pk,
        user=user.get_username(),
        devices=removed,
    )
    return removed


@atomic
def remove_closure_day(closure: ClosureDay, *, by) -> None:
    organisation = closure.organisation
    closure.delete()
    organisation.__dict__.pop("_calendar_cache", None)
    record(
        "closure_day_removed",
        actor=by,
        organisation_id=organisation.pk,
        date=closure.date,
        reason=closure.reason,
    )


__all__ = [
    "PolicyError",
    "SetupError",
    "add_closure_day",
    "add_member",
    "add_staff_user",
    "create_organisation",
    "ensure_roles",
    "grant_role",
    "grantable_roles",
    "remove_closure_day",
    "reset_second_factor",
    "revoke_role",
    "set_policy",
]
