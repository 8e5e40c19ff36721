"""Indexes for the staff search on PostgreSQL (no-op elsewhere: SQLite scans, which serves the
embedded default).

- pg_trgm GIN on UPPER(name) and on id_number: Django's icontains/contains (UPPER(x) LIKE
  '%...%') of 3+ characters use them instead of scanning 200,000 people.
- a text_pattern_ops btree on UPPER(name): 1-2 character names match the start of the name
  (istartswith, UPPER(x) LIKE '王%'), a range scan. Trigrams cannot serve a 2-character
  substring, and the database collation (C.UTF-8) is not "C", so a plain btree cannot serve LIKE.

Not declared in Meta.indexes: Django would then create them on SQLite too.
"""

from django.db import migrations

INDEXES = (
    ("people_person_name_trgm", "USING gin (UPPER(name) gin_trgm_ops)"),
    ("people_person_name_prefix", "(UPPER(name) text_pattern_ops)"),
    ("people_person_id_number_trgm", "USING gin (id_number gin_trgm_ops)"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON people_person {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0004_id_number_message"),
    ]

    operations = [migrations.RunPython(create, drop)]
