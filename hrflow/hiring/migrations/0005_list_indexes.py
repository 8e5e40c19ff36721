"""Indexes the paged lists walk (hiring.selectors ROUND_ORDER, APPLICATION_ORDER,
SCORE_SHEET_ORDER), so a page of the province's rounds or of a 50,000-application round reads
its rows from an index instead of sorting them all.

Plain SQL, valid on SQLite and PostgreSQL alike; not in Meta.indexes, since Django cannot
express the expression order key of the applications table the way the query writes it.
"""

from django.db import migrations

INDEXES = (
    ("hiring_round_opens_id", "hiring_selectionround (opens_on, id)"),
    ("hiring_application_page", "hiring_application (round_id, post_id, COALESCE(rank, 2147483647), id)"),
    ("hiring_application_sheet", "hiring_application (round_id, state, post_id, id)"),
)


class Migration(migrations.Migration):

    dependencies = [
        ("hiring", "0004_plan_limits"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX {name} ON {definition}", f"DROP INDEX {name}") for name, definition in INDEXES
    ]
