from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from articles import api

# Path converters rather than regular expressions, so that an id is a <number:...> like everywhere else.
router = SimpleRouter(use_regex_path=False)
router.register("sources", api.SourceViewSet, basename="api-source")
router.register("articles", api.ArticleViewSet, basename="api-article")

versions = api.VersionViewSet.as_view({"get": "list"})
version = api.VersionViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    *router.urls,
    path("articles/<number:article_pk>/versions/", versions, name="api-version-list"),
    path("articles/<number:article_pk>/versions/<number:number>/", version, name="api-version-detail"),
    path(
        "articles/<number:article_pk>/diff/<number:old>/<number:new>/",
        api.DiffView.as_view(),
        name="api-diff",
    ),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from docs/?script rather than inline, and
    # api/docs.html its page without an inline <style>, so that the docs run under the site's
    # Content-Security-Policy (newsdiffs/settings.py) with no 'unsafe-inline'.
    path(
        "docs/",
        # GET only: DRF answers OPTIONS with its metadata, which an HTML page's renderer has no template for.
        # No authentication: the page is public, and a bad token raised its error while the page's template
        # was rendered (request.user), outside DRF's error handling: a 500.
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema",
            template_name="api/docs.html",
            http_method_names=["get", "head"],
            authentication_classes=[],
        ),
        name="api-docs",
    ),
    re_path(r"^(?P<path>.*)$", api.not_found),
]
