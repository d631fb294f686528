"""`candour demo`'s extras: letters, action plans, lessons, risk referrals and KO41 coding on
a sample of the loaded cases, all through the domain functions."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from candour import demo, demo_extras
from candour.audit.chain import verify
from candour.audit.models import AuditEvent
from candour.cases import joint
from candour.cases.joint_models import JointComplaint, JointPart
from candour.cases.listing import Queue, page
from candour.cases.models import Case, CaseAction, Lesson, Referral, Status
from candour.coding.codelists import load_shipped
from candour.coding.models import CaseCoding, CaseTheme
from candour.letters.models import Dispatch, Letter, LetterAction, LetterStatus, StepAction
from candour.organisations.models import Membership
from candour.web import joint as joint_pages

from .conftest import NOW


def lineage(case) -> set[int]:
    return {int(i) for i in case.organisation.path.strip("/").split("/") if i}


def holds_a_role_over(user, case) -> bool:
    return Membership.objects.filter(user=user, organisation_id__in=lineage(case)).exists()


@pytest.fixture
def enriched(demo_orgs):
    demo.load_cases(400, seed=7, now=NOW, batch_size=200)
    load_shipped()
    return demo_extras.enrich(demo_orgs, seed=3, how_many=200)


def test_it_adds_final_responses_at_every_point_of_the_sign_off_chains(enriched):
    by_status = {s: Letter.objects.filter(status=s).count() for s in LetterStatus.values}
    assert all(by_status.values()), by_status  # in sign-off, signed, ready and sent
    assert sum(by_status.values()) == sum(enriched.letters.values())
    assert LetterAction.objects.filter(action=StepAction.SEND_BACK).exists()
    assert LetterAction.objects.filter(action=StepAction.REVISE).exists()
    chains = {letter.chain["name"] for letter in Letter.objects.all()}
    assert {
        "Final response (Executive Manager drafts, a Partner approves)",  # GP practice
        "Final response (Accountable Officer or Director signs)",  # commissioner
        "Final response (Responsible Person signs)",  # the statutory baseline
        "Local letters (Head of Healthcare)",  # national provider, Stage 1
        "Stage 2 sign-off (regional and national)",
    } <= chains
    # Seed 000 Stage 2: regional and national sign-off of a reopened complaint.
    stage_2 = Letter.objects.filter(stage=2)
    assert stage_2.exists() and enriched.stage_2_letters == stage_2.count()
    assert all(letter.case.stage == 2 for letter in stage_2)
    # Sending a final response is the case's response.
    for sent in Dispatch.objects.select_related("letter__case"):
        assert sent.letter.case.status == Status.RESPONDED
        assert sent.letter.case.responded_at is not None


def test_every_change_is_audited_and_the_chain_verifies(enriched):
    result = verify()
    assert result.ok, result.problems
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {
        "letter_started",
        "letter_revised",
        "letter_approved",
        "letter_sent_back",
        "letter_signed",
        "letter_dispatched",
        "outcome_recorded",
        "finding_recorded",
        "case_reopened",
        "action_added",
        "action_completed",
        "lesson_recorded",
        "referral_raised",
        "case_coded",
    } <= events
    assert AuditEvent.objects.filter(event="letter_started").count() == Letter.objects.count()
    assert AuditEvent.objects.filter(event="action_added").count() == CaseAction.objects.count()


def test_everything_added_belongs_to_its_case_and_its_organisation(enriched):
    for letter in Letter.objects.select_related("case__organisation", "template"):
        assert letter.template.organisation_id in lineage(letter.case)
        assert holds_a_role_over(letter.created_by, letter.case)
    for action in LetterAction.objects.select_related("letter__case__organisation", "by"):
        assert holds_a_role_over(action.by, action.letter.case)
    added = CaseAction.objects.select_related("case__organisation", "owner")
    assert added.exists()
    for action in added:
        assert holds_a_role_over(action.owner, action.case)
        assert all(t.organisation_id == action.case.organisation_id for t in action.themes.all())
    assert CaseAction.objects.exclude(evidence="").exists()
    lessons = Lesson.objects.select_related("case")
    assert lessons.exists()
    for lesson in lessons:
        assert lesson.themes.exists()
        assert all(t.organisation_id == lesson.case.organisation_id for t in lesson.themes.all())
    assert Referral.objects.exists()
    for referral in Referral.objects.select_related("case__organisation", "owner"):
        assert holds_a_role_over(referral.owner, referral.case)
    codings = CaseCoding.objects.select_related("case")
    assert codings.count() == enriched.coded > 0
    assert all(c.case.status == Status.CLOSED for c in codings)
    for link in CaseTheme.objects.select_related("case", "theme"):
        assert link.theme.organisation_id == link.case.organisation_id


def test_the_awaiting_sign_off_queue_has_letters_for_a_demo_user(enriched):
    users = get_user_model().objects
    for username in ("gp.partner", "trust.chief", "north.governance"):
        found = page(users.get(username=username), queue=Queue.AWAITING_SIGN_OFF, count=True)
        assert found.count, username


def test_a_second_run_if_empty_adds_nothing_and_a_missing_code_list_is_a_note(db, capsys):
    tables = (Letter, CaseAction, Lesson, Referral, CaseCoding, AuditEvent)
    first = demo.run_demo(300, if_empty=True, seed=2)
    out = capsys.readouterr().out
    assert not first.skipped
    assert "Demo extras in" in out and "final responses" in out
    assert "No KO41 code lists are loaded" in out  # none loaded here: coding is skipped
    assert not CaseCoding.objects.exists()
    counts = [t.objects.count() for t in tables]
    assert counts[0] > 0
    second = demo.run_demo(300, if_empty=True, seed=2)
    assert second.skipped
    assert [t.objects.count() for t in tables] == counts
    assert verify().ok


def test_no_extras_loads_the_cases_only(db, capsys):
    call_command("demo", "--cases", "60", "--workers", "0", "--no-extras")
    out = capsys.readouterr().out
    assert "Demo extras" not in out and "icb.director" not in out
    assert not Letter.objects.exists() and not Lesson.objects.exists()


def test_a_few_complaints_are_joint_and_graded_4_between_demo_organisations(enriched):
    """Seed 001 Appendix B: "Level 4 Complex: A serious complaint involving more than one
    provider". The bulk load never grades 4 (it cannot name a lead); the extras make a few
    joint complaints through the domain functions, with parts, replies and grade 4."""
    joints = JointComplaint.objects.select_related("case__organisation")
    assert joints.count() == enriched.joint >= 4
    assert {"EVMP", "EXHT"} <= {j.case.organisation.code for j in joints}
    assert all(j.case.grade == 4 for j in joints)
    assert set(Case.objects.filter(grade=4).values_list("pk", flat=True)) == {
        j.case_id for j in joints
    }
    parts = JointPart.objects.select_related("case__organisation", "organisation")
    inside = [p for p in parts if p.organisation_id]
    assert all(p.organisation_id != p.case.organisation_id and p.shared_at for p in inside)
    assert parts.filter(organisation_name=demo_extras.JOINT_OUTSIDE).exists()
    assert parts.filter(reply_at__isnull=False).count() == enriched.joint_replies > 0
    # A new user sees one: the lead its part due soon, the contributor the part due from it.
    users = get_user_model().objects
    assert joint_pages.awaited_rows(users.get(username="gp.manager"))
    assert joint.parts_due(users.get(username="trust.manager"))
