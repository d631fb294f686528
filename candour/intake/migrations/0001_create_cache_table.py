"""Create the database cache table (settings.CACHES) with the other tables, so that the
public form's rate limits work across every gunicorn worker with no extra server and no
extra set-up command. `createcachetable` skips a table that already exists."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
