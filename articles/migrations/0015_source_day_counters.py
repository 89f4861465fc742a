"""Per-source daily counters (issue 18), counted here from the versions already stored; from now on the app
keeps them (articles/activity.py)."""

import django.db.models.deletion
from django.db import migrations, models

# Days in UTC: Django's connections to Postgres run in UTC (TIME_ZONE), and SQLite stores UTC.
COUNT = """
INSERT INTO articles_sourceday (source_id, day, versions, articles_latest)
SELECT source_id, day, sum(versions), sum(latest) FROM (
    SELECT a.source_id, date(v.fetched_at) AS day, count(*) AS versions, 0 AS latest
    FROM articles_version v JOIN articles_article a ON a.id = v.article_id
    WHERE a.source_id IS NOT NULL
    GROUP BY a.source_id, date(v.fetched_at)
    UNION ALL
    SELECT a.source_id, date(n.newest), 0, count(*)
    FROM (SELECT article_id, max(fetched_at) AS newest FROM articles_version GROUP BY article_id) n
    JOIN articles_article a ON a.id = n.article_id
    WHERE a.source_id IS NOT NULL
    GROUP BY a.source_id, date(n.newest)
) counted
GROUP BY source_id, day
"""


def count(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(COUNT)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_article_search_document"),
    ]

    operations = [
        migrations.CreateModel(
            name="SourceDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("versions", models.PositiveIntegerField(default=0)),
                ("articles_latest", models.IntegerField(default=0)),
                (
                    "source",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="days", to="articles.source"
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("source", "day"), name="source_day_unique")],
            },
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("status", "active")),
                fields=["source", "consecutive_failures"],
                name="article_active_source_idx",
            ),
        ),
        migrations.RunPython(count, migrations.RunPython.noop),
    ]
