from django.conf import settings
from django.db import migrations, models

from candour.config.statistics import analyse_index


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_worklist_facets_index_order"),
        ("organisations", "0004_view_reports_capability"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="case",
            name="case_org_received",
        ),
        migrations.RemoveIndex(
            model_name="case",
            name="case_org_responded",
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=[
                    "organisation",
                    "received_at",
                    "kind",
                    "forwarded_to_provider_at",
                    "provider_name",
                    "acknowledged_at",
                    "acknowledge_due",
                    "responded_at",
                    "withdrawn_at",
                    "closed_at",
                    "outcome",
                    "response_due",
                    "extensions",
                    "id",
                ],
                name="case_org_received",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=[
                    "organisation",
                    "responded_at",
                    "kind",
                    "forwarded_to_provider_at",
                    "outcome",
                    "response_due",
                    "extensions",
                    "received_at",
                    "id",
                ],
                name="case_org_responded",
            ),
        ),
        analyse_index("case_org_received"),
        analyse_index("case_org_responded"),
    ]
