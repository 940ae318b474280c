"""Store Source.text uncompressed out of line on PostgreSQL (STORAGE EXTERNAL).

Quotes and context windows are cut from the source text in SQL (`SUBSTRING(text, …)`). A
compressed (EXTENDED) value must be decompressed whole for every cut — a 50 KB transcript per
excerpt; an uncompressed TOAST value lets PostgreSQL fetch only the ~2 KB chunks the slice
touches. The cost is disk: the texts take their plain size (about 3.5× the compressed size).

`SET STORAGE` only affects values written afterwards, so the existing texts are rewritten
(`text || ''` makes a new value; `text = text` would keep the old compressed pointer).
SQLite has no TOAST: nothing to do.
"""

from django.db import migrations


def to_external(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE fieldwork_source ALTER COLUMN text SET STORAGE EXTERNAL")
    schema_editor.execute("UPDATE fieldwork_source SET text = text || ''")


def to_extended(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE fieldwork_source ALTER COLUMN text SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0002_segment_text_search_index")]

    operations = [migrations.RunPython(to_external, to_extended)]
