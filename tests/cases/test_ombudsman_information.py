"""The Ombudsman's request for information (R30) as a deadline of the case, with its basis,
met when the information is sent; and the worklist's queue of information due to the
escalation body (named as the organisation's policy names it), of the cases, open or not,
with a request still to answer."""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from candour.cases import listing
from candour.cases.consent import record_share_consent
from candour.cases.deadlines import DeadlineState, for_case
from candour.cases.escalation import (
    forward_to_provider,
    record_ombudsman_outcome,
    refer_to_ombudsman,
    request_ombudsman_information,
    send_ombudsman_information,
)
from candour.cases.listing import Queue
from candour.cases.models import INFORMATION_AWAITED, OmbudsmanReferral, Status
from tests.api.conftest import Api

from ..conftest import at, make_case, sign_in
from .conftest import reach, reload

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00


def referred(case, by, **request):
    referral = refer_to_ombudsman(case, by=by, body="phso", referred_on=date(2026, 11, 2))
    if request:
        request_ombudsman_information(referral, by=by, **request)
    return referral


def information(case):
    return next((d for d in for_case(reload(case)) if d.key.startswith("ombudsman_")), None)


ASKED = {"requested_on": date(2026, 11, 2), "due": date(2026, 11, 16)}


def test_the_request_is_a_deadline_with_its_basis_met_when_the_information_is_sent(
    org_a, alice, frozen
):
    case = reach(org_a, alice, Status.WITHDRAWN)
    referral = referred(case, alice)
    assert information(case) is None
    request_ombudsman_information(referral, by=alice, **ASKED)
    asked = information(case)
    assert (asked.key, asked.due, asked.state) == (
        "ombudsman_information_1",
        date(2026, 11, 16),
        DeadlineState.PENDING,
    )
    assert asked.label == "Send the Ombudsman the information asked for"
    assert asked.basis == (
        "the date the Parliamentary and Health Service Ombudsman set in its request of "
        "Mon 2 Nov 2026"
    )
    # Written to the case's next due date, which the worklist sorts and colours by.
    assert reload(case).next_due == date(2026, 11, 16)
    frozen.move_to(at(date(2026, 11, 16), 17))
    assert information(case).state == DeadlineState.DUE_TODAY
    frozen.move_to(at(date(2026, 11, 17), 9))
    assert information(case).state == DeadlineState.OVERDUE
    send_ombudsman_information(referral, by=alice, sent_on=date(2026, 11, 16))
    sent = information(case)
    assert (sent.state, sent.met) == (DeadlineState.MET, True)
    assert sent.completed_at == at(date(2026, 11, 16), 0)
    assert reload(case).next_due is None


def test_information_sent_after_the_date_missed_it(org_a, alice, frozen):
    case = reach(org_a, alice, Status.WITHDRAWN)
    referral = referred(case, alice, **ASKED)
    frozen.move_to(at(date(2026, 11, 20), 9))
    send_ombudsman_information(referral, by=alice, sent_on=date(2026, 11, 17))
    assert (information(case).state, information(case).met) == (DeadlineState.MISSED, False)


def test_a_second_referral_is_numbered_two(org_a, alice):
    case = reach(org_a, alice, Status.WITHDRAWN)
    referred(case, alice)
    referred(case, alice, **ASKED)
    keys = [d.key for d in for_case(reload(case)) if d.key.startswith("ombudsman_")]
    assert keys == ["ombudsman_information_2"]


def test_awaited_and_its_condition_agree_on_every_state_of_a_referral(org_a, alice):
    """INFORMATION_AWAITED is `information_awaited` written as SQL: the two must agree."""
    case = reach(org_a, alice, Status.WITHDRAWN)
    states = list(product((None, date(2026, 11, 2)), (None, date(2026, 11, 2)), ("", "upheld")))
    for requested, sent, outcome in states:
        OmbudsmanReferral.objects.create(
            case=case,
            body="phso",
            referred_on=date(2026, 11, 2),
            information_requested_on=requested,
            information_sent_on=sent,
            outcome=outcome,
        )
    rows = OmbudsmanReferral.objects.filter(case=case)
    by_python = {r.pk for r in rows if r.information_awaited}
    by_sql = set(rows.filter(INFORMATION_AWAITED).values_list("pk", flat=True))
    assert by_python == by_sql and len(by_sql) == 1


@pytest.fixture
def desk(org_a, org_b, alice, bob, frozen):
    """Cases of Walsall at each step of a referral, and one of Bob's practice."""
    withdrawn = reach(org_a, alice, Status.WITHDRAWN)
    referred(withdrawn, alice, **ASKED)
    shared = record_share_consent(make_case(org_a, alice), by=alice, method="verbal")
    closed = forward_to_provider(shared, by=alice, provider="Example Trust")
    referred(closed, alice, **ASKED)
    answered = reach(org_a, alice, Status.WITHDRAWN)
    send_ombudsman_information(
        referred(answered, alice, **ASKED), by=alice, sent_on=date(2026, 11, 2)
    )
    decided = reach(org_a, alice, Status.WITHDRAWN)
    record_ombudsman_outcome(
        referred(decided, alice, **ASKED),
        by=alice,
        outcome="declined",
        decided_on=date(2026, 11, 2),
    )
    not_asked = reach(org_a, alice, Status.WITHDRAWN)
    referred(not_asked, alice)
    bobs = reach(org_b, bob, Status.WITHDRAWN)
    referred(bobs, bob, **ASKED)
    return {"withdrawn": withdrawn, "closed": closed, "bobs": bobs}


def listed(user, **filters) -> set[str]:
    return {c.reference for c in listing.page(user, queue="ombudsman_information", **filters).cases}


def test_the_queue_lists_the_cases_still_owing_information_open_or_not(alice, bob, desk):
    assert desk["closed"].status == Status.CLOSED
    expected = {desk["withdrawn"].reference, desk["closed"].reference}
    assert listed(alice) == expected
    assert listed(alice, sort="reference") == expected
    assert listed(alice, q="Example") == expected
    assert listing.queue_counts(alice)[Queue.OMBUDSMAN_INFORMATION] == 2
    assert listed(bob) == {desk["bobs"].reference}
    assert listing.queue_counts(bob)[Queue.OMBUDSMAN_INFORMATION] == 1
    # The other queues are untouched: neither case is open.
    assert not {c.reference for c in listing.page(alice, queue="open").cases} & expected


def test_the_worklist_shows_the_queue_with_its_count(client, alice, desk):
    sign_in(client, alice)
    home = client.get("/").content.decode()
    label = "Information due to the Parliamentary and Health Service Ombudsman"
    assert label in home
    assert "queue=ombudsman_information" in home
    page = client.get("/", {"queue": "ombudsman_information"})
    assert page.status_code == 200
    text = page.content.decode()
    assert desk["withdrawn"].reference in text and desk["closed"].reference in text
    assert desk["bobs"].reference not in text
    assert (
        f'<strong aria-current="page">{label} <span class="candour-count">2</span></strong>'
    ) in text
    # The case page lists the request among the case's deadlines, with its basis.
    case_page = client.get(f"/cases/{desk['closed'].reference}/").content.decode()
    assert "Send the Ombudsman the information asked for" in case_page
    assert "set in its request of Mon 2 Nov 2026" in case_page


def test_the_api_lists_the_queue(alice, desk):
    got = Api(alice).get("/cases", queue="ombudsman_information", count="true").json()
    assert {c["reference"] for c in got["items"]} == {
        desk["withdrawn"].reference,
        desk["closed"].reference,
    }
    assert got["count"] == 2


def test_the_clinics_queue_is_named_after_its_adr_provider_not_the_ombudsman(client, db):
    """Seed 004, "Assessing Resolution Options": the clinic signposts "to an approved ...
    Alternative Disputes Resolution Service Provider"; its worklist names that body, as its
    reports do (tests/reporting/test_escalation_label.py), not the Ombudsman."""
    from candour.organisations.setup import add_member

    from ..conftest import organisation, user

    clinic = organisation("Luxira Aesthetics", "LUX", "clinic", "private-clinic")
    add_member(carla := user("carla"), clinic, "Complaints Manager")
    assert listing.queue_labels([clinic])[Queue.OMBUDSMAN_INFORMATION] == (
        "Information due to an approved Alternative Dispute Resolution provider"
    )
    sign_in(client, carla)
    home = client.get("/").content.decode()
    nav = home[home.index("queue=ombudsman_information") :][:300]
    assert "Information due to an approved Alternative Dispute Resolution provider" in nav
    assert "Ombudsman" not in nav


def test_the_referral_forms_name_the_escalation_body_of_the_cases_policy(client, org_a, db):
    """Seed 004, "Assessing Resolution Options": the clinic signposts "to an approved ...
    Alternative Disputes Resolution Service Provider"; seed 002 §11.1 names the
    Parliamentary and Health Service Ombudsman. The case page's referral forms say which."""
    from candour.organisations.setup import add_member

    from ..conftest import organisation, user
    from ..responding import respond

    clinic = organisation("Luxira Aesthetics", "LUX", "clinic", "private-clinic")
    add_member(carla := user("carla"), clinic, "Complaints Manager")
    from candour.cases.handling import acknowledge_case

    theirs = acknowledge_case(make_case(clinic, carla), by=carla, method="letter")
    theirs = respond(theirs, carla)
    sign_in(client, carla)
    page = client.get(f"/cases/{theirs.reference}/").content.decode()
    assert "Record a referral to an approved Alternative Dispute Resolution provider" in page
    refer_to_ombudsman(
        theirs, by=carla, body="adr", body_name="ISCAS", referred_on=date(2026, 11, 2)
    )
    form = client.get(f"/cases/{theirs.reference}/ombudsman-step/").content.decode()
    assert "An approved Alternative Dispute Resolution provider asked for information" in form
    assert "Ombudsman" not in form[form.index("<main") :]
