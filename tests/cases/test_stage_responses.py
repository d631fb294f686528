"""Each stage's response is kept (R22, R29; ADR 0018): reopening a responded case into its
next stage, from when the complainant's request was received, leaves stage 1's response in
the reports with its date, outcome, extension and verdict, and stage 2's is counted as its
own. `responses.rebuild` (the migration that began keeping them) makes the same rows."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from candour.cases import deadlines, responses
from candour.cases.handling import agree_extension, close_case, reopen_case
from candour.cases.intake import InvalidCase
from candour.cases.investigation import add_issue
from candour.cases.models import Case, StageResponse
from candour.reporting.annual import annual_report
from candour.reporting.ko41 import ko41
from candour.reporting.periodic import monthly_report

from ..conftest import at, sign_in
from ..responding import respond, without_sign_off
from .conftest import last_event, reach, reload

FIELDS = [
    "stage",
    "kind",
    "started_at",
    "responded_at",
    "outcome",
    "summary",
    "response_due",
    "met",
    "agreed_response_date",
    "extensions",
    "reopened_at",
]


def kept(case) -> list[list]:
    return [
        [getattr(r, f) for f in FIELDS]
        for r in StageResponse.objects.filter(case=case).order_by("stage")
    ]


@pytest.fixture
def answered_twice(org_a, alice, frozen):
    """A complaint answered at stage 1 on time after an extension (Mon 7 Dec 2026), reopened
    from a request received on Mon 4 Jan 2027 (entered a week later), and answered at stage 2
    late (Fri 19 Mar 2027, after 25 working days from 4 Jan)."""
    org = without_sign_off(org_a)
    case = reach(org, alice, "open")
    frozen.move_to(at(date(2026, 11, 20), 10))
    case = agree_extension(case, by=alice, new_date=date(2026, 12, 18), reason="Records late.")
    frozen.move_to(at(date(2026, 12, 7), 15))
    case = respond(case, alice, finding="not_upheld")
    frozen.move_to(at(date(2027, 1, 11), 9))
    case = reopen_case(
        case,
        by=alice,
        reason="The response did not answer issue 1.",
        received_at=at(date(2027, 1, 4), 11),
    )
    add_issue(case, by=alice, description="Issue 1 was not answered")
    frozen.move_to(at(date(2027, 3, 19), 12))
    case = respond(reload(case), alice, finding="upheld")
    return reload(case)


def test_reopening_keeps_stage_one_and_runs_stage_two_from_the_request(answered_twice):
    case = answered_twice
    assert (case.stage, case.stage_started_at) == (2, at(date(2027, 1, 4), 11))
    assert kept(case) == [
        [
            1,
            "complaint",
            case.received_at,
            at(date(2026, 12, 7), 15),
            "not_upheld",
            "We apologise; the process has changed.",
            date(2026, 12, 18),
            True,
            date(2026, 12, 18),
            1,
            at(date(2027, 1, 4), 11),
        ],
        [
            2,
            "complaint",
            at(date(2027, 1, 4), 11),
            at(date(2027, 3, 19), 12),
            "upheld",
            "We apologise; the process has changed.",
            # 25 working days after Mon 4 Jan 2027, the request, not after the reopening.
            date(2027, 2, 8),
            False,
            None,
            0,
            None,
        ],
    ]
    assert case.response_met is False and case.extensions == 0


def test_the_reports_count_each_stages_response_once_with_its_own_verdict(
    answered_twice, org_a, alice
):
    year = annual_report(alice, answered_twice.organisation, "2026-27")
    assert year.problems == []
    within = year.table("within_target").values()
    # Stage 1 (Q3, on time after its extension) and stage 2 (Q4, late).
    assert within["responded"] == [0, 0, 1, 1, 2]
    assert within["within"] == [0, 0, 1, 0, 1]
    assert year.table("handling").values()["extended"] == [1]
    assert year.table("outcomes").values()["not_upheld"][-1] == 1
    assert year.table("outcomes").values()["upheld"][-1] == 1
    days = year.table("days_to_respond").values()
    # 35 days from receipt to stage 1's response; 74 from the request to stage 2's.
    assert (days["days_29"], days["days_57"], days["median"]) == ([1], [1], [35])
    assert year.cases_behind("within_target", "responded") == [answered_twice.pk]

    summary = ko41(alice, answered_twice.organisation, "KO41a", "2026-27").table("summary")
    assert {k: v[0] for k, v in summary.values().items()} == {
        "brought_forward": 0,
        "new": 1,
        "reopened": 1,
        "resolved": 2,
        "upheld": 1,
        "partly_upheld": 0,
        "not_upheld": 1,
        "closed_other": 0,
        "carried_forward": 0,
    }
    # Between stage 1's response (7 Dec) and the request (4 Jan) the complaint was not open.
    december = monthly_report(alice, answered_twice.organisation, "2026-12")
    assert december.table("caseload").values() == {
        "open_start": [1],
        "received": [0],
        "reopened": [0],
        "ended": [1],
        "open_end": [0],
    }
    january = monthly_report(alice, answered_twice.organisation, "2027-01")
    assert january.table("caseload").values()["reopened"] == [1]
    assert january.table("caseload").values()["open_end"] == [1]
    assert january.problems == [] and december.problems == []


def test_a_stage_is_reopened_from_when_the_request_was_received(org_a, alice, frozen):
    case = reach(without_sign_off(org_a), alice, "open")
    frozen.move_to(at(date(2026, 11, 2), 14))
    case = respond(case, alice)
    answered = case.responded_at
    frozen.move_to(at(date(2026, 12, 1), 9))
    with pytest.raises(InvalidCase, match=r"^received_at: is before the stage 1 response$"):
        reopen_case(case, by=alice, reason="Unhappy.", received_at=answered - timedelta(hours=1))
    with pytest.raises(InvalidCase, match=r"^received_at: is in the future$"):
        reopen_case(case, by=alice, reason="Unhappy.", received_at=at(date(2026, 12, 2), 9))
    case = close_case(case, by=alice)
    case = reopen_case(case, by=alice, reason="Unhappy.", received_at=at(date(2026, 11, 20), 9))
    assert reload(case).stage_started_at == at(date(2026, 11, 20), 9)
    event = last_event(case)
    assert event.data["happened_at"] == "2026-11-20T09:00:00+00:00"
    assert event.data["after"]["stage_started_at"] == "2026-11-20T09:00:00+00:00"
    assert StageResponse.objects.get(case=case).reopened_at == at(date(2026, 11, 20), 9)
    response = {d.key: d for d in deadlines.for_case(reload(case))}["response"]
    assert response.basis == "25 working days after the start of stage 2 on Fri 20 Nov 2026"


def test_rebuild_makes_the_verdicts_and_responses_the_domain_keeps(answered_twice, org_a, alice):
    """What the migration runs on cases recorded before responses were kept: each stage's
    response (stage 1's from the audit event of the reopening) and the stored verdicts, the
    same as the domain wrote them."""
    other = reach(org_a, alice, "closed")
    before = {c.pk: kept(c) for c in (answered_twice, other)}
    verdicts = list(Case.objects.order_by("pk").values_list("acknowledge_met", "response_met"))
    StageResponse.objects.all().delete()
    Case.objects.update(acknowledge_met=None, response_met=None)

    done = responses.rebuild(batch_size=1)
    assert done["responses"] == 3 and done["cases"] == Case.objects.count()
    assert {c.pk: kept(c) for c in (answered_twice, other)} == before
    assert list(Case.objects.order_by("pk").values_list("acknowledge_met", "response_met")) == (
        verdicts
    )
    out = io.StringIO()
    call_command("verdicts", stdout=out)  # again: nothing differs
    assert out.getvalue() == (
        f"Verdicts: {Case.objects.count()} cases read, 0 verdicts changed, 0 stage responses "
        "kept.\n"
    )


def test_the_case_page_shows_each_stages_response_as_sent(client, answered_twice, alice):
    html = (
        sign_in(client, alice)
        .get(reverse("web:case", args=[answered_twice.reference]))
        .content.decode()
    )
    section = html.split('<h2 id="responses">Responses</h2>', 1)[1].split("</table>", 1)[0]
    rows = [
        [
            re.sub(r"\s+", " ", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', section, re.S)[1:]
    ]
    assert rows == [
        [
            "1 (next stage asked for on Mon 4 Jan 2027)",
            "Mon 7 Dec 2026 at 15:00",
            "Not upheld",
            "Fri 18 Dec 2026, after 1 extension",
            "Met",
        ],
        ["2", "Fri 19 Mar 2027 at 12:00", "Upheld", "Mon 8 Feb 2027", "Missed"],
    ]
