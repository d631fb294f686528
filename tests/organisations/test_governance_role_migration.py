"""Seed 002 §6.4 (line 141): "Head of Corporate Governance: will be the designated Complaints
Manager for WCCG". The commissioner's preset named the role "Head of Governance"; the data
migration renames it in the stored copies of the preset that still name it so, and the role
its members hold, leaving a policy that keeps the old name (its administrator's) alone."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from candour.organisations.models import Membership, OrganisationPolicy, Role
from candour.organisations.policy import preset, validate_policy

from ..conftest import organisation, user

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "candour.organisations.migrations.0007_commissioner_head_of_corporate_governance"
)
OLD, NEW = migration.OLD, migration.NEW


def old_preset() -> dict:
    return migration.swap(preset("commissioner"), NEW, OLD)


def as_installed_before(org) -> None:
    """The organisation's policy and the role as the old preset installed them."""
    OrganisationPolicy.objects.filter(organisation=org).update(data=old_preset())
    Role.objects.filter(name=NEW).update(name=OLD)


def roles_held(org) -> list[str]:
    return sorted(Membership.objects.filter(organisation=org).values_list("role__name", flat=True))


def test_the_old_preset_named_the_role_head_of_governance():
    old = old_preset()
    assert OLD in old["roles"] and NEW not in str(old)
    assert old["sign_off"][0]["steps"][0]["label"].startswith("Head of Governance or")


def test_a_stored_copy_and_the_role_its_members_hold_are_renamed(org_a, alice):
    as_installed_before(org_a)
    assert roles_held(org_a) == [OLD]
    migration.forwards(apps, None)
    record = OrganisationPolicy.objects.get(organisation=org_a)
    assert validate_policy(record.data) == validate_policy(preset("commissioner"))
    assert roles_held(org_a) == [NEW] and not Role.objects.filter(name=OLD).exists()
    migration.backwards(apps, None)
    assert roles_held(org_a) == [OLD]
    assert validate_policy(OrganisationPolicy.objects.get(organisation=org_a).data) == (
        validate_policy(old_preset())
    )


def test_a_policy_still_naming_the_old_role_keeps_it_and_its_members(org_a, alice):
    as_installed_before(org_a)
    own = organisation("Own Policy Commissioner", "OWN", "icb", "commissioner")
    data = old_preset()
    data["name"] = "Our own policy"
    OrganisationPolicy.objects.filter(organisation=own).update(preset="", data=data)
    from candour.organisations.setup import add_member

    add_member(olive := user("olive"), own, OLD)
    migration.forwards(apps, None)
    assert roles_held(org_a) == [NEW]
    assert roles_held(own) == [OLD]
    assert OLD in OrganisationPolicy.objects.get(organisation=own).data["roles"]
    assert Role.objects.get(name=NEW).capabilities == Role.objects.get(name=OLD).capabilities
    assert Membership.objects.get(user=olive).role.name == OLD


def test_an_administrators_own_name_for_the_role_is_kept(org_a, alice):
    data = old_preset()
    data = migration.swap(data, OLD, "Governance Lead")
    OrganisationPolicy.objects.filter(organisation=org_a).update(data=data)
    migration.forwards(apps, None)
    assert "Governance Lead" in OrganisationPolicy.objects.get(organisation=org_a).data["roles"]
