"""Policies as data: each preset from the seeds validates, and a mistake is refused with a
message that names the field (policy.validate_policy)."""

from __future__ import annotations

import pytest

from candour.organisations.policy import (
    PRESETS,
    ClockUnit,
    Period,
    PolicyError,
    preset,
    validate_policy,
)
from candour.organisations.setup import SetupError, create_organisation, set_policy

from ..conftest import user


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_each_preset_validates(name):
    policy = validate_policy(preset(name))
    assert policy.rights_paragraph
    assert policy.escalation.name.lower() in policy.rights_paragraph.lower()
    assert [g.level for g in policy.grading] == [1, 2, 3, 4]


def test_there_are_the_five_presets_the_seeds_ask_for():
    assert set(PRESETS) == {
        "nhs-england-2009",
        "gp-practice",
        "commissioner",
        "private-clinic",
        "national-provider",
    }


@pytest.mark.parametrize(
    ("name", "acknowledgement", "response", "time_limit"),
    [
        ("nhs-england-2009", "3 working days", "6 months", "12 months"),
        ("gp-practice", "3 working days", "6 months", "36 months"),  # 001 §9: three years
        ("commissioner", "3 working days", "25 working days", "12 months"),  # 002 §10.5.1
        ("private-clinic", "48 hours", "30 days", "12 months"),  # 004
        ("national-provider", "3 working days", "25 working days", "12 months"),
    ],
)
def test_each_preset_carries_the_numbers_of_its_seed(name, acknowledgement, response, time_limit):
    policy = validate_policy(preset(name))
    assert str(policy.acknowledgement) == acknowledgement
    assert str(policy.response) == response
    assert str(policy.time_limit) == time_limit


def test_preset_returns_a_copy_so_editing_it_does_not_change_the_preset():
    data = preset("commissioner")
    data["response"]["amount"] = 99
    assert PRESETS["commissioner"]["response"]["amount"] == 25


def test_a_period_says_its_length_in_words():
    assert str(Period(amount=1, unit=ClockUnit.WORKING_DAYS)) == "1 working day"
    assert str(Period(amount=48, unit=ClockUnit.HOURS)) == "48 hours"


def _policy_with(**changes) -> dict:
    data = preset("commissioner")
    for path, value in changes.items():
        target = data
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[key]
        target[leaf] = value
    return data


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"response__amount": -5}, "response.amount", "greater than 0"),
        ({"acknowledgement__amount": 0}, "acknowledgement.amount", "greater than 0"),
        ({"response__unit": "fortnights"}, "response.unit", "working_days"),
        (
            {"rights_paragraph": "If you are unhappy, please write to the chief executive."},
            "rights_paragraph",
            "must name the escalation body",
        ),
        (
            {"grading": [preset("commissioner")["grading"][0]] * 2},
            "grading",
            "levels must be unique",
        ),
        (
            {"response_limit": {"amount": 10, "unit": "working_days"}},
            "response_limit",
            "must not be shorter than the response target",
        ),
        ({"stages": []}, "stages", "at least 1"),
        ({"escalation__route": "the press"}, "escalation.route", "phso"),
        ({"surprise": True}, "surprise", "Extra inputs are not permitted"),
    ],
    ids=[
        "negative amount",
        "zero amount",
        "unknown unit",
        "rights paragraph without the escalation body",
        "duplicate grading levels",
        "response limit shorter than the target",
        "no stages",
        "unknown escalation route",
        "unknown field",
    ],
)
def test_an_invalid_policy_is_refused_with_a_message_naming_the_field(changes, field, words):
    with pytest.raises(PolicyError) as error:
        validate_policy(_policy_with(**changes))
    message = str(error.value)
    assert message.startswith(f"{field}:"), message
    assert words in message


def test_a_missing_field_is_named():
    data = preset("gp-practice")
    del data["acknowledgement"]
    with pytest.raises(PolicyError, match=r"^acknowledgement: Field required"):
        validate_policy(data)


def test_an_unknown_preset_is_refused_and_the_known_ones_are_listed():
    with pytest.raises(PolicyError) as error:
        preset("scottish-board")
    message = str(error.value)
    assert message.startswith("preset: unknown preset 'scottish-board'")
    assert "commissioner, gp-practice, national-provider, nhs-england-2009, private-clinic" in (
        message
    )


def test_an_organisation_cannot_be_created_from_an_unknown_preset_and_nothing_is_written(db):
    from candour.audit.models import AuditEvent
    from candour.organisations.models import Organisation

    with pytest.raises(PolicyError, match=r"^preset: unknown preset"):
        create_organisation(name="Nowhere", code="NOW", kind="practice", preset_name="nope")
    assert not Organisation.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_top_level_organisation_needs_a_policy(db):
    with pytest.raises(SetupError, match=r"^preset: a top-level organisation needs a policy"):
        create_organisation(name="Nowhere", code="NOW", kind="practice")


def test_changing_a_policy_is_audited_with_before_and_after(org_a):
    admin = user("admin")
    data = preset("commissioner")
    data["response"]["amount"] = 20
    set_policy(org_a, data, by=admin, preset_name="commissioner")

    assert org_a.policy.response.amount == 20
    event = org_a_events(org_a).get(event="policy_changed")
    assert event.actor == admin
    assert event.data["before"]["response"] == {"amount": 25, "unit": "working_days"}
    assert event.data["after"]["response"] == {"amount": 20, "unit": "working_days"}


def test_an_invalid_policy_change_is_refused_and_the_old_policy_stays(org_a):
    data = preset("commissioner")
    data["acknowledgement"]["unit"] = "moons"
    with pytest.raises(PolicyError, match=r"^acknowledgement\.unit:"):
        set_policy(org_a, data, by=None)
    org_a.__dict__.pop("_policy_cache", None)
    assert str(org_a.policy.acknowledgement) == "3 working days"
    assert not org_a_events(org_a).filter(event="policy_changed").exists()


def test_a_site_without_its_own_policy_uses_its_nearest_ancestors(site):
    assert site.policy.name == "National healthcare provider with regional and national tiers"


def org_a_events(org):
    from candour.audit.models import AuditEvent

    return AuditEvent.objects.filter(organisation_id=org.pk)


def test_a_new_policy_brings_the_roles_it_names(org_a):
    from candour.organisations.models import Role
    from candour.organisations.setup import add_member

    assert not Role.objects.filter(name="Registered Manager").exists()
    set_policy(org_a, preset("private-clinic"), by=None, preset_name="private-clinic")
    # The clinic's roles can now be granted.
    add_member(user("reg"), org_a, "Registered Manager")
    assert Role.objects.get(name="Registered Manager").capabilities == [
        "view_cases",
        "handle_cases",
        "sign_off",
        "view_confidential",
        "view_reports",
    ]
