"""What staff see when a page cannot be shown (DEBUG off, as in production): the NHS.UK
layout, the reason Candour gave (a case out of reach, an organisation whose reports the role
does not include), a way back to the worklist, and never Django's bare "Not Found" or its
technical CSRF page."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.views.defaults import permission_denied

from ..conftest import make_case, sign_in


def main(response) -> str:
    page = response.content.decode()
    return re.sub(r"\s+", " ", page[page.index('id="maincontent"') :])


def test_a_case_out_of_reach_says_so_in_the_staff_layout(client, org_a, alice, bob):
    case = make_case(org_a, alice)
    response = sign_in(client, bob).get(f"/cases/{case.reference}/")
    assert response.status_code == 404
    assert "nhsuk-header" in response.content.decode()
    page = main(response)
    assert "<h1>Page not found</h1>" in page
    assert f"There is no case {case.reference} that you can see." in page
    assert 'href="/">Go to your worklist</a>' in page


def test_an_unknown_address_names_no_exception(client, bob):
    response = sign_in(client, bob).get("/no-such-page/")
    assert response.status_code == 404
    page = main(response)
    assert "Page not found" in page and "check it is correct" in page
    assert "Resolver404" not in page and "Http404" not in page


def test_reports_the_role_does_not_include_are_not_found_with_the_reason(client, org_a, ivan):
    response = sign_in(client, ivan).get("/reports/WAL/annual/2026-27/")
    assert response.status_code == 404
    assert "There is no organisation with that code whose reports you may see." in main(response)


def test_the_public_are_not_sent_to_the_staff_worklist(client, db):
    response = client.get("/feedback/NOPE/")
    assert response.status_code == 404
    page = main(response)
    assert "Page not found" in page and "Go to your worklist" not in page
    assert 'href="/feedback/status/"' in response.content.decode()  # the public header


def test_an_expired_form_says_what_to_do(org_b, bob):
    browser = sign_in(Client(enforce_csrf_checks=True), bob)
    response = browser.post("/record/", {"description": "x"})
    assert response.status_code == 403
    page = main(response)
    assert "The form had expired" in page and "reload the page, and send it again" in page
    assert "CSRF" not in page


def test_a_refusal_and_a_server_error_have_pages_of_their_own(rf: RequestFactory, bob):
    request = rf.get("/")
    request.user = bob
    bob.is_verified = lambda: True  # as django-otp's middleware marks a verified session
    response = permission_denied(request, PermissionDenied("You cannot change the policy."))
    assert response.status_code == 403
    assert "You cannot do this" in main(response)
    assert "You cannot change the policy." in main(response)
    # The server error page renders with no context at all, so nothing in it can fail.
    page = render_to_string("500.html")
    assert "Sorry, there is a problem with Candour" in page and "nothing was changed" in page
