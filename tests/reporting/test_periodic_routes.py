"""The quarterly and monthly reports count the satisfaction survey (sent, declined, answered;
R37) and the matters redirected outside the complaints procedure (R10), as the annual report
does: the same tables (annual.satisfaction, annual.outside_procedure) over the period. Cases
are entered and worked through the API and the staff pages; the figures are read from the
report API.

Seed 004, Reporting and Recording Complaints: "monthly reports on the number and type of
complaints, the outcomes of complaints"; seed 002 §13: matters outside the procedure are
redirected, and Candour counts them, never dropping them silently (issue 17, R10)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from candour.reporting.annual import annual_report
from candour.reporting.periodic import monthly_report, quarterly_report

from ..api.conftest import Api, complaint_body
from ..conftest import sign_in

pytestmark = pytest.mark.django_db

SEED_004 = "monthly reports on the number and type of complaints"
SEED_004_FILE = "../shared/seeds/004_0200147a0898eb69.txt"


def figures(api: Api, kind: str, period: str, table: str) -> dict[str, list]:
    response = api.get(f"/reports/WAL/{kind}/{period}")
    assert response.status_code == 200, response.json()
    assert response.json()["check"]["problems"] == [], response.json()["check"]
    found = {t["key"]: t for t in response.json()["tables"]}[table]
    return {r["key"]: [f["value"] for f in r["figures"]] for r in found["rows"]}


def resolved_concern(api: Api) -> str:
    created = api.post("/cases", complaint_body(kind="concern"))
    assert created.status_code == 201, created.json()
    reference = created.json()["reference"]
    done = api.post(f"/cases/{reference}/resolve-informally", {"resolution": "Explained."})
    assert done.status_code == 200, done.json()
    return reference


@pytest.fixture
def entered(frozen, client, org_a, alice):
    """In November 2026, through the API: three concerns resolved, their surveys sent and
    answered, sent and awaiting, and offered and declined; a complaint redirected as a
    freedom of information request. Through the staff pages: one redirected as an
    individual funding request."""
    api = Api(alice)
    answered, waiting, declined = (resolved_concern(api) for _ in range(3))
    for reference, offer in ((answered, "sent"), (waiting, "sent"), (declined, "declined")):
        sent = api.post(f"/cases/{reference}/survey", {"offer": offer, "channel": "post"})
        assert sent.status_code == 201, sent.json()
    frozen.shift(timedelta(days=7))
    back = api.post(
        f"/cases/{answered}/survey/answers",
        {"answers": {"handling": "Very satisfied", "outcome": "Satisfied"}},
    )
    assert back.status_code == 200, back.json()
    foi = api.post("/cases", complaint_body()).json()["reference"]
    redirected = api.post(
        f"/cases/{foi}/redirect-outside-procedure",
        {"category": "foi_request", "reason": "Asks for the board's papers."},
    )
    assert redirected.status_code == 200, redirected.json()
    ifr = api.post("/cases", complaint_body()).json()["reference"]
    page = sign_in(client, alice).post(
        reverse("web:case-action", args=[ifr, "redirect-outside-procedure"]),
        {"category": "individual_funding", "where_to": "", "reason": "Disputes an IFR refusal.",
         "at": "2026-11-09T08:00"},
    )  # fmt: skip
    assert page.status_code == 302
    return api


@pytest.mark.parametrize(("kind", "period"), [("quarterly", "2026-27-Q3"), ("monthly", "2026-11")])
def test_the_period_reports_count_surveys_and_redirections(entered, kind, period):
    assert SEED_004 in Path(SEED_004_FILE).read_text(encoding="utf-8")
    survey = figures(entered, kind, period, "satisfaction")
    assert survey["sent"] == [2]
    assert survey["declined"] == [1]
    assert survey["answered"] == [1]
    assert survey["handling:Very satisfied"] == [1]
    assert survey["handling:percent"] == [100.0]
    outside = figures(entered, kind, period, "outside_procedure")
    assert outside["foi_request"] == [1]
    assert outside["individual_funding"] == [1]
    assert outside["staff_employment"] == [0]
    assert outside["total"] == [2]


def test_other_periods_count_none_and_the_annual_report_counts_the_same(entered, org_a, alice):
    for kind, period in (("quarterly", "2026-27-Q2"), ("monthly", "2026-10")):
        assert figures(entered, kind, period, "satisfaction")["sent"] == [0]
        assert figures(entered, kind, period, "outside_procedure")["total"] == [0]
    year = annual_report(alice, org_a, "2026-27")
    quarter = quarterly_report(alice, org_a, "2026-27-Q3")
    month = monthly_report(alice, org_a, "2026-11")
    for table in ("satisfaction", "outside_procedure"):
        assert quarter.table(table).values() == year.table(table).values()
        assert month.table(table).values() == year.table(table).values()
