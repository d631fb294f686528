"""A dispatch keeps the time it was sent, not only the day: a final response's time is the
case's response time (a rule in hours is judged to the minute). Dispatches recorded before
take the time they were recorded if that was the day sent, else the end of the day sent."""

from datetime import datetime, time

from django.db import migrations, models
from django.utils import timezone


def fill(apps, schema_editor):
    Dispatch = apps.get_model("letters", "Dispatch")
    zone = timezone.get_default_timezone()
    for sent in Dispatch.objects.filter(sent_at__isnull=True).only("sent_on", "recorded_at"):
        if sent.recorded_at.astimezone(zone).date() == sent.sent_on:
            sent.sent_at = sent.recorded_at
        else:
            sent.sent_at = timezone.make_aware(datetime.combine(sent.sent_on, time(23, 59)), zone)
        sent.save(update_fields=["sent_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0002_letter_in_sign_off_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="dispatch",
            name="sent_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When it was sent: a final response's response time.",
                null=True,
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
