"""The GP practice and commissioner chains, and the sign_off section of the policy."""

from __future__ import annotations

import pytest

from candour.cases.handling import acknowledge_case
from candour.cases.investigation import record_finding
from candour.cases.workflow import PermissionDenied
from candour.letters import signoff
from candour.letters.models import Letter, LetterStatus
from candour.organisations.policy import PolicyError, preset, validate_policy

from ..conftest import make_case
from .conftest import last_event, member, stage_two_case

pytestmark = pytest.mark.django_db


def reload(letter) -> Letter:
    return Letter.objects.select_related("case__organisation").get(pk=letter.pk)


def test_gp_practice_executive_manager_drafts_and_a_partner_approves(frozen, org_b, bob):
    partner = member("pat", org_b, "Partner")
    case = acknowledge_case(make_case(org_b, bob), by=bob, method="letter")
    record_finding(case, by=bob, issue_number=1, finding="not_upheld", summary="We did call.")
    letter = signoff.start_letter(case, "final_response", by=bob)
    assert [s["key"] for s in letter.chain["steps"]] == ["draft", "signature"]
    # The merge fields brought the finding into the draft.
    assert "We did call." in letter.versions.get().section("explanation")
    assert "we have not upheld" in letter.versions.get().section("conclusions")
    version = letter.versions.get()
    words = {
        "investigation": "I read the call log.",
        "learning": "We will text patients when we have called.",
    }
    signoff.revise(letter, by=bob, sections=[[n, words.get(n, t)] for n, t in version.sections])
    signoff.approve(letter, by=bob)
    assert reload(letter).step == "signature"
    with pytest.raises(PermissionDenied, match="Only the Partner"):
        signoff.approve(letter, by=bob)
    signoff.approve(letter, by=partner)
    letter = reload(letter)
    assert letter.status == LetterStatus.READY
    assert letter.signed_version.signed_by == partner
    assert last_event(case).event == "letter_signed"


def test_commissioner_accountable_officer_or_director_signs(frozen, org_a, alice):
    director = member("dora", org_a, "Director")
    case = make_case(org_a, alice)
    letter = signoff.start_letter(case, "mp_reply", by=alice)
    assert [s["roles"] for s in letter.chain["steps"]] == [
        ["Head of Corporate Governance", "Customer Care Officer"],
        ["Accountable Officer", "Director"],
    ]
    version = letter.versions.get()
    signoff.revise(
        letter,
        by=alice,
        sections=[
            [
                "body",
                version.section("body").replace(
                    "[[Answer the questions raised, sharing personal information only with the "
                    "constituent's consent.]]",
                    "We have apologised to your constituent.",
                ),
            ]
        ],
    )
    signoff.approve(letter, by=alice)
    with pytest.raises(PermissionDenied, match="Only the Accountable Officer or the Director"):
        signoff.approve(letter, by=alice)
    signoff.approve(letter, by=director)
    assert reload(letter).status == LetterStatus.READY


def test_every_preset_has_valid_chains_covering_every_letter():
    from candour.organisations.policy import PRESETS, LetterKind

    for name in PRESETS:
        policy = validate_policy(preset(name))
        for kind in LetterKind:
            for stage in (1, 2):
                assert policy.chain_for(kind, stage) is not None, (name, kind, stage)
    national = validate_policy(preset("national-provider"))
    assert national.chain_for("final_response", 2).name.startswith("Stage 2")
    assert national.chain_for("final_response", 1).name.startswith("Local letters")
    assert national.chain_for("vexatious_warning", 2).name.startswith("Vexatious")


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda c: c["steps"][1]["roles"].append("Chief Executive"),
            "sign_off.0.steps.1.roles: 'Chief Executive' is not one of the policy's roles",
        ),
        (
            lambda c: c["steps"][1].update(key="documents"),
            "sign_off.0.steps.1.key: 'documents' is used by an earlier step",
        ),
        (
            lambda c: c["steps"][4].update(due_from="national_review"),
            "sign_off.0.steps.4.due_from: must be arrival, receipt, response or the key of an "
            "earlier step",
        ),
        (
            lambda c: c["steps"][5].update(due={"amount": 3, "unit": "working_days"}),
            "sign_off.0.steps.5.due: leave it empty for due_from response",
        ),
        (
            lambda c: c["steps"][4].update(due=None),
            "sign_off.0.steps.4.due: give a due time for due_from receipt",
        ),
        (
            lambda c: c["steps"][6].update(signs=False),
            "sign_off.0.steps: exactly one step must sign the letter",
        ),
        (
            lambda c: c["dispatch"][0].update(channel="pigeon"),
            "sign_off.0.dispatch.0.channel",
        ),
    ],
)
def test_a_wrong_chain_is_refused_naming_the_field(change, message):
    data = preset("national-provider")
    change(data["sign_off"][0])
    with pytest.raises(PolicyError) as error:
        validate_policy(data)
    assert message in str(error.value)


def test_chains_need_a_catch_all():
    data = preset("gp-practice")
    data["sign_off"] = data["sign_off"][:1]
    with pytest.raises(PolicyError, match="sign_off: add a chain for every other letter"):
        validate_policy(data)


def test_the_national_vexatious_route_is_drafted_nationally_and_hand_delivered(
    frozen, site, national, hugo, rita, regional_team
):
    """Seed 000 lines 31-52: HOHC documents, RGM sends to the National Complaints Reviewer,
    who drafts; the National Medical Director signs; back to the site for hand delivery."""
    from candour.letters.dispatch import dispatch_letter

    reviewer = member("nora", national, "National Complaints Reviewer")
    # "Patient continues to complain about service, although previously responded to stage
    # 2" (line 31): the letter directs them to stage 3 (line 44).
    case = stage_two_case(site, hugo)
    letter = signoff.start_letter(case, "vexatious_warning", by=hugo)
    assert [s["key"] for s in letter.chain["steps"]] == [
        "documents",
        "send_to_national",
        "national_draft",
        "national_sign_off",
        "return_to_site",
    ]
    signoff.approve(letter, by=hugo)
    signoff.approve(letter, by=rita)
    with pytest.raises(PermissionDenied):
        signoff.revise(letter, by=rita, sections=[["body", "Stop writing to us."]])
    signoff.revise(letter, by=reviewer, sections=[["body", "You may go to stage 3."]])
    signoff.approve(letter, by=reviewer)
    signoff.approve(letter, by=regional_team["nmd"])
    signoff.approve(letter, by=regional_team["rm"])
    sent = dispatch_letter(letter, by=hugo, channel="hand_delivery")
    assert sent.medical_in_confidence and sent.version.section("body") == "You may go to stage 3."


def test_a_policy_without_chains_says_what_to_add(frozen, org_b, bob):
    from candour.cases.workflow import TransitionNotAllowed
    from candour.organisations.setup import set_policy

    data = preset("gp-practice")
    del data["sign_off"]
    set_policy(org_b, data, by=None)
    case = make_case(org_b, bob)
    with pytest.raises(TransitionNotAllowed, match="has no sign-off chain for a final response"):
        signoff.start_letter(case, "final_response", by=bob)
