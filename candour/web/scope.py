"""Which of their organisations a signed-in user is working in.

A user with roles in several organisations chooses one with the switcher in the header; the
choice is kept in the session and narrows the worklist to that organisation and those below
it. It can only narrow: the choice must be one of the user's own organisations, and every
query still starts from cases_for(user).
"""

from __future__ import annotations

from candour.organisations.access import organisation_ids_for
from candour.organisations.models import Capability, Organisation
from candour.reporting.figures import report_organisation_ids

SESSION_KEY = "candour_organisation"


def member_organisations(user) -> list[Organisation]:
    """The organisations where the user holds a role directly, for the switcher (read once
    per request: the worklist names its queues from their policies)."""
    if not user.is_authenticated:
        return []
    cached = user.__dict__.get("_candour_member_organisations")
    if cached is None:
        cached = user.__dict__["_candour_member_organisations"] = list(
            Organisation.objects.filter(memberships__user=user).distinct().order_by("name")
        )
    return cached


def chosen(request) -> Organisation | None:
    """The organisation chosen in this session, if it is still one the user may see."""
    pk = request.session.get(SESSION_KEY)
    if pk is None or pk not in organisation_ids_for(request.user):
        return None
    return Organisation.objects.filter(pk=pk).first()


def choose(request, pk: int | None) -> Organisation | None:
    """Keep the choice in the session; None (or an organisation the user cannot see) means
    all of the user's organisations."""
    if pk is not None and pk in organisation_ids_for(request.user):
        request.session[SESSION_KEY] = pk
    else:
        request.session.pop(SESSION_KEY, None)
    return chosen(request)


def context(request) -> dict:
    """Jinja2 context processor: the signed-in user and their organisations."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"staff": None}
    organisations = member_organisations(user)
    return {
        "staff": user,
        "organisations": organisations,
        "organisation": chosen(request) if len(organisations) > 1 else None,
        "administers": bool(organisation_ids_for(user, Capability.ADMINISTER)),
        "sees_reports": bool(report_organisation_ids(user)),
    }
