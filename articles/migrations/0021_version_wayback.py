"""The Wayback Machine's snapshot of each new version, and the state of its save (WAYBACK_SAVE): columns with
database defaults, which PostgreSQL adds without rewriting the versions, and an index of the saves still in
flight for beat's sweep (built concurrently on PostgreSQL: a live site keeps storing versions meanwhile)."""

from django.db import migrations, models

INDEX = "version_wayback_waiting_idx"
WAITING = "wayback_status IN ('pending', 'capturing')"


def create_index(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX {concurrently}IF NOT EXISTS {INDEX} ON articles_version (wayback_due_at) WHERE {WAITING}"
    )


def drop_index(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ('articles', '0020_served_page'),
    ]

    operations = [
        migrations.AddField(
            model_name='version',
            name='wayback_attempts',
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='version',
            name='wayback_due_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='version',
            name='wayback_error',
            field=models.TextField(blank=True, db_default='', default=''),
        ),
        migrations.AddField(
            model_name='version',
            name='wayback_job',
            field=models.CharField(blank=True, db_default='', default='', max_length=200),
        ),
        migrations.AddField(
            model_name='version',
            name='wayback_requested_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='version',
            name='wayback_status',
            field=models.CharField(blank=True, choices=[('', 'Not asked'), ('pending', 'Waiting to ask'), ('capturing', 'Being captured'), ('saved', 'Saved'), ('failed', 'Failed')], db_default='', default='', max_length=10),
        ),
        migrations.AddField(
            model_name='version',
            name='wayback_submitted_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='version',
            name='wayback_url',
            field=models.TextField(blank=True, db_default='', default=''),
        ),
        migrations.RunPython(create_index, drop_index),
    ]
