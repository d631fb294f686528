"""Issue 17 changed the preset wording of the letters: staff named by full name and job
title (never a username), the next stage of the procedure before the escalation body (R29),
the receipt of the current stage, and the late-complaint decision filled from the case. An
organisation still using a preset's wording as installed gets the new wording as a new
version of its template; a template an administrator has changed (no preset source) is
theirs and stays. Letters already started keep the version they were made from."""

import tomllib

from django.db import migrations
from django.db.models import Max
from django.utils import timezone


def refresh(apps, schema_editor):
    from candour.letters.templates import PRESET_DIR

    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    latest = LetterTemplate.objects.values("organisation_id", "kind").annotate(v=Max("version"))
    for row in latest:
        template = LetterTemplate.objects.get(
            organisation_id=row["organisation_id"], kind=row["kind"], version=row["v"]
        )
        path = PRESET_DIR / template.source if template.source else None
        if path is None or not path.is_file():
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        sections = [[name, text.strip("\n")] for name, text in data["sections"].items()]
        if sections == template.sections and data["subject"] == template.subject:
            continue
        LetterTemplate.objects.create(
            organisation_id=template.organisation_id,
            kind=template.kind,
            version=template.version + 1,
            subject=data["subject"],
            sections=sections,
            source=template.source,
            created_at=timezone.now(),
            created_by=None,
        )


class Migration(migrations.Migration):
    dependencies = [("letters", "0003_dispatch_time")]

    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
