"""The audit trail's actor needs no index of its own (docs/adr/0030): dropped by name, the same
on SQLite and PostgreSQL."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEX = "audit_auditevent_actor_id_270bb4b7"


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("audit", "0005_subject_column"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "audit_auditevent" ("actor_id")',
                )
            ],
        ),
    ]
