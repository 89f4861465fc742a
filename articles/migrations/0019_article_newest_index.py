"""An index of changed articles, newest change first, that holds their id and status (PostgreSQL): search
finds a page of the many articles its text index listed by walking it and testing each id against the list
(searching.newest_of), without reading the table. Built concurrently, so that a live site keeps writing to
its articles meanwhile."""

from django.db import migrations

INDEX = "article_newest_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON articles_article "
            "(last_changed_at DESC, id DESC) INCLUDE (status) WHERE last_changed_at IS NOT NULL"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("articles", "0018_notification_rules_and_deliveries"),
    ]

    operations = [migrations.RunPython(create, drop)]
