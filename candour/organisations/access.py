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
    cache = user.__dict__.setdefault("_candour_org_ids", {})
    if capability in cache:
        return cache[capability]
    paths = [
        m.organisation.path
        for m in Membership.objects.filter(user=user).select_related("organisation", "role")
        if capability in m.role.capabilities
    ]
    if not paths:
        ids: frozenset[int] = frozenset()
    else:
        query = Q()
        for path in paths:
            query |= Q(path__startswith=path)
        ids = frozenset(Organisation.objects.filter(query).values_list("pk", flat=True))
    cache[capability] = ids
    return ids


def organisations_for(user, capability: Capability = Capability.VIEW_CASES):
    return Organisation.objects.filter(pk__in=organisation_ids_for(user, capability))


def can(user, capability: Capability, organisation_id: int) -> bool:
    return organisation_id in organisation_ids_for(user, capability)


def forget(user) -> None:
    """Drop the per-request cache after memberships change."""
    user.__dict__.pop("_candour_org_ids", None)
