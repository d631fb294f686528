"""The `subject` column: the record about a person an event is about, repeated from its data
(chain.subject_of) and indexed, so that a restriction's or plan's history is read through
an index. Existing events get it from their data here, by the same function `record` uses;
their hashes are unchanged (the column is not hashed: `verify` holds it against the data)."""

from django.db import migrations, models
from django.db.models import Q

from candour.audit.chain import SUBJECT_KEYS, subject_of


def fill(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    about = Q()
    for key in SUBJECT_KEYS:
        about |= Q(data__has_key=key)
    batch = []
    for pk, data in AuditEvent.objects.filter(about).values_list("pk", "data").iterator(2000):
        subject = subject_of(data)
        if subject is not None:
            batch.append(AuditEvent(pk=pk, subject=subject))
        if len(batch) >= 2000:
            AuditEvent.objects.bulk_update(batch, ["subject"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["subject"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_reseal_with_the_audit_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="subject",
            field=models.CharField(blank=True, max_length=60, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("subject__isnull", False)),
                fields=["subject", "sequence"],
                name="audit_subject_sequence",
            ),
        ),
    ]
