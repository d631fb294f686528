"""Property: for any data set, every report reconciles (the consistency check finds no
problem) and each partition adds up to its total. Cases are written as rows directly, with
the facts the domain functions would leave (a response after receipt, an outcome with its
response, the deadline engine's verdicts stored, each stage's response kept, a reopened
case's stage-1 response marked with when stage 2 began, a provider-led case closed as
forwarded), so that many data sets run quickly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candour.cases import responses
from candour.cases.deadlines import met_by
from candour.cases.models import Case, Kind, OmbudsmanReferral, Outcome
from candour.coding.codelists import load_shipped
from candour.coding.models import CaseCode, CaseCoding, CaseTheme, Code
from candour.organisations.models import Theme
from candour.reporting.annual import annual_report
from candour.reporting.ko41 import ko41

from ..conftest import at
from .known_year import D

START = at(D(2024, 10, 1), 0)
KINDS = [Kind.COMPLAINT] * 6 + [Kind.COMPLIMENT, Kind.MP_ENQUIRY, Kind.INBOX_ENQUIRY, Kind.ENQUIRY]
ENDINGS = ["open", "upheld", "partly_upheld", "not_upheld", "withdrawn", "forwarded"]

case_strategy = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(KINDS),
        "received": st.integers(0, 640),  # days after 1 October 2024: three financial years
        "hour": st.integers(0, 23),
        "ending": st.sampled_from(ENDINGS),
        "takes": st.integers(0, 120),
        "ack": st.one_of(st.none(), st.integers(0, 8)),
        "target": st.integers(5, 60),
        "extensions": st.integers(0, 2),
        # A response reopened into stage 2 after `gap` days; stage 2 answered after `takes`
        # days (with its finding), or not yet (None).
        "reopened": st.one_of(
            st.none(),
            st.tuples(
                st.integers(0, 90),
                st.one_of(st.none(), st.tuples(st.integers(0, 90), st.sampled_from(ENDINGS[1:4]))),
            ),
        ),
        "provider": st.booleans(),
        "themes": st.lists(st.integers(0, 2), max_size=3, unique=True),
        "subjects": st.lists(st.integers(0, 20), min_size=1, max_size=3, unique=True),
        "services": st.lists(st.integers(0, 9), min_size=1, max_size=2, unique=True),
        "professions": st.lists(st.integers(0, 7), min_size=1, max_size=2, unique=True),
        "age": st.one_of(st.none(), st.integers(0, 105)),
        "relationship": st.sampled_from(["", "self", "relative", "mp", "other"]),
        "referral": st.one_of(
            st.none(),
            st.tuples(
                st.integers(0, 200),
                st.sampled_from(["", "upheld", "partly_upheld", "declined", "not_investigated"]),
            ),
        ),
    }
)


def write(org, by, specs: list[dict]) -> None:
    themes = [Theme.objects.create(organisation=org, name=f"Theme {i}") for i in range(3)]
    codes = {
        d: list(
            Code.objects.filter(code_list__return_code="KO41a", code_list__dimension=d).order_by(
                "code_list__year", "position"
            )
        )
        for d in ("subject", "service", "profession")
    }
    for n, s in enumerate(specs):
        received = START + timedelta(days=s["received"], hours=s["hour"])
        kind = s["kind"]
        case = Case(
            organisation=org,
            reference=f"P-{n}",
            kind=kind,
            channel="letter",
            received_at=received,
            recorded_at=received,
            stage_started_at=received,
            description="Synthetic.",
            acknowledge_due=(received + timedelta(days=3)).date(),
            response_due=(received + timedelta(days=s["target"])).date(),
            extensions=s["extensions"],
        )
        if s["ack"] is not None:
            case.acknowledged_at = received + timedelta(days=s["ack"])
        end = received + timedelta(days=s["takes"], minutes=1)
        ending = s["ending"] if kind == Kind.COMPLAINT else "recorded"
        if ending in ("upheld", "partly_upheld", "not_upheld"):
            case.status, case.outcome, case.responded_at = "responded", ending, end
            case.response_met = met_by(case.response_due, None, end)
        elif ending == "withdrawn":
            case.status, case.outcome, case.withdrawn_at = "withdrawn", Outcome.WITHDRAWN, end
        elif ending == "forwarded":
            case.status, case.outcome = "closed", Outcome.FORWARDED
            case.forwarded_to_provider_at = case.closed_at = end
            case.provider_name = "Example Trust"
        elif ending == "recorded":
            case.status, case.outcome, case.closed_at = "closed", Outcome.RECORDED, received
            case.provider_name = "Example Trust" if s["provider"] else ""
        if case.acknowledged_at:
            case.acknowledge_met = met_by(case.acknowledge_due, None, case.acknowledged_at)
        case.save()
        if case.responded_at:
            responses.record_response(case)
            if s["reopened"]:
                reopen(case, *s["reopened"])
        CaseTheme.objects.bulk_create([CaseTheme(case=case, theme=themes[i]) for i in s["themes"]])
        if kind != Kind.COMPLAINT:
            continue
        year = received.year if timezone.localdate(received).month >= 4 else received.year - 1
        CaseCoding.objects.create(
            case=case,
            return_code="KO41a",
            year=year,
            patient_age=s["age"],
            complainant_relationship=s["relationship"],
            coded_at=received,
        )
        for dimension, picks in (
            ("subject", s["subjects"]),
            ("service", s["services"]),
            ("profession", s["professions"]),
        ):
            in_year = [c for c in codes[dimension] if c.code_list.year == year]
            CaseCode.objects.bulk_create(
                [
                    CaseCode(case=case, code=in_year[i % len(in_year)], dimension=dimension)
                    for i in picks
                ]
            )
        if s["referral"] and case.responded_at:
            later, outcome = s["referral"]
            referred = timezone.localdate(case.responded_at) + timedelta(days=later)
            OmbudsmanReferral.objects.create(
                case=case,
                body="phso",
                referred_on=referred,
                outcome=outcome,
                decided_on=referred + timedelta(days=30) if outcome else None,
            )


def reopen(case: Case, gap: int, stage_two: tuple | None) -> None:
    """Stage 1's response kept and marked, then stage 2 from `gap` days after it: open, or
    answered `stage_two[0]` days after it began with the outcome `stage_two[1]`."""
    began = case.responded_at + timedelta(days=gap, hours=1)
    responses.mark_reopened(case, began)
    case.stage, case.stage_started_at, case.status = 2, began, "open"
    case.responded_at, case.outcome, case.response_met, case.extensions = None, "", None, 0
    case.response_due = (began + timedelta(days=20)).date()
    if stage_two is not None:
        case.responded_at = began + timedelta(days=stage_two[0], minutes=1)
        case.status, case.outcome = "responded", stage_two[1]
        case.response_met = met_by(case.response_due, None, case.responded_at)
    case.save()
    if case.responded_at:
        responses.record_response(case)


def year_of(moment) -> str:
    day = timezone.localdate(moment)
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}-{str(first + 1)[2:]}"


def expected_responses(specs: list[dict]) -> list[tuple]:
    """(when sent, met) of every response to a complaint `write` makes, worked out from the
    specs with the deadline engine's rule (`met_by`), not read back from the database."""
    out = []
    for s in specs:
        if s["kind"] != Kind.COMPLAINT or s["ending"] not in (
            "upheld",
            "partly_upheld",
            "not_upheld",
        ):
            continue
        received = START + timedelta(days=s["received"], hours=s["hour"])
        end = received + timedelta(days=s["takes"], minutes=1)
        out.append((end, met_by((received + timedelta(days=s["target"])).date(), None, end)))
        if s["reopened"] and s["reopened"][1]:
            began = end + timedelta(days=s["reopened"][0], hours=1)
            second = began + timedelta(days=s["reopened"][1][0], minutes=1)
            out.append((second, met_by((began + timedelta(days=20)).date(), None, second)))
    return out


@pytest.fixture
def lists(db):
    load_shipped()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=st.lists(case_strategy, max_size=25))
def test_every_report_reconciles_for_any_data_set(org_a, alice, lists, specs):
    with transaction.atomic():
        write(org_a, alice, specs)
        complaints = [s for s in specs if s["kind"] == Kind.COMPLAINT]
        answered = expected_responses(specs)
        received = 0
        for year in ("2024-25", "2025-26", "2026-27"):
            report = annual_report(alice, org_a, year)
            assert [str(p) for p in report.problems] == []
            received += report.table("received").values()["total"][4]
            # Each stage's response counted once, in the year it was sent, within target by
            # the engine's rule (a reopened case's stage 1 included).
            in_year = [met for when, met in answered if year_of(when) == year]
            assert report.table("within_target").values()["responded"][4] == len(in_year)
            assert report.table("within_target").values()["within"][4] == sum(in_year)
            ret = ko41(alice, org_a, "KO41a", year)
            assert [str(p) for p in ret.problems] == []
        # Every complaint received is in exactly one financial year's received total.
        assert received == len(complaints)
        transaction.set_rollback(True)
