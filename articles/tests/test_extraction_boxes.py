"""The generic reader's judgement of the boxes around a story: which names and tags make a box chrome, which
boxes the story may still live in, and where its standfirst sits. The story's paragraphs in general are
in test_extraction_story.py."""

import pytest

from articles.extraction import extract
from articles.extraction.chrome import ELEMENT_NAMES, HOLDS

STORY = [f"Paragraph {n} of the story, with enough words in it to be read as one." for n in range(3)]


def test_the_page_s_own_class_names_never_make_it_chrome() -> None:
    # A theme flags its menu's state on <body> ("menu-active"); the page has no <p>, only loose text.
    html = """<html><body class="single desktop-menu-active"><nav><a href="/">Home</a></nav>
    <div class="text-editor">A catalogue of the prints, one a line, written with no paragraphs at all.
    Each print with its size and technique, and the year it was first shown in public.</div>
    </body></html>"""
    assert extract(html, "http://x/").paragraphs == [
        "A catalogue of the prints, one a line, written with no paragraphs at all. Each print with its "
        "size and technique, and the year it was first shown in public."
    ]


def test_a_page_whose_every_paragraph_is_in_a_box_named_as_chrome_is_read_from_it() -> None:
    # A forum names each post a "comment": the posts are the page, not nothing.
    posts = "".join(
        f'<div class="ForumComment"><div class="CommentText">Post {n} of the thread, long enough to be '
        "a paragraph of its own.<br>And a second line of the same post.</div></div>"
        for n in range(3)
    )
    html = f"""<html><body><nav><a href="/">Home</a></nav><main id="content"><h1>A question</h1>
    {posts}</main><div role="dialog" class="cookie-box">We store cookies on your device, long enough
    text to weigh as a paragraph of its own.<br>And more.</div></body></html>"""
    paragraphs = extract(html, "http://x/").paragraphs
    assert "Post 0 of the thread, long enough to be a paragraph of its own." in paragraphs
    assert not any("cookies" in text for text in paragraphs)


def test_a_long_list_of_teasers_named_as_related_is_not_kept_as_the_story() -> None:
    # The teasers hold more text than the short post they follow; a box named as chrome that holds most
    # of the text is kept as the story under a layout name, but a list is never that.
    teasers = "".join(
        f'<li><a href="/{n}">Another post {n}</a><br><small>The first lines of another post, quoted at '
        f"length, then more of them, and more again, cut off here...</small></li>"
        for n in range(4)
    )
    html = f"""<html><body><div class="post"><h1>Short post</h1><div class="entry">
    <p>{STORY[0]}</p><p>{STORY[1]}</p><ul class="related_post wp_rp">{teasers}</ul></div></div>
    </body></html>"""
    assert extract(html, "http://x/").paragraphs == STORY[:2]


def test_a_standfirst_in_the_headline_s_own_box_is_read_even_unnamed() -> None:
    html = f"""<html><body><article><div class="head"><header><h1>Council to close bridge</h1>
    <p>Cracks found in the pillars leave the council no choice, engineers say.</p>
    <span class="byline">By Ann Bee</span></header></div>
    <div class="body">{"".join(f"<p>{text}</p>" for text in STORY)}</div></article></body></html>"""
    assert extract(html, "http://x/").paragraphs == [
        "Cracks found in the pillars leave the council no choice, engineers say.",
        *STORY,
    ]


def test_a_line_under_a_site_s_logo_is_no_standfirst() -> None:
    # The <h1> is the site's name, not the story's headline: the line under it is the site's motto.
    html = f"""<html><head><title>Council to close bridge</title></head><body><header><h1>Example
    Blog</h1><p>Notes from a small town, written now and then</p></header>
    <article><h2>Council to close bridge</h2>{"".join(f"<p>{text}</p>" for text in STORY)}</article>
    </body></html>"""
    assert extract(html, "http://x/").paragraphs == STORY


def test_a_short_line_with_a_copyright_sign_is_a_credit_not_story_text() -> None:
    long = "A story line that mentions the © sign in passing, " + "and goes on at length. " * 8
    html = f"""<html><body><article><h1>Council to close bridge</h1><p>{STORY[0]}</p>
    <p>The mayor at the bridge on Monday. © Agency / Jane Roe</p><p>{STORY[1]}</p><p>{long}</p>
    <p>© 2019 Example Press. All rights reserved.</p></article></body></html>"""
    assert extract(html, "http://x/").paragraphs == [STORY[0], STORY[1], long.strip()]


def test_a_server_script_s_warnings_are_not_story_text() -> None:
    warning = (
        "<b>Warning</b>: Use of undefined constant x - assumed 'x' in <b>/www/htdocs/wp-content/plugins/"
        "cache.php</b> on line <b>928</b>"
    )
    html = f"""<html><body><article><h1>Council to close bridge</h1><p>{warning}</p>
    {"".join(f"<p>{text}</p>" for text in STORY)}</article></body></html>"""
    assert extract(html, "http://x/").paragraphs == STORY


def test_a_picture_s_legend_and_subtitle_boxes_are_not_story_text() -> None:
    pictures = (
        '<div class="legend"><div class="content">A woodpecker on an old oak, seen from below.</div></div>'
        '<div class="image-subtitle">The committee at its first meeting in the old town hall</div>'
        '<span class="img-metadata__title">The minister, photo: archives of the government</span>'
    )
    html = f"""<html><body><article><h1>Council to close bridge</h1><p>{STORY[0]}</p>{pictures}
    <p>{STORY[1]}</p><p>{STORY[2]}</p></article></body></html>"""
    assert extract(html, "http://x/").paragraphs == STORY


def test_the_page_s_notices_about_the_story_are_not_story_text() -> None:
    notices = (
        '<section class="editorial-disclosure"><p>This post contains references to products of our '
        "advertisers, who may pay us when you buy.</p></section>"
        '<div class="article-copyright"><p>All rights reserved. Reproduction only with permission.</p></div>'
        '<div class="licenceInfo"><p>The material is protected by copyright law.</p></div>'
        '<div class="toc-container"><p>Contents</p><ul><li>First part</li><li>Second part</li></ul></div>'
    )
    html = f"""<html><body><article><h1>Council to close bridge</h1><p>{STORY[0]}</p>{notices}
    <p>{STORY[1]}</p><p>{STORY[2]}</p></article></body></html>"""
    assert extract(html, "http://x/").paragraphs == STORY


def test_a_further_information_or_contact_heading_ends_the_story() -> None:
    headings = (
        "Weitere Informationen:", "Kontakt", "Veja também:", "Lesen Sie auch:",
        "Möchten Sie den Artikel teilen?", "War der Artikel nützlich?", "Was this article helpful?",
        "Did you enjoy this post?", "Meistgelesen",
    )  # fmt: skip
    for heading in headings:
        html = f"""<html><body><article><h1>Council to close bridge</h1>
        {"".join(f"<p>{text}</p>" for text in STORY * 2)}<h3>{heading}</h3>
        <p>Press office, 12 Main Street</p><p>+1 555 0100</p></article></body></html>"""
        assert extract(html, "http://x/").paragraphs == STORY * 2, heading


def test_a_line_naming_the_story_s_source_is_not_story_text() -> None:
    html = f"""<html><body><article><h1>Council to close bridge</h1>
    {"".join(f"<p>{text}</p>" for text in STORY)}<p>Quelle: Landesregierung, 2. Februar 2022</p>
    <p>Source: a paragraph that goes on to say much more than where it comes from, and so it is the
    story's own text.</p>
    </article></body></html>"""
    assert extract(html, "http://x/").paragraphs[3:] == [
        "Source: a paragraph that goes on to say much more than where it comes from, and so it is the "
        "story's own text."
    ]


def test_a_standfirst_in_the_story_s_own_header_inside_its_element_is_read() -> None:
    # The story's element holds its <header>: headline and standfirst, which the header's chrome status
    # would otherwise drop with it.
    html = f"""<html><body><nav><a href="/">Home</a></nav><article class="content"><div class="row">
    <header><h1>Council to close bridge</h1><div class="content__intro">Cracks found in the pillars
    leave the council no choice, engineers say.</div></header></div>
    {"".join(f"<p>{text}</p>" for text in STORY)}</article></body></html>"""
    assert extract(html, "http://x/").paragraphs == [
        "Cracks found in the pillars leave the council no choice, engineers say.",
        *STORY,
    ]


def test_an_unnamed_paragraph_by_a_headline_outside_the_story_s_article_is_not_a_standfirst() -> None:
    # Whether it is within reach depends on which of the story's blocks is chosen on a load: read it
    # from the story's own <article> only, or its <p> would come and go.
    menu = "".join(f'<li><a href="/{n}">Section number {n} of the site</a></li>' for n in range(12))
    html = f"""<html><body><div class="hero"><h1>Council to close bridge</h1>
    <p>Cracks found in the pillars leave the council no choice, engineers say.</p></div>
    <ul class="sections">{menu}</ul>
    <main><article><div class="entry-content">{"".join(f"<p>{text}</p>" for text in STORY)}</div>
    </article></main></body></html>"""
    assert extract(html, "http://x/").paragraphs == STORY


def test_a_story_told_in_entries_named_as_comments_is_read_from_them() -> None:
    """A live ticker's entries (or a forum's posts) named "comment", with next to nothing beside them: the
    story is their text, not their minute marks; a story with a few chrome boxes beside it keeps them out."""
    entries = "".join(
        f'<div class="live-comment {side}"><div class="live-comment-text">Minute {minute}: the visitors '
        f"press forward down the left wing and win a corner.</div>"
        f'<div class="live-comment-time"><span>{minute}\'</span></div>'
        "</div>"
        for minute, side in zip(range(90, 0, -10), ["left", "right"] * 5, strict=False)
    )
    html = f"""<html><body><nav><a href="/">Home</a></nav><h1>Live: City v United</h1>
    <div class="live-comments">{entries}</div><footer><p>About us</p></footer></body></html>"""
    assert extract(html, "http://x/").paragraphs == [
        f"Minute {minute}: the visitors press forward down the left wing and win a corner."
        for minute in range(90, 0, -10)
    ]
    boxes = "".join(f'<div class="share-tools"><p>Share {n}</p></div>' for n in range(6))
    story = f"""<html><body><article><h1>Council to close bridge</h1><p>{STORY[0]}</p>{boxes}
    <div class="newsletter-box">Get the morning briefing in your inbox</div></article></body></html>"""
    assert extract(story, "http://x/").paragraphs == STORY[:1]


@pytest.mark.parametrize(
    "names",
    [
        "BasePageLayout_Main__2pNav",  # a CSS Modules hash that spells "nav" by chance
        "layout no-sidebar",  # what the box is not
        "relative overflow-hidden",  # a layout utility: clipped, not hidden
        "col hidden-xs hidden-sm",  # hidden on small screens only
    ],
)
def test_names_that_only_look_like_chrome_do_not_hide_the_story(names: str) -> None:
    story = [f"{text} It goes on to say where, and when, and what the town thinks of it." for text in STORY]
    first = f"{story[0]} It says more than the other paragraphs, as a story's first paragraph often does."
    inner = "".join(f"<p>{text}</p>" for text in story[1:])
    menu = "".join(f'<a href="/{n}">Section {n}</a>' for n in range(20))
    html = f"""<html><body><nav>{menu}</nav><div class="{names}"><article><h1>Council to close bridge</h1>
    <p>{first}</p><p>{first}</p><div class="{names}">{inner}</div></article></div>
    <div class="site-info"><p>Example News is published by Example Media, registered in the town.</p>
    <p>Letters to the editor are welcome at the address below, by post or by mail.</p></div>
    </body></html>"""
    assert extract(html, "http://x/").paragraphs[2:] == story[1:]


def test_a_css_modules_name_keeps_its_meaning_without_its_hash() -> None:
    # "Comments_list__x7Kq1" is still a list of comments.
    comments = "".join(
        f"<p>Reader {n} thinks the council should have closed the bridge a year ago.</p>" for n in range(2)
    )
    body = "".join(f"<p>{text}</p>" for text in STORY)
    html = f"""<html><body><article><h1>Council to close bridge</h1>{body}
    <div class="Comments_list__x7Kq1">{comments}</div></article></body></html>"""
    assert extract(html, "http://x/").paragraphs == STORY


def test_words_of_a_sentence_in_an_inline_box_named_as_chrome_stay_in_the_sentence() -> None:
    # A site links a name to its topic page (<a class="tag">) or marks a term for its glossary: the words are
    # the sentence's. Text for screen readers only is not shown, and goes; so does a tag list of its own.
    html = """<html><body><article><h1>Council to close bridge</h1>
    <p>The club's coach <a class="tag" href="/tags/jane-roe">Jane Roe</a> said the bridge is a key hazard of
    deep <span class="related-term">space travel</span>, but not the only one.</p>
    <p>The council will meet<span class="sr-only"> (opens in a new window)</span> again on Monday, when
    the engineers present their report at the season-<a class="tag" href="/t/3">press conference</a>.</p>
    <div class="tags"><a href="/t/1">Bridges</a> <a href="/t/2">Council</a></div></article></body></html>"""
    assert extract(html, "http://x/").paragraphs == [
        "The club's coach Jane Roe said the bridge is a key hazard of deep space travel, but not the only "
        "one.",
        "The council will meet again on Monday, when the engineers present their report at the "
        "season-press conference.",
    ]


def test_a_build_s_hash_on_a_tag_box_s_name_is_not_a_topic_it_is_filed_under() -> None:
    # "tag-social-media" files a post under a topic; "tag-76e5e8" is the box "tag" after a deploy.
    story = "".join(f"<p>{text}</p>" for text in STORY)
    for names in ("tag", "tag-76e5e8"):
        html = f"""<html><body><article><h1>Council to close bridge</h1>{story}
        <div class="{names}"><span>Bridges</span>, <span>Council</span>, <span>Town hall</span></div>
        </article></body></html>"""
        assert extract(html, "http://x/").paragraphs == STORY


def test_the_names_worked_out_for_one_page_are_that_page_s_alone() -> None:
    # The names of a page's elements are remembered while it is read, and forgotten after: a box named as
    # chrome on one page says nothing about the next page's box.
    def page(box_class: str) -> str:
        body = "".join(f"<p>{text}</p>" for text in STORY)
        return (
            f'<html><body><div class="{box_class}">{body}</div><div class="related"><p>Other</p></div></body>'
        )

    assert extract(page("story"), "http://x/").paragraphs == STORY
    assert ELEMENT_NAMES.get() is None
    assert HOLDS.get() is None  # nor what its boxes hold
    assert extract(page("story"), "http://x/").paragraphs == STORY
