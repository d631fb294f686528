"""A year of cases entered through the API alone: every report figure equals what the records
say (issue 16, "How we will know")."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from candour.reporting.commissioner import COLUMNS as SUMMARY_COLUMNS

from ..api.test_reports_api import page_tables
from ..conftest import sign_in
from .records import Books, Period, day_of, moment, month_start
from .reports import compare, figures, lister, report
from .scenario import CLINIC, GP, ICB, YEAR

pytestmark = pytest.mark.django_db

ORGS = {o.key: o for o in (ICB, CLINIC, GP)}
FY = Period.financial_year(2025)


def read_report(year, key: str, kind: str, period: Period = FY) -> dict:
    """The report as the API gives it: /api/v1/reports/{organisation}/{kind}/{period}."""
    return report(year.doors[key]["reports"], ORGS[key].code, kind, period.label)


def differences(year, key: str, kind: str, expected, got: dict, period: Period = FY):
    """Where the report differs from the records, each difference with the cases behind it
    on either side (the anonymised summary lists none: its tables are the annual report's,
    whose cases are listed instead)."""
    listed = "annual" if kind == "commissioner" else kind
    behind = lister(year.doors[key]["reports"], ORGS[key].code, listed, period.label)
    where = f"{ORGS[key].code} {kind} {period.label}"
    return compare(expected, figures(got), where, period.columns, behind)


def books(year, key: str, period: Period = FY) -> Books:
    return Books(year.records[key], period)


def test_the_year_holds_every_kind_of_story(year):
    """The seeded year is a realistic mix, and stays one: each kind of event a report counts
    happens more than once, entered as it happened and late."""
    records = [r for rs in year.records.values() for r in rs]
    complaints = [r for r in records if r.kind == "complaint"]
    met = [r.deadline("response")["met"] for r in complaints if r.deadline("response")]
    seen = Counter(
        {
            "cases": len(records),
            "complaints": len(complaints),
            "concerns resolved informally": sum(
                r["outcome"] == "resolved_informally" for r in records
            ),
            "compliments about a provider": sum(
                bool(r["provider_name"]) for r in records if r.kind == "compliment"
            ),
            "acknowledged late": sum(r.acknowledged_met is False for r in complaints),
            "consent waited for": sum(r["consent_received_at"] is not None for r in complaints),
            "extensions agreed": sum(r["extensions"] > 0 for r in complaints),
            "forwarded to a provider": sum(r.provider_led for r in complaints),
            "withdrawn": sum(r["status"] == "withdrawn" for r in complaints),
            "declined as out of time": sum(r["outcome"] == "declined" for r in complaints),
            "responded in time": met.count(True),
            "responded late": met.count(False),
            "reopened into stage 2": sum(r["stage"] == 2 for r in complaints),
            "referred to the Ombudsman": sum(bool(r["ombudsman_referrals"]) for r in complaints),
            "upheld": sum(r["outcome"] == "upheld" for r in complaints),
            "partly upheld": sum(r["outcome"] == "partly_upheld" for r in complaints),
            "not upheld": sum(r["outcome"] == "not_upheld" for r in complaints),
            "with themes": sum(bool(r.themes) for r in complaints),
            "without themes": sum(not r.themes for r in complaints),
        }
    )
    print(dict(seen), f"{year.entered.steps} steps, {year.entered.late} late, {year.seconds:.0f} s")
    assert 60 <= seen["cases"] <= 120
    assert all(n >= 2 for n in seen.values()), seen
    assert year.entered.late >= 0.1 * year.entered.steps


@pytest.mark.parametrize("key", ["icb", "clinic", "gp"])
def test_every_annual_report_figure_is_what_the_records_say(year, key):
    got = read_report(year, key, "annual")
    found = differences(year, key, "annual", books(year, key).annual(), got)
    assert not found, "\n".join(found)
    assert got["check"]["passed"], got["check"]["problems"]


@pytest.mark.parametrize(
    ("key", "kind", "period"),
    [
        ("icb", "quarterly", Period.quarter(2025, 3)),
        ("clinic", "quarterly", Period.quarter(2025, 2)),
        ("gp", "quarterly", Period.quarter(2025, 4)),
        ("icb", "monthly", Period.month(2025, 11)),
        ("gp", "monthly", Period.month(2026, 3)),
    ],
    ids=lambda v: v.label if isinstance(v, Period) else v,
)
def test_every_quarterly_and_monthly_figure_is_what_the_records_say(year, key, kind, period):
    got = read_report(year, key, kind, period)
    found = differences(year, key, kind, books(year, key, period).periodic(), got, period)
    assert not found, "\n".join(found)
    assert got["check"]["passed"], got["check"]["problems"]


def test_every_ko41b_figure_of_the_practice_is_what_the_records_say(year):
    got = read_report(year, "gp", "ko41b")
    found = differences(year, "gp", "ko41b", books(year, "gp").ko41("KO41b"), got)
    assert not found, "\n".join(found)
    # The check reminds the practice of the complaints still to code before it submits the
    # return; it finds nothing else.
    problems = [p for p in got["check"]["problems"] if "code them before" not in str(p)]
    assert not problems


def test_the_practice_codes_what_its_return_lacks_and_marks_it_submitted(year):
    """From the return's lists of new complaints with no subject or staff group, coded in
    bulk: the return then lacks no code, and is marked submitted (refused before: see
    tests/api/test_reports_api.py), which keeps its cases' coding as it is."""
    coded, submission = year.ko41
    assert coded and submission["submitted"] and submission["submitted_by"] == "ymed.manager"
    records = {r.reference: r for r in year.records["gp"]}
    assert all(
        "other" in records[reference].subjects + records[reference].coding["professions"]
        for reference in coded
    )
    read = figures(read_report(year, "gp", "ko41b"))
    assert read["subject"]["not_coded"] == read["profession"]["not_coded"] == [0]
    refused = year.doors["gp"]["records"].call(
        "PUT", f"/cases/{coded[0]}/coding", {"subjects": ["appointments"]}, expect=(409,)
    )
    assert "submitted" in refused["detail"]


def test_the_anonymised_summary_lists_each_complaint_as_its_records_say(year):
    got = read_report(year, "icb", "commissioner")
    found = differences(year, "icb", "commissioner", books(year, "icb").annual(), got)
    expected = {c["reference"]: c for c in books(year, "icb").summary_cases()}
    listed = {c["reference"]: c for c in got["cases"]}
    assert sorted(listed) == sorted(expected)
    # The API gives every column the page's list shows.
    assert {key for key, _ in SUMMARY_COLUMNS} <= set(got["cases"][0])
    for reference, want in expected.items():
        have = listed[reference]
        for name, value in want.items():
            if have[name] != value:
                found.append(
                    f"YSICB commissioner case {reference} {name}: records {value!r}, "
                    f"report {have[name]!r}"
                )
    assert not found, "\n".join(found)


def test_the_records_carry_the_true_date_of_every_step(year):
    """Whether a step was entered as it happened or later with the time it happened, the
    case records that time: receipt (corrected where it was misread), the acknowledgement,
    consent, the summary's approval, the response (the signed letter's dispatch), closing,
    withdrawal, reopening, forwarding."""
    records = {r.reference: r for rs in year.records.values() for r in rs}
    found = []
    for plan in year.entered.plans:
        record = records[plan.reference]
        for name, when in plan.truth.items():
            have = record.at(name)
            if have != when:
                found.append(
                    f"{plan.reference} {name}: happened {when:%Y-%m-%d %H:%M}, records "
                    f"{have:%Y-%m-%d %H:%M}"
                    if have
                    else f"{plan.reference} {name}: happened {when:%Y-%m-%d %H:%M}, records none"
                )
    assert not found, "\n".join(found)


def test_every_step_has_an_endpoint_and_takes_the_time_it_happened(year):
    """Every step of the scenario has an API endpoint, and every step that records something
    that happened takes the time it happened, for a late entry."""
    assert not year.entered.missing
    assert all(year.entered.late_fields.values()), [
        k for k, v in year.entered.late_fields.items() if not v
    ]
    assert year.entered.late > 0.1 * year.entered.steps


def test_each_stage_keeps_its_response_with_the_day_it_was_sent(year):
    """A reopened complaint keeps its stage 1 response (date, outcome, verdict) beside the
    stage 2 one (R22, R29)."""
    records = {r.reference: r for rs in year.records.values() for r in rs}
    found = []
    for plan in year.entered.plans:
        kept = {s.stage: s.responded_at for s in records[plan.reference].responses}
        for stage, when in plan.responses:
            if kept.get(stage) != when:
                found.append(
                    f"{plan.reference} stage {stage}: sent {when:%Y-%m-%d %H:%M}, records "
                    f"{kept.get(stage)}"
                )
    assert any(stage == 2 for p in year.entered.plans for stage, _ in p.responses)
    assert not found, "\n".join(found)


def test_a_late_entry_shows_in_the_timeline_when_it_happened(year):
    """Each step entered late is on its case's timeline as a late entry, at the time it
    happened."""
    found = []
    for plan in year.entered.plans:
        if not plan.late_steps:
            continue
        door = year.doors[plan.organisation.key]["reports"]
        shown = {
            moment(e["happened_at"])
            for e in door.get(f"/cases/{plan.reference}/timeline")
            if e["recorded_late"]
        }
        for when in plan.late_steps:
            if when not in shown:
                found.append(f"{plan.reference}: {when:%Y-%m-%d %H:%M} not shown as late")
    assert not found, "\n".join(found)


def test_the_report_page_shows_the_figures_the_api_gives(year, client):
    """Once, for the commissioner's annual report: every figure of the page (its HTML,
    parsed) is the JSON's, as written."""
    sign_in(client, year.users[ICB.username("reports")])
    page = client.get(f"/reports/{ICB.code}/annual/{YEAR}/")
    assert page.status_code == 200
    shown = page_tables(page.content.decode())
    got = read_report(year, "icb", "annual")
    for table in got["tables"]:
        if not table["available"]:
            continue
        for row in table["rows"]:
            assert shown[table["key"]][row["label"]] == [f["display"] for f in row["figures"]], (
                table["key"],
                row["label"],
            )


def test_each_stored_verdict_is_the_one_the_case_shows_and_its_dates_make(year):
    """The verdicts the reports count (stored when the thing was done) are those of the
    case's own deadlines, on every case of the year: one rule (issue 16)."""
    found = []
    for record in (r for rs in year.records.values() for r in rs):
        acknowledge, response = record.deadline("acknowledge"), record.deadline("response")
        if acknowledge and record["acknowledge_met"] != acknowledge["met"]:
            found.append(
                f"{record.reference} acknowledgement: shows {acknowledge['met']}, "
                f"stored {record['acknowledge_met']}"
            )
        current = [s for s in record.responses if s.stage == record["stage"]]
        if response and current and current[0].met != response["met"]:
            found.append(
                f"{record.reference} stage {record['stage']} response: shows {response['met']}, "
                f"kept {current[0].met}"
            )
        # And each is what its own dates make: every stage's response by the day it was
        # sent (the year's response rules are in days and months), the clinic's
        # acknowledgement by the minute, 48 hours after receipt.
        for s in record.responses:
            if s.response_due and s.met != (day_of(s.responded_at) <= s.response_due):
                found.append(
                    f"{record.reference} stage {s.stage}: sent {s.responded_at}, due "
                    f"{s.response_due}, kept {s.met}"
                )
        acknowledged = record.at("acknowledged_at")
        if record.organisation == CLINIC.code and acknowledged:
            within = acknowledged <= record.received_at + timedelta(hours=48)
            if record["acknowledge_met"] != within:
                found.append(
                    f"{record.reference}: acknowledged {acknowledged}, 48 hours after "
                    f"{record.received_at}, stored {record['acknowledge_met']}"
                )
    assert not found, "\n".join(found)


@pytest.mark.parametrize("key", ["icb", "clinic", "gp"])
def test_the_dashboard_month_by_month_is_what_the_records_say(year, key):
    """The last 24 complete months before the reports are read (November 2024 to October
    2026): received, open and overdue at each month's end, responded, upheld, within and
    after the agreed timescale; themes and services."""
    got = year.doors[key]["reports"].get(
        "/reports/dashboard", organisation=ORGS[key].code, period=24
    )
    months = [month_start(2024, 11 + i) for i in range(25)]
    assert [m["first_day"] for m in got["months"]] == [m.date().isoformat() for m in months[:-1]]
    expected = books(year, key).dashboard(months)
    found = []
    for series in got["series"]:
        want = expected["series"][series["key"]]
        for month, cell, shown in zip(got["months"], want, series["values"], strict=True):
            if len(cell) != shown:
                found.append(
                    f"{ORGS[key].code} dashboard {series['key']} {month['label']}: records "
                    f"{len(cell)} ({sorted(cell)}), dashboard {shown}"
                )
    if got["within_percent"] != expected["within_percent"]:
        found.append(f"within %: records {expected['within_percent']}, {got['within_percent']}")
    for ranked in ("themes", "services"):
        rows, total = expected[ranked]
        shown = {r["name"]: r["complaints"] for r in got[ranked]["rows"]}
        if shown != rows or got[ranked]["total"] != total:
            found.append(
                f"{ranked}: records {rows} of {total}, dashboard {shown} of {got[ranked]['total']}"
            )
    assert not found, "\n".join(found)
