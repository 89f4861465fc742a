"""Where the story is on the big sources' pages: one entry per source, CSS selectors only.

A rule is chosen by the host of the article's address (``www.``, ``m.``, ``amp.`` and any other
subdomain of a listed host match too). Its selectors say where the headline, byline and story body are,
which of the body's elements are paragraphs, and which are chrome to drop first: the related links, ads,
share bars, newsletter boxes, captions and "updated N minutes ago" lines that change on every load.
When a rule finds no body or no paragraphs (the site was redesigned), the generic reader takes over.

Selectors are CSS, compiled once to XPath with cssselect; matches come back in document order. Several
templates of one site live side by side in one rule, since old articles keep their old template.

Bump a rule's ``version`` whenever its output for some page changes: its articles get re-baselined.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from cssselect import HTMLTranslator, SelectorError
from lxml import etree
from lxml.html import HtmlElement

Selector = Callable[[HtmlElement], list[HtmlElement]]

# cssselect (lxml's own CSS front end) does the translation; "descendant::" keeps a rule from matching the
# element it searches inside, as CSS's own querySelectorAll does not match its root either.
_TRANSLATOR = HTMLTranslator()


def compile_selector(css: str) -> Selector:
    """A function giving the elements below its argument that match ``css``, in document order."""
    try:
        xpath = etree.XPath(_TRANSLATOR.css_to_xpath(css, prefix="descendant::"))
    except SelectorError as exc:
        raise ValueError(f"unsupported selector {css!r}: {exc}") from None
    return lambda element: [e for e in xpath(element) if isinstance(e, HtmlElement)]


# Chrome every source scatters through its story.
COMMON_DROP = (
    "figure, figcaption, aside, [aria-hidden=true], [hidden], [class*=ad-slot], [class*=advert], "
    "[class*=newsletter], [class*=related], [class*=share], [class*=social], [class*=promo]"
)


@dataclass(frozen=True)
class SiteRule:
    name: str
    version: str
    hosts: tuple[str, ...]
    # Elements holding the story's text, in document order; their paragraphs are read in turn.
    body: str
    # Tried in order; the first with text wins.
    title: tuple[str, ...] = ("h1",)
    byline: tuple[str, ...] = ()
    paragraphs: str = "p, h2, h3, h4, blockquote, ul > li, ol > li"
    # Chrome inside the body, dropped before the paragraphs are read (COMMON_DROP always is).
    drop: str = ""
    # The JSON-LD author names are steadier than a visible byline that shares its box with a timestamp.
    byline_from_metadata: bool = True
    # Compiled once, when the rule is defined, so that a bad selector fails at import.
    body_selector: Selector = field(init=False, repr=False, compare=False)
    title_selectors: tuple[Selector, ...] = field(init=False, repr=False, compare=False)
    byline_selectors: tuple[Selector, ...] = field(init=False, repr=False, compare=False)
    paragraph_selector: Selector = field(init=False, repr=False, compare=False)
    drop_selector: Selector = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = {
            "body_selector": compile_selector(self.body),
            "title_selectors": tuple(map(compile_selector, self.title)),
            "byline_selectors": tuple(map(compile_selector, self.byline)),
            "paragraph_selector": compile_selector(self.paragraphs),
            "drop_selector": compile_selector(f"{COMMON_DROP}, {self.drop}" if self.drop else COMMON_DROP),
        }
        for name, value in compiled.items():
            object.__setattr__(self, name, value)

    def matches(self, host: str) -> bool:
        return any(host == suffix or host.endswith("." + suffix) for suffix in self.hosts)


SITE_RULES: tuple[SiteRule, ...] = (
    SiteRule(
        name="bbc",
        version="1",
        hosts=("bbc.co.uk", "bbc.com"),
        # 2010s story pages; 2020s pages built of data-component blocks.
        body=(
            "div.story-body__inner, [property=articleBody], article [data-component=text-block], "
            "article [data-component=subheadline-block], article [data-component=unordered-list-block]"
        ),
        title=("h1.story-body__h1", "h1#main-heading", "[data-component=headline-block] h1", "h1"),
        byline=(
            ".byline__name",
            "[data-testid=byline-new-contributors] span",
            "[data-component=byline-block] [class*=TextContributorName]",
        ),
        drop=(
            ".off-screen, .visually-hidden, [class*=VisuallyHidden], .media-with-caption, .media-landscape, "
            ".story-more, .bbccom_advert_placeholder, .embed-social, "
            "[data-component=image-block], [data-component=media-block], [data-component=links-block], "
            "[data-component=tag-list], [data-component=topic-list], [data-component=related-internet-links]"
        ),
    ),
    SiteRule(
        name="cnn",
        version="1",
        hosts=("cnn.com",),
        # 2010s "zn-body" zones; the 2022 redesign's article__content.
        body="section.zn-body-text, div.article__content, [itemprop=articleBody]",
        paragraphs=".zn-body__paragraph, p, h2, h3, blockquote, ul > li",
        title=("h1.pg-headline", "h1.headline__text", "h1[data-editable=headlineText]", "h1"),
        byline=(".metadata__byline__author", ".byline__names", ".byline__name"),
        drop=(
            ".el__embedded, .el__video, .el__gallery, .el__image, .el__storyelement, .zn-body__footer, "
            ".zn-body__read-more, .el__leafmedia--featured-video, .ad-slot, .image, .video-resource, "
            ".related-content, .gallery-inline, .update-time, .timestamp"
        ),
    ),
    SiteRule(
        name="nytimes",
        version="1",
        hosts=("nytimes.com",),
        body="section[name=articleBody], [itemprop=articleBody]",
        title=("h1[data-testid=headline]", "h1[itemprop=headline]", "h1"),
        byline=("[itemprop=author] [itemprop=name]", "p[itemprop=author]", "[data-testid=byline]"),
        drop=(
            "[id^=story-ad-], [data-testid=StandardAd], [data-testid=photoviewer-wrapper], "
            "[data-testid=inline-message], [data-testid=brand-bar], .bottom-of-article, [id^=NYT_], "
            "[class*=ad-wrapper], [data-testid=companionColumn-ad]"
        ),
    ),
    SiteRule(
        name="ap",
        version="1",
        hosts=("apnews.com", "ap.org"),
        # apnews.com since 2023, apnews.com before, and the pages AP hosts for member papers.
        body="div.RichTextStoryBody, div.Article, [data-key=article], div.ap-story block, div.ap-story-body",
        title=("h1.Page-headline", "[data-key=card-headline] h1", ".ap-story-headline", "h1"),
        byline=(
            ".Page-authors",
            "[class*=Component-bylines]",
            ".field-name-field-byline-original",
            ".byline",
        ),
        drop=(
            ".Enhancement, .Advertisement, .ad-placeholder, .PagePromo, .HubPeek, "
            "[data-key=related-story-embed], [data-key=embed], .ap-story-media-blk-wrap, .ap-story-tags, "
            ".ap-story-tags-people, .ap-story-tags-companies, .ap-story-timestamp, .Component-signup, "
            ".ap-tags-blk, [class*=rightsidebar-widget], [class*=trending-articles]"
        ),
    ),
    SiteRule(
        name="guardian",
        version="1",
        hosts=("theguardian.com", "guardian.co.uk"),
        body=(
            "[data-gu-name=body] .article-body-commercial-selector, .article-body-commercial-selector, "
            ".article-body-viewer-selector, .content__article-body, [itemprop=articleBody]"
        ),
        title=("[data-gu-name=headline] h1", "h1[itemprop=headline]", "h1.content__headline", "h1"),
        byline=("[data-gu-name=meta] a[rel=author]", "a[rel=author]", "[itemprop=author] [itemprop=name]"),
        drop=(
            "gu-island, [data-spacefinder-role], .element-rich-link, .element-image, .element-embed, "
            ".element-atom, .submeta, .ad-slot, .js-ad-slot, #sign-in-gate, .contributions__epic, "
            "[data-component=rich-link], [data-print-layout=hide], .hide-on-mobile"
        ),
    ),
    SiteRule(
        name="washingtonpost",
        version="1",
        hosts=("washingtonpost.com",),
        body="[data-qa=article-body], div.article-body, div.teaser-content",
        title=("h1[data-qa=headline]", "h1#main-content", "[data-qa=headline]", "h1"),
        byline=("[data-qa=author-name]", "a[rel=author]", ".author-name", ".pb-author-name"),
        drop=(
            ".interstitial-link, [data-qa=interstitial-link], [data-qa=article-body-ad], "
            "[data-qa=subscribe-promo], .newsletter-inline-unit, .inline-content, [data-qa=inline-photo], "
            "[data-qa=inline-video], .powa-wrapper, [data-qa=related-links], [data-qa=end-of-story-ad]"
        ),
    ),
    SiteRule(
        name="reuters",
        version="1",
        hosts=("reuters.com",),
        # 2019's StandardArticleBody; since 2021, CSS-module classes with a hashed suffix.
        body="div.StandardArticleBody_body, [class*=article-body__content], [data-testid=ArticleBody]",
        paragraphs="[data-testid^=paragraph-], p, h2, h3, blockquote, ul > li",
        title=("h1[data-testid=Heading]", "h1.ArticleHeader_headline", "h1"),
        byline=("[class*=article-header__author]", ".BylineBar_byline", "a[rel=author]"),
        drop=(
            ".Attribution_container, .Image_container, .RelatedCoverage_related-coverage-module, "
            ".Slideshow_container, [data-testid=promo-box], [class*=read-next], [class*=trust-badge], "
            "[data-testid=ResponsiveAdSlot], [class*=author-bio], [data-testid=Toolbar]"
        ),
    ),
    SiteRule(
        name="aljazeera",
        version="1",
        hosts=("aljazeera.com", "aljazeera.net"),
        body="div.wysiwyg, div.article-p-wrapper, #main-article-body",
        title=("header.article-header h1", "#DetailedTitle", "h1"),
        byline=(".article-author-name-item", ".author-link", "[rel=author]", ".article-author"),
        drop=(
            ".more-on, .article-related, .article-newsletter-slot, .container--ads, .ads, "
            ".article-also-read, .article-more-on-block, [class*=related-content], .responsive-image"
        ),
    ),
)
