"""Helpers for the public form tests: answer a page as a person would, through the real
pages (the Django test client, CSRF checks on)."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def csrf(client) -> str:
    return client.cookies["csrftoken"].value


def answer(client, code: str, slug: str, data: dict, *, change: bool = False):
    """GET the page (for the CSRF cookie, as a browser would), then POST the answers."""
    url = f"/feedback/{code}/{slug}/" + ("?change=1" if change else "")
    page = client.get(url)
    assert page.status_code == 200, (slug, page.status_code, page.get("Location"))
    return client.post(url, {**data, "csrfmiddlewaretoken": csrf(client)})


def send(client, code: str):
    client.get(f"/feedback/{code}/check/")
    return client.post(f"/feedback/{code}/check/", {"csrfmiddlewaretoken": csrf(client)})


SELF_COMPLAINT = [
    ("kind", {"kind": "complaint"}),
    ("about", {"about": "myself"}),
    ("what", {"description": "Nobody called me back about my blood test results."}),
    (
        "when",
        {
            "when_known": "date",
            "event_date-day": "12",
            "event_date-month": "10",
            "event_date-year": "2026",
        },
    ),
    ("where", {"service": "High Street surgery", "staff_involved": "The receptionist"}),
    ("outcome", {"desired_outcome": "An apology and my results."}),
    ("contact", {"contact_by": "email"}),
    ("details", {"first_name": "Ada", "last_name": "Example", "email": "ada@example.invalid"}),
    ("needs", {"accessible_format": "large_print", "language": ""}),
]


def fill(client, code: str, steps) -> None:
    for slug, data in steps:
        response = answer(client, code, slug, data)
        assert response.status_code == 302, (slug, response.content.decode()[:3000])
