"""The edge every request crosses before a view sees it: text is checked here, once, for the
API, the staff pages, the public form and the admin alike (candour.text says what text is).

Everything a request carries as text is looked at: the path's parameters, the query string,
form fields and the names of uploaded files, and any other body that is JSON (the API reads
a JSON body whatever its content type). The first problem is refused
with 422 naming the field: in the API's error shape under /api/, else as a page that says
which answer to change. Nothing is written, so nothing is half written.
"""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from candour import text
from candour.api.errors import field_errors

FORMS = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _form(request):
    """(name, value) pairs of the query string, the form and uploaded files' names."""
    yield from request.GET.lists()
    if request.method == "POST" and request.content_type in FORMS:
        yield from request.POST.lists()
        for name, files in request.FILES.lists():
            yield name, [f.name or "" for f in files]


def _pairs(request, view_kwargs):
    yield from ((name, str(value)) for name, value in view_kwargs.items())
    for name, values in _form(request):
        for value in values:
            yield name, value


def _json(request):
    """A body that is not a form is read as JSON whatever its content type says, as the API
    reads it."""
    if request.content_type in FORMS or not request.body:
        return None
    try:
        body = json.loads(request.body)
    except ValueError:
        return None  # the API says what is wrong with the JSON itself
    return next(text.problems_in(body), None)


def problem_in(request, view_kwargs) -> tuple[str, str] | None:
    try:
        return text.first_problem(_pairs(request, view_kwargs)) or _json(request)
    except (RequestDataTooBig, TooManyFieldsSent, MultiPartParserError):
        return None  # too much, or not a form after all: the view, or Django, refuses it


class TextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        found = problem_in(request, view_kwargs)
        if found is None:
            return None
        field, message = found
        match = request.resolver_match
        if match is not None and match.namespace == "api":
            return field_errors([(field, message)])
        context = {"public_page": True, "field": field, "message": message}
        return render(request, "web/refused_text.jinja", context, status=422)
