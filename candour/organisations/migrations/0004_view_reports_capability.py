"""Reports (issue 5) are seen by members holding the new VIEW_REPORTS capability: give it to
the existing roles that setup.ROLE_CAPABILITIES now lists it for. Roles an administrator
has renamed or created keep what they have; an administrator adds it where wanted."""

from django.db import migrations

ROLES = [
    "Responsible Person",
    "Complaints Manager",
    "Office Manager",
    "Executive Manager",
    "Partner",
    "Head of Governance",
    "Director",
    "Accountable Officer",
    "Registered Manager",
    "Head of Healthcare",
    "Regional Governance Manager",
    "Regional Director",
    "National Complaints Manager",
    "National Medical Director",
]


def grant(apps, schema_editor):
    Role = apps.get_model("organisations", "Role")
    for role in Role.objects.filter(name__in=ROLES):
        if "view_reports" not in role.capabilities:
            role.capabilities = [*role.capabilities, "view_reports"]
            role.save(update_fields=["capabilities"])


def revoke(apps, schema_editor):
    Role = apps.get_model("organisations", "Role")
    for role in Role.objects.filter(name__in=ROLES):
        role.capabilities = [c for c in role.capabilities if c != "view_reports"]
        role.save(update_fields=["capabilities"])


class Migration(migrations.Migration):
    dependencies = [("organisations", "0003_themes")]
    operations = [migrations.RunPython(grant, revoke)]
