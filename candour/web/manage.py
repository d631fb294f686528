"""Organisation administration for staff: users and their roles, closure days, the policy.

For members with the ADMINISTER capability, at the organisations where they hold it (and
those below). Every other organisation is not found (404), as a case outside a user's reach
is. Each change is a domain function in candour/organisations/setup.py, validated and
audited in one transaction; these views only parse the form and show the outcome. Django's
own admin (/admin/) stays for superusers.
"""

from __future__ import annotations

import json
from datetime import date

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from candour.organisations import access, setup
from candour.organisations.models import (
    Capability,
    ClosureDay,
    Membership,
    Organisation,
    OrganisationPolicy,
)
from candour.organisations.policy import PolicyError, validate_policy


def administered(user):
    return access.organisations_for(user, Capability.ADMINISTER).order_by("path")


def _organisation(request, code: str) -> Organisation:
    """The organisation with this code if the user administers it; otherwise not found."""
    organisation = Organisation.objects.filter(code=code.upper()).first()
    if organisation is None or not access.can(request.user, Capability.ADMINISTER, organisation.pk):
        raise Http404("There is no organisation with that code that you administer.")
    return organisation


def _field_errors(error: Exception, fields: set[str], default: str) -> dict[str, str]:
    """A SetupError's 'field: message' as {field id: message} for the error summary."""
    field, sep, message = str(error).partition(": ")
    if sep and field in fields:
        return {field: message[:1].upper() + message[1:]}
    return {default: str(error)}


def index(request):
    organisations = list(administered(request.user))
    if not organisations:
        raise Http404("You do not administer any organisation.")
    if len(organisations) == 1:
        return redirect("web:manage-organisation", organisations[0].code)
    return render(request, "web/manage/index.jinja", {"administered": organisations})


def organisation(request, code: str):
    org = _organisation(request, code)
    memberships = (
        Membership.objects.filter(organisation=org)
        .select_related("user", "role")
        .order_by("user__username", "role__name")
    )
    people: dict[int, dict] = {}
    for m in memberships:
        entry = people.setdefault(m.user_id, {"user": m.user, "roles": []})
        entry["roles"].append(m.role.name)
    with_app = set(
        TOTPDevice.objects.filter(user_id__in=people, confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    for pk, entry in people.items():
        entry["has_app"] = pk in with_app
    return render(
        request,
        "web/manage/organisation.jinja",
        {
            "org": org,
            "people": list(people.values()),
            "closures": ClosureDay.objects.filter(organisation=org).order_by("date"),
            "errors": {},
        },
    )


def add_user(request, code: str):
    org = _organisation(request, code)
    values = {"username": "", "full_name": "", "email": "", "role": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            user = setup.add_staff_user(
                org,
                username=values["username"],
                full_name=values["full_name"],
                email=values["email"],
                password=request.POST.get("password", ""),
                role_name=values["role"],
                by=request.user,
            )
        except setup.SetupError as error:
            errors = _field_errors(error, set(values) | {"password"}, "username")
        else:
            messages.success(
                request,
                f"Added {user.get_username()} as {values['role']}. Give them their username "
                "and initial password; at first sign-in they set up an authenticator app.",
            )
            return redirect("web:manage-organisation", org.code)
    return render(
        request,
        "web/manage/add_user.jinja",
        {"org": org, "values": values, "errors": errors, "roles": setup.grantable_roles(org)},
        status=400 if errors else 200,
    )


def letterhead(request, code: str):
    """The postal address, telephone and email on the organisation's letters."""
    org = _organisation(request, code)
    values = {"address": org.address, "telephone": org.telephone, "email": org.email}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            setup.update_letterhead(org, **values, by=request.user)
        except setup.SetupError as error:
            errors = _field_errors(error, set(values), "address")
        else:
            messages.success(request, "Saved the letterhead. New letters use it.")
            return redirect("web:manage-organisation", org.code)
    return render(
        request,
        "web/manage/letterhead.jinja",
        {"org": org, "values": values, "errors": errors},
        status=400 if errors else 200,
    )


def _member(org: Organisation, user_id: int):
    """A user with a role at this organisation; anyone else is not found here."""
    user = get_user_model().objects.filter(pk=user_id, memberships__organisation=org).first()
    if user is None:
        raise Http404("That person has no role at this organisation.")
    return user


def person(request, code: str, user_id: int):
    org = _organisation(request, code)
    member = _member(org, user_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        role = request.POST.get("role", "")
        try:
            if action == "grant":
                setup.grant_role(member, org, role, by=request.user)
                messages.success(request, f"{member.get_username()} now has the role {role}.")
            elif action == "revoke":
                setup.revoke_role(member, org, role, by=request.user)
                messages.success(request, f"Removed the role {role} from {member.username}.")
            elif action == "reset-app":
                setup.reset_second_factor(member, org, by=request.user)
                messages.success(
                    request,
                    f"Reset {member.get_username()}'s authenticator app. At their next sign-in "
                    "they set up a new one.",
                )
            else:
                errors["role"] = "Choose what to do: grant a role, remove one, or reset the app"
        except setup.SetupError as error:
            field, _, message = str(error).partition(": ")
            where = "reset-app" if field == "user" else "role"
            errors = {where: message[:1].upper() + message[1:]}
        if not errors:
            if not Membership.objects.filter(user=member, organisation=org).exists():
                return redirect("web:manage-organisation", org.code)
            return redirect("web:manage-person", org.code, member.pk)
    roles = list(
        Membership.objects.filter(user=member, organisation=org)
        .order_by("role__name")
        .values_list("role__name", flat=True)
    )
    return render(
        request,
        "web/manage/person.jinja",
        {
            "org": org,
            "member": member,
            "roles": roles,
            "grantable": [r for r in setup.grantable_roles(org) if r not in roles],
            "has_app": TOTPDevice.objects.filter(user=member, confirmed=True).exists(),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _parse_date(request) -> tuple[date | None, str]:
    parts = [request.POST.get(f"date-{p}", "").strip() for p in ("day", "month", "year")]
    if not all(parts):
        return None, "Enter the date, for example 24 12 2026"
    try:
        d, m, y = (int(p) for p in parts)
        return date(y, m, d), ""
    except ValueError:
        return None, "Enter a real date, for example 24 12 2026"


def closure_days(request, code: str):
    org = _organisation(request, code)
    errors: dict[str, str] = {}
    values = {"day": "", "month": "", "year": "", "reason": ""}
    if request.method == "POST":
        values = {
            "day": request.POST.get("date-day", ""),
            "month": request.POST.get("date-month", ""),
            "year": request.POST.get("date-year", ""),
            "reason": request.POST.get("reason", ""),
        }
        day, problem = _parse_date(request)
        if problem:
            errors["date-day"] = problem
        else:
            try:
                setup.add_closure_day(org, day, values["reason"], by=request.user)
            except setup.SetupError as error:
                errors = _field_errors(error, {"date", "reason"}, "reason")
                if "date" in errors:  # the summary links to the first box of the date
                    errors["date-day"] = errors.pop("date")
            else:
                messages.success(request, f"Added a closure day on {day:%-d %B %Y}.")
                return redirect("web:manage-closure-days", org.code)
    return render(
        request,
        "web/manage/closure_days.jinja",
        {
            "org": org,
            "closures": ClosureDay.objects.filter(organisation=org).order_by("date"),
            "values": values,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@require_POST
def remove_closure_day(request, code: str, closure_id: int):
    org = _organisation(request, code)
    closure = ClosureDay.objects.filter(pk=closure_id, organisation=org).first()
    if closure is None:
        raise Http404("That closure day is not one of this organisation's.")
    setup.remove_closure_day(closure, by=request.user)
    messages.success(request, f"Removed the closure day on {closure.date:%-d %B %Y}.")
    return redirect("web:manage-closure-days", org.code)


def policy(request, code: str):
    org = _organisation(request, code)
    own = OrganisationPolicy.objects.filter(organisation=org).first()
    errors: dict[str, str] = {}
    if request.method == "POST":
        text = request.POST.get("policy", "")
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise PolicyError("policy: must be a JSON object, { … }")
            setup.set_policy(org, data, by=request.user)
        except json.JSONDecodeError as error:
            errors["policy"] = (
                f"The policy is not valid JSON: {error.msg} at line {error.lineno}, "
                f"column {error.colno}"
            )
        except PolicyError as error:
            errors["policy"] = f"The policy was not saved. {error}"
        else:
            messages.success(request, "Saved the policy.")
            return redirect("web:manage-policy", org.code)
    else:
        text = json.dumps(own.data if own else org.policy.model_dump(mode="json"), indent=2)
    inherited_from = None
    if own is None:
        inherited_from = next(
            (
                a
                for a in reversed(org.ancestors())
                if OrganisationPolicy.objects.filter(organisation=a).exists()
            ),
            None,
        )
    try:
        shown = validate_policy(own.data) if own else org.policy
    except PolicyError:
        shown = None
    return render(
        request,
        "web/manage/policy.jinja",
        {
            "org": org,
            "policy": shown,
            "preset": own.preset if own else "",
            "inherited_from": inherited_from,
            "text": text,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


__all__ = [
    "add_user",
    "closure_days",
    "index",
    "organisation",
    "person",
    "policy",
    "remove_closure_day",
]
