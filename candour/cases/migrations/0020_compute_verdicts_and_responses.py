"""Fills what 0017 added for the cases already recorded: the deadline engine's verdict on
each acknowledgement and current response, stored on the case, and a StageResponse for every
stage that was answered (the earlier stages of a reopened case from its reopening's audit
event, which holds the stage it ended). Before, the reports judged met or missed again from
dates, which disagreed with the case page for rules counted in hours, and a reopened case's
stage-1 response was wiped (ADR 0018).

It calls `candour.cases.responses.rebuild`, as `candour verdicts` does, which reads only the
case fields it names, in batches of 2,000 cases."""

from django.db import migrations

from candour.config.statistics import analyse_index


def compute(apps, schema_editor):
    from candour.cases.responses import rebuild

    rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0019_stored_verdicts_and_stage_responses"),
        ("audit", "0004_reseal_with_the_audit_key"),
    ]

    operations = [
        migrations.RunPython(compute, migrations.RunPython.noop, elidable=True),
        analyse_index("case_org_received"),
        analyse_index("response_org_responded"),
        analyse_index("response_org_reopened"),
    ]
