import json

import pytest
from django.contrib.auth import get_user_model

from candour.audit.models import AuditEvent
from candour.organisations.models import OrganisationPolicy
from candour.organisations.policy import preset

from ..conftest import sign_in


@pytest.fixture
def admin_client_logged_in(client, db):
    admin = get_user_model().objects.create_superuser("root", "root@example.invalid", "pw-12345678")
    return sign_in(client, admin)


def test_the_admin_rejects_an_invalid_policy_naming_the_field(admin_client_logged_in, org_a):
    record = OrganisationPolicy.objects.get(organisation=org_a)
    data = preset("commissioner")
    data["response"]["amount"] = 0
    before = AuditEvent.objects.count()
    response = admin_client_logged_in.post(
        f"/admin/organisations/organisationpolicy/{record.pk}/change/",
        {"organisation": org_a.pk, "preset": "commissioner", "data": json.dumps(data)},
    )
    assert response.status_code == 200
    assert "response.amount: Input should be greater than 0" in response.content.decode()
    record.refresh_from_db()
    assert record.data["response"]["amount"] == 25
    assert AuditEvent.objects.count() == before


def test_the_admin_saves_a_valid_policy_and_audits_the_change(admin_client_logged_in, org_a):
    record = OrganisationPolicy.objects.get(organisation=org_a)
    data = preset("commissioner")
    data["response"]["amount"] = 20
    response = admin_client_logged_in.post(
        f"/admin/organisations/organisationpolicy/{record.pk}/change/",
        {"organisation": org_a.pk, "preset": "commissioner", "data": json.dumps(data)},
    )
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.policy.response.amount == 20
    event = AuditEvent.objects.get(event="policy_changed", organisation_id=org_a.pk)
    assert event.data["before"]["response"]["amount"] == 25
    assert event.data["after"]["response"]["amount"] == 20


@pytest.mark.parametrize(
    "page",
    [
        "/admin/",
        "/admin/organisations/organisation/",
        "/admin/organisations/organisationpolicy/",
        "/admin/organisations/role/",
        "/admin/organisations/membership/",
        "/admin/organisations/closureday/",
        "/admin/organisations/apitoken/",
        "/admin/organisations/organisation/add/",
    ],
)
def test_admin_pages_open(admin_client_logged_in, org_a, page):
    assert admin_client_logged_in.get(page).status_code == 200


def test_an_organisation_page_shows_its_policy_inline(admin_client_logged_in, org_a):
    response = admin_client_logged_in.get(f"/admin/organisations/organisation/{org_a.pk}/change/")
    assert response.status_code == 200
    assert "Commissioner (Walsall CCG)" in response.content.decode()
