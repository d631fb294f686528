"""Reports as JSON (issue 16): for a year with known answers (tests/reporting/known_year.py)
every figure of every report is the report page's, row by row and column by column, and the
value its report object holds; the cases behind a figure are the page's; another
organisation's reports are not found (404) and a role without reports is refused (403)."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from candour.reporting import catalogue, commissioner
from candour.reporting.dashboard import dashboard
from tests.api.conftest import Api

from ..conftest import at, make_case, sign_in
from ..reporting.known_year import build_year

PERIODS = {
    "annual": "2025-26",
    "quarterly": "2025-26-Q3",
    "monthly": "2025-11",
    "ko41a": "2025-26",
    "ko41b": "2025-26",
    "commissioner": "2025-26",
}


@pytest.fixture
def year(org_a, alice, frozen):
    return build_year(org_a, alice, frozen)


def page_tables(page: str) -> dict[str, dict[str, list[str]]]:
    """Each table of a report page: row label → the figures as the page writes them."""
    tables = {}
    for key, body in re.findall(
        r'<section class="candour-report-table" aria-labelledby="table-([^"]+)">(.*?)</section>',
        page,
        re.S,
    ):
        rows = {}
        for label, cells in re.findall(r'<th scope="row"[^>]*>(.*?)</th>(.*?)</tr>', body, re.S):
            figures = re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
            rows[html.unescape(label)] = [
                html.unescape(
                    re.sub(
                        r"<[^>]+>",
                        "",
                        re.sub(r'<span class="nhsuk-u-visually-hidden">.*?</span>', "", f),
                    )
                ).strip()
                for f in figures
            ]
        tables[key] = rows
    return tables


def json_tables(report: dict) -> dict[str, dict[str, list[str]]]:
    return {
        t["key"]: {r["label"]: [f["display"] for f in r["figures"]] for r in t["rows"]}
        for t in report["tables"]
        if t["available"]
    }


def test_every_report_gives_the_pages_figures_and_its_report_objects_values(
    client, year, org_a, alice, as_alice
):
    sign_in(client, alice)
    for kind, period in PERIODS.items():
        response = as_alice.get(f"/reports/WAL/{kind}/{period}")
        assert response.status_code == 200, (kind, response.content)
        got = response.json()
        assert (got["organisation"], got["kind"], got["period"]) == ("WAL", kind, period)
        page = client.get(f"/reports/WAL/{kind}/{period}/").content.decode()
        assert json_tables(got) == page_tables(page), kind
        built = catalogue.build(alice, org_a, kind, period)
        inner = built.report if kind == "commissioner" else built
        assert [t["key"] for t in got["tables"]] == list(inner.tables), kind
        for t in got["tables"]:
            table = inner.tables[t["key"]]
            assert t["columns"] == table.columns
            keys = [r["key"] for r in t["rows"]]
            assert all(keys) and len(keys) == len(set(keys)), (kind, t["key"], keys)
            assert {r["key"]: [f["value"] for f in r["figures"]] for r in t["rows"]} == (
                table.values()
            ), (kind, t["key"])
        assert got["check"] == {"passed": not built.problems, "problems": []}
        assert got["title"] == built.title
    # The figures are the known ones (tests/reporting/test_annual.py works them out by hand).
    annual = as_alice.get("/reports/WAL/annual/2025-26").json()
    received = next(t for t in annual["tables"] if t["key"] == "received")
    own = next(r for r in received["rows"] if r["key"] == "own")
    assert [f["value"] for f in own["figures"]] == [2, 2, 2, 2, 8]
    assert [f["column"] for f in own["figures"]] == ["Q1", "Q2", "Q3", "Q4", "Total"]
    within = next(t for t in annual["tables"] if t["key"] == "within_target")
    share = next(r for r in within["rows"] if r["key"] == "within_percent")["figures"][-1]
    assert share == {
        "column": "Total",
        "type": "percent",
        "value": 83.3,
        "display": "83.3%",
        "cases": 5,
    }
    assert (annual["first_day"], annual["last_day"]) == ("2025-04-01", "2026-03-31")
    summary = as_alice.get("/reports/WAL/commissioner/2025-26").json()
    assert [c["reference"] for c in summary["cases"]] == [
        year[name].reference
        for name in ("C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10")
    ]
    assert summary["changes"] is None and annual["cases"] is None
    # Every column of the page's list, the stage among them.
    assert [key for key, _ in commissioner.COLUMNS] == list(summary["cases"][0])


def test_the_cases_behind_a_figure_are_the_pages(year, as_alice):
    listed = as_alice.get(
        "/reports/WAL/annual/2025-26/cases",
        table="received",
        row="provider_led",
        column="Total",
    )
    assert listed.status_code == 200, listed.content
    got = listed.json()
    assert got["total"] == 2 and got["figure"]["value"] == 2
    assert {c["reference"] for c in got["cases"]} == {year["C3"].reference, year["C6"].reference}
    # a percentage lists its numerator's cases; the column defaults to the table's last
    within = as_alice.get(
        "/reports/WAL/annual/2025-26/cases", table="within_target", row="within_percent"
    ).json()
    assert (within["column"], within["total"]) == ("Total", 5)
    for params, field in [
        ({"table": "nope", "row": "own"}, "table"),
        ({"table": "received", "row": "nope"}, "row"),
        ({"table": "received", "row": "own", "column": "Q9"}, "column"),
    ]:
        response = as_alice.get("/reports/WAL/annual/2025-26/cases", **params)
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == field
    assert (
        as_alice.get(
            "/reports/WAL/commissioner/2025-26/cases", table="received", row="own"
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_reports_are_refused_as_the_api_refuses_cases(as_alice, as_bob, as_ivan, org_a, frozen):
    # Another organisation's reports do not exist for Bob; nor does an unknown organisation.
    for path in ("/reports/WAL/annual/2025-26", "/reports/NOPE/annual/2025-26"):
        response = as_bob.get(path)
        assert response.status_code == 404, path
    assert as_bob.get("/reports/WAL/annual/2025-26/cases", table="x", row="y").status_code == 404
    assert as_bob.get("/reports/dashboard", organisation="WAL").status_code == 404
    # Ivan sees Walsall's cases but his role does not include reports.
    response = as_ivan.get("/reports/WAL/annual/2025-26")
    assert response.status_code == 403
    assert "allows seeing its reports" in response.json()["detail"]
    assert as_ivan.get("/reports/dashboard").status_code == 403
    assert as_ivan.get("/reports").json()["organisations"] == []
    assert as_alice.get("/reports").json()["organisations"] == [
        {"code": "WAL", "name": "Walsall Commissioning"}
    ]
    # A period is written as the report's kind names it.
    for path, message in [
        ("/reports/WAL/annual/2025-27", "is not a financial year"),
        ("/reports/WAL/quarterly/2025-26", "is not a quarter; write it as 2025-26-Q3"),
        ("/reports/WAL/annual/2025-26-Q3", "is not a financial year"),
        ("/reports/WAL/monthly/1999-11", "is not a month"),
    ]:
        response = as_alice.get(path)
        assert response.status_code == 422, path
        (error,) = response.json()["detail"]
        assert error["field"] == "period" and message in error["message"], (path, error)
    assert as_alice.get("/reports/WAL/weekly/2025-26").status_code == 422
    assert as_alice.get("/reports/WAL/annual/26-27").status_code == 422
    assert as_alice.get("/reports/dashboard", period=6).status_code == 422
    assert Api().get("/reports").status_code == 401


def test_the_dashboard_gives_the_pages_figures(client, org_a, alice, as_alice, frozen):
    make_case(org_a, alice, received_at=at(date(2026, 10, 5)), service="Cardiology")
    make_case(org_a, alice, received_at=at(date(2026, 10, 20)), service="Cardiology")
    make_case(org_a, alice, received_at=at(date(2026, 9, 1)), service="Podiatry")
    got = as_alice.get("/reports/dashboard").json()
    board = dashboard(alice, None, 12)
    assert (got["organisation"], got["period"]) == (None, 12)
    assert (got["first_day"], got["last_day"]) == ("2025-11-01", "2026-10-31")
    assert [m["label"] for m in got["months"]] == board.activity.labels
    assert {s["key"]: s["values"] for s in got["series"]} == {
        key: s.values for key, s in board.activity.series.items()
    }
    received = next(s for s in got["series"] if s["key"] == "received")["values"]
    assert received[-2:] == [1, 2]
    assert got["services"]["rows"] == [
        {"name": "Cardiology", "complaints": 2},
        {"name": "Podiatry", "complaints": 1},
    ]
    assert got["received_chart"]["summary"] == board.received_spc.summary()
    # The page's table beside the first chart holds the same numbers.
    sign_in(client, alice)
    page = client.get("/dashboard/").content.decode()
    section = page.split('id="received"', 1)[1].split("</table>", 1)[0]
    shown = re.findall(
        r'<th scope="row" class="nhsuk-table__cell">([^<]+)</th><td[^>]*>(\d+)</td>', section
    )
    assert [(m, int(n)) for m, n in shown] == list(
        zip(board.activity.labels, received, strict=True)
    )
    narrowed = as_alice.get("/reports/dashboard", organisation="wal", period=24).json()
    assert (narrowed["organisation"], len(narrowed["months"])) == ("WAL", 24)


def test_a_manager_marks_a_ko41_return_submitted_and_withdraws_it_as_the_page_does(
    as_bob, as_ivan, as_alice, bob, org_b, partner, frozen
):
    from candour.audit.models import AuditEvent
    from candour.coding.models import SubmittedReturn

    path = "/reports/MMG/ko41b/2026-27/submission"
    got = as_bob.get(path).json()
    assert got == {
        "organisation": "MMG",
        "return_code": "KO41b",
        "year": "2026-27",
        "submitted": False,
        "submitted_at": None,
        "submitted_by": None,
        "may_submit": True,
    }
    response = as_bob.post(path)
    assert response.status_code == 200, response.content
    got = response.json()
    assert got["submitted"] and got["submitted_by"] == "bob"
    assert got["submitted_at"].startswith("2026-11-02T09:00")
    assert SubmittedReturn.objects.filter(organisation=org_b, return_code="KO41b", year=2026)
    assert as_bob.get(path).json()["submitted"]
    # Marked once only; the web page's message, as a conflict.
    response = as_bob.post(path)
    assert response.status_code == 409
    assert "already marked submitted" in response.json()["detail"]
    # A partner sees the practice's reports but does not handle its cases: refused, nothing
    # written.
    as_pat = Api(partner)
    assert as_pat.get(path).json()["may_submit"] is False
    response = as_pat.delete(path)
    assert response.status_code == 403
    assert "handles its cases" in response.json()["detail"]
    assert response.json()["detail"].startswith("You cannot mark the returns of Minster")
    # Another organisation's returns are not found.
    assert as_alice.post(path).status_code == 404
    assert as_alice.get(path).status_code == 404
    response = as_bob.delete(path)
    assert response.status_code == 200
    assert response.json()["submitted"] is False
    assert not SubmittedReturn.objects.exists()
    response = as_bob.delete(path)
    assert response.status_code == 409
    assert "is not marked submitted" in response.json()["detail"]
    assert list(
        AuditEvent.objects.filter(event__startswith="ko41_").values_list("event", flat=True)
    ) == ["ko41_return_submitted", "ko41_submission_withdrawn"]
    # Only the KO41 returns, and only for a financial year written as the page writes it.
    assert as_bob.post("/reports/MMG/annual/2026-27/submission").status_code == 422
    response = as_bob.post("/reports/MMG/ko41a/2026-26/submission")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "period"
    assert as_bob.post("/reports/MMG/ko41a/2026-11/submission").status_code == 422


def test_a_role_without_reports_is_refused_the_submission(as_ivan, org_a, frozen):
    response = as_ivan.post("/reports/WAL/ko41a/2026-27/submission")
    assert response.status_code == 403
    assert "allows seeing its reports" in response.json()["detail"]
    assert Api().post("/reports/WAL/ko41a/2026-27/submission").status_code == 401


def test_a_return_with_uncoded_cases_is_refused_as_the_page_refuses_it(as_bob, bob, org_b, frozen):
    """REGULATIONS.md §3.4: "For subject and staff group you tick boxes, then give values"."""
    from candour.audit.models import AuditEvent
    from candour.coding.codelists import load_shipped
    from candour.coding.coding import code_case
    from candour.coding.models import SubmittedReturn

    load_shipped()
    case = make_case(org_b, bob)
    path = "/reports/MMG/ko41b/2026-27/submission"
    response = as_bob.post(path)
    assert response.status_code == 409
    assert response.json()["detail"].startswith(
        "The KO41b 2026-27 return of Minster Medical Group cannot be marked submitted while "
        "its checks list cases without a code: 1 new complaint(s) have no subject area code; "
        "1 new complaint(s) have no staff group code."
    )
    assert not SubmittedReturn.objects.exists()
    assert not AuditEvent.objects.filter(event__startswith="ko41_").exists()
    code_case(case, by=bob, subjects=["other"], professions=["medical"])
    assert as_bob.post(path).json()["submitted"] is True
