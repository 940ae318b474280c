"""A stored tsvector for full-text search over speaker turns, on PostgreSQL only.

The expression index of 0002 let PostgreSQL find matching turns, but ranking and counting
re-parsed every matching turn's text: "referral" over the 16-million-word benchmark
project took 8 s. A generated, stored column is parsed once at write time, and the GIN index
moves onto it. Django's model does not declare the column (SQLite has no tsvector);
fieldwork.search reads it with RawSQL on PostgreSQL only.
"""

from django.db import migrations

COLUMN_SQL = (
    "ALTER TABLE fieldwork_segment ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, text)) STORED"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(COLUMN_SQL)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS fieldwork_segment_search_vector "
        "ON fieldwork_segment USING GIN (search_vector)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS fieldwork_segment_text_fts")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS fieldwork_segment_text_fts ON fieldwork_segment "
        "USING GIN (to_tsvector('english'::regconfig, text))"
    )
    schema_editor.execute("DROP INDEX IF EXISTS fieldwork_segment_search_vector")
    schema_editor.execute("ALTER TABLE fieldwork_segment DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0004_segment_participant_range")]

    operations = [migrations.RunPython(forwards, backwards)]
