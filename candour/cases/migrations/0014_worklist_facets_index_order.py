from django.conf import settings
from django.db import migrations, models

from candour.config.statistics import analyse_index


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_worklist_reference_index"),
        ("organisations", "0004_view_reports_capability"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The open cases' counts index with the filters' columns next after organisation and
    # status, in the order listing.facet_counts groups by, so SQLite need not sort the open
    # cases to group them; and the id last, so PostgreSQL can count from the index alone.
    operations = [
        migrations.RemoveIndex(model_name="case", name="case_open_counts"),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("status__in", ("received", "open", "paused"))),
                fields=[
                    "organisation",
                    "status",
                    "kind",
                    "stage",
                    "grade",
                    "service",
                    "consent_state",
                    "next_due",
                    "handler",
                    "investigator",
                    "id",
                ],
                name="case_open_counts",
            ),
        ),
        analyse_index("case_open_counts"),
    ]
