"""Staff report pages (issue 5): an index to choose the organisation, the report and its
period; each report as a page with its consistency check, the cases behind any figure, the
team's commentary, and downloads (spreadsheet; PDF for the annual, quarterly and monthly
reports).

Only members holding VIEW_REPORTS see reports, and only of organisations where they may also
see the cases (every figure is counted over `cases_for(user)`); any other organisation is
not found (404), as a case outside a user's reach is. The pages parse the request, call
candour.reporting, and render.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from candour.cases.access import cases_for
from candour.cases.workflow import CaseError
from candour.cases.workflow import PermissionDenied as ReportsRefused
from candour.coding import returns
from candour.coding.coding import MOST_AT_ONCE, may_code
from candour.coding.models import Dimension
from candour.organisations.models import Organisation
from candour.reporting import catalogue, commentary, spreadsheets
from candour.reporting import pdf as report_pdf
from candour.reporting.access import OrganisationNotFound, reported_organisation
from candour.reporting.figures import ReportError, report_organisation_ids
from candour.reporting.present import behind, display
from candour.text import whole_number
from candour.web.coding import bulk_form

KO41_KINDS = ("ko41a", "ko41b")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MOST_CASES_LISTED = 500


def _organisation(request, code: str) -> Organisation:
    try:
        return reported_organisation(request.user, code)
    except (OrganisationNotFound, ReportsRefused):
        raise Http404(
            "There is no organisation with that code whose reports you may see."
        ) from None


def _report(request, code: str, kind: str, period: str):
    organisation = _organisation(request, code)
    try:
        if catalogue.period_key(kind, period) != period:
            raise Http404("Name the period as the reports index does.")
        return (
            organisation,
            catalogue.kind(kind),
            catalogue.build(request.user, organisation, kind, period),
        )
    except ReportError as error:
        raise Http404(str(error)) from None


def _period_heading(kind) -> str:
    return (
        "Financial year" if kind.key in ("annual", "ko41a", "ko41b", "commissioner") else "Period"
    )


def index(request):
    ids = report_organisation_ids(request.user)
    if not ids:
        raise Http404("You do not see the reports of any organisation.")
    organisations = list(Organisation.objects.filter(pk__in=ids).order_by("path"))
    latest = catalogue.latest_periods()
    values = {
        "organisation": request.GET.get("organisation", organisations[0].code),
        "report": request.GET.get("report", "annual"),
        "period": request.GET.get("period", ""),
    }
    errors: dict[str, str] = {}
    if "report" in request.GET:
        chosen = next((o for o in organisations if o.code == values["organisation"]), None)
        if chosen is None:
            errors["organisation"] = "Choose one of the organisations listed."
        if values["report"] not in catalogue.KINDS:
            errors["report"] = "Choose one of the reports listed."
        else:
            try:
                key = catalogue.period_key(values["report"], values["period"])
            except ReportError as error:
                errors["period"] = str(error)
        if not errors:
            return redirect("web:report", chosen.code, values["report"], key)
    return render(
        request,
        "web/reports/index.jinja",
        {
            "reachable": organisations,
            "kinds": list(catalogue.KINDS.values()),
            "latest": latest,
            "values": values,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def report(request, code: str, kind: str, period: str, *, errors=None, draft=None):
    organisation, k, built = _report(request, code, kind, period)
    context = {
        "org": organisation,
        "kind": k,
        "period": period,
        "report": built,
        "figure": display,
        "behind": behind,
        "period_heading": _period_heading(k),
        "errors": errors or {},
    }
    if kind == "commissioner":
        context["case_columns"] = built.columns
        return render(request, "web/reports/commissioner.jinja", context)
    if kind in KO41_KINDS:
        context["submission"] = returns.submission(
            organisation, built.return_code, built.year.first_year
        )
        context["may_submit"] = returns.may_submit(request.user, organisation)
    if k.commentary:
        context["commentary"] = commentary.current(organisation, kind, period)
        context["history"] = commentary.history(organisation, kind, period)[1:]
        context["draft"] = draft
    return render(request, "web/reports/report.jinja", context, status=400 if errors else 200)


@require_POST
def save_commentary(request, code: str, kind: str, period: str):
    organisation, k, _ = _report(request, code, kind, period)
    if not k.commentary:
        raise Http404("This report has no commentary.")
    text = request.POST.get("commentary", "")
    raw = request.POST.get("based_on") or "0"
    based_on = whole_number(raw)
    if based_on is None:
        based_on = -1
    try:
        saved = commentary.save_commentary(
            organisation, kind, period, by=request.user, text=text, based_on=based_on
        )
    except PermissionDenied:
        raise Http404(
            "There is no organisation with that code whose reports you may see."
        ) from None
    except ReportError as error:
        return report(request, code, kind, period, errors={"commentary": str(error)}, draft=text)
    messages.success(request, f"Saved the commentary (version {saved.version}).")
    return redirect("web:report", organisation.code, kind, period)


def _figure(organisation, kind, period, built, table, row) -> dict:
    """What a page about one figure of a report names: the report, its table and row."""
    return {
        "org": organisation,
        "kind": kind,
        "period": period,
        "report": built,
        "table": table,
        "row": row,
    }


def cases(request, code: str, kind: str, period: str):
    """The cases behind one figure: ?table=&row=&column= as the report page links them."""
    organisation, k, built = _report(request, code, kind, period)
    if kind == "commissioner":
        raise Http404("The anonymised summary does not list cases behind its figures.")
    table_key, row_key = request.GET.get("table", ""), request.GET.get("row", "")
    table = built.tables.get(table_key)
    if table is None:
        raise Http404("The report has no such table.")
    column = request.GET.get("column") or table.columns[-1]
    try:
        row = table.row(row_key)
        cell = table.cell(row_key, column)
    except (KeyError, ValueError):
        raise Http404("The table has no such figure.") from None
    ids = built.scope.case_ids(cell)
    listed = list(
        cases_for(request.user)
        .filter(pk__in=ids[:MOST_CASES_LISTED])
        .order_by("received_at", "pk")
        .only("reference", "kind", "status", "received_at", "responded_at", "outcome")
    )
    return render(
        request,
        "web/reports/cases.jinja",
        {
            **_figure(organisation, k, period, built, table, row),
            "column": column,
            "value": display(cell),
            "cases": listed,
            "total": len(ids),
            "most": MOST_CASES_LISTED,
        },
    )


def spreadsheet(request, code: str, kind: str, period: str):
    organisation, _, built = _report(request, code, kind, period)
    if kind == "commissioner":
        wb = spreadsheets.commissioner_workbook(built)
    elif kind in ("ko41a", "ko41b"):
        wb = spreadsheets.ko41_workbook(built)
    else:
        current = commentary.current(organisation, kind, period) or False
        wb = (
            spreadsheets.annual_workbook(built, current)
            if kind == "annual"
            else spreadsheets.period_workbook(built, current)
        )
    response = HttpResponse(spreadsheets.to_bytes(wb), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="{organisation.code}-{kind}-{period}.xlsx"'
    )
    return response


def pdf(request, code: str, kind: str, period: str):
    organisation, k, built = _report(request, code, kind, period)
    if not k.pdf:
        raise Http404("This report is made as a spreadsheet only.")
    content = report_pdf.pdf(
        built,
        title=built.title,
        period_heading=_period_heading(k),
        commentary=commentary.current(organisation, kind, period) or False,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{organisation.code}-{kind}-{period}.pdf"'
    )
    return response


@require_POST
def submission(request, code: str, kind: str, period: str):
    """Mark a KO41 return as submitted (locking its cases' coding), or withdraw the mark."""
    organisation = _organisation(request, code)
    try:
        if catalogue.period_key(kind, period) != period:
            raise ReportError("Name the period as the reports index does.")
        return_code, year = catalogue.ko41_return(kind, period)
    except ReportError as error:
        raise Http404(str(error)) from None
    withdraw = request.POST.get("action") == "withdraw"
    act = returns.withdraw_submission if withdraw else returns.mark_submitted
    try:
        act(organisation, return_code, year, by=request.user)
    except CaseError as error:
        messages.error(request, str(error))
    else:
        done = (
            f"The {return_code} {period} return is no longer marked submitted: its cases "
            "can be coded again."
            if withdraw
            else f"The {return_code} {period} return is marked submitted."
        )
        messages.success(request, done)
    return redirect("web:report", organisation.code, kind, period)


def _lacking(dimension: str) -> str:
    return "theme" if dimension == "theme" else f"{Dimension(dimension).label.lower()} code"


def uncoded(request, code: str, kind: str, period: str):
    """The cases behind a report's "not coded" figure (?table=), to code them at once: the
    same cases as the figure, so the count here is the report's."""
    organisation, k, built = _report(request, code, kind, period)
    table = built.tables.get(request.GET.get("table", ""))
    row = next((r for r in table.rows if r.uncoded), None) if table is not None else None
    if row is None:
        raise Http404("The report has no figure of cases without a code in that table.")
    cell = row.cells[-1]
    ids = built.scope.case_ids(cell)
    listed = list(
        cases_for(request.user)
        .filter(pk__in=ids[:MOST_AT_ONCE])
        .select_related("organisation")
        .order_by("received_at", "pk")
    )
    ticked = {c.reference for c in listed} if request.GET.get("all") else set()
    return render(
        request,
        "web/reports/uncoded.jinja",
        {
            **bulk_form(listed),
            **_figure(organisation, k, period, built, table, row),
            "lacking": _lacking(row.uncoded),
            "figure": display(cell),
            "total": len(ids),
            "most": MOST_AT_ONCE,
            "ticked": ticked,
            "may_code": may_code(request.user, organisation.pk),
            "here": f"{request.path}?{urlencode({'table': table.key})}",
            "errors": {},
        },
    )
