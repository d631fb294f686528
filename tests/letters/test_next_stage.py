"""R29: letters name the organisation's next stage from its policy, and the escalation body
(the Ombudsman, or an ADR provider for the clinic) at the last stage, or at every stage where
the policy says so; stage names come from the policy (issue 17)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from candour.audit.models import AuditEvent
from candour.cases.handling import acknowledge_case, reopen_case
from candour.cases.investigation import add_issue
from candour.letters import compose, render, signoff
from candour.letters.merge import fields_for
from candour.letters.templates import current_template, render_sections
from candour.organisations.models import ApiToken
from candour.organisations.policy import PRESETS, preset, validate_policy

from ..conftest import at, make_case, organisation, sign_in
from ..responding import respond
from .conftest import member

pytestmark = pytest.mark.django_db

SEED_000_LINE_44 = (
    "National Complaints Reviewer to draft a letter directing the patient to escalate the "
    "complaint to stage 3 and also issues a warning that the patient will be taken through the "
    "vexatious route if this persists."
)
PHSO = "Parliamentary and Health Service Ombudsman"


# The seeds sit beside the repository (../shared/seeds), as policy.py cites them.
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def seed(name: str) -> str:
    folder = SEEDS
    found = sorted(folder.glob(f"{name}_*.txt")) if folder.exists() else []
    return found[0].read_text(encoding="utf-8") if found else ""


def quoted(name: str, words: str) -> None:
    """The seed says it in these words (checked where the seeds are at hand)."""
    text = seed(name)
    if text:
        assert " ".join(words.split()) in " ".join(text.split())


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def section(letter, name: str) -> str:
    return letter.versions.order_by("-number").first().section(name)


def reopened(case, by, frozen, day: date):
    """Answered at the case's stage, then the next stage asked for on `day`."""
    case = acknowledge_case(case, by=by, method="letter")
    case = respond(case, by, finding="not_upheld")
    frozen.move_to(at(day, 9))
    return reopen_case(case, by=by, reason="Still unhappy with the explanation.")


def test_no_preset_names_the_escalation_body_as_one_of_its_own_stages():
    # 002 §11.1: "The Parliamentary and Health Service Ombudsman will only review a complaint
    # once Local Resolution has been thoroughly explored and has ended": it is not a stage the
    # organisation runs, and a reopened case is never "at" it.
    quoted("002", "will only review a complaint once Local Resolution has been thoroughly")
    for name in PRESETS:
        policy = validate_policy(preset(name))
        assert policy.escalation.name not in policy.stages, name
        assert "Alternative dispute resolution" not in policy.stages, name
    national = validate_policy(preset("national-provider"))
    assert national.next_stage(2) == "Stage 3: independent review"
    assert national.next_stage(3) is None
    assert [national.rights_at(s) for s in (1, 2, 3)] == [False, False, True]


def test_the_stage_two_response_directs_to_stage_three_not_the_ombudsman(site, hugo, frozen):
    # Seed 000, "Managing vexatious complainant", step 3 (line 44).
    quoted("000", SEED_000_LINE_44)
    case = make_case(site, hugo, received_at=at(date(2026, 10, 5), 9))
    case = reopened(case, hugo, frozen, date(2026, 11, 16))
    add_issue(case, by=hugo, description="The call back came two weeks late")
    letter = signoff.start_letter(case, "final_response", by=hugo)

    rights = section(letter, "ombudsman")
    assert "Stage 3: independent review" in rights
    assert PHSO not in rights and "0345 015 4033" not in rights
    # The stage-2 response quotes when the stage-2 request was received, not stage 1's receipt.
    opening = section(letter, "acknowledgement")
    assert "which we received on 16 November 2026" in opening
    assert "5 October 2026" not in opening
    # No Ombudsman footer before the last stage.
    text = pdf_text(render.pdf(letter, hugo))
    assert "Stage 3: independent review" in text
    assert PHSO not in text

    # Approval refuses a response at stage 2 that leaves the next stage out.
    sections = [[n, "" if n == "ombudsman" else t] for n, t in letter.versions.get().sections]
    found = compose.problems("final_response", case, site.policy, sections, stage=2)
    assert any("the next stage of the procedure, Stage 3: independent review" in f for f in found)
    # ... and does not ask it for the Ombudsman's details there.
    assert not any(PHSO in f for f in found)


def test_the_vexatious_warning_points_to_stage_three(site, hugo, frozen):
    quoted("000", SEED_000_LINE_44)
    case = make_case(site, hugo, received_at=at(date(2026, 10, 5), 9))
    case = reopened(case, hugo, frozen, date(2026, 11, 16))
    template = current_template(case.organisation, "vexatious_warning")
    _, sections = render_sections(template, fields_for(hugo, case, None))
    body = dict(sections)["body"]
    assert "next stage of our complaints procedure: Stage 3: independent review" in body
    assert PHSO not in body
    problems = compose.problems("vexatious_warning", case, site.policy, [["body", "No."]], 2)
    assert any("Stage 3: independent review" in p for p in problems)


def test_the_last_stage_gives_the_ombudsman_with_its_contact_details(site, hugo, frozen):
    case = make_case(site, hugo)
    case.stage = 3  # the national provider's last stage (unsaved: only the words are read)
    template = current_template(case.organisation, "final_response")
    _, sections = render_sections(template, fields_for(hugo, case, None))
    rights = dict(sections)["ombudsman"]
    assert PHSO in rights and "0345 015 4033" in rights
    assert "next stage" not in rights
    found = compose.problems("final_response", case, site.policy, sections, stage=3)
    assert not [p for p in found if "'If you remain unhappy'" in p], found


def test_a_reopened_gp_case_is_at_further_local_resolution_not_the_ombudsman(
    client, org_b, bob, frozen
):
    # Seed 001 App D 9: "Ask them to come back to you if they remain dissatisfied - there may
    # be more you could do"; App D 7: the Ombudsman's contact details "on the bottom of each
    # letter".
    quoted("001", "Ask them to come back to you if they remain dissatisfied")
    quoted("001", "Parliamentary and Health Service Ombudsman is on the bottom of each letter")
    case = make_case(org_b, bob)
    case = reopened(case, bob, frozen, date(2026, 11, 16))
    event = AuditEvent.objects.filter(case=case, event="case_reopened").get()
    assert event.data["stage_name"] == "Further local resolution"

    page = sign_in(client, bob).get(f"/cases/{case.reference}/").content.decode()
    assert "Stage 2: Further local resolution" in page
    assert f"stage 2: {PHSO}".lower() not in page.lower()
    _, token = ApiToken.issue(bob, "tests")
    detail = client.get(
        f"/api/v1/cases/{case.reference}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert (detail["stage"], detail["stage_name"]) == (2, "Further local resolution")


def test_a_gp_stage_one_response_names_the_further_stage_and_the_ombudsman(org_b, bob, frozen):
    case = acknowledge_case(make_case(org_b, bob), by=bob, method="letter")
    letter = signoff.start_letter(case, "final_response", by=bob)
    rights = section(letter, "ombudsman")
    assert "next stage of our complaints procedure: Further local resolution" in rights
    assert PHSO in rights and "0345 015 4033" in rights
    assert f"{PHSO}: Millbank Tower" in pdf_text(render.pdf(letter, bob))


def test_the_clinic_gives_the_adr_provider_only_after_its_last_stage(frozen):
    # Seed 004: ADR "some complaints are better resolved with the assistance of an
    # alternative disputes resolution provider" where "The complaint cannot be resolved
    # internally to the patients satisfaction".
    quoted("004", "The complaint cannot be resolved internally to the patients satisfaction")
    clinic = organisation("Example Skin Clinic", "EXSC", "clinic", "private-clinic")
    manager = member("gail", clinic, "Complaints Manager")
    case = acknowledge_case(make_case(clinic, manager), by=manager, method="letter")
    letter = signoff.start_letter(case, "final_response", by=manager)
    rights = section(letter, "ombudsman")
    assert "Further local resolution" in rights
    assert "Alternative Dispute Resolution" not in rights
    assert "Alternative Dispute Resolution" not in pdf_text(render.pdf(letter, manager))

    case.stage = 2
    _, sections = render_sections(letter.template, fields_for(manager, case, None))
    assert "approved Alternative Dispute Resolution provider" in dict(sections)["ombudsman"]
