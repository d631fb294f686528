"""High service users (R34; seed 000 "High Service Users"; issue 17): a route of its own,
per person, with steps, owners and due dates, not a complaint outcome."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from candour.audit.models import AuditEvent
from candour.cases import high_users
from candour.cases.intake import InvalidCase
from candour.cases.models import Status
from candour.organisations.setup import add_member

from ..conftest import make_case, user

pytestmark = pytest.mark.django_db

SEED_000 = "../shared/seeds/000_5380ba2ff028fde6.txt"


def test_the_steps_follow_seed_000_from_mdt_to_national_support(frozen, national, site, hugo, rita):
    text = Path(SEED_000).read_text(encoding="utf-8")
    for words in (
        "Have a MDT with the patient addressing the patient's queries",
        "*A capacity assessment",
        "*A referral to the MHT if the patient is not already under them.",
        "Agree a communication plan with the patient",
        "If step 2 continues ...escalate to Regional management team",
        "If step 3 continues ...escalate to National team",
    ):
        assert words in text
    nina = user("nina")
    add_member(nina, national, "National Complaints Manager")
    case = make_case(site, hugo, kind="enquiry")
    plan = high_users.open_plan(
        case,
        by=hugo,
        reason="Daily requests about medication, not complaints.",
        mdt_owner=hugo,
        mdt_due=date(2026, 11, 9),
    )
    assert case.status == Status.RECEIVED  # not a complaint outcome
    mdt = plan.steps.get()
    assert (mdt.kind, mdt.owner, mdt.due) == ("mdt_meeting", hugo, date(2026, 11, 9))
    # Step 2 comes after the MDT; regional support after the communication plan.
    with pytest.raises(InvalidCase, match="comes after the mdt meeting"):
        high_users.add_step(
            plan, by=hugo, kind="communication_plan", owner=hugo, due=date(2026, 11, 16)
        )
    capacity = high_users.add_step(
        plan, by=hugo, kind="capacity_assessment", owner=hugo, due=date(2026, 11, 10)
    )
    mht = high_users.add_step(
        plan, by=hugo, kind="mental_health_referral", owner=hugo, due=date(2026, 11, 10)
    )
    high_users.not_needed(plan, by=hugo, step=mht.number, reason="Already under the MHT.")
    high_users.complete_step(plan, by=hugo, step=capacity.number, outcome="Has capacity.")
    high_users.complete_step(plan, by=hugo, step=mdt.number, outcome="Queries answered.")
    comms = high_users.add_step(
        plan, by=hugo, kind="communication_plan", owner=hugo, due=date(2026, 11, 16)
    )
    with pytest.raises(InvalidCase, match="comes after the communication plan"):
        high_users.add_step(
            plan, by=hugo, kind="regional_support", owner=rita, due=date(2026, 11, 30)
        )
    high_users.complete_step(
        plan,
        by=hugo,
        step=comms.number,
        outcome="Fortnightly meetings with the patient engagement lead.",
    )
    # The regional management team owns step 3: not the site's Head of Healthcare.
    with pytest.raises(InvalidCase, match="owner: must hold a role at an organisation above"):
        high_users.add_step(
            plan, by=hugo, kind="regional_support", owner=hugo, due=date(2026, 11, 30)
        )
    regional = high_users.add_step(
        plan, by=hugo, kind="regional_support", owner=rita, due=date(2026, 11, 30)
    )
    with pytest.raises(InvalidCase, match="owner: must hold a role at the national"):
        high_users.complete_step(plan, by=hugo, step=regional.number, outcome="Met the RM.")
        high_users.add_step(
            plan, by=hugo, kind="national_support", owner=rita, due=date(2026, 12, 14)
        )
    national_step = high_users.add_step(
        plan, by=hugo, kind="national_support", owner=nina, due=date(2026, 12, 14)
    )
    assert national_step.owner == nina
    events = list(
        AuditEvent.objects.filter(data__service_user_plan=plan.pk).values_list("event", flat=True)
    )
    assert events[0] == "service_user_plan_opened"
    assert events.count("service_user_plan_step_done") == 4
    assert list(high_users.steps_due(hugo, today=date(2026, 12, 7))) == [national_step]


def test_a_plan_is_seen_only_in_its_organisations(frozen, org_a, alice, bob):
    plan = high_users.open_plan(
        make_case(org_a, alice),
        by=alice,
        reason="Health needs.",
        mdt_owner=alice,
        mdt_due=date(2026, 11, 9),
    )
    with pytest.raises(high_users.PlanNotFound):
        high_users.get_plan(bob, plan.pk)
    with pytest.raises(InvalidCase, match="owner: must be someone with a role"):
        high_users.add_step(
            plan, by=alice, kind="capacity_assessment", owner=bob, due=date(2026, 11, 9)
        )
