"""A simulated newsroom: a deterministic, hostile local news site to demonstrate, test and measure against.

``python manage.py newsroom`` serves it on 127.0.0.1. From a seed it makes N articles in four page
templates resembling real outlets (nav, header, byline, dateline, body, related links, ads, share
widgets, comment counts, footer, JSON-LD, canonical links), section pages listing the newest articles,
and RSS/Atom feeds. Articles evolve over the world's clock the way newsrooms edit: headline rewrites,
paragraphs inserted, removed, reordered or edited, typo fixes, punctuation touches, corrections appended;
edits stop after a few days. Every request churns the chrome (rotating ads and related links, "updated N
minutes ago", view and comment counters, whitespace and attribute order), some articles run A/B headline
tests, and some are faulty: slow, gone (404/410), failing (500), moved (301), huge, with a lying charset,
or not HTML. Half the templates answer conditional GETs (ETag/Last-Modified), half do not.

The world's clock runs at ``speed`` times real time from ``start``, or is driven by
``POST /_newsroom/clock?advance=SECONDS`` (tests and benchmarks). ``GET /_newsroom/truth.json`` tells
what is true at a moment: each article's status and the text(s) it serves, keyed by ``text_key`` so a
tracker's stored versions can be checked against it: every real edit one version, chrome churn none.

It is an app of its own, not part of ``articles``: demo and benchmark tooling, which the tracker never
imports. ``words`` and ``stories`` write the articles, ``edits`` their edits (benchmarks and fuzz tests
edit with it too), ``world`` keeps the clock and the truth, ``rendering`` makes the pages and feeds,
``server`` serves them, and ``scoring`` checks a tracker's stored versions against the truth.
"""
