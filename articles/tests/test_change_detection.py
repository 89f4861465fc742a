"""Only real edits become versions: chrome churn, typography and A/B variants do not; minor edits and
re-parses are kept but flagged; the schedule slows down and stops as an article settles."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup, Tag
from django.test import Client, override_settings

from articles import checking
from articles.checking import run_check
from articles.extraction import EXTRACTOR_VERSION, Extraction, extract
from articles.models import Article, Version
from articles.tests.support import LocalSite, article_html

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db
STORY = ["The council voted on Tuesday to close the bridge.", "Repairs will take a year, officials said."]


def tracked(site: LocalSite, path: str = "/story") -> Article:
    article, _ = Article.objects.track(site.url(path))
    return article


def churned_page(n: int, headline: str = "Bridge to close", paragraphs: list[str] = STORY) -> str:
    """The same story with everything around it different on every load, as news sites serve it."""
    page = article_html(headline, paragraphs, churn=f"ad #{n} · {n * 1371} views · updated {n} minutes ago")
    page = page.replace("<nav>", f'<nav data-render="{n}" class="top">')
    page = page.replace(
        "<footer>",
        f'<div class="newsletter-signup">Sign up {n}</div><aside class="most-read"><a href="/x{n}">'
        f"Most read {n}</a></aside><div class='comments-count'>{n * 7} comments</div><footer>",
    )
    return page if n % 2 else page.replace("\n", "\n   ")


def test_chrome_churn_never_makes_a_version(local_site: LocalSite) -> None:
    article = tracked(local_site)
    outcomes = []
    for n in range(1, 31):
        local_site.serve("/story", churned_page(n))
        outcomes.append(run_check(article).kind)
    assert outcomes[0] == "new_version"
    spurious = outcomes[1:].count("new_version")
    assert spurious == 0
    assert article.versions.count() == 1


def article_with_a_dateline(age: str, headline: str = "Bridge to close") -> str:
    """A page whose story opens with a line that ages on every load, as many sites write it."""
    page = article_html(headline, STORY)
    return page.replace(
        "<p>" + STORY[0], f'<p class="info">By Jane Roe · <time>{age}</time></p><p>{STORY[0]}', 1
    )


def test_relative_time_churn_makes_no_version_at_all(local_site: LocalSite) -> None:
    article = tracked(local_site)
    ages = [
        "just now",
        "9 minutes ago",
        "an hour ago",
        "Updated 2 hours ago",
        "Updated 14:02 GMT, 6 Dec 2026",
    ]
    outcomes = []
    for age in ages:
        local_site.serve("/story", article_with_a_dateline(age))
        outcomes.append(run_check(article).kind)
    assert outcomes == ["new_version", *["unchanged"] * (len(ages) - 1)]
    assert article.versions.count() == 1  # not even a hidden minor one
    assert article.versions.get().paragraphs == STORY


def test_a_rewritten_h1_is_a_headline_change_not_a_body_edit(local_site: LocalSite) -> None:
    article = tracked(local_site)
    local_site.serve("/story", article_html("Bridge to close", STORY))
    run_check(article)
    # Only the visible heading is rewritten: <title> still carries the first headline.
    rewritten = article_html("Bridge to close", STORY).replace(
        "<h1>Bridge to close</h1>", "<h1>Bridge closure delayed after council finds more cracks</h1>"
    )
    local_site.serve("/story", rewritten)
    assert str(run_check(article)) == "new version 1"
    version = article.versions.get(number=1)
    assert version.title == "Bridge closure delayed after council finds more cracks"
    assert version.title_changed
    assert version.paragraphs == STORY
    assert (version.words_added, version.words_removed, version.paragraphs_added) == (0, 0, 0)


def test_a_history_read_by_the_previous_extractor_is_re_baselined(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Release 3 read a dateline as the story's first paragraph; the next check with this release reads
    the same bytes without it and files that as a parser change, hidden, not as the publisher's edit."""
    article = tracked(local_site)
    local_site.serve("/story", article_with_a_dateline("Updated 14:02 GMT, 6 Dec 2026"))

    def release_3(html: str, url: str) -> Extraction:
        read = extract(html, url)
        dateline = "By Jane Roe · Updated 14:02 GMT, 6 Dec 2026"
        return dataclasses.replace(read, paragraphs=[dateline, *read.paragraphs], extractor_version="3")

    with monkeypatch.context() as patched, time_machine.travel(NOW, tick=False):
        patched.setattr(checking, "extract", release_3)
        patched.setattr(checking, "release_for", lambda url: "generic/3")
        assert str(run_check(article)) == "new version 0"
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert str(run_check(article)) == "new version 1"
    version = article.versions.get(number=1)
    assert (version.kind, version.extractor_version) == (Version.Kind.PARSER, EXTRACTOR_VERSION)
    assert version.paragraphs == STORY
    assert article.last_changed_at == NOW
    assert list(article.versions.changes()) == []


def test_typographic_flips_make_no_version(local_site: LocalSite) -> None:
    article = tracked(local_site)
    local_site.serve("/story", article_html("Mayor’s “plan” – explained", ["It’s done…"]))
    run_check(article)
    local_site.serve("/story", article_html('Mayor\'s "plan" - explained', ["It's done..."]))
    assert run_check(article).kind == "unchanged"
    assert article.versions.count() == 1


def test_one_word_changed_in_the_body_is_a_new_version(local_site: LocalSite) -> None:
    article = tracked(local_site)
    local_site.serve("/story", churned_page(1))
    run_check(article)
    edited = [STORY[0].replace("Tuesday", "Wednesday"), STORY[1]]
    local_site.serve("/story", churned_page(2, paragraphs=edited))
    assert str(run_check(article)) == "new version 1"
    version = article.versions.get(number=1)
    assert version.kind == Version.Kind.EDIT
    assert (version.words_added, version.words_removed, version.paragraphs_changed) == (1, 1, 1)
    assert not version.title_changed


def test_a_headline_only_change_is_a_new_version(local_site: LocalSite) -> None:
    article = tracked(local_site)
    local_site.serve("/story", churned_page(1))
    run_check(article)
    local_site.serve("/story", churned_page(2, headline="Bridge to close for a year"))
    assert str(run_check(article)) == "new version 1"
    version = article.versions.get(number=1)
    assert version.title_changed
    assert version.kind == Version.Kind.EDIT
    assert (version.words_added, version.paragraphs_changed) == (0, 0)
    assert Article.objects.get(pk=article.pk).title == "Bridge to close for a year"


def test_flip_flopping_variants_are_stored_once(local_site: LocalSite) -> None:
    article = tracked(local_site)
    a, b = churned_page(1, headline="Bridge to close"), churned_page(2, headline="Council shuts bridge")
    kinds = []
    with time_machine.travel(NOW, tick=False):
        for page in (a, b, a, b, a, b, a):
            local_site.serve("/story", page)
            kinds.append(run_check(article).kind)
    assert kinds == ["new_version", "new_version"] + ["unchanged"] * 5
    article.refresh_from_db()
    assert article.versions.count() == 2
    assert article.variant_flips == 3  # every return to A; a return to B, the latest, is no flip
    assert article.last_flip_at == NOW
    # A real edit after the flip-flops is still the next version, diffed against the latest.
    local_site.serve("/story", churned_page(3, headline="Bridge closed"))
    assert str(run_check(article)) == "new version 2"


def test_punctuation_and_date_line_edits_are_minor_versions(local_site: LocalSite) -> None:
    article = tracked(local_site)
    with time_machine.travel(NOW, tick=False):
        local_site.serve("/story", article_html("Bridge to close", ["Updated 10:00 GMT, 26 Nov", *STORY]))
        run_check(article)
    later = NOW + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        punctuated = ["Updated 11:02 GMT, 26 Nov", STORY[0].replace(" on Tuesday", ", on Tuesday,"), STORY[1]]
        local_site.serve("/story", article_html("Bridge to close", punctuated))
        assert str(run_check(article)) == "new version 1"
    assert article.versions.get(number=1).kind == Version.Kind.MINOR
    assert article.last_changed_at == later
    assert list(article.versions.changes()) == []  # hidden by default
    assert [v.number for v in article.versions.changes(include_hidden=True)] == [1]


def test_a_new_extractor_re_baselines_instead_of_showing_an_edit(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = tracked(local_site)
    page = churned_page(1)
    local_site.serve("/story", page)
    with time_machine.travel(NOW, tick=False):
        run_check(article)

    def improved(html: str, url: str) -> Extraction:
        old = extract(html, url)
        return dataclasses.replace(old, paragraphs=[*old.paragraphs, "A caption the old rules missed."],
                                   extractor="improved", extractor_version="9")  # fmt: skip

    monkeypatch.setattr(checking, "extract", improved)
    monkeypatch.setattr(checking, "release_for", lambda url: "improved/9")
    # The very same bytes: the old extractor's reading is not reused for the new one.
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        assert str(run_check(article)) == "new version 1"
    version = article.versions.get(number=1)
    assert version.kind == Version.Kind.PARSER
    assert (version.extractor, version.extractor_version) == ("improved", "9")
    assert article.last_changed_at == NOW  # a re-parse is not a change by the publisher
    with time_machine.travel(NOW + timedelta(days=2, hours=1), tick=False):
        assert str(run_check(article)) == "unchanged (identical bytes)"


@override_settings(TRACK_STOP_AFTER_DAYS=40)
def test_an_article_unchanged_for_forty_days_stops_and_staff_can_resume_it(local_site: LocalSite) -> None:
    local_site.serve("/story", churned_page(1))
    with time_machine.travel(NOW, tick=False):
        article = tracked(local_site)
        run_check(article)
    intervals = []
    day = NOW
    while article.status == Article.Status.ACTIVE and day < NOW + timedelta(days=60):
        assert article.next_check_at is not None
        day = article.next_check_at
        with time_machine.travel(day, tick=False):
            run_check(article)
        if article.next_check_at:
            intervals.append(article.next_check_at - day)
    assert article.status == Article.Status.STOPPED
    assert article.next_check_at is None
    assert NOW + timedelta(days=40) <= day < NOW + timedelta(days=41, hours=1)
    assert intervals[0] == timedelta(minutes=15)
    assert timedelta(hours=1) in intervals
    assert timedelta(hours=3) in intervals
    assert intervals[-1] == timedelta(days=1)
    with time_machine.travel(day, tick=False):
        assert article.standing().summary == "Stopped: unchanged for over 40 days; no longer checked."
    assert Article.objects.claim_due(day + timedelta(days=5), 10) == []

    with time_machine.travel(day + timedelta(days=1), tick=False):
        article.resume()
        assert article.status == Article.Status.ACTIVE
        assert Article.objects.claim_due(day + timedelta(days=1), 10) == [article.pk]
        run_check(article)
    assert article.next_check_at == day + timedelta(days=1, minutes=15)
    assert article.versions.count() == 1


def test_the_pages_own_dates_are_kept_and_shown_but_never_make_a_version(
    local_site: LocalSite, client: Client
) -> None:
    def dated(modified: str) -> str:
        stamps = (
            '<meta property="article:published_time" content="2026-11-26T08:00:00Z">'
            f'<meta property="article:modified_time" content="{modified}">'
        )
        return article_html("Bridge to close", STORY).replace("</head>", stamps + "</head>")

    article = tracked(local_site)
    local_site.serve("/story", dated("2026-11-26T09:00:00Z"))
    with time_machine.travel(NOW, tick=False):
        run_check(article)
    assert article.versions.get().page_modified_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    # The page says it was updated, and nothing in its text changed: no version, the new date kept.
    local_site.serve("/story", dated("2026-11-26T11:30:00Z"))
    with time_machine.travel(NOW + timedelta(minutes=15), tick=False):
        assert run_check(article).kind == "unchanged"
    article.refresh_from_db()
    assert article.versions.count() == 1
    assert (article.page_published_at, article.page_modified_at) == (
        datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 11, 30, tzinfo=UTC),
    )
    page = client.get(f"/articles/{article.pk}/").content.decode()
    label = BeautifulSoup(page, "lxml").find("dt", string="Dates")
    dates = label.find_next("dd") if isinstance(label, Tag) else None
    assert dates is not None
    assert dates.get_text() == (
        "published 26 November 2026, 08:00 UTC, updated 26 November 2026, 11:30 UTC, per the page"
    )
    api = client.get(f"/api/v1/articles/{article.pk}/").json()
    assert api["page_modified_at"] == "2026-11-26T11:30:00Z"
