"""The case page (read-only for now): what it shows, the access event it writes, R8, and
404 for a case outside the user's organisations."""

from __future__ import annotations

from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases.people import PersonDetails

from ..conftest import make_case, sign_in

ON_BEHALF = {
    "patient": PersonDetails(first_name="Pat", last_name="Patient", postcode="WS2 2BB"),
    "relationship": "relative",
}


def open_page(client, case):
    return client.get(reverse("web:case", args=[case.reference]))


def test_the_case_page_shows_the_case_and_logs_the_opening(client, org_a, alice, frozen):
    case = make_case(org_a, alice)
    response = open_page(sign_in(client, alice), case)
    assert response.status_code == 200
    text = response.content.decode()
    assert case.reference in text
    assert "The practice did not call me back about my test results." in text
    assert "No call back about test results" in text  # the issue
    assert "Ada Example" in text
    assert "Acknowledge" in text  # a deadline, with its basis
    assert "working days after" in text
    assert "Case recorded</strong> by alice" in text  # the timeline in words
    viewed = AuditEvent.objects.filter(case=case, event="case_viewed")
    assert list(viewed.values_list("actor__username", flat=True)) == ["alice"]


def test_an_outsider_gets_not_found_and_no_access_event(client, org_a, alice, bob, frozen):
    case = make_case(org_a, alice)
    response = open_page(sign_in(client, bob), case)
    assert response.status_code == 404
    assert "Ada Example" not in response.content.decode()
    assert not AuditEvent.objects.filter(case=case, event="case_viewed").exists()


def test_a_regional_user_opens_a_sites_case(client, site, hugo, rita, frozen):
    case = make_case(site, hugo)
    assert open_page(sign_in(client, rita), case).status_code == 200


def test_a_confidential_complainant_is_hidden_but_the_patient_is_not(
    client, org_a, alice, ivan, frozen
):
    case = make_case(org_a, alice, confidential=True, **ON_BEHALF)
    text = open_page(sign_in(client, ivan), case).content.decode()
    assert "Ada Example" not in text
    assert "ada@example.invalid" not in text
    assert "Pat Patient" in text
    assert "made in confidence" in text
    text = open_page(sign_in(client, alice), case).content.decode()
    assert "Ada Example" in text and "Pat Patient" in text


def test_the_timeline_counts_openings_instead_of_listing_them(client, org_a, alice, frozen):
    case = make_case(org_a, alice)
    signed_in = sign_in(client, alice)
    open_page(signed_in, case)
    text = open_page(signed_in, case).content.decode()
    assert "opened 2 times" in text
    assert "Case viewed" not in text


def test_the_case_page_lists_the_deadlines_of_actions_referrals_and_statements(
    client, org_a, alice, frozen
):
    from datetime import date

    from candour.cases.actions import add_action
    from candour.cases.handling import acknowledge_case
    from candour.cases.investigation import (
        add_staff_involved,
        record_staff_step,
        request_statement,
    )
    from candour.cases.referrals import raise_referral

    case = acknowledge_case(make_case(org_a, alice), by=alice, method="email")
    add_action(case, by=alice, description="Retrain reception.", owner=alice, due=date(2026, 12, 1))
    raise_referral(
        case, by=alice, kind="regulator", body="GMC", detail="Conduct.", owner=alice,
        due=date(2026, 11, 4),
    )  # fmt: skip
    add_staff_involved(case, by=alice, name="Dr Sam Example")
    record_staff_step(case, by=alice, staff=1, step="informed")
    record_staff_step(case, by=alice, staff=1, step="shown_complaint")
    request_statement(case, by=alice, staff=1)

    text = open_page(sign_in(client, alice), case).content.decode()
    for words in (
        "Action 1: Retrain reception.",
        "Refer to GMC",
        "Statement from Dr Sam Example",
        "5 working days after the request on Mon 2 Nov 2026",
    ):
        assert words in text, words


def test_the_timeline_gives_dates_and_times_as_people_read_them():
    from candour.web.timeline import details

    lines = details(
        {
            "before": {"agreed_response_date": None},
            "after": {"agreed_response_date": "2026-12-01"},
            "received_at": "2026-07-01T08:30:00+00:00",
            "note": "Rang back on 2026-11-02 as agreed",
        }
    )
    assert lines == [
        "Agreed response date: none → Tue 1 Dec 2026",
        # 08:30 UTC in July is 09:30 in London (British Summer Time).
        "Received at: Wed 1 Jul 2026 at 09:30",
        "Note: Rang back on 2026-11-02 as agreed",
    ]


def test_the_timeline_names_the_colleague_assigned_not_their_id(client, org_a, alice, ivan, frozen):
    from candour.cases import handling

    case = make_case(org_a, alice)
    handling.assign_investigator(case, by=alice, investigator=ivan)
    handling.assign_handler(case, by=alice, handler=alice)
    page = sign_in(client, alice).get(reverse("web:case", args=[case.reference]))
    text = page.content.decode()
    assert "Investigator: ivan" in text
    assert "Handler: alice" in text
    assert f"→ {ivan.pk}<" not in text


def test_actions_name_the_kind_of_case_they_act_on(client, org_a, alice, frozen):
    signed_in = sign_in(client, alice)
    for kind, title in (
        ("complaint", "Acknowledge the complaint"),
        ("concern", "Acknowledge the concern"),
        ("mp_enquiry", "Acknowledge the MP enquiry"),
    ):
        case = make_case(org_a, alice, kind=kind)
        assert f">{title}</a>" in open_page(signed_in, case).content.decode()
        page = signed_in.get(reverse("web:case-action", args=[case.reference, "acknowledge"]))
        assert f"<h1>{title}</h1>" in page.content.decode()


def test_the_timeline_tells_each_change_in_words_not_the_audit_trails_field_names(
    client, org_a, alice, frozen
):
    from candour.cases import consent, handling

    case = make_case(org_a, alice)
    handling.acknowledge_case(case, by=alice, method="email")
    handling.grade_case(case, by=alice, level=2)
    consent.record_share_consent(case, by=alice, method="verbal")
    alice.first_name, alice.last_name = "Alice", "Able"
    alice.save()
    page = open_page(sign_in(client, alice), case).content.decode()
    timeline = page[page.index("<h2>Timeline</h2>") :]
    for said in (
        "Case recorded</strong> by Alice Able",  # a colleague by name, not username
        "Acknowledged by email",
        "Status: Open (was Received, awaiting acknowledgement)",
        "Graded as Significant",
        "Consent to share with the provider recorded</strong>",
        "Consent to share with the provider: Verbally, recorded by staff",
    ):
        assert said in timeline, said
    for key in ("Acknowledgement method", "Share consent", "Grade name", "→", "Late: no"):
        assert key not in timeline, key
