"""Versions' paragraphs packed (articles/text_chain.py): two columns for the packed bytes and the version
they are packed against, and the JSON column made nullable (the model calls it plain_paragraphs). Rows
already stored stay as they are, readable, until ``manage.py compact_versions`` packs them.

A packed row keeps no JSON on Postgres (search reads the articles' documents, migration 0014); SQLite keeps it
for its substring search."""

from django.db import migrations, models

class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_source_day_counters"),
    ]

    operations = [
        migrations.AddField(
            model_name="version",
            name="packed_paragraphs",
            field=models.BinaryField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="version",
            name="packed_against",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="version",
            name="paragraphs",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(model_name="version", old_name="paragraphs", new_name="plain_paragraphs"),
                migrations.AlterField(
                    model_name="version",
                    name="plain_paragraphs",
                    field=models.JSONField(blank=True, db_column="paragraphs", editable=False, null=True),
                ),
            ],
        ),
    ]
