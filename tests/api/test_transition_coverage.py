"""Every transition of the state machine can be taken through the API and through a web form
(issue 16). The table is walked, not a list: a transition added to cases.workflow fails here,
by name, until it has both.

An API operation declares what it performs with `**performs(...)` on its route
(candour.api.schemas; published in the OpenAPI schema as `x-candour-transitions`). A web form
is an `Action` of candour.web.actions (its `transitions`), or a view of its own marked with
`@candour.web.actions.performs(...)` and routed in the URLs.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from candour.api.schemas import TRANSITIONS_PERFORMED, performs
from candour.api.urls import api
from candour.cases.workflow import TRANSITIONS, named
from candour.web import actions as web_actions
from candour.web import views


def api_operations() -> dict[str, list[str]]:
    """Transition → the API operations that declare it."""
    found: dict[str, list[str]] = defaultdict(list)
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            for transition in operation.get(TRANSITIONS_PERFORMED, ()):
                found[transition].append(f"{method.upper()} {path}")
    return found


def _views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def web_forms() -> dict[str, list[str]]:
    """Transition → the web forms that take it: the case page's actions, and routed views
    that declare transitions."""
    found: dict[str, list[str]] = defaultdict(list)
    for action in web_actions.ACTIONS:
        for transition in action.transitions:
            found[transition].append(f"the case page's form {action.slug!r}")
    for route, view in _views(get_resolver().url_patterns):
        for transition in getattr(view, "transitions", ()):
            found[transition].append(f"the page at /{route}")
    return found


API, WEB = api_operations(), web_forms()


@pytest.mark.parametrize("transition", list(TRANSITIONS))
def test_the_transition_has_an_api_endpoint_and_a_web_form(transition):
    missing = [
        where
        for where, found in (("API endpoint", API), ("web form", WEB))
        if not found.get(transition)
    ]
    assert not missing, (
        f"The transition {transition!r} ({TRANSITIONS[transition].label}) has no "
        f"{' and no '.join(missing)}. Declare the endpoint with **performs({transition!r}) on "
        "its route (candour/api/schemas.py) and the form as an Action of "
        "candour/web/actions.py (or @performs on its view)."
    )


def test_the_case_page_routes_every_action_form():
    """The Actions are served by one view, web:case-action, by slug: each slug once."""
    slugs = [a.slug for a in web_actions.ACTIONS]
    assert len(slugs) == len(set(slugs))
    assert set(web_actions.BY_SLUG) == set(slugs)
    assert any(view is views.case_action for _, view in _views(get_resolver().url_patterns))


def test_the_declarations_name_only_transitions_of_the_table():
    """A misspelt name fails when the module declaring it is imported, not in production."""
    assert set(API) <= set(TRANSITIONS) and set(WEB) <= set(TRANSITIONS)
    for declare in (named, performs, web_actions.performs):
        with pytest.raises(ValueError, match="acknowlege"):
            declare("acknowledge", "acknowlege")
        with pytest.raises(ValueError):
            declare()


def test_the_escalation_transitions_are_served_where_issue_16_put_them():
    """The four that allowed_actions offered without an endpoint (issue 16)."""
    assert API["name_provider"] == ["POST /api/v1/cases/{reference}/provider"]
    assert API["forward_to_provider"] == ["POST /api/v1/cases/{reference}/forward-to-provider"]
    assert API["refer_to_ombudsman"] == ["POST /api/v1/cases/{reference}/ombudsman-referrals"]
    base = "POST /api/v1/cases/{reference}/ombudsman-referrals/{number}"
    assert API["record_ombudsman_step"] == [
        f"{base}/information-request",
        f"{base}/information-sent",
        f"{base}/outcome",
    ]
