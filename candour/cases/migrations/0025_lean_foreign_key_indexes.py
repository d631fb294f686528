"""Drop the foreign-key indexes that another index already begins with and the index of who
recorded a case (nothing looks cases up by it), and make the provider's partial. Each was one
more B-tree to write for every case, party, issue and response, and to build after a bulk
load (docs/performance.md, "Load rate").

The indexes are dropped by name, the same on SQLite and PostgreSQL, rather than by AlterField:
on SQLite that would copy the whole case table (and drop its full-text triggers)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (index, table, column): Django's names for the foreign keys' own indexes.
DROPPED = [
    ("cases_case_organisation_id_dac38ff3", "cases_case", "organisation_id"),
    ("cases_case_provider_organisation_id_1e2c6c14", "cases_case", "provider_organisation_id"),
    ("cases_case_recorded_by_id_b6397b7b", "cases_case", "recorded_by_id"),
    ("cases_person_organisation_id_a3dddabc", "cases_person", "organisation_id"),
    ("cases_caseparty_case_id_7d3c0d06", "cases_caseparty", "case_id"),
    ("cases_issue_case_id_c4855e2d", "cases_issue", "case_id"),
    ("cases_stageresponse_case_id_ed9b68fd", "cases_stageresponse", "case_id"),
    ("cases_stageresponse_organisation_id_f9127f75", "cases_stageresponse", "organisation_id"),
]


def foreign_key(to, related_name, *, null=False, on_delete=django.db.models.deletion.PROTECT):
    return models.ForeignKey(
        to,
        db_index=False,
        null=null,
        blank=null,
        on_delete=on_delete,
        related_name=related_name,
    )


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("cases", "0024_forwarding_learned_date_representative"),
        ("organisations", "0006_local_stages_and_escalation_rights"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    "case", "organisation", foreign_key("organisations.organisation", "cases")
                ),
                migrations.AlterField(
                    "case",
                    "provider_organisation",
                    foreign_key("organisations.organisation", "+", null=True),
                ),
                migrations.AlterField(
                    "case",
                    "recorded_by",
                    foreign_key(settings.AUTH_USER_MODEL, "+", null=True),
                ),
                migrations.AlterField(
                    "caseparty",
                    "case",
                    foreign_key(
                        "cases.case", "parties", on_delete=django.db.models.deletion.CASCADE
                    ),
                ),
                migrations.AlterField(
                    "issue",
                    "case",
                    foreign_key(
                        "cases.case", "issues", on_delete=django.db.models.deletion.CASCADE
                    ),
                ),
                migrations.AlterField(
                    "person", "organisation", foreign_key("organisations.organisation", "people")
                ),
                migrations.AlterField(
                    "stageresponse",
                    "case",
                    foreign_key(
                        "cases.case", "responses", on_delete=django.db.models.deletion.CASCADE
                    ),
                ),
                migrations.AlterField(
                    "stageresponse",
                    "organisation",
                    foreign_key("organisations.organisation", "+"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for index, table, column in DROPPED
            ],
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("provider_organisation__isnull", False)),
                fields=["provider_organisation"],
                name="case_provider_organisation",
            ),
        ),
    ]
