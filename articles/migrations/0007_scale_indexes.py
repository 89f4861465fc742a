from django.db import migrations, models


class Migration(migrations.Migration):
    """Indexes found by bench/scale.py at 1.28 M articles and 4.5 M versions.

    Both cover their queries (plain key columns rather than INCLUDE, which SQLite lacks): the last week's
    activity per source (the sources page, each source's health) reads the week's versions and each one's
    source from the indexes alone, without visiting either table's rows.
    """

    dependencies = [
        ("articles", "0006_tracking_schedule_variants_discovery"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="version",
            index=models.Index(
                fields=["-fetched_at", "-id", "article", "number", "kind", "words_added", "words_removed"],
                name="version_recent_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["id", "source"], name="article_source_lookup_idx"),
        ),
    ]
