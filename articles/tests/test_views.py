from datetime import timedelta
from typing import Any

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client, override_settings
from pytest_django import DjangoAssertNumQueries

from articles import browsing
from articles.models import Article, Source
from articles.tests.support import T0, add_version, bridge_story, daily_test_source, one, soup_of, texts

pytestmark = pytest.mark.django_db
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
NOW = T0 + timedelta(hours=5)


@pytest.fixture
def source() -> Source:
    return daily_test_source()


@pytest.fixture
def article(source: Source) -> Article:
    return bridge_story(source)


# Home ------------------------------------------------------------------------------------------------


def test_home_lists_changes_newest_first_with_their_summary(client: Client, article: Article) -> None:
    other = Article.objects.create(url="http://127.0.0.1/other")
    add_version(other, 0, "Other story", ["Text."])
    with time_machine.travel(NOW, tick=False):
        soup = soup_of(client, "/")
    assert texts(soup, ".changes .headline") == ["Mayor closes bridge", "Mayor closes bridge"]
    assert texts(soup, ".changes .stats") == [
        "headline changed · +1/−0 words · 1 paragraph added",
        "+1/−1 words · 1 paragraph changed",
    ]
    assert [a["href"] for a in soup.select(".changes .difflink")] == [
        f"/articles/{article.pk}/diff/2/3/",
        f"/articles/{article.pk}/diff/0/1/",
    ]
    assert texts(soup, ".changes .meta")[0] == "The Daily Test · 2 hours ago · v3"
    assert texts(soup, ".totals") == [
        "2 articles tracked · 5 versions stored · 2 changes today (counted at 14:30 UTC , once a minute)"
    ]


def test_home_filters_by_source(client: Client, article: Article) -> None:
    other_source = Source.objects.create(name="Other", slug="other")
    other = Article.objects.create(url="http://127.0.0.1/other", source=other_source)
    add_version(other, 0, "Other story", ["Text."])
    add_version(other, 1, "Other story", ["Text, edited."])
    assert texts(soup_of(client, "/?source=other"), ".changes .headline") == ["Other story"]
    assert len(texts(soup_of(client, "/?source=daily"), ".changes .headline")) == 2


def test_home_shows_the_biggest_changes_of_the_day_or_week(client: Client, article: Article) -> None:
    big = Article.objects.create(url="http://127.0.0.1/big")
    add_version(big, 0, "Big", ["Short."])
    add_version(big, 1, "Big", ["Short.", "A whole new paragraph of many words arrived."])
    with time_machine.travel(T0 + timedelta(hours=6), tick=False):
        day = soup_of(client, "/?view=biggest&period=day")
    assert one(day, "h1").get_text() == "Biggest changes in the last day"
    assert texts(day, ".changes .headline") == ["Big", "Mayor closes bridge", "Mayor closes bridge"]
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        assert texts(soup_of(client, "/?view=biggest&period=day"), ".changes .headline") == []
        assert len(texts(soup_of(client, "/?view=biggest&period=week"), ".changes .headline")) == 3


def test_home_pages_by_keyset_without_counting(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for i in range(60):
        article = Article.objects.create(url=f"http://127.0.0.1/{i}")
        add_version(article, 0, f"Story {i}", ["Text."])
        add_version(article, 1, f"Story {i}", ["Text, edited."])
    first = soup_of(client, "/")
    assert len(first.select(".changes li")) == 50
    older = one(first, '.pager a[href*="after="]')["href"]
    with django_assert_max_num_queries(3):  # the page, its sources, no COUNT (totals are cached)
        second = soup_of(client, "/" + str(older))
    assert len(second.select(".changes li")) == 10
    assert set(texts(first, ".headline")).isdisjoint(texts(second, ".headline"))
    assert soup_of(client, "/?after=garbage").select(".changes li")  # a bad cursor starts from the top


# Sources ---------------------------------------------------------------------------------------------


def test_sources_list_warns_about_quiet_sources(client: Client, article: Article) -> None:
    with time_machine.travel(NOW, tick=False):
        soup = soup_of(client, "/sources/")
    assert texts(soup, "tbody tr") == ["The Daily Test 1 0.6 ⚠ low Atom · RSS"]


@override_settings(TRACK_SCHEDULE=((10**9, 3600),))
def test_source_page_shows_health_and_articles(client: Client, article: Article, source: Source) -> None:
    failing = Article.objects.create(url="http://127.0.0.1/f", source=source, consecutive_failures=2)
    add_version(failing, 0, "Failing story", ["Text."])
    with time_machine.travel(NOW, tick=False):
        soup = soup_of(client, "/sources/daily/")
    assert texts(soup, "td a") == ["Mayor closes bridge", "Failing story"]
    facts = dict(zip(texts(soup, ".health dt"), texts(soup, ".health dd"), strict=True))
    assert facts["Versions a day"].startswith("0.7 over the last 7 days")
    assert facts["Failing checks"] == "1 of 2 tracked articles (50 %) failed their last check"
    assert "may be read wrongly" in one(soup, ".health .warning").get_text()


# Article ---------------------------------------------------------------------------------------------


@override_settings(TRACK_SCHEDULE=((10**9, 3600),))
def test_article_page_tells_its_story(client: Client, article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(next_check_at=NOW + timedelta(minutes=12))
    with time_machine.travel(NOW, tick=False):
        soup = soup_of(client, f"/articles/{article.pk}/")
    assert one(soup, "h1").get_text() == "Mayor closes bridge"
    facts = dict(zip(texts(soup, ".facts dt"), texts(soup, ".facts dd"), strict=True))
    assert facts["First seen"] == "20 November 2026, 09:30 UTC"
    assert facts["Changes"] == "2 changes (1 minor or parser change hidden)."
    assert facts["Tracking"] == "Tracked: checked about every hour; next check in 12 minutes."
    assert facts["Source"] == "The Daily Test"
    rows = soup.select("table.versions tbody tr")
    assert [one(r, "td:nth-of-type(3) a").get_text() for r in rows] == ["v3", "v1", "v0"]
    assert "2\xa0hours later" in rows[0].get_text()  # from v1, the previous version shown
    assert texts(rows[0], "td:nth-of-type(4)") == [
        "headline now: Mayor closes bridge headline changed · +1/−0 words · 1 paragraph added"
    ]
    assert one(rows[0], 'a[href*="web.archive.org"]')["href"] == (
        "https://web.archive.org/web/20261120123000/http://127.0.0.1/story"
    )
    assert one(rows[0], 'input[name="b"]').has_attr("checked")
    assert one(rows[1], 'input[name="a"]').has_attr("checked")
    assert texts(soup, "p.meta")[0] == "1 minor or parser-change version hidden. Show them"


def test_hidden_versions_show_on_request(client: Client, article: Article) -> None:
    soup = soup_of(client, f"/articles/{article.pk}/?all=1")
    assert [a.get_text() for a in soup.select("table.versions td:nth-of-type(3) > a")] == [
        "v3",
        "v2",
        "v1",
        "v0",
    ]
    assert "Minor edit" in one(soup, "tr.kind-minor").get_text()


@pytest.mark.parametrize(
    ("status", "fields", "words"),
    [
        ("stopped", {"last_changed_at": T0 - timedelta(days=41)},
         "Stopped: unchanged for over 41 days; no longer checked."),
        ("gone", {"last_error": "HTTP 410 Gone"},
         "Gone: the page has left its site (HTTP 410 Gone); no longer checked."),
        ("failing", {"last_error": "HTTP 503"},
         "Failing: checks kept failing (HTTP 503); no longer checked."),
    ],
)  # fmt: skip
def test_tracking_status_in_words(
    client: Client, article: Article, status: str, fields: dict[str, Any], words: str
) -> None:
    Article.objects.filter(pk=article.pk).update(status=status, **fields)
    with time_machine.travel(T0, tick=False):
        soup = soup_of(client, f"/articles/{article.pk}/")
    assert dict(zip(texts(soup, ".facts dt"), texts(soup, ".facts dd"), strict=True))["Tracking"] == words


def test_an_article_with_one_version(client: Client, source: Source) -> None:
    single = Article.objects.create(url="http://127.0.0.1/single", source=source)
    add_version(single, 0, "Only once", ["Text."])
    soup = soup_of(client, f"/articles/{single.pk}/")
    assert texts(soup, "table.versions td:nth-of-type(4)") == ["first version: Only once"]
    assert not soup.select(".versions-form button")


def test_compare_sends_any_two_versions_to_their_diff(client: Client, article: Article) -> None:
    assert (
        client.get(f"/articles/{article.pk}/compare/?a=3&b=0")["Location"]
        == f"/articles/{article.pk}/diff/0/3/"
    )
    assert (
        client.get(f"/articles/{article.pk}/compare/?a=1&b=1")["Location"]
        == f"/articles/{article.pk}/versions/1/"
    )
    assert client.get(f"/articles/{article.pk}/compare/?a=x")["Location"] == f"/articles/{article.pk}/"


# Diff ------------------------------------------------------------------------------------------------


def test_diff_side_by_side_aligns_paragraphs(client: Client, article: Article) -> None:
    soup = soup_of(client, f"/articles/{article.pk}/diff/0/3/")
    assert texts(soup, ".old del") == ["opens", "Tuesday", "."]
    assert texts(soup, ".new ins") == ["closes", "Monday", "!", "Closed."]
    assert not soup.select(".old ins")
    assert not soup.select(".new del")
    assert [row["class"][1] for row in soup.select(".diff .row")[2:]] == [
        "replace",
        "equal",
        "replace",
        "insert",
    ]
    assert texts(soup, ".diff-heading .meta") == ["(2 intermediate versions not shown)"]


def test_diff_inline_view_is_remembered(client: Client, article: Article) -> None:
    response = client.get(f"/articles/{article.pk}/diff/0/1/?view=inline")
    soup = BeautifulSoup(response.content, "lxml")
    assert texts(soup, ".diff.inline p.para") == [
        "It opened on Tuesday Monday .",
        "Crowds came.",
        "Music played.",
    ]
    assert response.cookies["diffview"].value == "inline"
    later = soup_of(client, f"/articles/{article.pk}/diff/1/3/")  # the cookie now chooses the view
    assert later.select(".diff.inline")
    assert soup_of(client, f"/articles/{article.pk}/diff/1/3/?view=side").select(".diff.side")


def test_diff_changes_only_collapses_unchanged_paragraphs(client: Client, article: Article) -> None:
    soup = soup_of(client, f"/articles/{article.pk}/diff/0/1/?show=changes")
    assert texts(soup, ".row.skipped") == ["… 2 unchanged paragraphs …"]
    assert len(soup.select(".row.replace")) == 1
    assert texts(soup, ".diff-tools .toggle a") == ["inline", "show whole text"]


def test_diff_steps_to_the_previous_and_next_change(client: Client, article: Article) -> None:
    soup = soup_of(client, f"/articles/{article.pk}/diff/0/1/")
    assert soup.select_one('a[rel="prev"]') is None
    assert (
        one(soup, 'a[rel="next"]')["href"] == f"/articles/{article.pk}/diff/2/3/"
    )  # the minor v2 is skipped
    last = soup_of(client, f"/articles/{article.pk}/diff/2/3/")
    assert one(last, 'a[rel="prev"]')["href"] == f"/articles/{article.pk}/diff/0/1/"
    assert last.select_one('a[rel="next"]') is None


def test_version_page_shows_the_plain_text(client: Client, article: Article) -> None:
    soup = soup_of(client, f"/articles/{article.pk}/versions/0/")
    assert texts(soup, ".body p") == ["It opened on Tuesday.", "Crowds came.", "Music played."]


# Errors and escaping -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/articles/999/", "/articles/{pk}/diff/0/9/", "/articles/{pk}/diff/3/1/",
             "/articles/{pk}/versions/7/", "/sources/nope/", "/no/such/page/"],
)  # fmt: skip
def test_unknown_things_are_404(client: Client, article: Article, path: str) -> None:
    soup = soup_of(client, path.format(pk=article.pk), status=404)
    assert one(soup, "h1").get_text() == "Not found"


@pytest.mark.parametrize("path", ["/articles/{pk}/", "/articles/{pk}/diff/0/1/", "/articles/{pk}/versions/0/",
                                  "/articles/{pk}/feed.atom"])  # fmt: skip
def test_removed_articles_are_410(client: Client, article: Article, path: str) -> None:
    Article.objects.filter(pk=article.pk).update(status=Article.Status.REMOVED)
    soup = soup_of(client, path.format(pk=article.pk), status=410)
    assert one(soup, "h1").get_text() == "Removed"
    assert not soup_of(client, "/").select(".changes li")


def test_a_server_error_gets_the_friendly_page(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("articles.browsing.totals", broken)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_text_from_the_web_is_escaped_everywhere(client: Client, source: Source) -> None:
    article = Article.objects.create(url="http://127.0.0.1/x", source=source)
    add_version(article, 0, HOSTILE, [HOSTILE], byline=HOSTILE)
    add_version(article, 1, HOSTILE + " edited", [HOSTILE + " edited"], byline=HOSTILE + "!")
    pk = article.pk
    for path in (
        "/", "/?view=biggest", "/sources/daily/", f"/articles/{pk}/", f"/articles/{pk}/diff/0/1/",
        f"/articles/{pk}/diff/0/1/?view=inline", f"/articles/{pk}/versions/1/", "/search/?q=edited",
    ):  # fmt: skip
        with time_machine.travel(NOW, tick=False):
            html = client.get(path).content.decode()
        soup = BeautifulSoup(html, "lxml")
        # The site's one script, from its own file, and nothing else.
        assert [(s.get("src"), s.get_text()) for s in soup.find_all("script")] == [
            ("/static/js/local-times.js", "")
        ]
        assert not soup.find_all("img"), path
        assert "&lt;" in html, path


def test_healthz_checks_the_database(client: Client) -> None:
    assert client.get("/healthz/").json() == {"status": "ok"}


def test_big_tables_are_counted_by_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    from articles import browsing

    Article.objects.create(url="http://127.0.0.1/one")
    assert browsing.row_count(Article) == 1
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
    Article.objects.create(url="http://127.0.0.1/two")  # after ANALYZE: only COUNT(*) would see it
    monkeypatch.setattr(browsing, "EXACT_COUNT_LIMIT", -2)  # treat any table as big: the estimate answers
    assert browsing.row_count(Article) == 1


def test_a_very_long_diff_folds_its_unchanged_paragraphs() -> None:
    article = Article.objects.create(url="https://example.com/long")
    paragraphs = [f"Paragraph number {n} of a very long text." for n in range(2500)]
    old = add_version(article, 0, "Long", paragraphs)
    new = add_version(article, 1, "Long", ["A new first paragraph.", *paragraphs])
    html = browsing.diff_html(old, new, "side", changes_only=False)
    assert "unchanged paragraphs are folded" in html
    assert "2500 unchanged paragraphs" in html
    assert html.count('class="row insert"') == 1


def test_small_things_a_first_visit_finds(client: Client, article: Article) -> None:
    # /favicon.ico, asked for whatever the page says, is the site's icon.
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301
    assert icon["Location"].endswith(".svg")
    # The period only matters for "biggest first".
    assert "Period" not in client.get("/").content.decode()
    assert "Period" in client.get("/?view=biggest").content.decode()
    # An article tracked by hand has no source, said in words.
    Article.objects.filter(pk=article.pk).update(source=None)
    facts = soup_of(client, f"/articles/{article.pk}/").select(".facts dd")
    assert "none (tracked by hand)" in [dd.get_text() for dd in facts]


def test_a_minor_edit_opens_on_its_changes_with_its_marks_framed(client: Client, article: Article) -> None:
    soup = soup_of(client, f"/articles/{article.pk}/diff/1/2/")  # v2: "Music played." → "Music played!"
    assert texts(soup, ".row.skipped") == ["… 2 unchanged paragraphs …"]
    assert soup.select(".diff-body.minor-edit ins")
    assert texts(soup, ".diff-tools .toggle a")[-1] == "show whole text"
    whole = soup_of(client, f"/articles/{article.pk}/diff/1/2/?show=all")
    assert not whole.select(".row.skipped")
    # An edit opens whole, as before.
    assert not soup_of(client, f"/articles/{article.pk}/diff/0/1/").select(".row.skipped")


def test_article_text_carries_its_own_direction(client: Client, article: Article) -> None:
    """Arabic or Hebrew in a story: each paragraph and cell says dir="auto", so a line mixing scripts
    reads in its own order."""
    add_version(article, 4, "الجسر مغلق", ["أغلق الجسر يوم الاثنين (Monday) بعد التصويت.", "Crowds came."])
    version = soup_of(client, f"/articles/{article.pk}/versions/4/")
    assert one(version, "h1")["dir"] == "auto"
    assert {p.get("dir") for p in version.select(".body p")} == {"auto"}
    diff = soup_of(client, f"/articles/{article.pk}/diff/3/4/")
    assert {cell.get("dir") for cell in diff.select(".diff .row:not(.head) .cell:not(.wide)")} == {"auto"}
    inline = soup_of(client, f"/articles/{article.pk}/diff/3/4/?view=inline")
    assert {p.get("dir") for p in inline.select(".diff.inline p.para")} == {"auto"}
