from django.conf import settings
from django.db import migrations, models

from candour.config.statistics import analyse_index


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_worklist_count_index"),
        ("organisations", "0004_view_reports_capability"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            # The worklist's "by reference" order within an organisation.
            index=models.Index(fields=["organisation", "reference", "id"], name="case_org_reference"),
        ),
        analyse_index("case_org_reference"),
    ]
