"""Pages in four templates, section pages and feeds, with chrome that churns on every request."""

import html
import json
import random
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime

from newsroom.stories import SECTIONS, Story, Text
from newsroom.words import AD_COPY
from newsroom.world import Newsroom


@dataclass(frozen=True)
class Chrome:
    """The parts of a page that change on every load, drawn from the request number."""

    ad: str
    related: tuple[tuple[str, str], ...]
    minutes_ago: int
    views: int
    comments: int
    nonce: str
    loose: bool

    @classmethod
    def for_request(cls, room: Newsroom, story: Story, request: int, age: float) -> "Chrome":
        if not room.churn:
            return cls(AD_COPY[0], (), 0, 0, 0, "0", False)
        rng = random.Random(f"{room.seed}:{story.id}:{request}")
        others = [rng.randrange(room.count) for _ in range(4)]
        related = tuple((room.story(o).path(room.clock.start), room.story(o).first.title) for o in others)
        minutes = int(max(age - (story.edits[-1].at if story.edits else 0), 0) // 60) % 600 + request % 7
        return cls(
            ad=rng.choice(AD_COPY),
            related=related,
            minutes_ago=minutes,
            views=1000 + request * 17,
            comments=request // 3,
            nonce=f"{rng.random():.8f}",
            loose=rng.random() < 0.5,
        )


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _paragraphs_html(paragraphs: tuple[str, ...], gap: str) -> str:
    return gap.join(f"<p>{_e(p)}</p>" for p in paragraphs)


NEWSLETTER = (
    '<div class="newsletter-signup"><p>Get the morning briefing in your inbox.</p>'
    "<button>Sign up</button></div>"
)
NAV = (
    '<header class="masthead"><a href="/">The Newsroom</a><nav class="main-nav"><ul>'
    + "".join(f'<li><a href="/section/{s}/">{s.title()}</a></li>' for s in SECTIONS)
    + "</ul></nav></header>"
)


def render(room: Newsroom, story: Story, text: Text, chrome: Chrome, age: float) -> str:
    """The page for ``text`` in the story's template, with this request's chrome around it."""
    epoch = room.clock.start
    published = epoch + timedelta(seconds=story.published)
    modified = published + timedelta(seconds=story.edits[-1].at if story.edits else 0)
    json_ld = json.dumps({
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": text.title,
        "author": [{"@type": "Person", "name": story.byline.removeprefix("By ")}],
        "datePublished": published.isoformat(), "dateModified": modified.isoformat(),
    })  # fmt: skip
    title, byline = _e(text.title), _e(story.byline)
    gap = "\n  " if chrome.loose else "\n"
    ad = (
        f'<div class="ad-slot" data-nonce="{chrome.nonce}"><span>Advertisement</span>'
        f"<p>{_e(chrome.ad)}</p></div>"
    )
    share = (
        f'<div class="share-tools"><a href="#">Share</a> '
        f'<span class="share-count">{chrome.views // 7} shares</span></div>'
    )
    updated = (
        f'<p class="timestamp"><time datetime="{modified.isoformat()}">'
        f"Updated {chrome.minutes_ago} minutes ago</time></p>"
    )
    related = "".join(f'<li><a href="{_e(p)}">{_e(t)}</a></li>' for p, t in chrome.related)
    aside = f'<aside class="related"><h2>Related</h2><ul>{related}</ul></aside>'
    comments = f'<div class="comments-count"><a href="#comments">{chrome.comments} comments</a></div>'
    footer = (
        f'<footer class="site-footer"><p>© 2026 The Newsroom</p><p class="views">{chrome.views} views</p>'
        "</footer>"
    )
    body = _paragraphs_html(text.paragraphs, gap)
    if story.template == "broadsheet":
        main = (
            f'<article class="story"><header><h1>{title}</h1><p class="byline">{byline}</p>{updated}'
            f'</header>{share}<div class="article-body">{gap}{body}{gap}{ad}</div>{comments}</article>'
        )
    elif story.template == "tabloid":  # the story split around an ad and a sign-up box
        half = len(text.paragraphs) // 2
        first = _paragraphs_html(text.paragraphs[:half], gap)
        rest = _paragraphs_html(text.paragraphs[half:], gap)
        main = (
            f'<div class="page-wrap"><div class="headline-box"><h1 class="headline">{title}</h1></div>'
            f'<div class="author-byline"><span class="byline">{byline}</span>{updated}</div>'
            f'<div class="story-content">{first}{ad}{NEWSLETTER}{rest}</div>{share}{comments}</div>'
        )
    elif story.template == "wire":  # bare markup, as wire services syndicate it
        main = (
            f'<div id="story"><h1>{title}</h1><div class="byline">{byline}</div>'
            f'<div id="story-text">{body}</div></div>'
        )
    else:  # modern: a component per block, as some large outlets build pages
        blocks = gap.join(f'<div data-component="text-block"><p>{_e(p)}</p></div>' for p in text.paragraphs)
        main = (
            f'<main id="main-content"><article><div data-component="headline-block">'
            f'<h1 id="main-heading">{title}</h1></div><div data-component="byline-block">'
            f'<span class="byline">{byline}</span></div>{updated}{blocks}{gap}{ad}'
            f'<div data-component="links-block">{aside}</div></article></main>'
        )
    head = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | The Newsroom</title>'
        f'<link rel="canonical" href="{_e(story.path(epoch))}"><meta property="og:title" content="{title}">'
        f'<script type="application/ld+json">{json_ld}</script>{room.padding}</head>'
    )
    return f"{head}<body>{NAV}{gap}{main}{gap}{aside}{NEWSLETTER}{footer}</body></html>"


def render_section(room: Newsroom, ids: list[int], title: str) -> str:
    epoch = room.clock.start
    items = "".join(
        f'<li><a href="{_e(room.story(i).path(epoch))}">{_e(room.story(i).first.title)}</a></li>' for i in ids
    )
    nav = "".join(f'<a href="/section/{s}/">{s.title()}</a> ' for s in SECTIONS)
    return (
        f"<!doctype html><html><head><title>{_e(title)}</title></head><body><nav>{nav}</nav>"
        f'<h1>{_e(title)}</h1><ul class="stories">{items}</ul></body></html>'
    )


def render_feed(room: Newsroom, ids: list[int], atom: bool, base: str) -> str:
    epoch = room.clock.start
    entries = []
    for i in ids:
        story = room.story(i)
        title, link = _e(story.first.title), _e(base + story.path(epoch))
        when = epoch + timedelta(seconds=story.published)
        if atom:
            entries.append(
                f'<entry><title>{title}</title><id>urn:newsroom:{i}</id><link href="{link}"/>'
                f"<updated>{when.isoformat()}</updated></entry>"
            )
        else:
            entries.append(
                f"<item><title>{title}</title><link>{link}</link><guid>urn:newsroom:{i}</guid>"
                f"<pubDate>{format_datetime(when)}</pubDate></item>"
            )
    if atom:
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>The Newsroom</title><id>urn:newsroom</id>"
            f"<updated>{room.clock.now().isoformat()}</updated>"
            f"{''.join(entries)}</feed>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>The Newsroom</title>'
        f"<link>{_e(base)}/</link><description>News</description>{''.join(entries)}</channel></rss>"
    )
