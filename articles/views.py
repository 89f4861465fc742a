from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from articles import browsing, cards, scheduling, searching, tasks, warc
from articles.canonical import InvalidURL
from articles.forms import TrackForm
from articles.models import TEXT_FIELDS, Article, Delivery, NotificationRule, Source, Version
from articles.notifying import deliveries
from articles.paging import cursor_values, keyset_page
from articles.params import parse_number
from articles.searching import MAX_QUERY_LENGTH, article_for_url, candidate_articles, looks_like_url
from articles.throttling import DiffThrottled, client_of

PAGE_SIZE = 50
Response = TypeVar("Response", bound=HttpResponseBase)
DIFF_VIEWS = ("side", "inline")
DIFF_VIEW_COOKIE = "diffview"


def home(request: HttpRequest) -> HttpResponse:
    changes = (
        Version.objects.published().changes().select_related("article", "article__source").without_texts()
    )
    source = browsing.text_param(request, "source")
    if source:
        changes = changes.filter(article__source__slug=source)
    view = "biggest" if request.GET.get("view") == "biggest" else "recent"
    period = "week" if request.GET.get("period") == "week" else "day"
    context: dict[str, Any] = {
        "view": view, "period": period, "source": source, "totals": browsing.totals(),
        "sources": Source.objects.filter(active=True).only("slug", "name"),
    }  # fmt: skip
    if view == "biggest":
        since = timezone.now() - timedelta(days=7 if period == "week" else 1)
        context["changes"] = biggest_changes(changes, since, ranked_alone=not source)
    else:
        page = keyset_page(changes, ("fetched_at", "pk"), request.GET.get("after"), PAGE_SIZE)
        context.update(changes=page.items, page=page)
    return render(request, "articles/home.html", context)


def biggest_changes(changes: QuerySet[Version], since: datetime, ranked_alone: bool) -> list[Version]:
    """A page of ``changes`` since ``since``, largest first.

    With ``ranked_alone``, the changes are first ranked on their own rows: version_recent_idx holds every
    column the ranking reads, so a week of changes (30,000 at 1.28 M articles) is ranked from the index, where
    ranking them joined to their articles read every row and took up to 90 ms (bench/scale.py). The best
    ranked are then read in full; the first of them that ``changes`` keeps are its first page unless fewer
    than a page are kept (removed articles), and then the joined ranking answers as before."""
    size = F("words_added") + F("words_removed")
    order = ("-size", "-fetched_at", "-pk")
    ranked: QuerySet[Version] = changes.filter(fetched_at__gte=since).annotate(size=size).order_by(*order)
    if ranked_alone:
        best = Version.objects.changes().filter(fetched_at__gte=since).annotate(size=size).order_by(*order)
        candidates = list(best.values_list("pk", flat=True)[: 2 * PAGE_SIZE])
        page = list(ranked.filter(pk__in=candidates)[:PAGE_SIZE])
        if len(page) == PAGE_SIZE or len(candidates) < 2 * PAGE_SIZE:
            return page
    return list(ranked[:PAGE_SIZE])


def sources(request: HttpRequest) -> HttpResponse:
    weekly = browsing.weekly_by_source()
    rows = []
    for source in Source.objects.order_by("name"):
        versions, articles = weekly.get(source.pk, (0, 0))
        rows.append((source, articles, versions / 7))
    return render(
        request, "articles/sources.html", {"rows": rows, "healthy": browsing.HEALTHY_VERSIONS_PER_DAY}
    )


def source(request: HttpRequest, slug: str) -> HttpResponse:
    source = get_object_or_404(Source, slug=slug)
    articles = source.articles.published().filter(last_changed_at__isnull=False)
    page = keyset_page(articles, ("last_changed_at", "pk"), request.GET.get("after"), PAGE_SIZE)
    health = browsing.source_health(source)
    every = scheduling.describe_interval(timedelta(seconds=settings.DISCOVERY_INTERVAL))
    context = {
        "source": source, "page": page, "healthy": browsing.HEALTHY_VERSIONS_PER_DAY,
        "discovery_every": every, **health,
    }  # fmt: skip
    return render(request, "articles/source.html", context)


def article(request: HttpRequest, pk: int) -> HttpResponse:
    article = browsing.visible_article(pk, Article.objects.select_related("source"))
    show_all = request.GET.get("all") == "1"
    versions = list(article.versions.without_texts().order_by("number"))
    hidden = sum(1 for v in versions if v.kind != Version.Kind.EDIT)
    rows: list[tuple[Version, Version | None]] = []
    previous: Version | None = None
    for version in versions:
        if show_all or version.number == 0 or version.kind == Version.Kind.EDIT:
            rows.append((version, previous))
            previous = version
    rows.reverse()
    context = {
        "article": article,
        "standing": article.standing(hidden=hidden),
        "rows": rows,
        "hidden": hidden,
        "show_all": show_all,
    }
    return render(request, "articles/article.html", context)


def staff_only(permission: str) -> Callable[[Callable[..., Response]], Callable[..., HttpResponseBase]]:
    """For staff who also hold ``permission``, as the admin asks of them for the same change. Anonymous
    visitors are sent to the admin's login and back; anyone else signed in gets 403, since logging in
    again would not help them (staff_member_required would send them to the login)."""

    def decorator(view: Callable[..., Response]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if not (request.user.is_staff and request.user.has_perm(permission)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


@require_POST
@staff_only("articles.change_article")
def check_now(request: HttpRequest, pk: int) -> HttpResponse:
    article = browsing.visible_article(pk)
    if article.status == Article.Status.ACTIVE:
        queued = tasks.check_soon(article)
        messages.info(request, "Check queued." if queued else "A check is already under way.")
    else:
        article.resume()
        messages.info(request, "Tracking resumed; the first check is due now.")
    return redirect(article)


@require_http_methods(["GET", "HEAD"])
@never_cache
@staff_only("articles.view_servedpage")
def article_warc(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The article's history as a WARC file (articles/warc.py), streamed record by record. For staff who
    may see the pages as served, as the admin asks of them; an article staff removed is theirs to export
    too (its public page is Gone)."""
    article = get_object_or_404(Article, pk=pk)
    filename = f"newsdiffs-article-{article.pk}.warc.gz"
    records = warc.warc_bytes(
        warc.scoped_versions(article=article.pk), filename, f"newsdiffs history: article {article.pk}",
        timezone.now(),
    )  # fmt: skip
    # Not application/warc with Content-Encoding: gzip, which a browser would unzip on the way to disk.
    response = StreamingHttpResponse(records, content_type="application/gzip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@staff_only("articles.add_article")
def track(request: HttpRequest) -> HttpResponse:
    # A link may prefill the URL (the search page's, for a URL not tracked yet); only a POST tracks it.
    form = TrackForm(request.POST) if request.method == "POST" else TrackForm(initial=request.GET.dict())
    if form.is_valid():
        since = timezone.now()
        try:
            article, created = tasks.track(form.cleaned_data["url"], form.cleaned_data["source"])
        except InvalidURL as exc:  # removed by an admin since the form was checked
            form.add_error("url", str(exc))
        else:
            if created:
                # A few seconds for the first check, so that staff learn at once of a 404 or a PDF.
                wait = settings.TRACK_WAIT_SECONDS
                said = tasks.first_check_words(article, since, wait) if wait else "Its first check is queued."
                messages.success(request, f"Now tracking {article.url}. {said}")
            else:
                messages.info(
                    request, f"Already tracked (as {article.url}): this is its page; nothing was added."
                )
            return redirect(article)
    return render(request, "articles/track.html", {"form": form})


def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """The target of the versions list's radio buttons: any two versions, older first."""
    a, b = parse_number(request.GET.get("a")), parse_number(request.GET.get("b"))
    if a is None or b is None:  # a redirect to "-1" or "1e99" would be a route that does not exist
        return redirect("article", pk=pk)
    if a == b:
        return redirect("version", pk=pk, number=a)
    return redirect("diff", pk=pk, a=min(a, b), b=max(a, b))


def version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = browsing.visible_article(pk)
    pair = article.version_pair(number, number)  # with its keyframe, in one query
    if pair is None:
        raise Http404("No such version.")
    return render(request, "articles/version.html", {"article": article, "version": pair[1]})


def compared_versions(pk: int, a: int, b: int) -> tuple[Article, Version, Version]:
    """The published article ``pk`` (404, or 410 if removed) and its versions ``a`` and ``b``, older first
    (404 if either is missing or they are not in that order): what a diff and its card are made from."""
    article = browsing.visible_article(pk, Article.objects.select_related("source"))
    pair = article.version_pair(a, b) if a < b else None
    if pair is None:
        raise Http404("No such pair of versions.")
    return article, *pair


def diff(request: HttpRequest, pk: int, a: int, b: int) -> HttpResponse:
    article, old, new = compared_versions(pk, a, b)
    view = request.GET.get("view") or request.COOKIES.get(DIFF_VIEW_COOKIE)
    view = view if view in DIFF_VIEWS else "side"
    # A minor edit (a comma, a space) is lost in a long text: it opens on the changes alone.
    show = request.GET.get("show") or ("changes" if new.kind == Version.Kind.MINOR else "all")
    changes_only = show == "changes"
    changes = list(article.versions.changes().values_list("number", flat=True).order_by("number"))
    earlier = [n for n in changes if n < b]
    later = [n for n in changes if n > b]
    try:
        body_html = browsing.diff_html(old, new, view, changes_only, client=client_of(request))
    except DiffThrottled as throttled:
        return too_many_diffs(request, throttled)
    context = {
        "article": article, "old": old, "new": new, "view": view, "changes_only": changes_only,
        "intermediate": b - a - 1,
        "previous_change": earlier[-1] if earlier else None,
        "next_change": later[0] if later else None,
        "body_html": body_html,
        "preview": link_preview(request, article, old, new),
    }  # fmt: skip
    response = render(request, "articles/diff.html", context)
    if request.GET.get("view") in DIFF_VIEWS:
        response.set_cookie(DIFF_VIEW_COOKIE, view, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def link_preview(request: HttpRequest, article: Article, old: Version, new: Version) -> dict[str, Any]:
    """What the diff page tells link previews (Open Graph, X/Twitter cards): its card, as absolute URLs."""
    apart = new.number - old.number
    change = new.stats.summary() if apart == 1 else f"{apart} versions apart"
    where = article.source.name if article.source else article.url
    return {
        "title": f"v{old.number} → v{new.number}: {new.title}",
        "description": f"{change} · {where} · changed {cards.utc_time(new.fetched_at)}",
        "url": request.build_absolute_uri(reverse("diff", args=[article.pk, old.number, new.number])),
        "image": request.build_absolute_uri(reverse("diff_card", args=[article.pk, old.number, new.number])),
        "width": cards.WIDTH,
        "height": cards.HEIGHT,
    }


# The two stored versions a card shows never change; what else it says (the source's name) and whether it
# may be shown at all (an article an administrator removes) can, so browsers and proxies keep it a week,
# not for ever.
CARD_MAX_AGE = 7 * 24 * 3600


def diff_card(request: HttpRequest, pk: int, a: int, b: int) -> HttpResponse:
    """The diff's share card, a PNG: public wherever the diff page is, cached and throttled as it is."""
    _, old, new = compared_versions(pk, a, b)
    try:
        png = browsing.diff_card(old, new, client=client_of(request))
    except DiffThrottled as throttled:
        return too_many_diffs(request, throttled)
    response = HttpResponse(png, content_type="image/png")
    patch_cache_control(response, public=True, max_age=CARD_MAX_AGE)
    return response


def too_many_diffs(request: HttpRequest, throttled: DiffThrottled) -> HttpResponse:
    response = render(request, "429.html", {"wait": throttled.wait}, status=429)
    response["Retry-After"] = str(throttled.wait)
    return response


def search(request: HttpRequest) -> HttpResponse:
    query = browsing.text_param(request, "q").strip()[:MAX_QUERY_LENGTH]
    context: dict[str, Any] = {"query": query}
    if query and looks_like_url(query):
        found = article_for_url(query)
        if found is not None:
            return redirect(found)
        context["url_not_tracked"] = True
    elif query:
        order, after = ("last_changed_at", "pk"), request.GET.get("after")
        cursor = cursor_values(Article, order, after)
        wanted = searching.PageWanted((cursor[0], cursor[1]) if cursor else None, PAGE_SIZE)
        results = candidate_articles(query, wanted).filter(last_changed_at__isnull=False)
        page = keyset_page(results.select_related("source"), order, after, PAGE_SIZE)
        where = searching.hits(page.items, query)
        context["page"] = page
        # A candidate none of whose versions matches is left out: a page may show fewer than PAGE_SIZE.
        context["results"] = [(article, where[article.pk]) for article in page.items if article.pk in where]
    return render(request, "articles/search.html", context)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and feed readers ask for /favicon.ico whatever the page says: they get the site's icon."""
    return redirect(static("favicon.svg"), permanent=True)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_http_methods(["GET", "HEAD"])
@staff_only("articles.view_notificationrule")
def notifications(request: HttpRequest) -> HttpResponse:
    """Staff's view of the notification rules (targets masked) and the delivery log, newest first."""
    rules = NotificationRule.objects.select_related("article", "source")
    log = Delivery.objects.select_related("rule", "version", "version__article").defer(
        *(f"version__{name}" for name in TEXT_FIELDS)
    )
    page = keyset_page(log, ("created_at", "pk"), request.GET.get("after"), PAGE_SIZE)
    resendable = (Delivery.Status.FAILED, Delivery.Status.INTERRUPTED)
    context = {"rules": rules, "page": page, "resendable": resendable}
    return render(request, "articles/notifications.html", context)


@require_POST
@staff_only("articles.change_notificationrule")
def notification_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a made-up message to the rule's targets now, and say how it went (also kept on the rule)."""
    rule = get_object_or_404(NotificationRule, pk=pk)
    outcome = deliveries.send_test(rule)
    if outcome.ok:
        messages.success(request, f"Test sent to every target of “{rule.name}” in {outcome.seconds:.1f} s.")
    else:
        messages.error(request, f"Test of “{rule.name}” failed: {rule.test_result}")
    return redirect("notifications")


@require_POST
@staff_only("articles.change_notificationrule")
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed or interrupted delivery again, to the targets it has not reached."""
    delivery = get_object_or_404(Delivery, pk=pk)
    if delivery.send_again(timezone.now()):
        tasks.queue_after_commit(tasks.send_delivery, [delivery.pk], "the delivery")
        messages.info(request, f"Delivery {delivery.pk} queued to be sent again.")
    else:
        messages.info(request, f"Delivery {delivery.pk} is not failed or interrupted: nothing to send again.")
    return redirect("notifications")
