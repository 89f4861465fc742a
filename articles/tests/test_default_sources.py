"""The default sources fixture loads, and each source's rules take its article URLs and skip the rest.

Nothing is fetched: these are real sites, and tests never leave 127.0.0.1."""

import pytest
from django.core.management import call_command

from articles.discovery import Filter
from articles.models import Source

pytestmark = pytest.mark.django_db

ARTICLES = {
    "guardian": "https://www.theguardian.com/world/2026/nov/26/council-votes-to-close-bridge",
    "bbc": "https://www.bbc.com/news/articles/c4g0xyz123lo",
    "nytimes": "https://www.nytimes.com/2026/11/26/world/europe/bridge-closure.html",
    "washingtonpost": "https://www.washingtonpost.com/world/2026/11/26/bridge-closure-council/",
    "cnn": "https://edition.cnn.com/2026/11/26/europe/bridge-closure-intl/index.html",
    "reuters": "https://www.reuters.com/world/europe/council-votes-close-bridge-2026-11-26/",
    "ap": "https://apnews.com/article/bridge-closure-council-0123456789abcdef0123456789abcdef",
    "aljazeera": "https://www.aljazeera.com/news/2026/11/26/council-votes-to-close-bridge",
}
NOT_ARTICLES = {
    "guardian": "https://www.theguardian.com/world/live/2026/nov/26/election-live-updates",
    "bbc": "https://www.bbc.com/news/videos/c0123456789o",
    "nytimes": "https://www.nytimes.com/video/world/100000009876543/bridge.html",
    "washingtonpost": "https://www.washingtonpost.com/world/",
    "cnn": "https://edition.cnn.com/videos/world/2026/11/26/bridge-lon-orig.cnn",
    "reuters": "https://www.reuters.com/pictures/bridge-closure-2026-11-26/",
    "ap": "https://apnews.com/hub/world-news",
    "aljazeera": "https://www.aljazeera.com/gallery/2026/11/26/photos-bridge",
}


def test_default_sources_load_twice_without_duplicates() -> None:
    call_command("loaddata", "default_sources", verbosity=0)
    call_command("loaddata", "default_sources", verbosity=0)
    assert set(Source.objects.values_list("slug", flat=True)) == set(ARTICLES)
    assert all(s.feed_urls or s.section_urls for s in Source.objects.all())


@pytest.mark.parametrize("slug", sorted(ARTICLES))
def test_each_source_takes_its_articles_only(slug: str) -> None:
    call_command("loaddata", "default_sources", verbosity=0)
    keep = Filter(Source.objects.get(slug=slug))
    assert keep.accepts(ARTICLES[slug])
    assert not keep.accepts(NOT_ARTICLES[slug])
    assert not keep.accepts("https://elsewhere.example/2026/11/26/story")
