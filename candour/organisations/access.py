"""Which organisations a user may act in. Every query on case data starts here.

A membership of an organisation reaches that organisation and everything below it
(a regional role sees its sites; a national role sees every region). A user with no
membership reaches nothing: being a Django superuser grants no access to case data.
"""

from __future__ import annotations

from django.db.models import Q

from candour.organisations.models import Capability, Membership, Organisation


def organisation_ids_for(user, capability: Capability = Capability.VIEW_CASES) -> frozenset[int]:
    """Ids of the organisations where `user` holds a role with `capability`."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cache = user.__dict__.get("_candour_org_ids")
    if cache is None:
        cache = user.__dict__["_candour_org_ids"] = _reach(user)
    return cache.get(capability, frozenset())


def _reach(user) -> dict[str, frozenset[int]]:
    """Every capability's organisations at once, in two queries (the memberships, then the
    organisations below them), so that a page asking about several capabilities pays once."""
    paths_by_capability: dict[str, set[str]] = {}
    for m in Membership.objects.filter(user=user).select_related("organisation", "role"):
        for capability in m.role.capabilities:
            paths_by_capability.setdefault(capability, set()).add(m.organisation.path)
    paths = set().union(*paths_by_capability.values()) if paths_by_capability else set()
    if not paths:
        return {}
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    below = list(Organisation.objects.filter(query).values_list("pk", "path"))
    return {
        capability: frozenset(pk for pk, path in below if any(path.startswith(p) for p in granted))
        for capability, granted in paths_by_capability.items()
    }


def organisations_for(user, capability: Capability = Capability.VIEW_CASES):
    return Organisation.objects.filter(pk__in=organisation_ids_for(user, capability))


def can(user, capability: Capability, organisation_id: int) -> bool:
    return organisation_id in organisation_ids_for(user, capability)


def forget(user) -> None:
    """Drop the per-request cache after memberships change."""
    user.__dict__.pop("_candour_org_ids", None)


def people_with(capability: Capability | None, organisation: Organisation) -> list:
    """The active users who hold `capability` at `organisation` (by a role there or above
    it), by name: whom a case there can be assigned to. With no capability, everyone with a
    role there or above (staff named in a letter are copied whatever they may do, R27)."""
    ids = [o.pk for o in organisation.ancestors()] + [organisation.pk]
    memberships = Membership.objects.filter(
        organisation_id__in=ids, user__is_active=True
    ).select_related("user", "role")
    people = {
        m.user.pk: m.user
        for m in memberships
        if capability is None or capability in m.role.capabilities
    }
    return sorted(people.values(), key=lambda u: (u.get_full_name() or u.get_username()).lower())
