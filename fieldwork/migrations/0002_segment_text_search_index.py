"""GIN index for full-text search over speaker turns, on PostgreSQL only.

The expression must match fieldwork.search exactly (`to_tsvector('english'::regconfig, text)`)
for the planner to use the index. SQLite has no such index; search falls back to icontains.
"""

from django.db import migrations

INDEX = "fieldwork_segment_text_fts"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON fieldwork_segment "
        "USING GIN (to_tsvector('english'::regconfig, text))"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
