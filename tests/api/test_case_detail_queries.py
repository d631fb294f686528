"""A case page costs a fixed number of queries, however many people, issues and pauses the
case has (docs/performance.md, "Case detail")."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candour.cases.actions import add_action, record_lesson
from candour.cases.attachments import add_attachment
from candour.cases.consent import override_consent
from candour.cases.contacts import log_contact
from candour.cases.handling import acknowledge_case, pause_case, resume_case
from candour.cases.investigation import (
    add_issue,
    add_staff_involved,
    offer_remedy,
    record_evidence,
    record_staff_step,
    request_statement,
    update_handling_plan,
)
from candour.cases.people import PersonDetails
from candour.cases.referrals import raise_referral
from tests.conftest import make_case

pytestmark = pytest.mark.usefixtures("frozen")

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def queries_for(api, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


def contact(case, by):
    return log_contact(
        case, by=by, channel="email", direction="from_complainant", party="complainant",
        summary="Sent a letter.",
    )  # fmt: skip


def test_a_larger_case_costs_no_more_queries_to_read(as_alice, org_a, alice, settings, tmp_path):
    settings.ATTACHMENTS_DIR = tmp_path
    small = make_case(org_a, alice)
    large = make_case(
        org_a,
        alice,
        relationship="relative",
        patient=PersonDetails(first_name="Tom", last_name="Example"),
        issues=["No call back", "Rude on the phone", "Wrong prescription"],
    )
    large = acknowledge_case(large, by=alice, method="email")
    for text in ("Records not updated", "Letter sent to the wrong address"):
        add_issue(large, by=alice, description=text)
    for _ in range(2):
        large = pause_case(large, by=alice, reason="police", detail="Police enquiry under way.")
        large = resume_case(large, by=alice)
    large = override_consent(
        large, by=alice, grounds="safeguarding", reason="A vulnerable adult may be at risk."
    )
    for n in range(2):
        add_action(large, by=alice, description=f"Action {n}", owner=alice, due=date(2026, 12, 1),
                   themes=["Access", "Safety"])  # fmt: skip
        record_lesson(large, by=alice, text=f"Lesson {n}", themes=["Access", "Safety"])
        raise_referral(large, by=alice, kind="media", detail="Paper.", owner=alice,
                       due=date(2026, 11, 9))  # fmt: skip
        add_staff_involved(large, by=alice, name=f"Staff {n}")
        record_staff_step(large, by=alice, staff=n + 1, step="informed")
        record_staff_step(large, by=alice, staff=n + 1, step="shown_complaint")
        request_statement(large, by=alice, staff=n + 1)
        record_evidence(large, by=alice, kind="records", description="Record.")
        offer_remedy(large, by=alice, kind="put_right", description="Appointment.")
    update_handling_plan(large, by=alice, desired_outcomes="An apology.")
    for n in (1, 2):
        contact(large, alice)
        add_attachment(large, by=alice, name="letter.pdf", content=PDF, contact=n)
    contact(small, alice)  # the log's files are read only when a case has entries
    # One action and one lesson: their themes are read only when a case has any.
    add_action(small, by=alice, description="Action", owner=alice, due=date(2026, 12, 1))
    record_lesson(small, by=alice, text="Lesson", themes=["Access"])
    as_alice.get(f"/cases/{small.reference}")  # warm anything cached per process

    detail = as_alice.get(f"/cases/{large.reference}").json()
    assert (len(detail["people"]), len(detail["issues"]), len(detail["pauses"])) == (3, 5, 2)
    assert [len(c["attachments"]) for c in detail["contacts"]] == [1, 1]
    assert queries_for(as_alice, f"/cases/{small.reference}") == queries_for(
        as_alice, f"/cases/{large.reference}"
    )


def test_reading_a_case_takes_at_most_twenty_four_queries(as_alice, org_a, alice):
    """Token, memberships, organisations, the case (with its handling plan), its parties,
    issues, pauses, actions, lessons, referrals, staff, statement requests, evidence,
    remedies, Ombudsman referrals, contact log and each stage's response, the policy, closure
    days and the access event (lock, insert, move the head) with its transaction, and the
    themes of its actions and lessons: the count that docs/performance.md records (23 then;
    one more each for the Ombudsman referrals, the contact log and the stage responses since
    issue 16; one more each for whether a survey awaits its answers and whether the case has
    a case study since issue 17, now read with the case and asked of it by the guards; one
    more for the parts of a joint complaint, whose due dates are among its deadlines)."""
    case = make_case(org_a, alice, issues=["No call back", "Rude on the phone"])
    add_action(case, by=alice, description="Action", owner=alice, due=date(2026, 12, 1))
    record_lesson(case, by=alice, text="Lesson", themes=["Access"])
    as_alice.get(f"/cases/{case.reference}")
    assert queries_for(as_alice, f"/cases/{case.reference}") <= 29


def guard_queries(api, path) -> list[str]:
    """The queries of a read that ask about surveys, case studies or joint complaints."""
    with CaptureQueriesContext(connection) as queries:
        assert api.get(path).status_code == 200
    tables = ('FROM "cases_survey"', 'FROM "cases_casestudy"', 'FROM "cases_joint')
    return [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in tables)]


def test_the_closure_and_joint_guards_read_the_case_not_the_database(as_alice, org_a, alice):
    """The surveys, case studies and joint parts are read with the case, once each; the
    closure and joint guards read the case's state first and then what was read with it, so
    an open case and a closed one with a survey awaiting its answers cost the same."""
    from candour.cases import surveys
    from candour.cases.models import Status
    from tests.cases.conftest import reach

    open_one = make_case(org_a, alice)
    closed = reach(org_a, alice, Status.CLOSED)
    surveys.send_survey(closed, by=alice, offer="sent", channel="post")
    as_alice.get(f"/cases/{open_one.reference}")  # warm anything cached per process
    for case in (open_one, closed):
        asked = guard_queries(as_alice, f"/cases/{case.reference}")
        # The three prefetches (surveys, case studies, a joint complaint's parts, whose due
        # dates are among the case's deadlines), and no guard's question.
        assert len(asked) == 3, asked
        assert all("LIMIT 1" not in sql and "SELECT 1" not in sql for sql in asked)
    offered = as_alice.get(f"/cases/{closed.reference}").json()["allowed_actions"]
    assert "record_survey_answers" in offered and "send_survey" not in offered
    assert (
        "record_survey_answers"
        not in as_alice.get(f"/cases/{open_one.reference}").json()["allowed_actions"]
    )
    assert queries_for(as_alice, f"/cases/{open_one.reference}") == queries_for(
        as_alice, f"/cases/{closed.reference}"
    )
