"""Organisations keep a copy of the policy they started from. The national provider's preset
now follows seed 000 (issue 17), and the data migration corrects a stored copy where a value
is still the old preset's, leaving an administrator's own values alone.

Seed 000, Stage 2 step 3 (line 21): "within 10 working days (12-15 working days of
receipt)"; line 23: "National Complaints reviewer and National Medical team comments/
review"."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from candour.organisations.models import OrganisationPolicy
from candour.organisations.policy import preset, validate_policy

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "candour.organisations.migrations.0005_national_provider_preset_follows_seed_000"
)


def old_preset() -> dict:
    """The national provider's preset as it was before the migration."""
    data = preset("national-provider")
    assert migration.correct(data, forwards=False)
    return data


def stored(organisation, data: dict | None = None) -> OrganisationPolicy:
    record = OrganisationPolicy.objects.get(organisation=organisation)
    if data is not None:
        record.data = data
        record.save()
    return record


def steps(data: dict) -> dict:
    return {s["key"]: s for s in data["sign_off"][0]["steps"]}


def test_the_old_preset_had_the_wrong_values_the_issue_names():
    old = old_preset()
    assert old["investigation"] == {"amount": 5, "unit": "working_days"}
    assert steps(old)["send_to_national"]["due_from"] == "regional_draft"
    assert "National Medical Director" not in steps(old)["national_review"]["roles"]


def test_a_stored_copy_of_the_old_preset_becomes_the_new_preset(national):
    stored(national, old_preset())
    migration.forwards(apps, None)
    record = stored(national)
    assert validate_policy(record.data) == validate_policy(preset("national-provider"))
    # And back again.
    migration.backwards(apps, None)
    assert validate_policy(stored(national).data) == validate_policy(old_preset())


def test_values_an_administrator_changed_are_kept(national):
    data = old_preset()
    data["investigation"] = {"amount": 7, "unit": "working_days"}
    steps(data)["send_to_national"]["due"] = {"amount": 12, "unit": "working_days"}
    stored(national, data)
    migration.forwards(apps, None)
    after = stored(national).data
    assert after["investigation"] == {"amount": 7, "unit": "working_days"}
    assert steps(after)["send_to_national"]["due"] == {"amount": 12, "unit": "working_days"}
    assert steps(after)["send_to_national"]["due_from"] == "regional_draft"
    # What was still the preset's is corrected.
    assert "National Medical Director" in steps(after)["national_review"]["roles"]
    assert steps(after)["regional_draft"]["due_from"] == "receipt"


def test_other_presets_are_not_touched(org_a):
    before = stored(org_a).data
    migration.forwards(apps, None)
    assert stored(org_a).data == before


def test_a_copy_edited_through_set_policy_is_found_by_its_name(national):
    """setup.set_policy clears the preset's name; the policy's own name still says where it
    came from."""
    from candour.organisations.setup import set_policy

    set_policy(national, old_preset(), by=None)
    assert stored(national).preset == ""
    migration.forwards(apps, None)
    assert validate_policy(stored(national).data) == validate_policy(preset("national-provider"))


def test_another_policy_keeps_its_own_five_day_investigation(org_a):
    data = stored(org_a).data
    data["investigation"] = {"amount": 5, "unit": "working_days"}
    stored(org_a, data)
    migration.forwards(apps, None)
    assert stored(org_a).data["investigation"] == {"amount": 5, "unit": "working_days"}
