"""What the XSS tests (test_xss_*.py) share. Text from the web is shown as text everywhere: headlines,
bylines, paragraphs, URLs and source names that carry markup, script, attribute breakouts, entities, template
syntax or bidi controls come out literally on every page, feed, API answer and admin page, and never as an
element, an attribute or a link of their own. Here: the payloads, an article that carries them, a staff
client, the entries of a feed, and ``inert``, which judges a page.

Each page is parsed (lxml), not searched for substrings: no element may be one a payload would make, no
attribute an event handler or a javascript: URL, no attribute or comment may carry a payload's script
except where text belongs (a form field's value, a link to the article's own URL); and the payload must be
in the page's text exactly as stored, which is what shows it was escaped once and only once.

conftest.py registers this module in ``pytest_plugins``, so its fixture reaches the test modules; they
import the helpers by name.
"""

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from lxml import etree
from lxml import html as lxml_html

from articles.models import Article, Source
from articles.tests.support import T0, add_version, text_at

# What every payload runs if it ever runs: the browser test looks for both.
JS = "window.__xss=1,alert(1)"
MARK = "__xss"
PAYLOADS = {
    "script": f"<script>{JS}</script>",
    "img-onerror": f"<img src=x onerror={JS}>",
    "attr-breakout-double": f'" onmouseover="{JS}" data-x="',
    "attr-breakout-single": f"' onfocus='{JS}' autofocus x='",
    "javascript-url": f"javascript:{JS}",
    "link": f'<a href="javascript:{JS}">click</a>',
    "entities": f"&lt;script&gt;{JS}&lt;/script&gt; &#60;img src=x onerror={JS}&#62;",
    "textarea-close": f"</textarea><script>{JS}</script>",
    "title-close": f"</title><svg onload={JS}>",
    "svg": f"<svg><script>{JS}</script></svg>",
    "iframe": f'<iframe srcdoc="<script>{JS}</script>"></iframe>',
    "math": f"<math><mtext></p><script>{JS}</script>",
    "comment": f"<!--<script>{JS}//-->",
    "style": f"<style>*{{background:url(javascript:{JS})}}</style>",
    "cdata": f"]]><script>{JS}</script><![CDATA[",
    "template-syntax": "{{ request.user }}{% csrf_token %}{{ 7|add:7 }}{% if 1 %}" + MARK + "{% endif %}",
    "bidi": f"\u202e<b onclick={JS}>gpj.exe\u202c \u2066\u2067\u200f{MARK}\u2069",
    # Controls no XML can hold, and C1 ones: a feed must still be XML, a page still show the rest.
    "controls": f"\x1b[31m\x08<script>{JS}</script>\x0c\x7f\x85\x9b{MARK}",
}
# Elements a payload would make if it were read as markup; none of the site's pages has any of them.
PAYLOAD_TAGS = {
    "script",
    "img",
    "svg",
    "iframe",
    "math",
    "mtext",
    "style",
    "b",
    "textarea",
    "object",
    "embed",
}
# Attributes whose value is text (or the article's own URL, checked for its scheme): where payload text may
# stand in an attribute, e.g. what was typed in a field, a feed link's title, the admin's checkbox labels, a
# diff page's description for link previews (a <meta>'s content).
TEXT_ATTRIBUTES = {"value", "title", "aria-label", "alt", "placeholder", "href", "content"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcdoc", "data", "xlink:href"}


SITE_SCRIPT = "/static/js/local-times.js"


def inert(page: Any, *, admin: bool = False) -> Any:
    """Assert that no element, attribute or comment of ``page`` (bytes, or a parsed tree) came from a
    payload; return the tree. The admin's own scripts and icons are the only elements of those kinds."""
    if isinstance(page, HttpResponse):
        page = page.content.decode(page.charset)  # the admin declares its charset in the header only
    tree = lxml_html.fromstring(page) if isinstance(page, bytes | str) else page
    for node in tree.iter():
        if not isinstance(node.tag, str):  # a comment or processing instruction
            assert MARK not in (node.text or ""), etree.tostring(node)
            continue
        tag = node.tag.lower()
        if tag == "script" and node.get("src") == SITE_SCRIPT and not (node.text or "").strip():
            continue  # the site's one script, from its own file (times in the reader's zone)
        if tag in PAYLOAD_TAGS:
            # The site's pages have no other; the admin has its own scripts (from this site, no inline
            # code), icons and SVG, in none of which a payload may appear.
            assert admin, etree.tostring(node)[:200]
            assert MARK not in etree.tostring(node, encoding="unicode"), etree.tostring(node)[:200]
            src = node.get("src", "/")
            assert src.startswith("/"), src
            assert not src.startswith("//"), src
            if tag == "script":
                assert not (node.text or "").strip(), etree.tostring(node)[:200]
        for name, value in node.attrib.items():
            name = name.lower()
            assert not name.startswith("on"), (tag, name, value)
            assert name not in ("srcdoc", "autofocus", "data-x", "x"), (tag, name)
            if name in URL_ATTRIBUTES:
                assert scheme_of(value) not in ("javascript", "data", "vbscript"), (tag, name, value)
            if MARK in value:
                assert name in TEXT_ATTRIBUTES, (tag, name, value)
                if name == "content":  # link previews' text (og:title), never a pragma such as a refresh
                    assert tag == "meta", (tag, value)
                    assert node.get("http-equiv") is None, etree.tostring(node)[:200]
    return tree


def scheme_of(url: str) -> str:
    """The scheme a browser reads in ``url``: after leading spaces and controls, with tabs and newlines
    dropped anywhere (so " java\tscript:" is javascript)."""
    cleaned = re.sub(r"[\t\n\r]", "", url).lstrip("".join(map(chr, range(0x21))))
    found = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return found.group(1).lower() if found else ""


def text_of(tree: Any) -> str:
    text: str = tree.text_content()
    return text


# --- data -------------------------------------------------------------------------------------------------


def store_payload_article(payload: str) -> Article:
    """An article of a payload-named source whose URL, headline, byline and paragraphs carry ``payload``:
    v0 ordinary, v1 the headline and byline rewritten, a paragraph edited and one added."""
    source = Source.objects.create(
        name=source_name(payload), slug="hostile", homepage="https://news.example/"
    )
    article = Article.objects.create(
        url=f"https://news.example/story?q={payload}", source=source, first_seen_at=T0
    )
    add_version(article, 0, "Ordinary zebra headline", ["First stays.", "Second zebra."], byline="By Jane")
    add_version(
        article,
        1,
        headline(payload),
        ["First stays.", f"Second zebra {payload}.", payload],
        byline=byline(payload),
    )
    article.refresh_from_db()
    return article


def source_name(payload: str) -> str:
    return f"Source {payload}"[:200]  # the column's length


def headline(payload: str) -> str:
    return f"zebra {payload} headline"


def byline(payload: str) -> str:
    return f"By {payload}"


@pytest.fixture
def staff_client(django_user_model: type[User]) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_user("editor", is_staff=True, is_superuser=True))
    return client


ATOM = "{http://www.w3.org/2005/Atom}"


def feed_entries(xml: bytes) -> tuple[str, list[dict[str, str]]]:
    """The feed's title and, per entry, its title, link and HTML content, parsed from the XML as a reader
    would."""
    root = etree.fromstring(xml)
    if root.tag == "rss":
        channel = root.find("channel")
        assert channel is not None
        items = channel.findall("item")
        content = "{http://purl.org/rss/1.0/modules/content/}encoded"
        entries = [
            {"title": text_at(i, "title"), "link": text_at(i, "link"), "summary": text_at(i, "description"),
             "content": text_at(i, content)}
            for i in items
        ]  # fmt: skip
        return text_at(channel, "title"), entries
    entries = [
        {"title": text_at(e, f"{ATOM}title"), "link": e.findall(f"{ATOM}link")[0].get("href", ""),
         "summary": text_at(e, f"{ATOM}summary"), "content": text_at(e, f"{ATOM}content")}
        for e in root.findall(f"{ATOM}entry")
    ]  # fmt: skip
    return text_at(root, f"{ATOM}title"), entries
