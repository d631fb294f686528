"""Schemathesis over the OpenAPI schema, in-process against the WSGI application (ADR 0013).

Every operation is called with requests made from its schema, valid and invalid, as Bob (a
GP practice's Executive Manager, with an API token) on seeded cases in several states. The
bar: no server error, every response as the schema declares it (status, content type, body),
schema-valid input accepted or refused only by a rule the schema cannot state (a documented
422 from the domain: "is before the case was received", "there is no action 7"), and
schema-violating input refused. Fixed seed, derandomised, bounded: a few thousand requests in
two to three minutes per database on a 2-core machine. bench/bench_fuzz.py is the long run.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from ninja.errors import ValidationError
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from candour.api.urls import api
from candour.cases import actions, handling, investigation, referrals
from candour.cases.handling import acknowledge_case
from candour.cases.people import PersonDetails
from candour.config.wsgi import application
from candour.letters.signoff import start_letter
from candour.organisations.models import ApiToken

from ..conftest import make_case

pytestmark = pytest.mark.django_db

# Requests per operation generated at random; schemathesis adds its fixed ones (examples,
# boundaries) on top. bench/bench_fuzz.py sets more, and a folder to count the requests in.
EXAMPLES = int(os.environ.get("CANDOUR_FUZZ_EXAMPLES", "40"))
REPORT = os.environ.get("CANDOUR_FUZZ_REPORT")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]
# The seeded cases' references: the reference sequence is kept in the test's transaction,
# so they are the same on every run and on both databases.
REFERENCES = [f"MMG-2026-{n:05}" for n in (1, 2, 3)]
NOW = "2026-11-02T09:00:00Z"  # the frozen clock, and when the seeded cases arrived


# Checks that judge the response alone, for a request that did not go out as generated.
ON_THE_WIRE = [check for check in CHECKS if check is not negative_data_rejection]


def sent_as_meant(case) -> bool:
    """False when the query holds an object or a list of them: the WSGI transport writes
    such a value with Python's repr(), so what arrives is an ordinary (valid) string, and the
    server cannot be blamed for taking the "invalid" value it never received."""
    values = (case.query or {}).values() if isinstance(case.query, dict) else ()
    for value in values:
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, dict | list) for item in items):
            return False
    return True


def config() -> schemathesis.Config:
    """Fixed seed; valid values offered often enough to reach past the first refusal."""
    return schemathesis.Config.from_dict(
        {
            "seed": 20261102,
            "generation": {"deterministic": True, "database": "none"},
            "checks": {
                # A documented 422 for a rule the schema cannot state is an accepted answer
                # to valid input; test_api() refuses one that the request parsing gave.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
                },
            },
            "dictionaries": {
                "references": {"values": REFERENCES},
                "numbers": {"values": [1, 2]},
                "staff": {"values": ["bob"]},
                "moments": {"values": [NOW]},
                "days": {"values": ["2026-11-20", "2026-12-24"]},
                "organisations": {"values": ["MMG"]},
                "periods": {"values": ["2026-27", "2026-27-Q3", "2026-10"]},
            },
            "parameters": {
                "path.reference": {"dictionary": "references", "probability": 0.8},
                "path.number": {"dictionary": "numbers", "probability": 0.7},
                "path.pk": {"dictionary": "numbers", "probability": 0.7},
                "path.organisation": {"dictionary": "organisations", "probability": 0.8},
                "path.period": {"dictionary": "periods", "probability": 0.8},
                "body.owner": {"dictionary": "staff", "probability": 0.5},
                "body.handler": {"dictionary": "staff", "probability": 0.5},
                "body.investigator": {"dictionary": "staff", "probability": 0.5},
                "body.at": {"dictionary": "moments", "probability": 0.5},
                "body.due": {"dictionary": "days", "probability": 0.5},
                "body.response_date": {"dictionary": "days", "probability": 0.5},
                "body.new_date": {"dictionary": "days", "probability": 0.5},
            },
        }
    )


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=config())


def seed(org_b, bob) -> list[int]:
    """Cases in several states, with an action, a referral, a member of staff and a letter
    numbered 1, so that generated requests reach past "not found"; the letters' ids."""
    first = acknowledge_case(make_case(org_b, bob), by=bob, method="letter")
    # A holding letter names the response date agreed with the complainant (R19).
    first = handling.agree_response_date(first, by=bob, response_date=date(2026, 12, 1))
    actions.add_action(
        first, by=bob, description="Call back", owner=bob, due=date(2026, 11, 20), themes=[]
    )
    referrals.raise_referral(
        first,
        by=bob,
        kind="safeguarding_adult",
        detail="A fall at home.",
        owner=bob,
        due=date(2026, 11, 6),
    )
    investigation.add_staff_involved(first, by=bob, name="Dr Example", job_title="GP")
    make_case(org_b, bob, kind="concern")
    make_case(
        org_b,
        bob,
        relationship="relative",
        patient=PersonDetails(first_name="Pat", last_name="Example"),
    )
    return [start_letter(first, kind, by=bob).pk for kind in ("holding", "final_response")]


@pytest.fixture
def token(frozen, org_b, bob):
    letters = seed(org_b, bob)
    _, token = ApiToken.issue(bob, "schemathesis")
    # Django's test client keeps the test's connection open across requests (its
    # transaction holds the seeded rows); the WSGI calls here must too.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield token, letters
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def parse_refusals():
    """What the API's request parsing (ninja and pydantic) refused, request by request."""
    handler = api._exception_handlers[ValidationError]
    seen: list = []

    def seeing(request, exc):
        seen.append(exc.errors)
        return handler(request, exc)

    api.add_exception_handler(ValidationError, seeing)
    yield seen
    api.add_exception_handler(ValidationError, handler)


@pytest.fixture
def tally(request):
    """Requests by generation mode and status, written for bench/bench_fuzz.py to add up."""
    counts: Counter = Counter()
    yield counts
    if REPORT:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        line = {"operation": request.node.name, "counts": dict(counts)}
        with (Path(REPORT) / f"{worker}.jsonl").open("a") as out:
            out.write(json.dumps(line) + "\n")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api(case, token, parse_refusals, tally):
    bearer, letters = token
    pk = case.path_parameters.get("pk") if case.path_parameters else None
    if isinstance(pk, int) and 1 <= pk <= len(letters):
        case.path_parameters["pk"] = letters[pk - 1]  # ids differ between databases
    parse_refusals.clear()
    response = case.call(headers={"Authorization": f"Bearer {bearer}"})
    mode = case.meta.generation.mode.value if case.meta else "fixed"
    tally[f"{mode} {response.status_code}"] += 1
    case.validate_response(response, checks=CHECKS if sent_as_meant(case) else ON_THE_WIRE)
    if case.meta and case.meta.generation.mode.is_positive:
        assert not parse_refusals, (
            f"schema-valid input refused by the API's request parsing (the schema and the "
            f"code disagree): {parse_refusals}"
        )
