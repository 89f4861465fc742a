"""Recent changes' feed entries, kept when their versions are stored (articles/entries.py). A new table: an
existing database has none, and its feeds diff as before until ``manage.py make_feed_entries`` makes those of
its recent changes (or new versions come)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0022_reextract'),
    ]

    operations = [
        migrations.CreateModel(
            name='FeedEntry',
            fields=[
                ('version', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='feed_entry', serialize=False, to='articles.version')),
                ('made_from', models.BigIntegerField()),
                ('fetched_at', models.DateTimeField(db_index=True)),
                ('html', models.BinaryField()),
            ],
        ),
    ]
