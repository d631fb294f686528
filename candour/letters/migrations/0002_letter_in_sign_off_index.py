from django.db import migrations, models

from candour.config.statistics import analyse_index


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_worklist_reference_index"),
        ("letters", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="letter",
            # The worklist's sign-off queues: the letters still in their chains.
            index=models.Index(
                condition=models.Q(status__in=("in_sign_off", "signed")),
                fields=["case"],
                name="letter_in_sign_off",
            ),
        ),
        analyse_index("letter_in_sign_off"),
    ]
