"""Site rules: on real pages of the test corpus in data/extraction (BBC, CNN, NYT, AP) and on pages
written from the observed structure of the sources the corpus lacks (Guardian, Washington Post, Reuters,
Al Jazeera)."""

import gzip
import json
from pathlib import Path

import pytest

from articles.extraction import EXTRACTOR_VERSION, Extraction, extract, release_for, rule_for
from articles.site_rules import SITE_RULES, compile_selector
from articles.tests.support import EXTRACTION_CORPUS as CORPUS
from bench.extraction import page_scores

PAGES = Path(__file__).resolve().parent / "pages"


def corpus_page(page_id_prefix: str) -> tuple[str, str, str]:
    """(html, url, expected body) of the corpus page whose id starts with the prefix."""
    truth = json.loads((CORPUS / "ground-truth.json").read_text())
    (page_id,) = [page_id for page_id in truth if page_id.startswith(page_id_prefix)]
    html = gzip.decompress((CORPUS / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8")
    return html, truth[page_id]["url"], truth[page_id]["articleBody"]


def body_f1(expected: str, result: Extraction) -> float:
    precision, recall = page_scores(expected, "\n".join(result.paragraphs))
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


# --- real pages from the corpus -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "rule", "title", "byline", "first", "last", "chrome"),
    [
        (
            "c7e39ac4",
            "site:bbc",
            "Julian Assange: Sweden drops rape investigation",
            "",
            "Prosecutors in Sweden have dropped an investigation",
            "Last month, a judge rejected Assange's attempt to delay the full extradition hearing, which is "
            "scheduled to take place at Westminster Magistrate's Court in London in February.",
            ("Media playback is unsupported", "Image copyright", "Share this with", "Top Stories"),
        ),
        (
            "d605bdef",
            "site:cnn",
            "Investors don't seem to know what to make of the US-China trade war",
            "Jill Disis",
            "Hong Kong (CNN Business)A muddled view of US-China trade talks",
            "The US government on Monday did extend a temporary general license allowing American "
            "companies to sell to Huawei, the embattled Chinese tech company that has become a symbol of "
            "tensions between the two countries. It's the third 90-day extension of the license, which is "
            "now set to expire in February.",
            ("Updated 0339 GMT", "Chat with us in Facebook Messenger", "Most stock quote data"),
        ),
        (
            "ef4e67b6",
            "site:cnn",
            "Why you just can't trust the White House on Donald Trump's health",
            "Chris Cillizza",
            "(CNN)President Donald Trump, according to the White House",
            None,
            ("Updated", "Chat with us in Facebook Messenger"),
        ),
        (
            "702d1da6",
            "site:nytimes",
            "Trump’s Made-for-TV Trade War Keeps World Guessing",
            "Ana Swanson",
            "When President Trump’s advisers suggested that Beijing resume buying",
            "Keith Bradsher contributed reporting from Hong Kong.",
            ("Advertisement", "Continue reading the main story", "Supported by"),
        ),
        (
            "e7994d55",
            "site:ap",
            "UK Tories under fire for Twitter name switch during debate",
            "DANICA KIRKA and JILL LAWLESS",
            "LONDON (AP) — Britain's Conservative Party was accused Wednesday",
            "Follow AP's full coverage of Brexit and British politics at https://www.apnews.com/Brexit",
            ("Nov. 20, 2019 6:02 AM EST", "Trending", "Places in this Story", "ITV, ASSOCIATED PRESS"),
        ),
    ],
)
def test_site_rules_read_the_corpus_pages(
    page: str, rule: str, title: str, byline: str, first: str, last: str | None, chrome: tuple[str, ...]
) -> None:
    html, url, expected = corpus_page(page)
    result = extract(html, url)
    assert (result.extractor, result.extractor_version) == (rule, "1")
    assert result.title == title
    assert result.byline == byline
    assert result.paragraphs[0].startswith(first)
    if last is not None:
        assert result.paragraphs[-1] == last
    text = "\n".join(result.paragraphs)
    assert not [words for words in chrome if words in text]
    assert body_f1(expected, result) >= 0.95
    assert result.canonical == url.replace("http://", "https://")


def test_a_deploy_that_renames_classes_with_build_hashes_reads_the_same() -> None:
    # Build tools append hashes to class names ("…-0a1b2c", "…-0-2-60", "…__3xHw2") that change with every
    # deploy; a rule's selectors name the part before them.
    html, url, _ = corpus_page("d605bdef")  # CNN: .zn-body__paragraph, a byline box, drop selectors
    before = extract(html, url)
    hashed = html.replace('class="zn-body__paragraph', 'class="zn-body__paragraph-0a1b2c')
    hashed = hashed.replace('class="metadata__byline__author"', 'class="metadata__byline__author-0-2-60"')
    assert hashed != html
    after = extract(hashed, url)
    assert (after.extractor, after.title, after.byline) == (before.extractor, before.title, before.byline)
    assert after.paragraphs == before.paragraphs


# --- pages written from the sources' observed structure -------------------------------------------------


SAVED = {
    "guardian": (
        "https://www.theguardian.com/uk-news/2023/nov/02/storm-ciaran-thousands-without-power",
        Extraction(
            title="Storm Ciarán: thousands without power as winds hit 100mph",
            byline="Alexandra Topping",
            paragraphs=[
                "Tens of thousands of homes were left without power on Thursday as Storm Ciarán brought "
                "winds of up to 100mph to the south coast of England.",
                "The Met Office issued amber warnings for wind across much of southern England, with the "
                "strongest gusts expected on exposed coasts.",
                "Trains cancelled",
                "Southern, Southeastern and Great Western Railway cancelled dozens of services, and urged "
                "passengers not to travel.",
                "“We expect more disruption through the afternoon,” a spokesperson for Network Rail said.",
                "In Jersey, a tornado damaged dozens of homes overnight, and schools across the island were "
                "closed.",
            ],
            extractor="site:guardian",
            extractor_version="1",
            canonical="https://www.theguardian.com/uk-news/2023/nov/02/storm-ciaran-thousands-without-power",
            social_title="Storm Ciarán: thousands without power as winds hit 100mph",
            published="2023-11-02T08:15:00.000Z",
        ),
    ),
    "washingtonpost": (
        "https://www.washingtonpost.com/politics/2023/11/15/senate-shutdown-vote/?itid=hp",
        Extraction(
            title="Senate passes stopgap bill to avert shutdown",
            byline="Jacob Bogage, Liz Goodwin",
            paragraphs=[
                "The Senate voted late Wednesday to keep the government funded into the new year, sending "
                "the measure to President Biden with two days to spare.",
                "The bill passed 87 to 11, with most Republicans joining Democrats in support.",
                "Senate Majority Leader Charles E. Schumer (D-N.Y.) called the vote “a good outcome for the "
                "American people.”",
                "The measure now goes to the president, who is expected to sign it on Thursday.",
            ],
            extractor="site:washingtonpost",
            extractor_version="1",
            canonical="https://www.washingtonpost.com/politics/2023/11/15/senate-shutdown-vote/",
            social_title="Senate passes stopgap bill to avert shutdown",
        ),
    ),
    "reuters": (
        "https://www.reuters.com/business/energy/oil-prices-rise-supply-worries-2023-11-20/",
        Extraction(
            title="Oil prices rise as supply worries grow",
            byline="Florence Tan, Emily Chow",
            paragraphs=[
                "SINGAPORE, Nov 20 (Reuters) - Oil prices rose on Monday, extending gains from the previous "
                "session on expectations that OPEC+ will deepen supply cuts.",
                "Brent crude futures climbed 62 cents to $81.23 a barrel by 0300 GMT.",
                "Analysts said the market was also watching talks between the United States and China.",
                # "Reporting by Florence Tan and Emily Chow; Editing by Sonali Paul" closes the page: the wire
                # service's credits, not the story's text (release 12).
            ],
            extractor="site:reuters",
            extractor_version="1",
            canonical="https://www.reuters.com/business/energy/oil-prices-rise-supply-worries-2023-11-20/",
            social_title="Oil prices rise as supply worries grow",
            published="2023-11-20T03:12:00Z",
        ),
    ),
    "aljazeera": (
        "https://www.aljazeera.com/news/2023/11/12/floods-displace-thousands-in-somalia",
        Extraction(
            title="Floods displace thousands in Somalia",
            # The JSON-LD names only the organisation: the visible byline is used.
            byline="Mohamed Hassan",
            paragraphs=[
                "Floods caused by heavy rains have displaced more than 100,000 people in southern Somalia, "
                "the United Nations has said.",
                "The Juba and Shabelle rivers burst their banks after days of rain, submerging villages and "
                "farmland.",
                "Aid agencies warn of disease",
                "Aid agencies warned that standing water could lead to outbreaks of cholera and other "
                "waterborne diseases.",
                "The government has appealed for international help.",
            ],
            extractor="site:aljazeera",
            extractor_version="1",
            canonical="https://www.aljazeera.com/news/2023/11/12/floods-displace-thousands-in-somalia",
            social_title="Floods displace thousands in Somalia",
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(SAVED))
def test_site_rules_read_the_saved_pages(name: str) -> None:
    url, expected = SAVED[name]
    assert extract((PAGES / f"{name}.html").read_text(), url) == expected


def test_a_redesigned_page_falls_back_to_the_generic_reader() -> None:
    html = """<html><head><title>New look | The Guardian</title></head><body><div class="all-new-layout">
    <h1>New look</h1><p>The redesigned page still has a story, long enough to be read as one.</p>
    <p>And a second paragraph of it, which the generic reader also finds.</p></div></body></html>"""
    result = extract(html, "https://www.theguardian.com/world/2030/jan/01/new-look")
    assert (result.extractor, result.title, len(result.paragraphs)) == ("generic", "New look", 2)


def test_a_rule_whose_body_has_no_paragraphs_falls_back_too() -> None:
    html = """<html><body><h1>Live</h1><div class="article-body-commercial-selector"><figure>only a photo
    </figure></div><div class="other"><p>The story lives elsewhere on this page, in a longer paragraph.</p>
    </div></body></html>"""
    result = extract(html, "https://www.theguardian.com/x")
    assert result.extractor == "generic"
    assert result.paragraphs == ["The story lives elsewhere on this page, in a longer paragraph."]


# --- choosing a rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("https://www.bbc.co.uk/news/uk-1", "bbc"),
        ("https://m.bbc.com/news/uk-1", "bbc"),
        ("https://edition.cnn.com/2023/01/01/x", "cnn"),
        ("https://amp.cnn.com/cnn/2023/01/01/x", "cnn"),
        ("https://www.nytimes.com/2023/01/01/x.html", "nytimes"),
        ("https://apnews.com/article/x", "ap"),
        ("https://hosted.ap.org/citizensvoice/article/x", "ap"),
        ("https://amp.theguardian.com/world/x", "guardian"),
        ("https://www.washingtonpost.com/x/", "washingtonpost"),
        ("https://WWW.REUTERS.COM./world/x", "reuters"),
        ("https://www.aljazeera.com/news/x", "aljazeera"),
        ("https://notbbc.com/news/x", None),
        ("https://bbc.com.example.net/news/x", None),
        ("not a url", None),
    ],
)
def test_a_rule_is_chosen_by_host(url: str, rule: str | None) -> None:
    chosen = rule_for(url)
    assert (chosen.name if chosen else None) == rule


def test_the_release_names_the_rule_and_the_generic_reader_it_falls_back_to() -> None:
    assert release_for("https://www.bbc.co.uk/news/x") == f"site:bbc/1+generic/{EXTRACTOR_VERSION}"
    assert release_for("https://example.com/x") == f"generic/{EXTRACTOR_VERSION}"


def test_every_source_has_one_named_versioned_rule() -> None:
    names = [rule.name for rule in SITE_RULES]
    assert len(names) == len(set(names))
    assert {"bbc", "cnn", "nytimes", "washingtonpost", "guardian", "reuters", "ap", "aljazeera"} <= set(names)
    assert all(rule.version and rule.hosts for rule in SITE_RULES)


# --- the selector subset --------------------------------------------------------------------------------


def test_selectors_match_like_css() -> None:
    from articles.extraction import parse

    document = parse(
        """<div class="story main" data-k="article-body__x"><p id="a">1</p><span><p class="ad-x">2</p></span>
        </div><p data-testid="paragraph-3" class="x">3</p>"""
    )
    assert document is not None

    def texts(css: str) -> list[str]:
        return [element.text_content() for element in compile_selector(css)(document)]

    assert texts(".story p") == ["1", "2"]
    assert texts(".story > p") == ["1"]
    assert texts("[class~=main] [class^=ad-]") == ["2"]
    assert [element.tag for element in compile_selector("[data-k*=body__], #a")(document)] == ["div", "p"]
    assert texts("[data-testid$='-3']") == ["3"]
    assert texts("p.x, p#a") == ["1", "3"]


@pytest.mark.parametrize("css", ["", "div,", "[x=]", "p >", "p::first-line"])
def test_a_bad_selector_is_refused_when_the_rule_is_made(css: str) -> None:
    with pytest.raises(ValueError, match="selector"):
        compile_selector(css)
