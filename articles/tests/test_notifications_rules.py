"""Notification rules: which versions a rule wants, the enabled rules whose scope holds an article, what a
rule must say, and the one delivery per rule and version a stored edit makes (queued once the version is
committed; a broker that cannot take it fails nothing)."""

from collections.abc import Callable
from typing import Any

import kombu.exceptions
import pytest
from django.core.exceptions import ValidationError

from articles import tasks
from articles.checking import run_check
from articles.models import Article, Delivery, NotificationRule, Source, Version
from articles.tests.notifications_support import STORY, rule_for
from articles.tests.support import LocalSite, article_html

# --- which versions a rule wants ------------------------------------------------------------------------


def version_like(
    kind: str = "edit", number: int = 1, title: bool = False, social: bool = False, words: int = 0
) -> Version:
    return Version(kind=kind, number=number, title_changed=title, social_title_changed=social,
                   words_added=words, words_removed=0)  # fmt: skip


@pytest.mark.parametrize(
    ("version", "every_edit", "headlines", "five_words"),
    [
        (version_like(title=True, words=2), True, True, False),
        (version_like(words=7), True, False, True),
        (version_like(social=True), True, True, False),
        (version_like(words=5), True, False, True),
        (version_like("minor", words=9), False, False, False),
        (version_like("parser", title=True, words=9), False, False, False),
        (version_like(number=0, title=True, words=9), False, False, False),
    ],
    ids=["headline", "seven-words", "social-headline", "five-words", "minor", "parser", "first-version"],
)
def test_it_wants_edits_by_what_the_rule_asks(
    version: Version, every_edit: bool, headlines: bool, five_words: bool
) -> None:
    assert NotificationRule(name="all").wants(version) is every_edit
    assert NotificationRule(name="h", headlines_only=True).wants(version) is headlines
    assert NotificationRule(name="5", min_words=5).wants(version) is five_words
    both = NotificationRule(name="h5", headlines_only=True, min_words=5).wants(version)
    assert both is (headlines and five_words)


@pytest.mark.django_db
def test_it_finds_the_enabled_rules_whose_scope_holds_the_article(source: Source) -> None:
    other_source = Source.objects.create(name="Other", slug="other")
    article = Article.objects.create(url="http://127.0.0.1/a", source=source)
    other = Article.objects.create(url="http://127.0.0.1/b", source=other_source)
    loose = Article.objects.create(url="http://127.0.0.1/c")
    scopes: list[tuple[str, dict[str, Any]]] = [
        ("article", {"article": article}), ("other-article", {"article": other}),
        ("source", {"source": source}), ("other-source", {"source": other_source}), ("everything", {}),
    ]  # fmt: skip
    for name, scope in scopes:
        rule_for(name=name, targets="json://127.0.0.1:9/", **scope)
    rule_for(name="disabled", targets="json://127.0.0.1:9/", enabled=False)

    def names(a: Article) -> set[str]:
        return set(NotificationRule.objects.for_article(a).values_list("name", flat=True))

    assert names(article) == {"article", "source", "everything"}
    assert names(other) == {"other-article", "other-source", "everything"}
    assert names(loose) == {"everything"}


@pytest.mark.django_db
def test_a_rule_is_for_an_article_or_a_source_and_sends_somewhere(source: Source) -> None:
    article = Article.objects.create(url="http://127.0.0.1/a", source=source)
    cases = {
        "source": NotificationRule(name="x", targets="json://127.0.0.1:9/", article=article, source=source),
        "targets": NotificationRule(name="x"),
    }
    for field, rule in cases.items():
        with pytest.raises(ValidationError) as refused:
            rule.full_clean()
        assert field in refused.value.message_dict
    for bad, said in [
        ("nosuchservice://x", "not a service Apprise knows"),
        ("json://10.0.0.1/hook", "a private or reserved address"),
    ]:
        with pytest.raises(ValidationError) as refused:
            NotificationRule(name="x", targets=bad).full_clean()
        assert said in str(refused.value)
    with pytest.raises(ValidationError, match="private or reserved"):
        NotificationRule(name="x", webhook_url="http://169.254.169.254/latest").full_clean()
    with pytest.raises(ValidationError, match="http or https"):
        NotificationRule(name="x", webhook_url="ftp://127.0.0.1/").full_clean()
    NotificationRule(name="ok", targets="json://127.0.0.1:9/\n# a comment\n\n", source=source).full_clean()


# --- a stored version makes one delivery per rule ---------------------------------------------------------


@pytest.mark.django_db
def test_a_check_that_stores_an_edit_makes_one_delivery_per_rule(
    local_site: LocalSite, no_broker: list[tuple[str, int]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:  # fmt: skip
    rule = rule_for(targets="json://127.0.0.1:9/")
    other = rule_for(name="long edits only", targets="json://127.0.0.1:9/", min_words=50)
    url = local_site.serve("/story", article_html("Council approves plan", STORY))
    article, _ = Article.objects.track(url)
    with django_capture_on_commit_callbacks(execute=True):
        run_check(article)
    assert Delivery.objects.count() == 0  # version 0 is no change

    local_site.serve("/story", article_html("Council approves plan", [STORY[0], STORY[1] + " Or later."]))
    with django_capture_on_commit_callbacks(execute=True):
        run_check(Article.objects.get(pk=article.pk))
    version = article.versions.get(number=1)
    delivery = Delivery.objects.get()  # made in the version's transaction; the other rule wants more words
    assert (delivery.rule, delivery.version, delivery.status) == (rule, version, Delivery.Status.PENDING)
    assert no_broker == [("send_delivery", delivery.pk)]  # queued once the version was committed
    assert Delivery.objects.create_for(version) == [delivery.pk]  # again: the same delivery, no other
    assert not Delivery.objects.filter(rule=other).exists()

    local_site.serve("/story", article_html("Council approves plan", [STORY[0], STORY[1] + " Or, later."]))
    with django_capture_on_commit_callbacks(execute=True):
        run_check(Article.objects.get(pk=article.pk))
    assert article.versions.get(number=2).kind == Version.Kind.MINOR
    assert Delivery.objects.count() == 1  # a minor edit never notifies
    assert len(no_broker) == 1


@pytest.mark.django_db
def test_no_rule_for_the_article_makes_nothing(
    local_site: LocalSite, no_broker: list[tuple[str, int]], source: Source,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:  # fmt: skip
    rule_for(targets="json://127.0.0.1:9/", source=source)
    url = local_site.serve("/story", article_html("Council approves plan", STORY))
    article, _ = Article.objects.track(url)
    run_check(article)
    local_site.serve("/story", article_html("Council rejects plan", STORY))
    with django_capture_on_commit_callbacks(execute=True):
        run_check(Article.objects.get(pk=article.pk))
    assert article.versions.count() == 2
    assert Delivery.objects.count() == 0
    assert no_broker == []


@pytest.mark.django_db
def test_a_broker_that_cannot_take_the_send_does_not_fail_the_check(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:  # fmt: skip
    """Redis down as the version commits: the check is a success all the same, and the delivery waits for
    the sweep, which queues it again once it is overdue."""

    def broker_down(pk: int) -> None:
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_delivery, "delay", broker_down)
    rule_for(targets="json://127.0.0.1:9/")
    url = local_site.serve("/story", article_html("Council approves plan", STORY))
    article, _ = Article.objects.track(url)
    run_check(article)
    local_site.serve("/story", article_html("Council rejects plan", STORY))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run_check(Article.objects.get(pk=article.pk))
    assert str(outcome) == "new version 1"
    assert Article.objects.get(pk=article.pk).last_error == ""
    assert "could not queue deliveries" in caplog.text
    assert Delivery.objects.get().status == Delivery.Status.PENDING
