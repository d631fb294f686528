"""The national provider's preset now follows seed 000 (issue 17): stage 1 has no
investigation clock (seed 000's "2-5 working days" is the stage-2 documents step), and every
step of the Stage 2 sign-off chain has a due date counted from the receipt of the stage-2
request or the stage's response date, with the National Medical Director among those who may
act at the national review.

Organisations store a copy of their policy. Those started from the preset (by its preset
name, or by the policy's name, which an edit through setup.set_policy keeps while it clears
the preset name) are corrected here, and the preset's Stage 2 chain wherever it was copied,
but only where a value is still the old preset's: a value an administrator has changed is
theirs and stays. A policy that the correction would make invalid is left as it was.
Letters already started keep the chain they started with (ADR 0007)."""

from django.db import migrations

PRESET = "national-provider"
NAME = "National healthcare provider with regional and national tiers"
CHAIN = "Stage 2 sign-off (regional and national)"
WD = "working_days"
FROM_RECEIPT = {"due": {"amount": 15, "unit": WD}, "due_from": "receipt"}
NO_DUE = {"due": None, "due_from": "arrival"}
BY_RESPONSE = {"due": None, "due_from": "response"}
NATIONAL = ["National Complaints Manager", "National Complaints Reviewer"]

# (step, the old preset's values, the new preset's values).
STEPS = [
    ("regional_draft", NO_DUE, FROM_RECEIPT),
    ("regional_director", NO_DUE, FROM_RECEIPT),
    ("regional_sign_off", NO_DUE, FROM_RECEIPT),
    (
        "send_to_national",
        {"due": {"amount": 10, "unit": WD}, "due_from": "regional_draft"},
        FROM_RECEIPT,
    ),
    (
        "national_review",
        {**NO_DUE, "roles": NATIONAL},
        {**BY_RESPONSE, "roles": [*NATIONAL, "National Medical Director"]},
    ),
    ("national_sign_off", NO_DUE, BY_RESPONSE),
    ("return_to_site", NO_DUE, BY_RESPONSE),
]
INVESTIGATION = ({"amount": 5, "unit": WD}, None)


def _get(step: dict, field: str):
    return step.get(field, NO_DUE.get(field))


def correct(data: dict, *, forwards: bool = True, from_preset: bool = True) -> bool:
    """Change, in place, each value of `data` still equal to the old preset's (the new one's
    when going backwards): the Stage 2 chain's steps, and the investigation time if the
    policy is the preset's (`from_preset`). True if anything changed."""
    changed = False
    old, new = INVESTIGATION if forwards else INVESTIGATION[::-1]
    if from_preset and data.get("investigation") == old:
        data["investigation"] = new
        changed = True
    for chain in data.get("sign_off") or []:
        if chain.get("name") != CHAIN:
            continue
        steps = {s.get("key"): s for s in chain.get("steps", [])}
        for key, before, after in STEPS:
            before, after = (before, after) if forwards else (after, before)
            step = steps.get(key)
            if step is None:
                continue
            # A step's due time and what it counts from change together, or not at all.
            if all(_get(step, f) == before[f] for f in ("due", "due_from")):
                if (_get(step, "due"), _get(step, "due_from")) != (after["due"], after["due_from"]):
                    step["due"], step["due_from"] = after["due"], after["due_from"]
                    changed = True
            if "roles" in before and step.get("roles") == before["roles"]:
                step["roles"] = list(after["roles"])
                changed = True
    return changed


def _run(apps, forwards: bool) -> None:
    from candour.organisations.policy import PolicyError, validate_policy

    OrganisationPolicy = apps.get_model("organisations", "OrganisationPolicy")
    for record in OrganisationPolicy.objects.all():
        data = record.data
        if not isinstance(data, dict):
            continue
        ours = record.preset == PRESET or data.get("name") == NAME
        if not correct(data, forwards=forwards, from_preset=ours):
            continue
        try:
            validate_policy(data)
        except PolicyError:
            continue  # an administrator's edits make the corrected policy invalid: leave it
        record.data = data
        record.save(update_fields=["data"])


def forwards(apps, schema_editor):
    _run(apps, True)


def backwards(apps, schema_editor):
    _run(apps, False)


class Migration(migrations.Migration):
    dependencies = [("organisations", "0004_view_reports_capability")]
    operations = [migrations.RunPython(forwards, backwards)]
