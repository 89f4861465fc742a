"""The JSON API under /api/v1/ (Django REST framework; OpenAPI 3 schema by drf-spectacular).

Anyone may read. The one write, tracking an article, is for staff, who authenticate with a token
(``manage.py drf_create_token USERNAME``); the API takes no session cookie, so no other site can make a
signed-in browser write through it."""

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    OpenApiWebhook,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, permissions, viewsets
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from articles import tasks
from articles.browsing import cached_rendering, text_param, version_diff
from articles.canonical import InvalidURL, canonical_url
from articles.entries import diff_key
from articles.models import Article, Source, Version, load_paragraphs
from articles.paging import model_field
from articles.params import column_value, parse_aware_datetime
from articles.serializers import (
    ArticleSerializer,
    DiffSerializer,
    PingEventSerializer,
    SourceSerializer,
    TrackSerializer,
    VersionSerializer,
    VersionStoredEventSerializer,
    VersionTextSerializer,
    diff_data,
)
from articles.throttling import DiffThrottled, client_of


class NewestFirst(CursorPagination):
    """Cursor pagination on the primary key: stable under inserts, no COUNT(*), no deep OFFSET."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self.model = queryset.model  # for decode_cursor, which is given the request alone
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """DRF's, with its links' ``nullable`` (OpenAPI 3.0) said as OpenAPI 3.1 says it, the schema's
        version since it documents webhooks: a type that includes null."""
        paginated: dict[str, Any] = super().get_paginated_response_schema(schema)
        for link in ("next", "previous"):
            field = paginated["properties"][link]
            if field.pop("nullable", False):
                field["type"] = [field["type"], "null"]
        return paginated

    def decode_cursor(self, request: Any) -> Cursor | None:
        """DRF's cursor, whose position (the ordering field's value, as the client sent it back) must also
        be one the field's column can compare with: "p=1'" was a 500. A bad one is DRF's "Invalid cursor"."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            ordering = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
            field = model_field(self.model, ordering.lstrip("-"))
            if column_value(field, cursor.position) is None:
                raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor


class ByNumber(NewestFirst):
    ordering = "number"


class BySlug(NewestFirst):
    ordering = "slug"


class StaffMayWrite(permissions.BasePermission):
    """Reads are open to everyone; writes are for staff allowed to add articles, as in the admin (a
    tracked article costs checks for weeks)."""

    message = "Only staff may track articles."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        return bool(user and user.is_staff and user.has_perm("articles.add_article"))


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


@extend_schema_view(
    list=extend_schema(summary="Sources, by slug"),
    retrieve=extend_schema(summary="One source"),
)
class SourceViewSet(viewsets.ReadOnlyModelViewSet[Source]):
    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    pagination_class = BySlug
    lookup_field = "slug"
    lookup_value_converter = "slug"


@extend_schema_view(
    list=extend_schema(
        summary="Articles, newest tracked first",
        parameters=[
            OpenApiParameter("source", str, description="Only this source's articles (its slug)."),
            OpenApiParameter(
                "status", str, enum=Article.Status.values, description="Only articles in this state."
            ),
            OpenApiParameter(
                "changed_since", OpenApiTypes.DATETIME, description="Only articles changed since."
            ),
            OpenApiParameter(
                "url",
                str,
                description="The article at this URL, in any variant (campaign parameters, host case…).",
            ),
        ],
    ),
    retrieve=extend_schema(summary="One article"),
)
class ArticleViewSet(viewsets.ReadOnlyModelViewSet[Article]):
    serializer_class = ArticleSerializer
    pagination_class = NewestFirst
    lookup_value_converter = "number"
    # StaffMayWrite decides (no token: 401; a non-staff token: 403); IsAuthenticatedOrReadOnly is what
    # tells drf-spectacular that reads need no token.
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, StaffMayWrite]

    @extend_schema(
        summary="Track an article (staff)",
        description=(
            "Start tracking a URL and queue its first check. Needs a staff member's token: "
            "`Authorization: Token …`. A URL already tracked in any variant (http/https, `www.`, mobile "
            "host, campaign parameters) is not added again: the answer is 200 with that article."
        ),
        request=TrackSerializer,
        responses={
            201: OpenApiResponse(ArticleSerializer, description="Now tracked; its first check is queued."),
            200: OpenApiResponse(
                ArticleSerializer, description="Already tracked: the article under any variant."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        track = TrackSerializer(data=request.data)
        track.is_valid(raise_exception=True)
        try:
            article, created = tasks.track(track.validated_data["url"], track.validated_data.get("source"))
        except InvalidURL as exc:  # removed by an admin since the URL was checked
            raise exceptions.ValidationError({"url": str(exc)}) from None
        data = ArticleSerializer(article, context=self.get_serializer_context()).data
        location = request.build_absolute_uri(reverse("api-article-detail", args=[article.pk]))
        return Response(data, status=201 if created else 200, headers={"Location": location})

    def get_queryset(self) -> Any:
        articles = Article.objects.published().select_related("source")
        if self.action != "list":
            return articles
        params = self.request.query_params
        if source := text_param(self.request, "source"):
            articles = articles.filter(source__slug=source)
        if status := params.get("status"):
            if status not in Article.Status.values:
                raise exceptions.ValidationError({"status": f"One of: {', '.join(Article.Status.values)}."})
            articles = articles.filter(status=status)
        if since := params.get("changed_since"):
            articles = articles.filter(last_changed_at__gte=self._datetime("changed_since", since))
        if url := params.get("url"):
            try:
                articles = articles.filter(url=canonical_url(url))
            except InvalidURL as exc:
                raise exceptions.ValidationError({"url": str(exc)}) from None
        return articles

    @staticmethod
    def _datetime(name: str, value: str) -> datetime:
        parsed = parse_aware_datetime(value)
        if parsed is None:
            raise exceptions.ValidationError(
                {name: "An ISO 8601 date and time with a zone, e.g. 2026-11-26T12:00Z."}
            )
        return parsed


@extend_schema_view(
    list=extend_schema(
        summary="An article's versions, oldest first",
        parameters=[
            OpenApiParameter("text", bool, description="Include each version's byline and paragraphs.")
        ],
    ),
    retrieve=extend_schema(summary="One version, with its text"),
)
class VersionViewSet(viewsets.ReadOnlyModelViewSet[Version]):
    pagination_class = ByNumber
    lookup_field = "number"
    lookup_value_converter = "number"

    def get_queryset(self) -> Any:
        article = get_object_or_404(Article.objects.published(), pk=self.kwargs["article_pk"])
        # Whether each version's page was kept: an EXISTS per row, no page read.
        return Version.objects.filter(article=article).with_page_kept()

    def with_text(self) -> bool:
        return self.action == "retrieve" or _truthy(self.request.query_params.get("text"))

    def get_serializer_class(self) -> type[VersionSerializer]:
        return VersionTextSerializer if self.with_text() else VersionSerializer

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None and self.with_text():
            load_paragraphs(page)  # the page's keyframes in one query, not one per version
        return page


class DiffView(APIView):
    @extend_schema(summary="What changed between two versions", responses=DiffSerializer)
    def get(self, request: Request, article_pk: int, old: int, new: int) -> Response:
        article = get_object_or_404(Article.objects.published(), pk=article_pk)
        pair = article.version_pair(old, new)
        if pair is None:
            raise Http404("No such version.")
        # The page's path: the same cached diff, and the same count of diffs computed per client.
        try:
            data = cached_rendering(
                diff_key("api", *pair),
                lambda: diff_data(article.pk, old, new, version_diff(*pair)),
                client_of(request),
            )
        except DiffThrottled as throttled:
            raise exceptions.Throttled(throttled.wait) from None
        return Response(data)


ERROR_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
    429: "throttled",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error has one shape: {"error": {"status", "code", "message"[, "fields"]}}."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body: dict[str, Any] = {
        "status": response.status_code,
        "code": ERROR_CODES.get(response.status_code, "error"),
    }
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
        body["message"] = "Invalid parameters."
        body["fields"] = {
            k: v if isinstance(v, str) else " ".join(map(str, v)) for k, v in response.data.items()
        }
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        body["message"] = str(detail)
    # DRF's Throttled keeps the wait it was given; its stubs leave the attribute out.
    if isinstance(exc, exceptions.Throttled) and (wait := exc.wait) is not None:  # type: ignore[attr-defined]
        body["message"] = f"Too many requests: try again in {int(wait) + 1} seconds."
    response.data = {"error": body}
    return response


def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Unknown addresses under /api/ answer in the API's error shape, not with an HTML page."""
    return JsonResponse(
        {"error": {"status": 404, "code": "not_found", "message": "No such endpoint."}}, status=404
    )


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: document the shared error shape as every operation's default response."""
    result["components"]["schemas"]["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "code", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    }
    error = {
        "description": "Error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in result["paths"].values():
        for operation in operations.values():
            operation["responses"].setdefault("default", error)
    return result


# --- webhooks (settings.SPECTACULAR_SETTINGS["WEBHOOKS"]) ------------------------------------------------

WEBHOOK_RESPONSES = {
    200: OpenApiResponse(description="Any 2xx: received. Anything else, or no answer in 10 s, is retried."),
}
VERSION_STORED_WEBHOOK = OpenApiWebhook(
    name="version.stored",
    decorator=extend_schema(
        summary="A version of an article was stored",
        description=(
            "Sent to a notification rule's webhook URL for each stored edit its rule wants, once. The body "
            'is signed: `Newsdiffs-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under '
            "the rule's secret>`; verify it over the raw bytes, in constant time, and refuse timestamps over "
            "5 minutes old (README: Notifications). A retry carries the same `Newsdiffs-Delivery`."
        ),
        request=VersionStoredEventSerializer,
        responses=WEBHOOK_RESPONSES,
    ),
)
PING_WEBHOOK = OpenApiWebhook(
    name="ping",
    decorator=extend_schema(
        summary="A test from the notifications page",
        description="Sent when staff press “Send a test notification”; signed like version.stored.",
        request=PingEventSerializer,
        responses=WEBHOOK_RESPONSES,
    ),
)
WEBHOOK_HEADERS = [
    (
        "Newsdiffs-Signature",
        't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">',
        "t=1764950400,v1=5f…",
    ),
    ("Newsdiffs-Delivery", "The delivery's id (test-… for a test): the same on every retry.", "42"),
    ("Newsdiffs-Event", "version.stored or ping.", "version.stored"),
]


def add_webhook_headers(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular hook: the headers every webhook request carries (OpenApiWebhook documents bodies)."""
    parameters = [
        {"name": name, "in": "header", "required": True, "description": description,
         "schema": {"type": "string"}, "example": example}
        for name, description, example in WEBHOOK_HEADERS
    ]  # fmt: skip
    for operations in result.get("webhooks", {}).values():
        for operation in operations.values():
            operation["parameters"] = parameters
    return result
