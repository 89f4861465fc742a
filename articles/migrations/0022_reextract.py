"""manage.py reextract (articles/reextracting.py): versions of kind "same" (a page that, read again by the
current extractor, says what an earlier version says; kept so that numbers stay put), and what each version
was before a re-reading changed it (Rereading). A new table and a choice: no row of the versions is touched."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0021_version_wayback'),
    ]

    operations = [
        migrations.AlterField(
            model_name='version',
            name='kind',
            field=models.CharField(choices=[('edit', 'Edit'), ('minor', 'Minor edit'), ('parser', 'Parser change'), ('same', 'Same text, re-read')], default='edit', max_length=10),
        ),
        migrations.CreateModel(
            name='Rereading',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reread_at', models.DateTimeField()),
                ('page_read', models.BooleanField()),
                ('reread_by', models.CharField(blank=True, max_length=80)),
                ('same_as', models.PositiveIntegerField(blank=True, null=True)),
                ('kind', models.CharField(choices=[('edit', 'Edit'), ('minor', 'Minor edit'), ('parser', 'Parser change'), ('same', 'Same text, re-read')], max_length=10)),
                ('extractor', models.CharField(max_length=50)),
                ('extractor_version', models.CharField(max_length=20)),
                ('content_hash', models.CharField(max_length=64)),
                ('page_published_at', models.DateTimeField(blank=True, null=True)),
                ('page_modified_at', models.DateTimeField(blank=True, null=True)),
                ('title', models.TextField(blank=True, default='')),
                ('social_title', models.TextField(blank=True, default='')),
                ('byline', models.TextField(blank=True, default='')),
                ('packed_paragraphs', models.BinaryField(null=True)),
                ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rereadings', to='articles.version')),
            ],
            options={
                'ordering': ['version', 'reread_at', 'pk'],
            },
        ),
    ]
