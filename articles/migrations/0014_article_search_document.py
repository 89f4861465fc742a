"""One search document per article instead of one per version (issue 18): the article's every word, without
positions, with a GIN index. Existing articles get theirs here, from the versions' stored text, in batches;
the versions' trigger, column and index go."""

import importlib
import sys

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

BATCH = 20_000

DOCUMENTS = """
INSERT INTO articles_articlesearch (article_id, document)
SELECT v.article_id, array_to_tsvector(array_agg(DISTINCT word.lexeme))
FROM articles_version v,
    unnest(to_tsvector('english', concat_ws(E'\\n', v.title, v.social_title,
        (SELECT string_agg(p, E'\\n') FROM jsonb_array_elements_text(v.paragraphs) p)))) word
WHERE v.article_id > %s AND v.article_id <= %s
GROUP BY v.article_id
"""

# The words of a version put together from those of its pieces, in order (searching.found_versions).
AGGREGATE = """
CREATE AGGREGATE articles_tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')
"""

DROP_VERSION_SEARCH = """
DROP INDEX IF EXISTS version_search_document_idx;
DROP TRIGGER IF EXISTS articles_version_search_document ON articles_version;
DROP FUNCTION IF EXISTS articles_version_search_document();
"""


def build_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DROP_VERSION_SEARCH)
        cursor.execute(AGGREGATE)
        cursor.execute("SELECT coalesce(max(id), 0) FROM articles_article")
        top = cursor.fetchone()[0]
        for low in range(0, top, BATCH):
            cursor.execute(DOCUMENTS, [low, low + BATCH])
            if top > BATCH:
                print(f"  search documents: articles up to {min(low + BATCH, top)} of {top}", file=sys.stderr)
        cursor.execute(
            "CREATE INDEX article_search_document_idx ON articles_articlesearch USING gin (document)"
        )


def restore_version_search(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    earlier = importlib.import_module("articles.migrations.0004_stored_search_document")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS article_search_document_idx")
        cursor.execute("DROP AGGREGATE IF EXISTS articles_tsvector_agg(tsvector)")
        cursor.execute(earlier.CREATE)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_article_check_claimed_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleSearch",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
        ),
        migrations.RunPython(build_documents, restore_version_search),
        migrations.RemoveField(
            model_name="version",
            name="search_document",
        ),
    ]
