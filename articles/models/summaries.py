"""Tables kept in step with the versions so that reads never scan them: search documents, source days, and
recent changes' feed entries."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from articles.models.article import Article
from articles.models.sources import Source
from articles.models.versions import Version


class ArticleSearch(models.Model):
    """Every word any version of an article had (headline, social headline, text), for full-text search:
    one document per article, its lexemes without positions, with a GIN index (Postgres; see searching).
    Kept by the app as versions are stored (``search_documents.add_words``); ``manage.py rebuild_search``
    makes it again. Empty on SQLite, where search matches substrings of the versions."""

    article = models.OneToOneField(Article, primary_key=True, on_delete=models.CASCADE, related_name="search")
    document = SearchVectorField(null=True)

    def __str__(self) -> str:
        return f"search document of article {self.article_id}"


class SourceDay(models.Model):
    """What a source's articles did on one day (UTC), counted as versions are stored
    (``activity.count_stored``) so that the sources' pages never count versions; ``manage.py
    rebuild_source_days`` counts them again from the versions."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    versions = models.PositiveIntegerField(default=0)
    # Articles whose newest version was stored that day: an article changed in the days from D to today
    # has its newest version in them, so the sum over those days counts each such article once.
    articles_latest = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "day"], name="source_day_unique")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.day}: {self.versions} versions"


class FeedEntry(models.Model):
    """A recent change as a feed shows it (``entries.entry_html``, zlib-packed), made when its version is
    stored and kept for FEED_ENTRY_DAYS (``prune_feed_entries``), so that a feed reads it instead of
    diffing two texts. ``made_from`` says from what (``entries.made_from``); an entry that no longer
    matches its versions is ignored. ``manage.py make_feed_entries`` makes those of recent changes that
    have none (a database from before this table, or imported)."""

    version = models.OneToOneField(
        Version, primary_key=True, on_delete=models.CASCADE, related_name="feed_entry"
    )
    made_from = models.BigIntegerField()
    # The version's: entries older than FEED_ENTRY_DAYS are deleted by it, oldest first.
    fetched_at = models.DateTimeField(db_index=True)
    html = models.BinaryField()

    def __str__(self) -> str:
        return f"feed entry of version {self.version_id}"
