"""The school chooser's name search on PostgreSQL (no-op elsewhere: SQLite scans, which serves
the embedded default): a pg_trgm GIN index on the unit's name, so that `name LIKE '%...%'`
reads the index. The code's prefix search already has Django's varchar_pattern_ops index.

Not declared in Meta.indexes: Django would then create it on SQLite too.
"""

from django.db import migrations

INDEX = "org_orgunit_name_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON org_orgunit USING gin (name gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0002_history_reason_text"),
    ]

    operations = [migrations.RunPython(create, drop)]
