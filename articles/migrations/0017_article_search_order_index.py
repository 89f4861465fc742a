"""An index of articles by id that holds their last change and status (PostgreSQL): search finds a page of
the articles its text index listed by looking each up in it, without reading the table (searching.newest_of).
Built concurrently, so that a live site keeps writing to its articles meanwhile."""

from django.db import migrations

INDEX = "article_search_order_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON articles_article (id) "
            "INCLUDE (last_changed_at, status)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("articles", "0016_version_text_chain"),
    ]

    operations = [migrations.RunPython(create, drop)]
