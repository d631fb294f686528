"""Lessons learned and actions across cases (R35): a searchable list filtered by theme,
service and date, with words searched in the lesson or action, paginated.

The lists come from candour.cases.actions.lessons_for / actions_for, which start from
cases_for(user); the organisation switcher narrows them as it narrows the worklist."""

from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import render

from candour.cases import actions
from candour.web import scope

PAGE_SIZE = 20
SHOW = {"lessons": "Lessons learned", "actions": "Actions"}


def _day(raw: str, label: str, errors: dict, field: str) -> date | None:
    if not raw:
        return None
    raw = raw.strip()
    try:
        if "/" in raw:
            d, m, y = (int(part) for part in raw.split("/"))
            return date(y, m, d)
        return date.fromisoformat(raw)
    except ValueError:
        errors[field] = f"{label}: enter a real date, for example 31/3/2026"
        return None


def learning(request):
    get = request.GET
    errors: dict[str, str] = {}
    show = get.get("show", "lessons")
    if show not in SHOW:
        errors["show"] = "Show: choose lessons learned or actions"
        show = "lessons"
    filters = {
        "theme": get.get("theme", "").strip(),
        "service": get.get("service", "").strip(),
        "q": get.get("q", "").strip(),
        "since": get.get("since", "").strip(),
        "until": get.get("until", "").strip(),
    }
    since = _day(filters["since"], "From", errors, "since")
    until = _day(filters["until"], "To", errors, "until")
    if since and until and since > until:
        errors["until"] = "To: must be the same as or after From"
        until = None
    arguments = {
        "theme": filters["theme"] or None,
        "service": filters["service"] or None,
        "q": filters["q"] or None,
        "since": since,
        "until": until,
    }
    found = (actions.lessons_for if show == "lessons" else actions.actions_for)(
        request.user, **arguments
    )
    within = scope.chosen(request)
    if within is not None:
        found = found.filter(case__organisation__path__startswith=within.path)
    page = Paginator(found, PAGE_SIZE).get_page(get.get("page"))
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in {"show": show, **filters}.items() if v})
    return render(
        request,
        "web/learning/index.jinja",
        {
            "show": show,
            "shows": SHOW,
            "filters": filters,
            "options": actions.learning_options(request.user),
            "page": page,
            "query": query.urlencode(),
            "errors": errors,
            "within": within,
        },
    )
