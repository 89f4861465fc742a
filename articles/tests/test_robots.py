"""robots.txt: the RFC 9309 reading of the file, and the fetcher honouring it per origin."""

import threading
from typing import Any

import pytest
from pytest_django import Settings

from articles import robots
from articles.fetching import FetchError, fetch
from articles.robots import ALLOW_ALL, MAX_BYTES, RobotsUnavailable, parse, product_token, rules_from_response
from articles.tests.support import LocalSite
from bench.processes import free_port


def allowed(robots_txt: str, path: str, token: str = "newsdiffs") -> bool:
    return parse(robots_txt, token).allows(path)


# --- reading the file -----------------------------------------------------------------------------------


def test_the_longest_match_wins_not_the_first() -> None:
    robots_txt = "User-agent: *\nDisallow: /\nAllow: /news/\n"
    assert allowed(robots_txt, "/news/2026/story")
    assert not allowed(robots_txt, "/search?q=x")


def test_allow_wins_a_tie() -> None:
    assert allowed("User-agent: *\nDisallow: /page\nAllow: /page\n", "/page")


def test_wildcards_and_end_anchors() -> None:
    robots_txt = "User-agent: *\nDisallow: /*.pdf$\nDisallow: /*?print=\nAllow: /*/live$\nDisallow: /*/live\n"
    assert not allowed(robots_txt, "/files/a.pdf")
    assert allowed(robots_txt, "/files/a.pdf?download=1")
    assert not allowed(robots_txt, "/story?print=1")
    assert allowed(robots_txt, "/story?page=2")
    assert allowed(robots_txt, "/world/live")
    assert not allowed(robots_txt, "/world/live/updates")


def test_our_product_token_picks_our_group_over_the_star_group() -> None:
    robots_txt = "User-agent: *\nDisallow: /\n\nUser-agent: NewsDiffs\nDisallow: /private/\n"
    assert allowed(robots_txt, "/news/story")
    assert not allowed(robots_txt, "/private/x")
    assert not allowed(robots_txt, "/news/story", token="otherbot")


def test_a_group_for_another_crawler_whose_name_contains_ours_does_not_apply() -> None:
    """RFC 9309 matches the product token, not a substring (urllib.robotparser would match "news")."""
    robots_txt = "User-agent: news\nDisallow: /\n\nUser-agent: newsdiffsbot\nDisallow: /\n"
    assert allowed(robots_txt, "/story")


def test_groups_for_the_same_crawler_are_combined() -> None:
    robots_txt = "\n".join(
        ["User-agent: newsdiffs", "Disallow: /a", "", "User-agent: *", "Disallow: /", "",
         "User-agent: newsdiffs", "Disallow: /b"]
    )  # fmt: skip
    assert not allowed(robots_txt, "/a")
    assert not allowed(robots_txt, "/b")
    assert allowed(robots_txt, "/c")


def test_consecutive_user_agent_lines_share_one_group() -> None:
    robots_txt = (
        "User-agent: googlebot\nUser-agent: newsdiffs\nDisallow: /x\nUser-agent: other\nDisallow: /y\n"
    )
    assert not allowed(robots_txt, "/x")
    assert allowed(robots_txt, "/y")


def test_comments_blank_values_bom_crlf_and_stray_lines() -> None:
    robots_txt = (
        "\ufeffDisallow: /before-any-group\r\nUSER-AGENT: * # everyone\r\nDisallow:\r\nSitemap: /s.xml\r\n"
    )
    rules = parse(robots_txt, "newsdiffs")
    assert rules == ALLOW_ALL
    assert rules.allows("/before-any-group")


def test_no_matching_group_and_no_star_group_means_everything_is_allowed() -> None:
    assert allowed("User-agent: googlebot\nDisallow: /\n", "/story")
    assert allowed("", "/story")
    assert allowed("this is not a robots.txt\n<html></html>", "/story")


def test_paths_are_compared_percent_encoded() -> None:
    assert not allowed("User-agent: *\nDisallow: /caf%C3%A9\n", "/caf\u00e9")
    assert not allowed("User-agent: *\nDisallow: /caf\u00e9\n", "/caf%c3%a9/menu")
    assert not allowed("User-agent: *\nDisallow: /~joe\n", "/%7Ejoe/index.html")
    assert allowed("User-agent: *\nDisallow: /a%2Fb\n", "/a/b")


def test_robots_txt_itself_is_always_allowed() -> None:
    assert allowed("User-agent: *\nDisallow: /\n", "/robots.txt")


def test_the_product_token_is_the_user_agent_up_to_its_version() -> None:
    assert product_token("newsdiffs/0.1 (records edits to news articles)") == "newsdiffs"
    assert product_token("News-Diffs_Bot/2") == "news-diffs_bot"
    assert product_token("") == "*"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 451])
def test_a_client_error_for_robots_txt_means_no_rules(status: int) -> None:
    assert rules_from_response(status, b"User-agent: *\nDisallow: /\n", "newsdiffs") == ALLOW_ALL


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_a_server_error_for_robots_txt_means_unavailable(status: int) -> None:
    with pytest.raises(RobotsUnavailable, match=f"HTTP {status}"):
        rules_from_response(status, b"", "newsdiffs")


# --- the fetcher honouring it ---------------------------------------------------------------------------


def paths(site: LocalSite) -> list[str]:
    return [path for path, _ in site.requests]


def test_a_disallowed_page_is_not_fetched(local_site: LocalSite) -> None:
    local_site.serve(
        "/robots.txt", "User-agent: newsdiffs\nDisallow: /private/\n", headers={"Content-Type": "text/plain"}
    )
    url = local_site.serve("/private/story", "<p>secret</p>")
    with pytest.raises(FetchError, match=r"^disallowed by robots\.txt$") as caught:
        fetch(url)
    assert caught.value.permanent
    assert paths(local_site) == ["/robots.txt"]
    assert local_site.requests[0][1]["User-Agent"].startswith("newsdiffs/")


def test_an_allowed_page_is_fetched_and_the_rules_are_asked_for_once(local_site: LocalSite) -> None:
    local_site.serve(
        "/robots.txt", "User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"}
    )
    local_site.serve("/news/a", "<p>a</p>")
    local_site.serve("/news/b", "<p>b</p>")
    fetch(local_site.url("/news/a"))
    fetch(local_site.url("/news/b"))
    with pytest.raises(FetchError, match="disallowed"):
        fetch(local_site.url("/private/c"))
    assert paths(local_site) == ["/robots.txt", "/news/a", "/news/b"]


def test_the_rules_are_cached_for_the_configured_time(local_site: LocalSite, settings: Settings) -> None:
    settings.FETCH_ROBOTS_CACHE_SECONDS = 0  # Django: 0 means "expire at once"
    url = local_site.serve("/a", "<p>a</p>")
    fetch(url)
    fetch(url)
    assert paths(local_site) == ["/robots.txt", "/a", "/robots.txt", "/a"]


def test_a_missing_robots_txt_allows_everything(local_site: LocalSite) -> None:
    url = local_site.serve("/a", "<p>a</p>")
    assert "a" in fetch(url).text
    assert paths(local_site) == ["/robots.txt", "/a"]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_failing_robots_txt_means_try_again_later(local_site: LocalSite, status: int) -> None:
    local_site.serve("/robots.txt", "oops", status=status)
    url = local_site.serve("/a", "<p>a</p>")
    with pytest.raises(FetchError, match=rf"^robots\.txt unavailable \(HTTP {status}\)$") as caught:
        fetch(url)
    assert caught.value.transient
    assert caught.value.status is None  # the page's status is unknown; 4xx/5xx of robots.txt is not it
    local_site.serve("/robots.txt", "", status=404)
    fetch(url)  # a failure is not cached
    assert paths(local_site) == ["/robots.txt", "/robots.txt", "/a"]


def test_an_unreachable_robots_txt_means_try_again_later() -> None:
    with pytest.raises(FetchError, match=r"^robots\.txt unavailable \(connection failed") as caught:
        fetch(f"http://127.0.0.1:{free_port()}/story")
    assert caught.value.transient


def test_robots_txt_can_be_turned_off(local_site: LocalSite, settings: Settings) -> None:
    local_site.serve("/robots.txt", "User-agent: *\nDisallow: /\n")
    url = local_site.serve("/a", "<p>a</p>")
    fetch(url, robots=False)
    settings.FETCH_ROBOTS = False
    fetch(url)
    with pytest.raises(FetchError, match="disallowed"):
        fetch(url, robots=True)
    assert paths(local_site) == ["/a", "/a", "/robots.txt"]


def test_the_user_agent_setting_chooses_the_group(local_site: LocalSite, settings: Settings) -> None:
    local_site.serve("/robots.txt", "User-agent: archiver\nDisallow: /\n")
    url = local_site.serve("/a", "<p>a</p>")
    fetch(url)
    settings.FETCH_USER_AGENT = "Archiver/3.0"
    settings.FETCH_ROBOTS_CACHE_SECONDS = 0
    with pytest.raises(FetchError, match="disallowed"):
        fetch(url)


def test_a_redirected_robots_txt_is_followed(local_site: LocalSite) -> None:
    local_site.serve("/robots.txt", "", status=301, headers={"Location": "/static/robots.txt"})
    local_site.serve("/static/robots.txt", "User-agent: *\nDisallow: /a\n")
    with pytest.raises(FetchError, match="disallowed"):
        fetch(local_site.url("/a"))


def test_a_robots_txt_redirect_loop_counts_as_no_robots_txt(local_site: LocalSite) -> None:
    local_site.serve("/robots.txt", "", status=302, headers={"Location": "/robots.txt"})
    url = local_site.serve("/a", "<p>a</p>")
    assert "a" in fetch(url).text


def test_a_robots_txt_redirect_to_a_private_address_is_refused(local_site: LocalSite) -> None:
    local_site.serve("/robots.txt", "", status=302, headers={"Location": "http://169.254.169.254/robots.txt"})
    url = local_site.serve("/a", "<p>a</p>")
    with pytest.raises(
        FetchError, match=r"robots\.txt unavailable \(refused: .*169\.254\.169\.254\)"
    ) as caught:
        fetch(url)
    assert caught.value.transient
    assert "/a" not in paths(local_site)


def test_only_the_first_512_kib_of_robots_txt_are_read(local_site: LocalSite) -> None:
    rules = "User-agent: *\nDisallow: /early\n" + "#" * MAX_BYTES + "\nDisallow: /late\n"
    local_site.serve("/robots.txt", rules)
    local_site.serve("/late", "<p>late</p>")
    with pytest.raises(FetchError, match="disallowed"):
        fetch(local_site.url("/early"))
    assert "late" in fetch(local_site.url("/late")).text


def test_a_redirect_target_is_judged_by_its_own_hosts_robots_txt(
    local_site: LocalSite, other_site: LocalSite
) -> None:
    local_site.serve("/go", "", status=302, headers={"Location": f"http://127.0.0.2:{other_site.port}/story"})
    other_site.serve("/robots.txt", "User-agent: *\nDisallow: /story\n")
    other_site.serve("/story", "<p>story</p>")
    with pytest.raises(FetchError, match=r"disallowed by robots\.txt"):
        fetch(local_site.url("/go"), allowed_networks=["127.0.0.1/32", "127.0.0.2/32"])
    assert paths(local_site) == ["/robots.txt", "/go"]
    assert paths(other_site) == ["/robots.txt"]


def test_a_redirect_to_an_allowed_path_on_the_same_host_is_checked_too(local_site: LocalSite) -> None:
    local_site.serve("/robots.txt", "User-agent: *\nDisallow: /members/\n")
    local_site.serve("/story", "", status=302, headers={"Location": "/members/story"})
    with pytest.raises(FetchError, match="disallowed"):
        fetch(local_site.url("/story"))
    assert paths(local_site) == ["/robots.txt", "/story"]


def test_concurrent_fetches_share_the_cached_rules(local_site: LocalSite) -> None:
    local_site.serve("/robots.txt", "User-agent: *\nDisallow: /x\n")
    url = local_site.serve("/a", "<p>a</p>")
    fetch(url)
    threads = [threading.Thread(target=fetch, args=(url,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert paths(local_site).count("/robots.txt") == 1


def test_a_cache_that_is_down_costs_a_re_read_not_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    class DownCache:
        def get(self, key: str) -> None:
            raise ConnectionError("redis is down")

        def set(self, *args: object) -> None:
            raise ConnectionError("redis is down")

    monkeypatch.setattr(robots, "cache", DownCache())
    loads = []

    def load() -> robots.RobotsRules:
        loads.append(1)
        return robots.ALLOW_ALL

    assert robots.cached_rules("http://127.0.0.1:1", "newsdiffs", load, 60) is robots.ALLOW_ALL
    robots._local.clear()  # another process, or minutes later
    assert robots.cached_rules("http://127.0.0.1:1", "newsdiffs", load, 60) is robots.ALLOW_ALL
    assert len(loads) == 2


def test_rules_read_lately_are_held_in_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[Any, ...]] = []
    shared = robots._shared_rules

    def shared_rules(*args: Any) -> robots.RobotsRules:
        asked.append(args)
        return shared(*args)

    monkeypatch.setattr(robots, "_shared_rules", shared_rules)
    rules = [robots.ALLOW_ALL]
    for _ in range(3):
        assert robots.cached_rules("http://127.0.0.1:2", "newsdiffs", rules.pop, 60) is robots.ALLOW_ALL
    assert len(asked) == 1  # the shared cache once; the process's own copy after that
