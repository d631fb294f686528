"""What a page offers is what the role may do (issue 16, tried as each role): a partner, who
sees the practice's cases and reports but does not handle them, is shown how a case is coded
and not offered forms that would refuse them; the next step of an Ombudsman referral is
offered only on a case with a referral; and no form shows staff where a rule comes from
("(R21)", "002 §10.6") instead of the rule."""

from __future__ import annotations

import re
from datetime import date

import pytest

from candour.cases import escalation
from candour.coding.models import CaseCoding
from candour.organisations.setup import add_member
from candour.web.actions import ACTIONS

from ..api.conftest import Api
from ..coding.conftest import lists  # noqa: F401 (a fixture)
from ..conftest import make_case, sign_in, user
from .test_case_actions import responded

pytestmark = pytest.mark.usefixtures("frozen", "lists")

# Where a rule comes from, as the code cites it: a requirement (R21), a seed's section
# (002 §10.6), the regulations file. Staff are shown the rule, never the citation.
CITATION = re.compile(r"\(R\d+\)|\bR\d{1,2}\b|§|REGULATIONS\.md|\bseed \d")


@pytest.fixture
def partner(org_b):
    pat = user("pat")
    add_member(pat, org_b, "Partner")  # sees cases and reports, signs; does not handle
    return pat


def main(response) -> str:
    page = response.content.decode()
    return page[page.index('id="maincontent"') :]


def test_a_partner_sees_how_cases_are_coded_and_is_offered_no_coding_form(
    client, org_b, bob, partner
):
    case = make_case(org_b, bob)
    sign_in(client, partner)
    page = main(client.get(f"/cases/{case.reference}/"))
    assert "See how this case is coded for reporting" in page
    assert "Code this case for reporting" not in page  # the coding page: test_coding_pages.py
    # The worklist lists the case without the boxes that pick cases to code.
    page = main(client.get("/"))
    assert case.reference in page
    assert "Code the selected cases" not in page and f"Select {case.reference}" not in page
    # Reached anyway, the bulk page says why there is no form.
    response = client.get("/coding/", {"case": case.reference})
    assert response.status_code == 403
    assert "Your role does not code cases for reporting" in main(response)
    assert "Add these codes" not in main(response)
    # The return's cases without a code are listed, to open, not to tick.
    page = main(client.get("/reports/MMG/ko41b/2026-27/uncoded/", {"table": "subject"}))
    assert case.reference in page and "Your role lets you see how they are coded" in page
    assert 'name="case"' not in page and "Add these codes" not in page
    assert "Mark this return as submitted" not in main(client.get("/reports/MMG/ko41b/2026-27/"))
    assert not CaseCoding.objects.exists()


def test_a_manager_is_offered_them_all(client, org_b, bob):
    case = make_case(org_b, bob)
    sign_in(client, bob)
    assert "Code this case for reporting" in main(client.get(f"/cases/{case.reference}/"))
    page = main(client.get("/"))
    assert "Code the selected cases" in page and f"Select {case.reference}" in page
    assert client.get("/coding/", {"case": case.reference}).status_code == 200
    page = main(client.get("/reports/MMG/ko41b/2026-27/uncoded/", {"table": "subject"}))
    assert 'name="case"' in page and "Add these codes" in page


def test_the_next_step_of_a_referral_is_offered_only_once_there_is_a_referral(client, org_b, bob):
    case = responded(make_case(org_b, bob), bob)
    sign_in(client, bob)
    step = f"/cases/{case.reference}/ombudsman-step/"
    assert f'href="{step}"' not in main(client.get(f"/cases/{case.reference}/"))
    page = main(client.get(step))
    assert "This cannot be done now." in page and "record the referral first" in page
    assert (
        "record_ombudsman_step"
        not in Api(bob).get(f"/cases/{case.reference}").json()["allowed_actions"]
    )
    escalation.refer_to_ombudsman(case, by=bob, body="phso", referred_on=date(2026, 11, 2))
    assert f'href="{step}"' in main(client.get(f"/cases/{case.reference}/"))
    assert (
        "record_ombudsman_step"
        in Api(bob).get(f"/cases/{case.reference}").json()["allowed_actions"]
    )


def test_no_action_form_shows_staff_a_citation(org_b, bob):
    from ..conftest import make_case

    case = make_case(org_b, bob)  # for the words an action says about a case
    for action in ACTIONS:
        words = [action.title] + [w(case) if callable(w) else w for w in (action.hint, action.done)]
        for f in action.fields:
            words += [f.label, getattr(f, "hint", "") or ""]
            if isinstance(f.choices, list | tuple):
                words += [str(label) for _, label, *_ in f.choices]
        for text in words:
            assert not CITATION.search(text or ""), (action.slug, text)


def test_the_ko41_return_does_not_show_staff_the_code_lists_provenance(client, org_b, bob):
    page = main(sign_in(client, bob).get("/reports/MMG/ko41b/2026-27/"))
    assert "not yet checked against NHS England&#39;s published KO41b return" in page
    assert not CITATION.search(page), CITATION.search(page)


def test_a_receptionist_who_records_feedback_is_not_sent_to_a_case_they_cannot_see(client, org_b):
    from candour.cases.models import Case
    from candour.organisations.setup import ensure_roles

    ensure_roles(["Receptionist"])
    rachel = user("rachel")
    add_member(rachel, org_b, "Receptionist")  # records feedback; sees no cases
    sign_in(client, rachel)
    response = client.post(
        "/record/quick/",
        {
            "organisation": org_b.pk,
            "kind": "compliment",
            "channel": "in_person",
            "description": "The nurse was kind.",
            "anonymous": "on",
        },
        follow=True,
    )
    (case,) = Case.objects.all()
    assert response.redirect_chain == [("/record/quick/", 302)]
    assert response.status_code == 200
    page = main(response)
    assert f"Compliment {case.reference} recorded." in page
    assert "the complaints team takes it from here" in page
    assert client.get(f"/cases/{case.reference}/").status_code == 404
    assert "Your role records feedback but does not show you cases" in main(client.get("/"))


PICKING = (
    "complete-action",
    "verify-action",
    "cancel-action",
    "record-referral",
    "staff-step",
    "request-statement",
    "remind-statement",
    "receive-statement",
)


def test_a_form_that_picks_one_of_the_cases_items_is_offered_only_when_one_can_be_picked(
    client, org_b, bob
):
    """A form whose list to choose from would be empty, or hold only items the domain would
    refuse, is not offered; opened anyway, it says why."""
    from candour.cases import actions, investigation, referrals
    from candour.cases.handling import acknowledge_case

    case = acknowledge_case(make_case(org_b, bob), by=bob, method="email")
    sign_in(client, bob)

    def links() -> set[str]:
        page = main(client.get(f"/cases/{case.reference}/"))
        return {slug for slug in PICKING if f'/cases/{case.reference}/{slug}/"' in page}

    assert links() == set()
    page = main(client.get(f"/cases/{case.reference}/complete-action/"))
    assert "This cannot be done now." in page and f"{case.reference} has no open action." in page
    assert 'id="submit"' not in page

    actions.add_action(case, by=bob, description="Retrain.", owner=bob, due=date(2026, 12, 1))
    referrals.raise_referral(
        case, by=bob, kind="regulator", body="GMC", detail="Conduct.", owner=bob,
        due=date(2026, 11, 4),
    )  # fmt: skip
    investigation.add_staff_involved(case, by=bob, name="Dr Sam Example")
    assert links() == {
        "complete-action",
        "cancel-action",
        "record-referral",
        "staff-step",
        "request-statement",
    }
    actions.complete_action(case, by=bob, number=1, evidence="Training log.")
    referrals.record_referral(case, by=bob, number=1)
    investigation.record_staff_step(case, by=bob, staff=1, step="informed")
    investigation.record_staff_step(case, by=bob, staff=1, step="shown_complaint")
    investigation.request_statement(case, by=bob, staff=1, due=date(2026, 11, 9))
    assert links() == {
        "verify-action",
        "cancel-action",  # done but not yet checked: still outstanding
        "staff-step",
        "request-statement",
        "remind-statement",
        "receive-statement",
    }
    # The lists hold only what the form can take: the open statement, the done action.
    page = main(client.get(f"/cases/{case.reference}/verify-action/"))
    assert "1: Retrain." in page
    investigation.receive_statement(case, by=bob, number=1)
    actions.verify_action(case, by=bob, number=1, check="Audited.")
    assert links() == {"staff-step", "request-statement"}


def test_a_form_that_cannot_be_done_yet_links_to_the_form_that_comes_first(client, org_a, alice):
    """Forwarding to a provider waits for consent to share it (seed 003 §3.7: "consent is
    sought from the complainant to pass their complaint to the provider"): its page says so
    and links to that form, which is offered."""
    case = make_case(org_a, alice)
    sign_in(client, alice)
    page = main(client.get(f"/cases/{case.reference}/forward-to-provider/"))
    assert "This cannot be done now." in page
    assert f'<a href="/cases/{case.reference}/share-consent/">Record consent to share' in page
    page = main(client.get(f"/cases/{case.reference}/add-action/"))
    assert "This cannot be done now." not in page and "share-consent" not in page
