"""Stored policies started from a preset named the escalation body as their second stage
("Parliamentary and Health Service Ombudsman", "Alternative dispute resolution"), so that a
reopened case was "at" the Ombudsman (issue 17, R29). The escalation body is not one of the
organisation's stages: those policies get the presets' local stages, and each policy says
whether every stage's response states the right to go to the escalation body (the statutory
presets, reg 14(2)(c)) or only the last stage's (the clinic, seed 004; the national provider,
seed 000 line 44). A policy an administrator has changed from these stages keeps its own."""

from django.db import migrations

OLD_STAGES = {
    "nhs-england-2009": ["Local resolution", "Parliamentary and Health Service Ombudsman"],
    "gp-practice": ["Local resolution", "Parliamentary and Health Service Ombudsman"],
    "commissioner": ["Local resolution", "Parliamentary and Health Service Ombudsman"],
    "private-clinic": ["Local resolution", "Alternative dispute resolution"],
}
LOCAL_STAGES = ["Local resolution", "Further local resolution"]
RIGHTS_EVERY_STAGE = {
    "nhs-england-2009": True,
    "gp-practice": True,
    "commissioner": True,
    "private-clinic": False,
    "national-provider": False,
}


def forwards(apps, schema_editor):
    OrganisationPolicy = apps.get_model("organisations", "OrganisationPolicy")
    for record in OrganisationPolicy.objects.filter(preset__in=RIGHTS_EVERY_STAGE):
        data = dict(record.data)
        if data.get("stages") == OLD_STAGES.get(record.preset):
            data["stages"] = LOCAL_STAGES
        data.setdefault("escalation_rights_every_stage", RIGHTS_EVERY_STAGE[record.preset])
        if data != record.data:
            record.data = data
            record.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("organisations", "0005_national_provider_preset_follows_seed_000")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
