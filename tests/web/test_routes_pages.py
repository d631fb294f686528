"""The staff pages of issue 17's routes: a high service user plan opened from a case and its
steps recorded (seed 000 "High Service Users"), a matter redirected outside the procedure from
the case page (seed 002 §13), a persistent contact procedure's pages; each found only through
the user's organisations, and a confidential complainant's name kept from staff without need
to know (R8)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from candour.cases import restrictions
from candour.cases.models import Case, Status
from candour.cases.route_models import ServiceUserPlan

from ..conftest import make_case, sign_in

pytestmark = pytest.mark.usefixtures("frozen")


def test_a_plan_is_opened_from_a_case_and_its_steps_recorded(client, org_a, alice, bob):
    """Seed 000, step 1: "Have a MDT with the patient addressing the patient's queries"."""
    case = make_case(org_a, alice, kind="enquiry")
    sign_in(client, alice)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert reverse("web:plan-new", args=[case.reference]) in page
    response = client.post(
        reverse("web:plan-new", args=[case.reference]),
        {"reason": "Asks daily about medication.", "mdt_owner": "alice", "mdt_due": "2026-11-09",
         "at": "2026-11-02T09:00"},
    )  # fmt: skip
    plan = ServiceUserPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("web:plan", args=[plan.pk])
    page = client.get(response.url).content.decode()
    assert "MDT meeting with the patient" in page and "Mon 9 Nov 2026" in page
    # Step 2 before step 1 is done: the domain's words beside the field.
    response = client.post(
        reverse("web:plan-step", args=[plan.pk, "step"]),
        {"kind": "communication_plan", "owner": "alice", "due": "2026-11-16", "detail": ""},
    )
    assert response.status_code == 400
    assert "comes after the mdt meeting" in response.content.decode()
    response = client.post(
        reverse("web:plan-step", args=[plan.pk, "done"]),
        {"step": "1", "outcome": "Queries answered.", "at": "2026-11-02T09:00"},
    )
    assert response.status_code == 302
    assert plan.steps.get().done_at is not None
    sign_in(client, bob)
    assert client.get(reverse("web:plan", args=[plan.pk])).status_code == 404
    assert client.get(reverse("web:plan-step", args=[plan.pk, "done"])).status_code == 404


def test_a_matter_is_redirected_from_the_case_page(client, org_a, alice):
    case = make_case(org_a, alice)
    sign_in(client, alice)
    url = reverse("web:case-action", args=[case.reference, "redirect-outside-procedure"])
    form = client.get(url).content.decode()
    assert "Individual funding request" in form and "Continuing healthcare decision" in form
    response = client.post(
        url,
        {"category": "individual_funding", "where_to": "", "reason": "Disputes an IFR refusal.",
         "at": "2026-11-02T09:00"},
    )  # fmt: skip
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.CLOSED
    assert case.redirection.where_to == (
        "The procedures for consideration of single patient funding decisions"
    )


def test_the_procedure_pages_keep_a_confidential_name_and_another_organisation_out(
    client, org_a, alice, rex, bob
):
    case = make_case(org_a, alice, confidential=True)
    r = restrictions.open_procedure(case, by=alice, grounds="Serial complaints.")
    sign_in(client, alice)
    assert "Ms Ada Example" in client.get(reverse("web:restriction", args=[r.pk])).content.decode()
    sign_in(client, rex)  # handles cases, may not see confidential identities
    page = client.get(reverse("web:restriction", args=[r.pk])).content.decode()
    assert "Ada" not in page and "Confidential" in page
    assert "Ada" not in client.get(reverse("web:restrictions")).content.decode()
    sign_in(client, bob)
    assert client.get(reverse("web:restriction", args=[r.pk])).status_code == 404
    assert client.get(reverse("web:restriction-step", args=[r.pk, "evidence"])).status_code == 404
    assert r.reference not in client.get(reverse("web:restrictions")).content.decode()


def test_a_step_that_is_not_open_says_so(client, org_a, alice):
    r = restrictions.open_procedure(make_case(org_a, alice), by=alice, grounds="Serial.")
    sign_in(client, alice)
    response = client.get(reverse("web:restriction-step", args=[r.pk, "lift"]), follow=True)
    assert "cannot be done now" in response.content.decode()
    response = client.post(
        reverse("web:restriction-step", args=[r.pk, "evidence"]),
        {"description": "", "dated": "2026-11-02", "case_reference": ""},
    )
    assert response.status_code == 400
    assert "Description is empty" in response.content.decode()
