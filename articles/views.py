from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from articles.diffing import diff_body, diff_words, render_segments
from articles.models import Article, Version

ARTICLES_PER_PAGE = 50


def home(request: HttpRequest) -> HttpResponse:
    articles = (
        Article.objects.filter(last_changed_at__isnull=False)
        .select_related("source")
        .order_by("-last_changed_at", "-pk")
    )
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "articles/home.html", {"page": page})


def article(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.select_related("source"), pk=pk)
    versions = article.versions.defer("paragraphs").order_by("-number")
    return render(request, "articles/article.html", {"article": article, "versions": versions})


def version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = get_object_or_404(Version.objects.select_related("article"), article_id=pk, number=number)
    return render(request, "articles/version.html", {"article": version.article, "version": version})


def diff(request: HttpRequest, pk: int, a: int, b: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    found = {v.number: v for v in article.versions.filter(number__in=[a, b])}
    if a not in found or b not in found:
        raise Http404("No such version.")
    old, new = found[a], found[b]
    body = diff_body(old.paragraphs, new.paragraphs)
    context = {
        "article": article,
        "old": old,
        "new": new,
        "title": diff_words(old.title, new.title),
        "byline": diff_words(old.byline, new.byline),
        "body": body,
        "rows": [
            (
                op.op,
                render_segments(op.words.old) if op.old_index is not None else None,
                render_segments(op.words.new) if op.new_index is not None else None,
            )
            for op in body.ops
        ],
    }
    return render(request, "articles/diff.html", context)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
