"""The dashboard (R37): charts of the user's cases with the numbers beside them, and the
Making Data Count charts. Every figure comes from candour.reporting.dashboard, which counts
over cases_for(user): a user never sees another organisation's figures.

The organisation switcher narrows the dashboard as it narrows the worklist, and the chosen
organisation must be one whose reports the user may see (reporting.access, the API's rule):
cases there are not enough."""

from __future__ import annotations

from django.shortcuts import render

from candour.cases.workflow import PermissionDenied
from candour.reporting import dashboard as figures
from candour.reporting.access import dashboard_organisation
from candour.web import scope


def dashboard(request):
    errors = {}
    raw = request.GET.get("period", "12")
    period = int(raw) if raw in {str(p) for p in figures.PERIODS} else None
    if period is None:
        errors["period"] = "Choose a period of the last 12 or the last 24 months"
        period = 12
    chosen = scope.chosen(request)
    try:
        within = dashboard_organisation(request.user, chosen)
    except PermissionDenied:
        return render(request, "web/dashboard/none.jinja", {"chosen": chosen}, status=403)
    board = figures.dashboard(request.user, within, period)
    return render(
        request,
        "web/dashboard/index.jinja",
        {
            "board": board,
            "sections": figures.sections(board),
            "within": within,
            "periods": figures.PERIODS,
            "errors": errors,
        },
    )
