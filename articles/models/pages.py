"""The pages as served (kept as evidence, packed against a keyframe) and earlier readings of them."""

from collections.abc import Iterable

from django.db import models

from articles import archiving
from articles.models.versions import Version
from articles.normalising import ArticleText
from articles.text_chain import decode


class ServedPageQuerySet(models.QuerySet["ServedPage"]):
    def store(
        self, version: Version, url: str, status: int, headers: Iterable[tuple[str, str]], body: bytes
    ) -> "ServedPage":
        """Keep the response ``version`` was read from, packed against its keyframe (``archiving``): the
        article's latest archived page before it says which, read in one query with the keyframe's row."""
        latest = (
            self.filter(version__article_id=version.article_id, version__number__lt=version.number)
            .order_by("-version__number")
            .values_list("version__number", "packed_against")
            .first()
        )
        against = archiving.packed_against(version.number, latest)
        dictionary = None
        if against is not None:
            keyframe = self.filter(version__article_id=version.article_id, version__number=against).first()
            if keyframe is None:  # deleted meanwhile (it never is by the app): packed alone
                against = None
            else:
                dictionary = archiving.decode(keyframe.packed)
        return self.create(
            version=version,
            url=url,
            status=status,
            headers=archiving.headers_list(headers),
            packed=archiving.encode(body, dictionary),
            packed_against=against,
            length=len(body),
            sha256=archiving.sha256(body),
        )


class ServedPage(models.Model):
    """The response a version was read from, as fetched (settings.ARCHIVE_SERVED_PAGES): the final URL, the
    status, the headers as received and the body (after its Content-Encoding was undone: see
    ``archiving.Page``), the body packed with zstd against the body of version ``packed_against``'s page of
    the same article (None: packed alone), see ``archiving``. Read it with ``Version.served_page()`` or, for
    many versions, ``load_pages``."""

    version = models.OneToOneField(
        Version, primary_key=True, on_delete=models.CASCADE, related_name="archived"
    )
    # The final URL after redirects: unbounded, as a redirect's Location is.
    url = models.TextField()
    status = models.PositiveSmallIntegerField()
    # [[name, value], ...] in the order and case received; values are latin-1-decoded bytes.
    headers = models.JSONField(default=list)
    packed = models.BinaryField()
    packed_against = models.PositiveIntegerField(null=True)
    # The body's length and SHA-256 (hex) before packing: what the page weighed, and a WARC's payload digest.
    length = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    objects = ServedPageQuerySet.as_manager()

    def __str__(self) -> str:
        return f"page of version {self.version_id} ({self.length:,} bytes, packed {len(self.packed):,})"


def load_pages(versions: Iterable[Version]) -> dict[int, archiving.Page]:
    """The archived pages of ``versions`` by version id (those without one left out): one query for their
    rows and the keyframes they are packed against (by (article, number), whether or not among
    ``versions``), and at most two decompressions per page, a keyframe decompressed once for all."""
    versions = [v for v in versions if v.pk is not None]
    if not versions:
        return {}
    rows = {
        row.version_id: row
        for row in _page_rows(ServedPage.objects.filter(version_id__in=[v.pk for v in versions]))
    }
    keyframes = {_page_key(row): row for row in rows.values()}
    wanted = {
        (row.version.article_id, row.packed_against)
        for row in rows.values()
        if row.packed_against is not None
    }
    if missing := wanted - keyframes.keys():
        found = _page_rows(
            ServedPage.objects.filter(version__in=Version.objects.numbered(missing).values("pk"))
        )
        keyframes.update({_page_key(row): row for row in found})
    bodies: dict[tuple[int, int], bytes] = {}

    def body_of(row: ServedPage) -> bytes:
        key = _page_key(row)
        if key not in bodies:
            dictionary = None
            if row.packed_against is not None:
                dictionary = body_of(keyframes[(row.version.article_id, row.packed_against)])
            bodies[key] = archiving.decode(row.packed, dictionary)
        return bodies[key]

    return {
        pk: archiving.Page(
            url=row.url,
            status=row.status,
            headers=tuple((str(name), str(value)) for name, value in row.headers),
            body=body_of(row),
            sha256=row.sha256,
        )
        for pk, row in rows.items()
    }


def _page_rows(pages: "models.QuerySet[ServedPage]") -> "models.QuerySet[ServedPage]":
    """With their version's (article, number), the key pages are packed against, in the same query."""
    return pages.select_related("version").only(
        "url",
        "status",
        "headers",
        "packed",
        "packed_against",
        "sha256",
        "version__article_id",
        "version__number",
    )


def _page_key(row: ServedPage) -> tuple[int, int]:
    return (row.version.article_id, row.version.number)


class Rereading(models.Model):
    """What a version was before ``manage.py reextract`` read its article's history again (articles/
    reextracting.py) and changed it: its reading (text, extractor, page dates) when that changed, and its
    kind. A re-read replaces what the public sees; this keeps what it saw, so the record stays auditable."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="rereadings")
    reread_at = models.DateTimeField()
    # Whether the version's own page was read again (else: no page kept, or none the extractor now reads;
    # only its kind or change statistics moved with the versions around it).
    page_read = models.BooleanField()
    # The extractor that read it again, as "name/version" (empty when its page was not read).
    reread_by = models.CharField(max_length=80, blank=True)
    # For a version now of kind "same": the number of the earlier version whose text it reads as.
    same_as = models.PositiveIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=Version.Kind.choices)
    extractor = models.CharField(max_length=50)
    extractor_version = models.CharField(max_length=20)
    content_hash = models.CharField(max_length=64)
    page_published_at = models.DateTimeField(null=True, blank=True)
    page_modified_at = models.DateTimeField(null=True, blank=True)
    # The text it replaced, when the text changed (``packed_paragraphs`` None: the text stayed, and these
    # are empty): headlines and byline as they were, the paragraphs packed alone (text_chain.encode).
    title = models.TextField(blank=True, default="")
    social_title = models.TextField(blank=True, default="")
    byline = models.TextField(blank=True, default="")
    packed_paragraphs = models.BinaryField(null=True, editable=False)

    class Meta:
        ordering = ["version", "reread_at", "pk"]

    def __str__(self) -> str:
        return f"version {self.version_id} before its re-reading of {self.reread_at:%Y-%m-%d %H:%M}"

    @property
    def paragraphs(self) -> list[str] | None:
        """The paragraphs it replaced, or None if its text stayed."""
        return None if self.packed_paragraphs is None else decode(self.packed_paragraphs)

    @property
    def text(self) -> ArticleText | None:
        """The text it replaced, or None if its text stayed."""
        if (paragraphs := self.paragraphs) is None:
            return None
        return ArticleText(self.title, self.byline, tuple(paragraphs), self.social_title)
