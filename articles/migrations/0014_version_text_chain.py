"""Versions' paragraphs packed (articles/text_chain.py): two columns for the packed bytes and the version
they are packed against, and the JSON column made nullable (the model calls it plain_paragraphs). Rows
already stored stay as they are, readable, until ``manage.py compact_versions`` packs them.

On Postgres the search trigger still indexes the JSON a new row is written with, then drops it when the row
carries its packed form, so a packed row keeps its search document and not its text twice. It no longer
recomputes the document of a row without JSON (compact_versions' update), which would lose the paragraphs."""

from django.db import migrations, models

TRIGGER = """
CREATE OR REPLACE FUNCTION articles_version_search_document() RETURNS trigger AS $$
BEGIN
    IF NEW.paragraphs IS NOT NULL THEN
        NEW.search_document := to_tsvector('english', coalesce(NEW.title, '') || ' ' || NEW.paragraphs::text);
    ELSIF TG_OP = 'INSERT' THEN
        NEW.search_document := to_tsvector('english', coalesce(NEW.title, ''));
    END IF;
    IF NEW.packed_paragraphs IS NOT NULL THEN
        NEW.paragraphs := NULL;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

TRIGGER_BEFORE = """
CREATE OR REPLACE FUNCTION articles_version_search_document() RETURNS trigger AS $$
BEGIN
    NEW.search_document := to_tsvector('english', coalesce(NEW.title, '') || ' ' || coalesce(NEW.paragraphs::text, ''));
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""


def postgres_only(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_article_check_claimed_at"),
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
        migrations.RunPython(postgres_only(TRIGGER), postgres_only(TRIGGER_BEFORE)),
    ]
