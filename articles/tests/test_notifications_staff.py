"""What staff see and do with notifications: targets shown with their secrets masked, the staff page, its
test button and send again, the command, and the admin (a new webhook secret shown once)."""

import json
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from articles.models import Delivery, NotificationRule, Source, Version
from articles.notifying import sending, targets
from articles.tests.notifications_support import readme_verifier, rule_for
from articles.tests.support import Receiver, a_small_site

# --- secrets ----------------------------------------------------------------------------------------------


def test_targets_are_shown_with_their_secrets_masked() -> None:
    assert (
        targets.shown("json://user:s3cretpassw0rd@127.0.0.1:8080/hook")
        == "json://user:****@127.0.0.1:8080/hook"
    )
    slack = targets.shown("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general")
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in slack
    assert slack.startswith("slack://")
    assert targets.shown("nonsense://secret-token") == "nonsense://…"
    error = "POST to json://user:s3cretpassw0rd@127.0.0.1:8080/hook failed (password s3cretpassw0rd)"
    scrubbed = targets.scrub(error, ["json://user:s3cretpassw0rd@127.0.0.1:8080/hook"])
    assert "s3cretpassw0rd" not in scrubbed
    assert sending.webhook_shown("https://u:p@hooks.example.org/in?token=abcdefsecret") == (
        "https://hooks.example.org/in"
    )


# --- the staff page, the test button, send again ------------------------------------------------------------


@pytest.fixture
def staff_site() -> dict[str, Any]:
    made = a_small_site()
    version = made.article.versions.get(number=1)
    rule = rule_for(
        name="Desk <b>alerts</b>",
        targets="json://user:s3cretpassw0rd@127.0.0.1:9/hook",
        webhook_url="http://127.0.0.1:9/hook?token=abcdefsecret",
        source=made.source,
    )
    delivery = Delivery.objects.create(
        rule=rule, version=version, status=Delivery.Status.FAILED, attempts=5,
        last_error="<script>alert(1)</script> HTTP 500",
    )  # fmt: skip
    staff, reader = Client(), Client()
    staff.force_login(made.staff)
    reader.force_login(made.reader)
    return {"rule": rule, "delivery": delivery, "staff": staff, "reader": reader}


@pytest.mark.django_db
def test_the_staff_page_lists_rules_with_masked_secrets_and_the_log(staff_site: dict[str, Any]) -> None:
    rule = staff_site["rule"]
    page = staff_site["staff"].get("/staff/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "json://user:****@127.0.0.1:9/hook" in html
    assert "webhook <code>http://127.0.0.1:9/hook</code>" in html
    for secret in ("s3cretpassw0rd", "abcdefsecret", rule.webhook_secret):
        assert secret not in html
    assert 'every edit of <a href="/sources/daily/">source daily</a>' in html
    assert "Desk &lt;b&gt;alerts&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; HTTP 500" in html
    assert "<script>alert" not in html
    assert f'action="/staff/notifications/deliveries/{staff_site["delivery"].pk}/resend/"' in html


@pytest.mark.django_db
def test_only_staff_see_the_page_and_press_its_buttons(staff_site: dict[str, Any]) -> None:
    rule, delivery = staff_site["rule"], staff_site["delivery"]
    for url in ("/staff/notifications/", f"/staff/notifications/rules/{rule.pk}/test/"):
        anonymous = Client().post(url) if url.endswith("/test/") else Client().get(url)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/admin/login/?next=")
    assert staff_site["reader"].get("/staff/notifications/").status_code == 403
    assert staff_site["reader"].post(f"/staff/notifications/rules/{rule.pk}/test/").status_code == 403
    assert (
        staff_site["reader"].post(f"/staff/notifications/deliveries/{delivery.pk}/resend/").status_code == 403
    )
    assert staff_site["staff"].get(f"/staff/notifications/rules/{rule.pk}/test/").status_code == 405
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.FAILED
    assert NotificationRule.objects.get(pk=rule.pk).tested_at is None


@pytest.mark.django_db
def test_the_test_button_sends_a_ping_and_says_how_it_went(
    staff_site: dict[str, Any], receiver: Receiver
) -> None:
    rule = staff_site["rule"]
    NotificationRule.objects.filter(pk=rule.pk).update(
        targets=receiver.url("/chat", scheme="json"), webhook_url=receiver.url("/hook")
    )
    page = staff_site["staff"].post(f"/staff/notifications/rules/{rule.pk}/test/", follow=True)
    assert "Test sent to every target of “Desk &lt;b&gt;alerts&lt;/b&gt;”" in page.content.decode()
    chat, hook = sorted(receiver.received, key=lambda r: r.path)
    assert json.loads(chat.body)["title"] == "newsdiffs: test of “Desk <b>alerts</b>”"
    assert json.loads(hook.body)["event"] == "ping"
    headers = {name.lower(): value for name, value in hook.headers.items()}
    assert headers["newsdiffs-event"] == "ping"
    assert headers["newsdiffs-delivery"].startswith("test-")
    assert readme_verifier()(rule.webhook_secret, headers["newsdiffs-signature"], hook.body)
    rule.refresh_from_db()
    assert rule.test_result == "sent"

    receiver.status = 500
    page = staff_site["staff"].post(f"/staff/notifications/rules/{rule.pk}/test/", follow=True)
    html = page.content.decode()
    assert "failed:" in html
    assert "HTTP 500" in html


@pytest.mark.django_db
def test_send_again_queues_a_failed_delivery(
    staff_site: dict[str, Any], django_capture_on_commit_callbacks: Callable[..., Any],
    no_broker: list[tuple[str, int]],
) -> None:  # fmt: skip
    delivery = staff_site["delivery"]
    url = f"/staff/notifications/deliveries/{delivery.pk}/resend/"
    with django_capture_on_commit_callbacks(execute=True):
        staff_site["staff"].post(url)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 0)
    assert no_broker == [("send_delivery", delivery.pk)]
    staff_site["staff"].post(url)  # pending: nothing to send again
    assert len(no_broker) == 1


# --- the command ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_adds_a_rule_for_a_sources_headline_changes(source: Source, receiver: Receiver) -> None:
    out = StringIO()
    call_command(
        "notify", "--source", "daily", "--headlines-only", "--test", "--webhook", receiver.url("/hook"),
        "json://user:s3cretpassw0rd@" + receiver.url("/chat", scheme="json").partition("://")[2], stdout=out,
    )  # fmt: skip
    rule = NotificationRule.objects.get()
    assert (rule.source, rule.headlines_only, rule.article) == (source, True, None)
    said = out.getvalue().splitlines()
    assert said[0] == (
        f"rule {rule.pk} added: headline changes of source daily → "
        f"json://user:****@127.0.0.1:{receiver.port}/chat, webhook http://127.0.0.1:{receiver.port}/hook"
    )
    assert said[1] == f"webhook signing secret (shown this once): {rule.webhook_secret}"
    assert said[2] == "test sent"
    assert len(receiver.received) == 2
    with pytest.raises(Exception, match="No source with slug 'nope'"):
        call_command("notify", "--source", "nope", "json://127.0.0.1:9/")


# --- the admin --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_shows_a_new_webhook_secret_once_and_never_again(admin_client: Client) -> None:
    form = {"name": "Desk", "enabled": "on", "targets": "", "webhook_url": "http://127.0.0.1:9/hook",
            "min_words": "0", "article": "", "source": "", "new_webhook_secret": ""}  # fmt: skip
    added = admin_client.post("/admin/articles/notificationrule/add/", form, follow=True)
    rule = NotificationRule.objects.get()
    assert f"shown this once (keep it for the receiver): {rule.webhook_secret}" in added.content.decode()
    change = f"/admin/articles/notificationrule/{rule.pk}/change/"
    for page in (change, "/admin/articles/notificationrule/", "/staff/notifications/"):
        assert rule.webhook_secret not in admin_client.get(page).content.decode(), page

    admin_client.post(change, {**form, "new_webhook_secret": "a-secret-the-receiver-chose"})
    rule.refresh_from_db()
    assert rule.webhook_secret == "a-secret-the-receiver-chose"
    admin_client.post(change, {**form, "name": "Desk 2"})  # blank: kept
    rule.refresh_from_db()
    assert (rule.name, rule.webhook_secret) == ("Desk 2", "a-secret-the-receiver-chose")


@pytest.mark.django_db
def test_the_admin_refuses_a_rule_for_an_article_and_a_source(admin_client: Client, edited: Version) -> None:
    form = {"name": "Desk", "enabled": "on", "targets": "json://127.0.0.1:9/", "webhook_url": "",
            "min_words": "0", "article": str(edited.article_id), "source": str(edited.article.source_id),
            "new_webhook_secret": ""}  # fmt: skip
    page = admin_client.post("/admin/articles/notificationrule/add/", form)
    assert page.status_code == 200
    assert "Choose an article or a source, not both." in page.content.decode()
    assert not NotificationRule.objects.exists()
