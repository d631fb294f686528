"""An API client per persona, signed in with an API token (the way integrations call)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from candour.audit.models import AuditEvent
from candour.organisations.models import ApiToken

BASE = "/api/v1"


class Api:
    def __init__(self, user=None, token: str | None = None):
        self.client = Client()
        if user is not None and token is None:
            _, token = ApiToken.issue(user, "tests")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params):
        return self.client.get(BASE + path, params, headers=self.headers)

    def post(self, path: str, body=None, *, raw: str | None = None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(
            BASE + path, data, content_type="application/json", headers=self.headers
        )

    def delete(self, path: str):
        return self.client.delete(BASE + path, headers=self.headers)

    def patch(self, path: str, body=None):
        return self.client.patch(
            BASE + path, json.dumps(body or {}), content_type="application/json",
            headers=self.headers,
        )  # fmt: skip

    def post_form(self, path: str, fields: dict):
        """A multipart/form-data POST; a file is a SimpleUploadedFile among the fields."""
        return self.client.post(BASE + path, fields, headers=self.headers)


@pytest.fixture
def partner(org_b):
    """A partner at Bob's practice, who signs its final responses (seed 001)."""
    from candour.organisations.setup import add_member

    from ..conftest import user

    pat = user("pat")
    add_member(pat, org_b, "Partner")
    return pat


@pytest.fixture
def director(org_a):
    """A Director at Alice's commissioner, who signs its final responses (seed 002)."""
    from candour.organisations.setup import add_member

    from ..conftest import user

    dana = user("dana")
    add_member(dana, org_a, "Director")
    return dana


@pytest.fixture
def as_alice(alice):
    return Api(alice)


@pytest.fixture
def as_ivan(ivan):
    return Api(ivan)


@pytest.fixture
def as_bob(bob):
    return Api(bob)


@pytest.fixture
def as_rita(rita):
    return Api(rita)


@pytest.fixture
def as_hugo(hugo):
    return Api(hugo)


def audit_rows() -> int:
    return AuditEvent.objects.count()


def events(case) -> list[str]:
    return list(AuditEvent.objects.filter(case=case).values_list("event", flat=True))


def complaint_body(**overrides) -> dict:
    body = {
        "organisation": "WAL",
        "kind": "complaint",
        "channel": "letter",
        "received_at": "2026-11-02T08:30:00Z",
        "description": "The practice did not call me back about my test results.",
        "complainant": {
            "title": "Ms",
            "first_name": "Ada",
            "last_name": "Example",
            "email": "ada@example.invalid",
            "postcode": "ws1 1aa",
        },
        "issues": ["No call back about test results"],
    }
    body.update(overrides)
    return body
