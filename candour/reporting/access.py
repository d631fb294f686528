"""Whose reports a user may see (ADR 0010): the one rule that the report pages, the dashboard
and the API ask. Every figure is a count of cases, so a report needs VIEW_REPORTS and
VIEW_CASES at the organisation (`report_organisation_ids`). An organisation whose cases the
user cannot see is not found, as a case outside their reach is; one whose cases they see but
whose reports their role there does not include is refused."""

from __future__ import annotations

from candour.cases.workflow import PermissionDenied
from candour.organisations.access import organisation_ids_for
from candour.organisations.models import Organisation
from candour.reporting.figures import report_organisation_ids


class OrganisationNotFound(LookupError):
    """No organisation of that code whose cases the user may see."""


def reported_organisation(user, organisation: Organisation | str) -> Organisation:
    """The organisation (or the one of that code) if the user may see its reports:
    OrganisationNotFound where they cannot see its cases, PermissionDenied where they see
    its cases but their role there does not include its reports."""
    if isinstance(organisation, str):
        code = organisation
        organisation = Organisation.objects.filter(code=code.upper()).first()
    else:
        code = organisation.code
    if organisation is None or organisation.pk not in organisation_ids_for(user):
        raise OrganisationNotFound(f"There is no organisation {code} that you can see.")
    if organisation.pk not in report_organisation_ids(user):
        raise PermissionDenied(
            f"You do not have a role at {organisation.name} that allows seeing its reports."
        )
    return organisation


def dashboard_organisation(user, organisation: Organisation | str | None) -> Organisation | None:
    """What a dashboard is narrowed to: the organisation, as `reported_organisation` allows
    it, or None (every organisation whose reports the user may see) if it has at least one."""
    if organisation is not None:
        return reported_organisation(user, organisation)
    if not report_organisation_ids(user):
        raise PermissionDenied("You do not have a role that allows seeing reports.")
    return None
