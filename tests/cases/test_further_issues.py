"""Further issues raised after a complaint was forwarded to the provider (R12, R32).

Seed 003 §3.7: "consent is sought from the complainant to pass their complaint to the
provider for investigation. The provider will respond directly to the complainant with a
copy to the CCG." PRODUCT.md R12: "Sharing with a provider needs its own consent." Issues
the complainant adds once the complaint has gone to the provider go there too, with consent
to share them: added to the commissioner's case and to the provider's case, with an entry in
its timeline, each audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases import escalation
from candour.cases.intake import InvalidCase
from candour.cases.models import Case
from candour.cases.workflow import TransitionNotAllowed, allowed_actions
from tests.api.conftest import Api

from ..conftest import at, make_case, sign_in
from .conftest import last_event, reload, snapshot
from .test_forwarding_to_a_provider import FORWARDED_AT, REPRESENTED, consented

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00

FURTHER = ["Test results letter sent to the wrong address", "No reply to my email of 1 November"]


@pytest.fixture
def forwarded(org_a, org_b, alice):
    case = consented(org_a, alice)
    escalation.forward_to_provider(case, by=alice, organisation=org_b, at=FORWARDED_AT)
    return reload(case)


def issues(case) -> list[tuple[int, str]]:
    return list(case.issues.order_by("number").values_list("number", "description"))


def test_further_issues_go_to_the_providers_case_with_consent_and_a_timeline_entry(
    forwarded, alice, bob
):
    theirs = Case.objects.get(forwarded_from=forwarded)
    assert "forward_further_issues" in allowed_actions(forwarded, alice)
    escalation.forward_further_issues(
        forwarded,
        by=alice,
        issues=[f"  {FURTHER[0]} ", "", FURTHER[1]],
        consent="email",
        at=at(date(2026, 11, 2), 8, 45),
        note="Raised by email after we forwarded it.",
    )
    assert issues(reload(forwarded)) == [
        (1, REPRESENTED["issues"][0]),
        (2, REPRESENTED["issues"][1]),
        (3, FURTHER[0]),
        (4, FURTHER[1]),
    ]
    assert issues(theirs) == issues(reload(forwarded))
    ours = last_event(forwarded)
    assert ours.event == "further_issues_forwarded"
    assert ours.data["issues"] == FURTHER and ours.data["consent"] == "email"
    assert ours.data["provider_reference"] == theirs.reference
    assert ours.data["issue_numbers"] == [3, 4]
    assert ours.data["happened_at"] == "2026-11-02T08:45:00+00:00"
    received = last_event(theirs)
    assert received.event == "further_issues_received"
    assert received.data["from_reference"] == forwarded.reference
    assert received.data["issues"] == FURTHER and received.data["consent"] == "email"
    assert received.organisation_id == theirs.organisation_id
    # The provider's staff see them on their case and answer them as any other issue.
    assert [i["description"] for i in Api(bob).get(f"/cases/{theirs.reference}").json()["issues"]][
        -2:
    ] == FURTHER


def test_consent_to_share_them_is_needed_and_bad_input_changes_nothing(forwarded, alice):
    theirs = Case.objects.get(forwarded_from=forwarded)
    before, theirs_before = snapshot(forwarded), snapshot(theirs)
    events = AuditEvent.objects.count()
    cases = [
        ({"issues": ["  ", ""], "consent": "email"}, "issues: is empty; state each further"),
        ({"issues": FURTHER, "consent": "telepathy"}, "consent: must be one of written, email"),
        (
            {"issues": FURTHER, "consent": "not_needed", "consent_note": "n/a"},
            "consent_note: is too short; say why the complainant's consent",
        ),
        (
            {"issues": FURTHER, "consent": "email", "at": at(date(2026, 11, 2), 8, 20)},
            "at: is before the complaint was forwarded",
        ),
    ]
    for kwargs, message in cases:
        with pytest.raises(InvalidCase, match=message):
            escalation.forward_further_issues(forwarded, by=alice, **kwargs)
    assert snapshot(forwarded) == before and snapshot(theirs) == theirs_before
    assert AuditEvent.objects.count() == events
    escalation.forward_further_issues(
        forwarded,
        by=alice,
        issues=FURTHER[:1],
        consent="not_needed",
        consent_note="She copied the practice into her email herself.",
    )
    assert issues(theirs)[-1] == (3, FURTHER[0])


def test_only_a_forwarded_case_and_a_provider_case_still_being_handled_take_them(
    forwarded, org_a, alice, bob
):
    own = make_case(org_a, alice)
    assert "forward_further_issues" not in allowed_actions(own, alice)
    with pytest.raises(TransitionNotAllowed, match="only when it is closed"):
        escalation.forward_further_issues(own, by=alice, issues=FURTHER, consent="email")
    theirs = Case.objects.get(forwarded_from=forwarded)
    Case.objects.filter(pk=theirs.pk).update(status="responded")
    before = snapshot(forwarded)
    with pytest.raises(TransitionNotAllowed) as refused:
        escalation.forward_further_issues(forwarded, by=alice, issues=FURTHER, consent="email")
    assert str(refused.value) == (
        f"The provider's case {theirs.reference} at Minster Medical Group is now 'Response "
        "sent', so it takes no further issues. Record them as a new complaint and forward that "
        "to the provider."
    )
    assert snapshot(forwarded) == before and len(issues(theirs)) == 2


def test_a_provider_outside_candour_has_them_recorded_here(org_a, alice):
    case = consented(org_a, alice)
    escalation.forward_to_provider(
        case, by=alice, provider="Example Community Trust", at=FORWARDED_AT
    )
    escalation.forward_further_issues(case, by=alice, issues=FURTHER, consent="verbal")
    assert [d for _, d in issues(reload(case))][-2:] == FURTHER
    event = last_event(case)
    assert (event.event, event.data["provider"], event.data["provider_reference"]) == (
        "further_issues_forwarded",
        "Example Community Trust",
        "",
    )


def test_the_api_forwards_further_issues(forwarded, alice, bob):
    as_alice = Api(alice)
    path = f"/cases/{forwarded.reference}/further-issues"
    refused = as_alice.post(path, {"issues": FURTHER, "consent": "not_needed"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["detail"]] == ["consent_note"]
    assert as_alice.post(path, {"issues": [], "consent": "email"}).status_code == 422
    response = as_alice.post(path, {"issues": FURTHER, "consent": "written"})
    assert response.status_code == 200, response.content
    assert [i["description"] for i in response.json()["issues"]][-2:] == FURTHER
    theirs = Case.objects.get(forwarded_from=forwarded)
    assert [d for _, d in issues(theirs)][-2:] == FURTHER
    assert Api(bob).post(path, {"issues": FURTHER, "consent": "written"}).status_code == 404


def test_the_case_page_forwards_further_issues(client, forwarded, alice):
    sign_in(client, alice)
    url = reverse("web:case-action", args=[forwarded.reference, "forward-further-issues"])
    page = client.get(reverse("web:case", args=[forwarded.reference])).text
    assert url in page
    refused = client.post(url, {"issues": "", "consent": "email", "at": "2026-11-02T08:45"})
    assert refused.status_code == 400
    assert "is empty; state each further issue" in refused.text
    done = client.post(
        url, {"issues": "\n".join(FURTHER), "consent": "email", "at": "2026-11-02T08:45"}
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    theirs = Case.objects.get(forwarded_from=forwarded)
    assert [d for _, d in issues(theirs)][-2:] == FURTHER
