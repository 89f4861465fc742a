import re
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db.models import Field, Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst

from articles.canonical import InvalidURL, canonical_url
from articles.forms import JSONField
from articles.models import Article, Delivery, NotificationRule, Rereading, ServedPage, Source, Version
from articles.tasks import check_soon, discover_source, queue_after_commit, send_delivery

if TYPE_CHECKING:
    from django.contrib.admin.options import InlineModelAdmin, _FieldGroups
    from django.utils.datastructures import _ListOrTuple


_M = TypeVar("_M", bound=Model)


class Admin(admin.ModelAdmin[_M]):
    """The admin's own, with a name for each input of a date and time: Django writes the two after the
    words "Date:" and "Time:", which label neither, and its label for the field points at neither, so a
    screen reader announced two unnamed boxes (axe-core: critical)."""

    def formfield_for_dbfield(
        self, db_field: "Field[Any, Any]", request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, AdminSplitDateTime):
            label = capfirst(db_field.verbose_name)
            date, time = field.widget.widgets
            date.attrs["aria-label"] = f"{label}: date"
            time.attrs["aria-label"] = f"{label}: time"
        return field


class SourceForm(forms.ModelForm[Source]):
    homepage = forms.URLField(max_length=2048, required=False, assume_scheme="https")

    class Meta:
        model = Source
        fields = (
            "name", "slug", "homepage", "active", "feed_urls", "section_urls", "link_pattern", "deny_pattern",
            "next_discovery_at",
        )  # fmt: skip
        field_classes = {"feed_urls": JSONField, "section_urls": JSONField}

    def _clean_pattern(self, name: str) -> str:
        pattern: str = self.cleaned_data[name]
        try:
            re.compile(pattern)
        except re.error as exc:
            raise forms.ValidationError(f"Not a valid regular expression: {exc}.") from None
        return pattern

    def clean_link_pattern(self) -> str:
        return self._clean_pattern("link_pattern")

    def clean_deny_pattern(self) -> str:
        return self._clean_pattern("deny_pattern")

    def _clean_urls(self, name: str) -> list[str]:
        urls = self.cleaned_data[name] or []
        if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
            raise forms.ValidationError('Enter a JSON list of URLs, like ["https://example.com/rss"].')
        try:
            return [canonical_url(u) for u in urls]
        except InvalidURL as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_feed_urls(self) -> list[str]:
        return self._clean_urls("feed_urls")

    def clean_section_urls(self) -> list[str]:
        return self._clean_urls("section_urls")


@admin.register(Source)
class SourceAdmin(Admin[Source]):
    form = SourceForm
    list_display = ("name", "slug", "homepage", "active", "last_discovered_at")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")
    readonly_fields = ("last_discovered_at", "last_discovery_error")
    actions = ("discover_now",)

    @admin.action(description="Look for new articles of the selected sources now")
    def discover_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        queue_after_commit(discover_source, ids, "the discovery of sources")
        self.message_user(request, f"Discovery queued for {len(ids)} source(s).", messages.SUCCESS)


class VolatileFilter(admin.SimpleListFilter):
    """Articles whose page changes on almost every load (settings.TRACK_VOLATILE_*): worth a look, as a
    site rule may read the story without the part that changes."""

    title = "changes on every load"
    parameter_name = "volatile"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> QuerySet[Article]:
        if self.value() in ("yes", "no"):
            return queryset.filter(volatile_since__isnull=self.value() == "no")
        return queryset


class ArticleAddForm(forms.ModelForm[Article]):
    """Staff paste a URL; it is stored in canonical form so its variants are one article."""

    # Declared without max_length, so that an over-long URL gets the same message as everywhere else
    # (canonical.MAX_URL_LENGTH, the column's length) rather than the model field's generic one.
    url = forms.CharField(error_messages={"required": "Enter a URL."})

    class Meta:
        model = Article
        fields = ("url", "source")

    def clean_url(self) -> str:
        try:
            url, existing = Article.objects.trackable(self.cleaned_data["url"])
        except InvalidURL as exc:
            raise forms.ValidationError(str(exc)) from None
        if existing is not None:
            change = reverse("admin:articles_article_change", args=[existing.pk])
            raise forms.ValidationError(
                format_html('This article is already tracked as <a href="{}">{}</a>.', change, existing.url)
            )
        return url


class VersionInline(admin.TabularInline[Version, Article]):
    model = Version
    fields = ("number", "fetched_at", "title", "content_hash", "extractor", "extractor_version")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Article | None = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(Admin[Article]):
    list_display = (
        "__str__", "source", "status", "version_count", "last_changed_at", "next_check_at", "is_volatile",
    )  # fmt: skip
    list_filter = ("status", VolatileFilter, "source")
    search_fields = ("url", "title")
    list_select_related = ("source",)
    readonly_fields = (
        "url", "first_seen_at", "last_changed_at", "last_checked_at", "consecutive_failures", "last_error",
        "etag", "last_modified", "body_hash", "version_count", "title", "variant_flips", "last_flip_at",
        "resumed_at", "current_hash", "body_parsed_by", "final_url", "volatile_since",
    )  # fmt: skip
    inlines = (VersionInline,)
    actions = ("check_now", "resume")

    @admin.display(boolean=True, description="changes on every load", ordering="volatile_since")
    def is_volatile(self, article: Article) -> bool:
        return article.volatile_since is not None

    def get_form(
        self, request: HttpRequest, obj: Article | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Article]]:
        if obj is None:
            kwargs["form"] = ArticleAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Article | None = None) -> "_ListOrTuple[str]":
        return self.readonly_fields if obj else ()

    def get_fields(self, request: HttpRequest, obj: Article | None = None) -> "_FieldGroups":
        if obj is None:
            return ("url", "source")
        return super().get_fields(request, obj)

    def get_inlines(
        self, request: HttpRequest, obj: Article | None = None
    ) -> "_ListOrTuple[type[InlineModelAdmin[Any, Any]]]":
        return self.inlines if obj else ()

    def save_model(
        self, request: HttpRequest, obj: Article, form: forms.ModelForm[Article], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            check_soon(obj)

    @admin.action(description="Check the selected articles now")
    def check_now(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        queued = under_way = not_checked = 0
        for article in queryset:
            if article.status in (Article.Status.STOPPED, Article.Status.REMOVED):
                not_checked += 1
            elif check_soon(article):
                queued += 1
            else:
                under_way += 1
        said = [f"{queued} check(s) queued."]
        if under_way:
            said.append(f"{under_way} already under way.")
        if not_checked:
            said.append(f"{not_checked} stopped or removed, not checked (resume them first).")
        self.message_user(request, " ".join(said), messages.SUCCESS if queued else messages.WARNING)

    @admin.action(description="Resume checking the selected articles (stopped, gone or failing)")
    def resume(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        resumable = queryset.exclude(status__in=[Article.Status.ACTIVE, Article.Status.REMOVED])
        resumed = 0
        for article in resumable:
            article.resume()
            resumed += 1
        self.message_user(request, f"{resumed} article(s) resumed.", messages.SUCCESS)


class RereadingInline(admin.TabularInline[Rereading, Version]):
    """What the version was before each ``manage.py reextract`` that changed it: read-only, the record."""

    model = Rereading
    extra = 0
    can_delete = False
    fields = ("reread_at", "reread_by", "kind", "extractor", "extractor_version", "same_as", "former_text")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Version | None = None) -> bool:
        return False

    @admin.display(description="text before")
    def former_text(self, rereading: Rereading) -> str:
        text = rereading.text
        return "unchanged" if text is None else "\n".join((text.title, *text.paragraphs))


@admin.register(Version)
class VersionAdmin(Admin[Version]):
    list_display = ("__str__", "article", "number", "fetched_at")
    list_select_related = ("article",)
    search_fields = ("title",)
    readonly_fields = (
        "article", "number", "fetched_at", "title", "byline", "paragraphs", "content_hash", "extractor",
        "extractor_version", "served_page",
        # The Wayback Machine save's state, for staff to see why one failed; written by its task only.
        "wayback_status", "wayback_url", "wayback_attempts", "wayback_error", "wayback_requested_at",
        "wayback_due_at", "wayback_job", "wayback_submitted_at",
    )  # fmt: skip
    inlines = (RereadingInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="page as served")
    def served_page(self, version: Version) -> str:
        """What was kept of the response (ARCHIVE_SERVED_PAGES), without unpacking its body."""
        page = (
            ServedPage.objects.filter(version=version)
            .only("url", "status", "length", "packed", "packed_against")
            .first()
        )
        if page is None:
            return "not kept"
        return format_html(
            "HTTP {} from {}<br>{} bytes, kept in {} (packed {})",
            page.status,
            page.url,
            f"{page.length:,}",
            f"{len(page.packed):,}",
            "alone" if page.packed_against is None else f"against version {page.packed_against}'s page",
        )


class NotificationRuleForm(forms.ModelForm[NotificationRule]):
    # Write-only: the secret is never shown back; a new rule gets a random one, shown once after saving.
    new_webhook_secret = forms.CharField(
        required=False,
        strip=True,
        min_length=16,
        widget=forms.PasswordInput(render_value=False),
        help_text="Set the webhook's signing secret (at least 16 characters); leave blank to keep it (a new "
        "rule gets a random one, shown once after saving).",
    )

    class Meta:
        model = NotificationRule
        fields = (
            "name", "enabled", "targets", "webhook_url", "headlines_only", "min_words", "article", "source",
        )  # fmt: skip
        widgets = {"targets": forms.Textarea(attrs={"rows": 4, "cols": 80})}


@admin.register(NotificationRule)
class NotificationRuleAdmin(Admin[NotificationRule]):
    form = NotificationRuleForm
    list_display = ("name", "enabled", "scope", "what", "targets_shown", "tested_at")
    list_filter = ("enabled", "headlines_only")
    search_fields = ("name",)
    raw_id_fields = ("article",)
    readonly_fields = ("tested_at", "test_result")

    @admin.display(description="sends to")
    def targets_shown(self, rule: NotificationRule) -> str:
        webhook = [f"webhook {rule.shown_webhook()}"] if rule.webhook_url else []
        return ", ".join([*rule.shown_targets(), *webhook])

    def get_fields(self, request: HttpRequest, obj: NotificationRule | None = None) -> "_FieldGroups":
        fields = (*NotificationRuleForm.Meta.fields, "new_webhook_secret")
        return (*fields, "tested_at", "test_result") if obj else fields

    def save_model(
        self,
        request: HttpRequest,
        obj: NotificationRule,
        form: forms.ModelForm[NotificationRule],
        change: bool,
    ) -> None:
        chosen = form.cleaned_data.get("new_webhook_secret")
        if chosen:
            obj.webhook_secret = chosen
        super().save_model(request, obj, form, change)
        if obj.webhook_url and not change and not chosen:
            self.message_user(
                request,
                "The webhook's signing secret, shown this once (keep it for the receiver): "
                f"{obj.webhook_secret}",
                messages.WARNING,
            )


@admin.register(Delivery)
class DeliveryAdmin(Admin[Delivery]):
    """The delivery log: read-only (what was sent is history), with "send again" for failed and interrupted
    deliveries."""

    list_display = ("pk", "rule", "version", "status", "attempts", "created_at", "sent_at", "last_error")
    list_filter = ("status", "rule")
    list_select_related = ("rule", "version")
    readonly_fields = (
        "rule", "version", "status", "attempts", "done_targets", "last_error", "created_at",
        "next_attempt_at", "claimed_at", "sent_at",
    )  # fmt: skip
    actions = ("send_again",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(
        description="Send the failed or interrupted deliveries selected again", permissions=["change"]
    )
    def send_again(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        now = timezone.now()
        again = [delivery.pk for delivery in queryset if delivery.send_again(now)]
        queue_after_commit(send_delivery, again, "deliveries")
        self.message_user(request, f"{len(again)} delivery(ies) queued to be sent again.", messages.SUCCESS)
