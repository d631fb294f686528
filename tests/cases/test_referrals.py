"""Risk flags that create referrals (R16), each with an owner and a due date; external bodies
told within the policy's time (seed 004: three days); a pause offered, never forced (R23)."""

from __future__ import annotations

from datetime import date

import pytest

from candour.cases.deadlines import for_case
from candour.cases.intake import InvalidCase
from candour.cases.models import Referral, Status
from candour.cases.referrals import raise_referral, record_referral
from candour.cases.workflow import TransitionNotAllowed
from candour.organisations.setup import add_member

from ..conftest import at, make_case, organisation, user
from .conftest import events, last_event, reach, reload, snapshot

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def clinic(db):
    return organisation("Luxira Aesthetics", "LUX", "clinic", "private-clinic")


@pytest.fixture
def carla(clinic):
    u = user("carla")
    add_member(u, clinic, "Complaints Manager")
    return u


def full_snapshot(case) -> dict:
    return {**snapshot(case), "referrals": list(Referral.objects.order_by("pk").values())}


def test_the_private_clinic_tells_the_insurer_within_three_days(clinic, carla, frozen):
    case = make_case(clinic, carla)  # Mon 2 Nov 2026, 09:00
    referral = raise_referral(
        case, by=carla, kind="insurer", detail="The client intends to claim.", owner=carla
    )

    assert (referral.body, referral.due) == ("Insurer", date(2026, 11, 5))
    event = last_event(case)
    assert (event.event, event.actor) == ("referral_raised", carla)
    assert event.data == {
        "happened_at": "2026-11-02T09:00:00+00:00",
        "before": {},
        "after": {},
        "number": 1,
        "kind": "insurer",
        "body": "Insurer",
        "detail": "The client intends to claim.",
        "owner": "carla",
        "due": "2026-11-05",
        "basis": "3 days after it was identified on Mon 2 Nov 2026",
        "pause_offered": "",
    }
    deadline = next(d for d in for_case(reload(case)) if d.key == "referral_1")
    assert (deadline.label, deadline.due, deadline.state) == (
        "Refer to Insurer",
        date(2026, 11, 5),
        "pending",
    )
    assert deadline.basis == "3 days after it was identified on Mon 2 Nov 2026"

    frozen.move_to(at(date(2026, 11, 6), 10))
    record_referral(case, by=carla, number=1, their_reference="CLM-77")
    event = last_event(case)
    assert event.event == "referral_made"
    assert (event.data["late"], event.data["their_reference"]) == (True, "CLM-77")
    deadline = next(d for d in for_case(reload(case)) if d.key == "referral_1")
    assert (deadline.state, deadline.met) == ("missed", False)


def test_a_referral_made_in_time_is_met_and_the_existing_notification_still_works(
    clinic, carla, frozen
):
    case = make_case(clinic, carla)
    raise_referral(
        case, by=carla, kind="regulator", body="GMC", detail="Fitness to practise.", owner=carla
    )
    frozen.move_to(at(date(2026, 11, 4), 16))
    record_referral(case, by=carla, number=1)
    keys = {d.key: d for d in for_case(reload(case))}
    assert (keys["referral_1"].label, keys["referral_1"].met) == ("Refer to GMC", True)
    assert "external_notification" not in keys  # the single-body notification is separate


def test_a_regulator_must_be_named(clinic, carla):
    case = make_case(clinic, carla)
    before = full_snapshot(case)
    with pytest.raises(InvalidCase) as error:
        raise_referral(case, by=carla, kind="regulator", detail="Conduct.", owner=carla)
    assert str(error.value) == "body: is empty; name the regulator, for example GMC, NMC, GDC, GPhC"
    assert full_snapshot(case) == before


def test_a_due_date_may_be_earlier_than_the_policy_time_but_not_later(clinic, carla):
    case = make_case(clinic, carla)
    before = full_snapshot(case)
    with pytest.raises(InvalidCase) as error:
        raise_referral(
            case, by=carla, kind="police", detail="Theft.", owner=carla, due=date(2026, 11, 9)
        )
    assert str(error.value) == (
        "due: is after Thu 5 Nov 2026; the policy says external bodies are told within 3 days "
        "of identifying the issue"
    )
    assert full_snapshot(case) == before

    referral = raise_referral(
        case, by=carla, kind="police", detail="Theft.", owner=carla, due=date(2026, 11, 3)
    )
    assert referral.due == date(2026, 11, 3)
    assert referral.due_basis == (
        "due date set when it was identified on Mon 2 Nov 2026, within 3 days after it was "
        "identified on Mon 2 Nov 2026"
    )


def test_without_a_policy_time_the_handler_gives_the_due_date(org_a, alice, ivan):
    case = reach(org_a, alice, Status.OPEN)
    before = full_snapshot(case)
    with pytest.raises(InvalidCase, match="due: is missing; the policy sets no time"):
        raise_referral(case, by=alice, kind="safeguarding_child", detail="Bruises.", owner=ivan)
    assert full_snapshot(case) == before

    referral = raise_referral(
        case,
        by=alice,
        kind="safeguarding_child",
        detail="Bruises.",
        owner=ivan,
        due=date(2026, 11, 3),
    )
    assert (referral.body, referral.owner, referral.due_basis) == (
        "Child safeguarding lead",
        ivan,
        "due date set when it was identified on Mon 2 Nov 2026",
    )
    assert reload(case).next_due == date(2026, 11, 3)


def test_a_police_referral_offers_a_pause_and_pauses_only_when_asked(org_a, alice):
    case = reach(org_a, alice, Status.OPEN)
    raise_referral(
        case, by=alice, kind="police", detail="Alleged theft.", owner=alice, due=date(2026, 11, 4)
    )
    assert reload(case).status == Status.OPEN
    assert last_event(case).data["pause_offered"] == "police"

    raise_referral(
        case,
        by=alice,
        kind="disciplinary",
        detail="Conduct at reception.",
        owner=alice,
        due=date(2026, 11, 9),
        pause=True,
    )
    case = reload(case)
    assert case.status == Status.PAUSED
    assert events(case)[-2:] == ["referral_raised", "case_paused"]
    assert last_event(case).data["reason"] == "disciplinary"
    assert case.pauses.get().detail == (
        "Disciplinary or performance referral 2 to Human resources: Conduct at reception."
    )


def test_a_pause_that_cannot_happen_leaves_nothing_written(org_a, alice):
    media = reach(org_a, alice, Status.OPEN)
    before = full_snapshot(media)
    with pytest.raises(InvalidCase, match="pause: only a police, legal claim or disciplinary"):
        raise_referral(
            media, by=alice, kind="media", detail="Local paper.", owner=alice,
            due=date(2026, 11, 3), pause=True,
        )  # fmt: skip
    assert full_snapshot(media) == before

    received = make_case(org_a, alice)  # not yet acknowledged: it cannot be paused
    before = full_snapshot(received)
    with pytest.raises(TransitionNotAllowed, match="cannot be paused: it is received"):
        raise_referral(
            received, by=alice, kind="police", detail="Theft.", owner=alice,
            due=date(2026, 11, 3), pause=True,
        )  # fmt: skip
    assert full_snapshot(received) == before


def test_a_referral_is_made_once(org_a, alice):
    case = reach(org_a, alice, Status.OPEN)
    raise_referral(
        case, by=alice, kind="media", detail="Local paper.", owner=alice, due=date(2026, 11, 3)
    )
    record_referral(case, by=alice, number=1)
    before = full_snapshot(case)
    with pytest.raises(TransitionNotAllowed, match="referral 1 was already made on Mon 2 Nov"):
        record_referral(case, by=alice, number=1)
    with pytest.raises(InvalidCase, match="number: there is no referral 2"):
        record_referral(case, by=alice, number=2)
    assert full_snapshot(case) == before
