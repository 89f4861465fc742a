"""The headline readers see and the social headline (og:title, twitter:title, <title>) are both kept and
diffed, and pages, feeds and the API say which one changed: the <h1> only, og:title only, both, no <h1>."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from articles.checking import run_check
from articles.extraction import extract
from articles.models import Article
from articles.tests.support import LocalSite

pytestmark = pytest.mark.django_db
STORY = [
    "The council voted on Tuesday to close the old bridge over the river for a year of repairs.",
    "Engineers found cracks in two of its piers during an inspection last month, officials said.",
]


def page(h1: str | None, og: str, title: str | None = None) -> str:
    heading = f"<h1>{h1}</h1>" if h1 is not None else ""
    body = "".join(f"<p>{p}</p>" for p in STORY)
    return f"""<html><head><title>{title or og} | The Daily Test</title>
    <meta property="og:title" content="{og}"></head><body>
    <article><header>{heading}</header>{body}</article></body></html>"""


def test_the_social_headline_is_read_without_the_sites_name() -> None:
    read = extract(page("Council to close bridge", "Council to close bridge"), "http://127.0.0.1/story")
    assert (read.title, read.social_title) == ("Council to close bridge", "Council to close bridge")
    no_og = page("Council to close bridge", "").replace('<meta property="og:title" content="">', "")
    read = extract(no_og.replace("<title> |", "<title>Bridge shut for a year |"), "http://127.0.0.1/story")
    assert read.social_title == "Bridge shut for a year"


CASES = {
    # what changed: (first page, second page, title_changed, social_title_changed)
    "h1 only": (
        page("Council to close bridge", "Council to close bridge"),
        page("Bridge closure delayed after council finds cracks", "Council to close bridge"),
        True, False,
    ),
    "og:title only": (
        page("Council to close bridge", "Council to close bridge"),
        page("Council to close bridge", "You won't believe what the council did to this bridge"),
        False, True,
    ),
    "both, alike": (
        page("Council to close bridge", "Council to close bridge"),
        page("Council to shut bridge", "Council to shut bridge"),
        True, False,  # one rewrite, said once
    ),
    "both, apart": (
        page("Council to close bridge", "Council to close bridge"),
        page("Council to shut bridge", "Bridge shut: what it means for your commute"),
        True, True,
    ),
    "no h1": (
        page(None, "Council to close bridge"),
        page(None, "Council to shut bridge for a year"),
        True, False,  # the metadata's headline is the only one: it is the headline
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_which_headline_changed_is_recorded_and_shown(
    local_site: LocalSite, client: Client, case: str
) -> None:
    first, second, title_changed, social_changed = CASES[case]
    local_site.serve("/story", first)
    article, _ = Article.objects.track(local_site.url("/story"))
    run_check(article)
    local_site.serve("/story", second)
    assert str(run_check(article)) == "new version 1"
    version = article.versions.get(number=1)
    assert (version.title_changed, version.social_title_changed) == (title_changed, social_changed)
    assert version.paragraphs == STORY  # never a body edit
    said = version.stats.summary().split(" · ")
    assert ("headline changed" in said, "social headline changed" in said) == (title_changed, social_changed)

    diff = BeautifulSoup(client.get(f"/articles/{article.pk}/diff/0/1/").content, "lxml")
    assert bool(diff.select(".social-title")) == social_changed
    api = client.get(f"/api/v1/articles/{article.pk}/diff/0/1/").json()
    assert api["social_title"]["changed"] == (
        version.social_title != article.versions.get(number=0).social_title
    )
    feed = client.get("/feeds/headlines.atom").content.decode()
    assert (f"v1: {version.title}" in feed) == (title_changed or social_changed)
    assert (
        "Social headline:" in client.get(f"/articles/{article.pk}/feed.atom").content.decode()
    ) == social_changed
