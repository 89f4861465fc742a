"""One search document per article instead of one per version (issue 18): the article's every word, without
positions, with a GIN index. Existing articles get theirs here, from the versions' stored text, in batches;
the versions' trigger, column and index go.

Not atomic, so that a big database's run can be stopped and started again: each batch commits on its own, a
new run goes on after the last article that has its document, and every step before is safe to repeat."""

import importlib
import sys

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models, transaction

BATCH = 20_000

DOCUMENTS = """
INSERT INTO articles_articlesearch (article_id, document)
SELECT v.article_id, array_to_tsvector(array_agg(DISTINCT word.lexeme))
FROM articles_version v,
    unnest(to_tsvector('english', concat_ws(E'\\n', v.title, v.social_title,
        (SELECT string_agg(p, E'\\n') FROM jsonb_array_elements_text(v.paragraphs) p)))) word
WHERE v.article_id > %s AND v.article_id <= %s
GROUP BY v.article_id
ON CONFLICT (article_id) DO NOTHING
"""

# The words of a version put together from those of its pieces, in order (searching.found_versions).
AGGREGATE = """
DROP AGGREGATE IF EXISTS articles_tsvector_agg(tsvector);
CREATE AGGREGATE articles_tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')
"""

DROP_VERSION_SEARCH = """
DROP INDEX IF EXISTS version_search_document_idx;
DROP TRIGGER IF EXISTS articles_version_search_document ON articles_version;
DROP FUNCTION IF EXISTS articles_version_search_document();
"""


def create_table(apps, schema_editor):
    """The documents' table, unless a run stopped part way made it already."""
    model = apps.get_model("articles", "ArticleSearch")
    if model._meta.db_table not in schema_editor.connection.introspection.table_names():
        schema_editor.create_model(model)


def drop_table(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("articles", "ArticleSearch"))


def build_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(DROP_VERSION_SEARCH)
        cursor.execute(AGGREGATE)
        cursor.execute("SELECT coalesce(max(id), 0) FROM articles_article")
        top = cursor.fetchone()[0]
        # Batches commit in the articles' order: every article up to the last one with a document has its
        # own, so a run that was stopped goes on from there.
        cursor.execute("SELECT coalesce(max(article_id), 0) FROM articles_articlesearch")
        done = cursor.fetchone()[0]
        if done:
            print(f"  search documents: going on after article {done} of {top}", file=sys.stderr)
    for low in range(done, top, BATCH):
        make_batch(connection, low, min(low + BATCH, top))
        if top > BATCH:
            print(f"  search documents: articles up to {min(low + BATCH, top)} of {top}", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS article_search_document_idx"
            " ON articles_articlesearch USING gin (document)"
        )


def make_batch(connection, low: int, high: int) -> None:
    """The documents of the articles with ids in (low, high], committed together."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(DOCUMENTS, [low, high])


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

    # A run stopped part way keeps what it committed (see the module's docstring).
    atomic = False

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
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
            ],
        ),
        migrations.RunPython(create_table, drop_table),
        migrations.RunPython(build_documents, restore_version_search),
        migrations.RemoveField(
            model_name="version",
            name="search_document",
        ),
    ]
