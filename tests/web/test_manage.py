"""Organisation administration pages: users and roles, closure days, the policy. Each change
goes through a domain function in candour/organisations/setup.py with its audit event; an
administrator of one organisation cannot see or change another's (404)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from candour.audit.models import AuditEvent
from candour.organisations import two_factor
from candour.organisations.models import ClosureDay, Membership, OrganisationPolicy
from candour.organisations.policy import preset
from candour.organisations.setup import add_closure_day, add_member

from ..conftest import organisation, sign_in


def events(name):
    return list(AuditEvent.objects.filter(event=name).order_by("sequence"))


def roles_of(u, org):
    return sorted(
        Membership.objects.filter(user=u, organisation=org).values_list("role__name", flat=True)
    )


@pytest.fixture
def admin(client, alice):
    """alice, Head of Corporate Governance at org_a (ADMINISTER), signed in."""
    return sign_in(client, alice)


def test_the_manage_page_lists_the_organisations_people_and_is_in_the_header(admin, org_a, ivan):
    worklist = admin.get(reverse("web:worklist")).content.decode()
    assert f'href="{reverse("web:manage")}"' in worklist
    response = admin.get(reverse("web:manage"), follow=True)
    text = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("web:manage-organisation", args=["WAL"])
    assert "ivan" in text and "Investigating Officer" in text and "alice" in text


def test_a_member_without_the_administer_capability_gets_not_found(client, org_a, ivan):
    sign_in(client, ivan)
    assert "Manage" not in client.get(reverse("web:worklist")).content.decode()
    assert client.get(reverse("web:manage")).status_code == 404
    assert client.get(reverse("web:manage-organisation", args=["WAL"])).status_code == 404


def test_adding_a_user_creates_the_account_with_a_role_and_no_app_yet(admin, org_a, alice):
    response = admin.post(
        reverse("web:manage-add-user", args=["WAL"]),
        {
            "full_name": "Nia Officer",
            "username": "nia",
            "email": "nia@example.invalid",
            "password": "a long initial passphrase",
            "role": "Investigating Officer",
        },
    )
    assert response.status_code == 302
    nia = get_user_model().objects.get(username="nia")
    assert (nia.first_name, nia.last_name) == ("Nia", "Officer")
    assert nia.check_password("a long initial passphrase")
    assert roles_of(nia, org_a) == ["Investigating Officer"]
    assert not TOTPDevice.objects.filter(user=nia).exists()  # set up at first sign-in
    created = events("staff_user_created")[-1]
    assert (created.actor, created.organisation_id, created.data["user"]) == (
        alice,
        org_a.pk,
        "nia",
    )
    assert events("membership_granted")[-1].data == {"user": "nia", "role": "Investigating Officer"}
    # Her first sign-in goes to setting up the app.
    admin.post(reverse("web:sign-out"))
    step = admin.post(
        reverse("web:sign-in"), {"username": "nia", "password": "a long initial passphrase"}
    )
    assert step["Location"].startswith(reverse("web:set-up"))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"username": "ivan"}, "username", "ivan is already taken"),
        ({"username": "has space"}, "username", "no spaces"),
        ({"password": "short"}, "password", "too short"),
        ({"full_name": " "}, "full_name", "Enter the person"),
        ({"email": "not-an-address"}, "email", "Enter an email address"),
        ({"role": "Receptionist"}, "role", "choose one of the roles"),
    ],
)
def test_a_bad_new_user_is_refused_with_the_field_named_and_nothing_written(
    admin, org_a, ivan, change, field, message
):
    data = {
        "full_name": "Nia Officer",
        "username": "nia",
        "email": "",
        "password": "a long initial passphrase",
        "role": "Investigating Officer",
    } | change
    before = AuditEvent.objects.count()
    response = admin.post(reverse("web:manage-add-user", args=["WAL"]), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert f'href="#{field}"' in text and message.lower() in text.lower()
    assert f'value="{data["full_name"].strip()}"' in text or field == "full_name"
    assert not get_user_model().objects.filter(username="nia").exists()
    assert AuditEvent.objects.count() == before


def test_granting_and_revoking_roles(admin, org_a, alice, ivan):
    page = reverse("web:manage-person", args=["WAL", ivan.pk])
    assert (
        admin.post(page, {"action": "grant", "role": "Head of Corporate Governance"}).status_code
        == 302
    )
    assert roles_of(ivan, org_a) == ["Head of Corporate Governance", "Investigating Officer"]
    again = admin.post(page, {"action": "grant", "role": "Head of Corporate Governance"})
    assert again.status_code == 400 and "already has the role" in again.content.decode()

    assert (
        admin.post(page, {"action": "revoke", "role": "Investigating Officer"}).status_code == 302
    )
    assert roles_of(ivan, org_a) == ["Head of Corporate Governance"]
    revoked = events("membership_revoked")[-1]
    assert revoked.actor == alice
    assert revoked.data == {"user": "ivan", "role": "Investigating Officer"}

    # The last role gone, ivan is no longer at the organisation: back to its page, and his
    # page here is not found.
    response = admin.post(page, {"action": "revoke", "role": "Head of Corporate Governance"})
    assert response["Location"] == reverse("web:manage-organisation", args=["WAL"])
    assert admin.get(page).status_code == 404


def test_an_administrator_cannot_remove_their_own_administrator_role(admin, org_a, alice):
    page = reverse("web:manage-person", args=["WAL", alice.pk])
    response = admin.post(page, {"action": "revoke", "role": "Head of Corporate Governance"})
    assert response.status_code == 400
    assert "cannot remove your own administrator role" in response.content.decode()
    assert roles_of(alice, org_a) == ["Head of Corporate Governance"]


def test_resetting_a_lost_second_factor_makes_the_next_sign_in_set_up_a_new_one(
    admin, org_a, alice, ivan, client
):
    two_factor.ensure_device(ivan, two_factor.DEMO_KEY)
    page = reverse("web:manage-person", args=["WAL", ivan.pk])
    assert admin.post(page, {"action": "reset-app"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=ivan).exists()
    reset = events("second_factor_reset")[-1]
    assert (reset.actor, reset.data) == (alice, {"user": "ivan", "devices": 1})
    admin.post(reverse("web:sign-out"))
    step = admin.post(
        reverse("web:sign-in"), {"username": "ivan", "password": "correct horse battery"}
    )
    assert step["Location"].startswith(reverse("web:set-up"))


def test_no_reset_of_the_app_of_someone_who_also_works_elsewhere(admin, org_a, ivan, org_b):
    """Until a new app is set up the password alone enrols one: only an administrator of all
    the user's organisations may reset it."""
    add_member(ivan, org_b, "Receptionist")
    two_factor.ensure_device(ivan, two_factor.DEMO_KEY)
    response = admin.post(
        reverse("web:manage-person", args=["WAL", ivan.pk]), {"action": "reset-app"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#reset-app"' in text and 'id="reset-app"' in text
    assert "also works for organisations you do not" in text
    assert TOTPDevice.objects.filter(user=ivan).exists()
    assert not events("second_factor_reset")


def test_closure_days_are_added_and_removed_with_a_reason(admin, org_a, alice):
    page = reverse("web:manage-closure-days", args=["WAL"])
    data = {"date-day": "27", "date-month": "11", "date-year": "2026", "reason": "Staff training"}
    assert admin.post(page, data).status_code == 302
    closure = ClosureDay.objects.get(organisation=org_a)
    assert (closure.date, closure.reason) == (date(2026, 11, 27), "Staff training")
    org_a.refresh_from_db()
    assert not org_a.working_calendar().is_working_day(date(2026, 11, 27))  # a Friday
    twice = admin.post(page, data)
    assert twice.status_code == 400 and "already a closure day" in twice.content.decode()

    remove = reverse("web:manage-remove-closure-day", args=["WAL", closure.pk])
    assert admin.post(remove).status_code == 302
    assert not ClosureDay.objects.filter(organisation=org_a).exists()
    removed = events("closure_day_removed")[-1]
    assert (removed.actor, removed.data["reason"]) == (alice, "Staff training")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"date-day": "31", "date-month": "2", "date-year": "2026", "reason": "x"},
            "date-day",
            "Enter a real date",
        ),
        (
            {"date-day": "", "date-month": "", "date-year": "", "reason": "x"},
            "date-day",
            "Enter the date",
        ),
        (
            {"date-day": "1", "date-month": "12", "date-year": "2026", "reason": " "},
            "reason",
            "Say why the organisation is closed",
        ),
    ],
)
def test_a_bad_closure_day_says_what_to_fix(admin, org_a, data, field, message):
    response = admin.post(reverse("web:manage-closure-days", args=["WAL"]), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert f'href="#{field}"' in text and message in text
    assert not ClosureDay.objects.exists()


def test_the_policy_is_shown_readably_and_changed_as_validated_json(admin, org_a, alice):
    page = reverse("web:manage-policy", args=["WAL"])
    text = admin.get(page).content.decode()
    assert "Acknowledgement" in text and "Within 3 working days" in text
    data = preset("commissioner") | {"name": "Walsall complaints policy 2027"}
    assert admin.post(page, {"policy": json.dumps(data)}).status_code == 302
    assert OrganisationPolicy.objects.get(organisation=org_a).data["name"] == (
        "Walsall complaints policy 2027"
    )
    assert events("policy_changed")[-1].actor == alice


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (
            json.dumps(
                preset("commissioner") | {"acknowledgement": {"amount": 0, "unit": "working_days"}}
            ),
            "acknowledgement.amount",
        ),
    ],
)
def test_an_invalid_policy_is_refused_naming_the_field_and_nothing_changes(
    admin, org_a, text, message
):
    before = OrganisationPolicy.objects.get(organisation=org_a).data
    response = admin.post(reverse("web:manage-policy", args=["WAL"]), {"policy": text})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#policy"' in body and message in body
    assert OrganisationPolicy.objects.get(organisation=org_a).data == before
    assert not events("policy_changed")


def test_an_administrator_of_one_organisation_cannot_see_or_change_anothers(
    admin, org_a, org_b, bob
):
    add_closure_day(org_b, date(2026, 12, 29), "Practice closed", by=bob)
    closure = ClosureDay.objects.get(organisation=org_b)
    policy_before = OrganisationPolicy.objects.get(organisation=org_b).data
    pages = [
        ("get", reverse("web:manage-organisation", args=["MMG"]), {}),
        ("get", reverse("web:manage-person", args=["MMG", bob.pk]), {}),
        ("post", reverse("web:manage-person", args=["MMG", bob.pk]), {"action": "reset-app"}),
        # bob through alice's own organisation: he has no role there.
        (
            "post",
            reverse("web:manage-person", args=["WAL", bob.pk]),
            {"action": "revoke", "role": "Executive Manager"},
        ),
        ("post", reverse("web:manage-add-user", args=["MMG"]), {"username": "x"}),
        ("get", reverse("web:manage-closure-days", args=["MMG"]), {}),
        (
            "post",
            reverse("web:manage-closure-days", args=["MMG"]),
            {"date-day": "1", "date-month": "12", "date-year": "2026", "reason": "x"},
        ),
        ("post", reverse("web:manage-remove-closure-day", args=["MMG", closure.pk]), {}),
        ("post", reverse("web:manage-remove-closure-day", args=["WAL", closure.pk]), {}),
        ("get", reverse("web:manage-policy", args=["MMG"]), {}),
        (
            "post",
            reverse("web:manage-policy", args=["MMG"]),
            {"policy": json.dumps(preset("gp-practice"))},
        ),
    ]
    for method, url, data in pages:
        response = getattr(admin, method)(url, data)
        assert response.status_code == 404, url
        assert "Minster" not in response.content.decode()
    assert roles_of(bob, org_b) == ["Executive Manager"]
    assert ClosureDay.objects.filter(organisation=org_b).count() == 1
    assert OrganisationPolicy.objects.get(organisation=org_b).data == policy_before


def test_an_administrator_manages_the_organisations_below_theirs(admin, org_a, alice):
    practice = organisation("Pelsall Surgery", "PEL", "practice", "gp-practice", parent=org_a)
    response = admin.get(reverse("web:manage"))
    assert response.status_code == 200  # two organisations: a list to choose from
    assert "Pelsall Surgery" in response.content.decode()
    page = reverse("web:manage-closure-days", args=["PEL"])
    data = {"date-day": "24", "date-month": "12", "date-year": "2026", "reason": "Training"}
    assert admin.post(page, data).status_code == 302
    assert ClosureDay.objects.get().organisation == practice
