"""JSON shapes of the API (``articles.api``).

Field names are the API's contract: add fields, never rename them.
"""

import dataclasses
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.canonical import InvalidURL
from articles.diffing import MAX_LISTED_OPS, ParagraphOp, Segment, TextDiff, WordDiff
from articles.models import Article, Source, Version
from articles.standing import STATES


class SourceSerializer(serializers.ModelSerializer[Source]):
    # A plain string: a blank URLField is described as a oneOf that an empty string matches twice.
    homepage = serializers.CharField(read_only=True, help_text="The publication's home page, if known.")

    class Meta:
        model = Source
        fields = ("slug", "name", "homepage", "active")


class StandingSerializer(serializers.Serializer[Article]):
    state = serializers.ChoiceField(choices=STATES, help_text="Where the article is in its life.")
    summary = serializers.CharField(help_text="One line: its state, how often it is checked, the next check.")
    last_check = serializers.CharField(help_text="The last check and, if it failed, why.")
    next_check = serializers.CharField(help_text="When the next check comes, or that none will.")
    changes = serializers.CharField(help_text="How many changes there are to see.")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # ``instance`` is the article (source="*" below gives the whole object): its standing, now.
        return super().to_representation(instance.standing())


class ArticleSerializer(serializers.ModelSerializer[Article]):
    # A field named like Field.source (in the stubs): DRF takes it from the class body as a declared field.
    source: serializers.SlugRelatedField[Source] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="slug", read_only=True, allow_null=True
    )
    change_count = serializers.IntegerField(read_only=True)
    page = serializers.SerializerMethodField(help_text="The article's history page.")
    standing = StandingSerializer(
        source="*",
        read_only=True,
        help_text="Its standing in words, as its page says it (articles/standing.py).",
    )
    versions = serializers.SerializerMethodField(help_text="API address of its versions.")

    class Meta:
        model = Article
        fields = (
            "id", "url", "source", "title", "status", "first_seen_at", "last_changed_at", "last_checked_at",
            "next_check_at", "version_count", "change_count", "variant_flips", "last_error", "page",
            "versions", "page_published_at", "page_modified_at", "volatile_since", "standing",
        )  # fmt: skip
        extra_kwargs = {
            "page_published_at": {
                "help_text": "When the page last said it was published (its own metadata)."
            },
            "page_modified_at": {"help_text": "When the page last said it was updated (its own metadata)."},
            "variant_flips": {
                "help_text": "Times the page switched back to a text already recorded (A/B tests)."
            },
            "last_error": {"help_text": "Why the last check failed; empty after a successful check."},
            "volatile_since": {
                "help_text": "When the page was found to change on almost every load (then checked seldom)."
            },
        }

    def get_page(self, article: Article) -> str:
        request: HttpRequest = self.context["request"]
        return request.build_absolute_uri(article.get_absolute_url())

    def get_versions(self, article: Article) -> str:
        request: HttpRequest = self.context["request"]
        return request.build_absolute_uri(reverse("api-version-list", args=[article.pk]))


class SourceSlugField(serializers.SlugRelatedField[Source]):
    """A source named by its slug, which must be a string: a list or an object would reach the database's
    comparison (an error on Postgres, not a 400)."""

    def to_internal_value(self, data: Any) -> Source:
        if not isinstance(data, str):
            self.fail("invalid")
        source: Source = super().to_internal_value(data)
        return source


class TrackSerializer(serializers.Serializer[dict[str, Any]]):
    """What staff send to track an article: checked as the track page checks it, with the same words."""

    url = serializers.CharField(
        help_text="The article's address (http or https); any variant of a tracked one finds that one.",
        error_messages={"required": "Enter a URL.", "blank": "Enter a URL.", "null": "Enter a URL."},
    )
    source = SourceSlugField(  # type: ignore[assignment]  # a field named like Field.source, as above
        slug_field="slug",
        queryset=Source.objects.all(),
        required=False,
        allow_null=True,
        help_text="Slug of the source it belongs to, if any.",
    )

    def validate_url(self, value: str) -> str:
        try:
            url, _existing = Article.objects.trackable(value)
        except InvalidURL as exc:
            raise serializers.ValidationError(str(exc)) from None
        return url


class ChangeStatsSerializer(serializers.Serializer[dict[str, Any]]):
    words_added = serializers.IntegerField(min_value=0)
    words_removed = serializers.IntegerField(min_value=0)
    paragraphs_added = serializers.IntegerField(min_value=0)
    paragraphs_removed = serializers.IntegerField(min_value=0)
    paragraphs_changed = serializers.IntegerField(min_value=0)
    paragraphs_moved = serializers.IntegerField(
        min_value=0, help_text="Paragraphs that moved; their words count as added or removed only if edited."
    )
    title_changed = serializers.BooleanField(help_text="The headline on the page changed.")
    social_title_changed = serializers.BooleanField(
        help_text="The social headline (og:title, twitter:title or <title>) changed."
    )
    summary = serializers.CharField(source="summary_text")


class VersionSerializer(serializers.ModelSerializer[Version]):
    stats = serializers.SerializerMethodField(
        help_text="Against the previous version; all zero for version 0."
    )
    diff = serializers.SerializerMethodField(help_text="API address of the diff with the previous version.")
    wayback_url = serializers.SerializerMethodField(
        help_text="The Wayback Machine's snapshot of the article's page, saved as this version was stored "
        "(where this installation saves them: edits and first versions); null until it is saved."
    )

    page_kept = serializers.BooleanField(
        read_only=True,
        help_text="Whether the page this version was read from was kept as served (its headers and body; "
        "staff can download it in the article's WARC file).",
    )

    class Meta:
        model = Version
        fields: tuple[str, ...] = (
            "number", "fetched_at", "title", "social_title", "kind", "content_hash", "extractor",
            "extractor_version", "page_published_at", "page_modified_at",
            "stats", "diff", "wayback_url", "page_kept",
        )  # fmt: skip

    @extend_schema_field(ChangeStatsSerializer)
    def get_stats(self, version: Version) -> dict[str, Any]:
        stats = version.stats
        data: dict[str, Any] = ChangeStatsSerializer(
            {**dataclasses.asdict(stats), "summary_text": stats.summary()}
        ).data
        return data

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_wayback_url(self, version: Version) -> str | None:
        saved = version.wayback_status == Version.Wayback.SAVED
        return version.wayback_url if saved and version.wayback_url else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_diff(self, version: Version) -> str | None:
        if not version.number:
            return None
        path = reverse("api-diff", args=[version.article_id, version.number - 1, version.number])
        request: HttpRequest = self.context["request"]
        return request.build_absolute_uri(path)


class VersionTextSerializer(VersionSerializer):
    paragraphs = serializers.ListField(child=serializers.CharField(allow_blank=True))

    class Meta(VersionSerializer.Meta):
        fields = (*VersionSerializer.Meta.fields, "byline", "paragraphs")


class SegmentSerializer(serializers.Serializer[Segment]):
    kind = serializers.ChoiceField(choices=["equal", "delete", "insert"])
    text = serializers.CharField(trim_whitespace=False)


class WordDiffSerializer(serializers.Serializer[WordDiff]):
    changed = serializers.BooleanField()
    old = SegmentSerializer(many=True, help_text="The old text in spans, deletions marked.")
    new = SegmentSerializer(many=True, help_text="The new text in spans, insertions marked.")


class ParagraphOpSerializer(serializers.Serializer[ParagraphOp]):
    op = serializers.ChoiceField(
        choices=["equal", "insert", "delete", "replace", "moved_out", "moved_in"],
        help_text="moved_out: the paragraph left this place (moved_to says where it went); moved_in: it "
        "arrived here (moved_from says where it was), its word diff showing any edit made on the way.",
    )
    old_index = serializers.IntegerField(allow_null=True, min_value=0)
    new_index = serializers.IntegerField(allow_null=True, min_value=0)
    moved_to = serializers.SerializerMethodField(help_text="For moved_out: its index in the new version.")
    moved_from = serializers.SerializerMethodField(help_text="For moved_in: its index in the old version.")
    old = SegmentSerializer(many=True, source="words.old")
    new = SegmentSerializer(many=True, source="words.new")

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_moved_to(self, op: ParagraphOp) -> int | None:
        return op.moved if op.op == "moved_out" else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_moved_from(self, op: ParagraphOp) -> int | None:
        return op.moved if op.op == "moved_in" else None


UNLISTED_FIELDS = ("old_index", "new_index", "paragraphs_removed", "paragraphs_added", "words_removed",
                   "words_added")  # fmt: skip
# Written out: a nested serializer that may be null comes out as allOf + nullable, which validators of
# OpenAPI 3.0 read as never null.
UNLISTED_SCHEMA = {
    "type": "object",
    "nullable": True,
    "required": list(UNLISTED_FIELDS),
    "properties": {name: {"type": "integer", "minimum": 0} for name in UNLISTED_FIELDS},
    "description": f"Null unless the diff is too long to list (over {MAX_LISTED_OPS} paragraph operations): "
    "then the old and new paragraphs from old_index and new_index on were compared whole and are only "
    "counted here (and in words_added and words_removed); the versions give their text.",
}


class DiffSerializer(serializers.Serializer[dict[str, Any]]):
    article = serializers.IntegerField()
    old_version = serializers.IntegerField(min_value=0)
    new_version = serializers.IntegerField(min_value=0)
    coarse = serializers.BooleanField(help_text="True when the text was too long to compare word by word.")
    title = WordDiffSerializer()
    social_title = WordDiffSerializer(help_text="The headline of sharing cards (og:title, twitter:title).")
    byline = WordDiffSerializer()
    paragraphs = ParagraphOpSerializer(many=True)
    words_added = serializers.IntegerField(min_value=0)
    words_removed = serializers.IntegerField(min_value=0)
    unlisted = serializers.SerializerMethodField()

    @extend_schema_field(UNLISTED_SCHEMA)
    def get_unlisted(self, diff: dict[str, Any]) -> dict[str, int] | None:
        unlisted = diff["unlisted"]
        return None if unlisted is None else {name: getattr(unlisted, name) for name in UNLISTED_FIELDS}


def diff_data(article_id: int, old: int, new: int, diff: TextDiff) -> dict[str, Any]:
    """A diff in DiffSerializer's shape, built directly: the serializer's fields took 0.3 s (and three
    times that under load) for the 4,000 paragraphs a diff may list; the API's tests hold every answer to
    the schema the serializer describes."""
    unlisted = diff.body.unlisted
    return {
        "article": article_id,
        "old_version": old,
        "new_version": new,
        "coarse": diff.body.coarse,
        "title": _word_diff_data(diff.title),
        "social_title": _word_diff_data(diff.social_title),
        "byline": _word_diff_data(diff.byline),
        "paragraphs": [
            {
                "op": op.op,
                "old_index": op.old_index,
                "new_index": op.new_index,
                "moved_to": op.moved if op.op == "moved_out" else None,
                "moved_from": op.moved if op.op == "moved_in" else None,
                "old": _segments_data(op.words.old),
                "new": _segments_data(op.words.new),
            }
            for op in diff.body.ops
        ],
        "words_added": diff.body.words_added,
        "words_removed": diff.body.words_removed,
        "unlisted": None if unlisted is None else {name: getattr(unlisted, name) for name in UNLISTED_FIELDS},
    }


def _word_diff_data(words: WordDiff) -> dict[str, Any]:
    return {"changed": words.changed, "old": _segments_data(words.old), "new": _segments_data(words.new)}


def _segments_data(segments: tuple[Segment, ...]) -> list[dict[str, str]]:
    return [{"kind": segment.kind, "text": segment.text} for segment in segments]


# --- webhooks: what newsdiffs POSTs to a notification rule's webhook (documentation; the payload is made by
# articles/notifying/messages.py, and test_notifications_sending.py checks one against this schema) ------


class WebhookRuleSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The notification rule's id.")
    name = serializers.CharField()


class WebhookArticleSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="The article's canonical URL.")
    # A field named like Field.source (in the stubs), as in ArticleSerializer.
    source = serializers.CharField(  # type: ignore[assignment]
        allow_null=True, help_text="Its source's slug, if it has one."
    )
    page_url = serializers.CharField(help_text="Its history page on this site.")


class WebhookVersionsSerializer(serializers.Serializer[Any]):
    old = serializers.IntegerField(help_text="The version before.")
    new = serializers.IntegerField(help_text="The version just stored.")
    kind = serializers.ChoiceField(choices=Version.Kind.choices, help_text="Always edit: no other notifies.")
    fetched_at = serializers.DateTimeField()


class WebhookHeadlineSerializer(serializers.Serializer[Any]):
    before = serializers.CharField()
    after = serializers.CharField()
    changed = serializers.BooleanField()
    social_changed = serializers.BooleanField(help_text="The social headline changed (og:title and kin).")


class WebhookStatsSerializer(serializers.Serializer[Any]):
    words_added = serializers.IntegerField()
    words_removed = serializers.IntegerField()
    paragraphs_added = serializers.IntegerField()
    paragraphs_removed = serializers.IntegerField()
    paragraphs_changed = serializers.IntegerField()
    paragraphs_moved = serializers.IntegerField()


class VersionStoredEventSerializer(serializers.Serializer[Any]):
    event = serializers.ChoiceField(choices=["version.stored"])
    delivery = serializers.IntegerField(
        help_text="The delivery's id, also in the Newsdiffs-Delivery header: the same on every retry, so a "
        "receiver that has seen it can ignore it."
    )
    rule = WebhookRuleSerializer()
    article = WebhookArticleSerializer()
    versions = WebhookVersionsSerializer()
    headline = WebhookHeadlineSerializer()
    stats = WebhookStatsSerializer()
    summary = serializers.CharField(help_text="The change in words: “headline changed · +12/−3 words”.")
    diff_url = serializers.CharField(help_text="The diff page of the two versions.")
    card_url = serializers.CharField(allow_null=True, help_text="Its share card (PNG), where there is one.")
    api_diff_url = serializers.CharField(help_text="The same diff from the API.")


class PingEventSerializer(serializers.Serializer[Any]):
    event = serializers.ChoiceField(choices=["ping"])
    rule = WebhookRuleSerializer()
    sent_at = serializers.DateTimeField()
