"""The dashboard (R37): charts of the user's cases with the numbers beside them, and the
Making Data Count charts. Every figure comes from candour.reporting.dashboard, which counts
over cases_for(user): a user never sees another organisation's figures.

The organisation switcher narrows the dashboard as it narrows the worklist."""

from __future__ import annotations

from django.shortcuts import render

from candour.reporting import dashboard as figures
from candour.reporting.figures import report_organisation_ids
from candour.web import scope


def dashboard(request):
    errors = {}
    raw = request.GET.get("period", "12")
    period = int(raw) if raw in {str(p) for p in figures.PERIODS} else None
    if period is None:
        errors["period"] = "Choose a period of the last 12 or the last 24 months"
        period = 12
    if not report_organisation_ids(request.user):
        return render(request, "web/dashboard/none.jinja", status=403)
    within = scope.chosen(request)
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
