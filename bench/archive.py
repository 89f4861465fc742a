"""Bytes per archived page (ARCHIVE_SERVED_PAGES) against the raw HTML, on simulated histories of pages.

    .venv/bin/python bench/archive.py [--versions 6] [--stories 200] [--story-versions 24]
                                      [--matrix-every 5] [--snippets DIR]

Histories, each a list of the pages a tracker would archive (one per stored version):

- newsroom: --stories stories of the simulated newsroom (``newsroom``), each a first text followed by
  NewsEdits-like updates (``newsroom.edits.update``) up to --story-versions versions, every version
  rendered in the story's template with the chrome of another request (``newsroom.rendering``: ads, related
  links, counters, "updated N minutes ago", loose or tight white space) and the newsroom's 60 KiB of inline
  scripts and styles. That padding repeats one chunk, so it packs better than real pages do.
- corpora: the 61 pages of the extraction corpus (articles/tests/data/extraction) and the 990 of the snippet
  corpus (../shared/corpus/snippets, or --snippets; said plainly and skipped when missing). Each page gets
  --versions versions: every version after the first changes one word in each of 1-3 body paragraphs the
  extractor reads as the story (``bench.churn.edited``), and every version, the first included, is the
  page as served on another load (``bench.churn.churned``: ad slots, related and most-read boxes, counters,
  ages, banners between the story's paragraphs, class names rotated, attributes reordered, white space
  changed). Pages where the extractor reads no story paragraph to edit are left out (counted).

Every archived page also carries its response headers: a realistic set of a CDN-served news page (16
headers, Date, Age, request ids and a cookie changing per load), stored as JSON with the final URL and the
row's fixed fields (status, length, SHA-256, packed_against); "row" ratios count them, "body" ratios only
the packed body. Raw is the page's HTML bytes (UTF-8, as served).

Schemes, for zstd at levels 3, 9, 12 and 19: each page alone; the app's keyframes (``articles.archiving``:
a page packed alone every KEYFRAME_EVERY versions, the others against it: at most two decompressions per
read); each page against the previous one (a chain: reading version n decompresses up to n pages), and
gzip -6 of each page alone (what a WARC.gz holds). The matrix runs on every --matrix-every-th story and
corpus page (``ms_per_page``: the time to pack them, for the keyframe scheme also to read each back); the
app's choice (archiving.LEVEL, KEYFRAME_EVERY) runs on every page, each read back and compared.
KEYFRAME_EVERY 4, 8, 16 and 32 are compared on the newsroom's histories.
Writes bench/results/archive.json.
"""

import argparse
import gzip
import json
import random
import sys
import time
import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import BASE_DIR, DEFAULT_CORPUS, SHARED_CORPORA  # noqa: I001  (Django first)

from articles import archiving
from articles.fetching import decode_html
from bench.churn import WORD, churned, edited, read
from newsroom import edits
from newsroom.rendering import Chrome, render
from newsroom.stories import EDITORS
from newsroom.world import Newsroom

GOAL_RATIO = 0.10  # issue 20: an archived version at most a tenth of its raw HTML
LEVELS = (3, 9, 12, 19)
KEYFRAMES = (4, 8, 16, 32)

parser = argparse.ArgumentParser()
parser.add_argument("--versions", type=int, default=6, help="versions per corpus page")
parser.add_argument("--stories", type=int, default=200, help="newsroom stories")
parser.add_argument("--story-versions", type=int, default=24, help="versions per newsroom story")
parser.add_argument("--matrix-every", type=int, default=5, help="every n-th corpus page gets every scheme")
parser.add_argument("--snippets", type=Path, default=SHARED_CORPORA / "snippets")

History = list[tuple[bytes, list[tuple[str, str]]]]  # (body, headers) of each archived page, oldest first


def headers(rng: random.Random, load: int, length: int) -> list[tuple[str, str]]:
    """A CDN-served news page's response headers, those that change per load drawn from ``rng``."""
    return [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(length)),
        ("Connection", "keep-alive"),
        ("Date", f"Sun, 06 Dec 2026 {load % 24:02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d} GMT"),
        ("Cache-Control", "public, max-age=60, stale-while-revalidate=30"),
        (
            "Content-Security-Policy",
            "default-src 'self' https: data:; script-src 'self' 'unsafe-inline' https:",
        ),
        ("Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload"),
        ("X-Content-Type-Options", "nosniff"),
        ("Vary", "Accept-Encoding, X-Edition"),
        ("Via", "1.1 varnish, 1.1 varnish"),
        ("Age", str(rng.randrange(60))),
        ("X-Served-By", f"cache-lhr{rng.randrange(10**4)}-LHR, cache-fra{rng.randrange(10**4)}-FRA"),
        ("X-Cache", rng.choice(("HIT, HIT", "MISS, HIT", "HIT, MISS"))),
        ("X-Request-Id", f"{rng.getrandbits(128):032x}"),
        ("Set-Cookie", f"geo=GB; Path=/; Max-Age=86400; session={rng.getrandbits(64):016x}; Secure"),
        ("Server", "nginx"),
    ]


def row_overhead(url: str, page_headers: list[tuple[str, str]]) -> int:
    """What a ServedPage row holds besides the packed body: the URL, the headers as JSON, status (2 bytes),
    length and packed_against (4 each), the SHA-256 (64 hex)."""
    stored = json.dumps(archiving.headers_list(page_headers), ensure_ascii=False, separators=(",", ":"))
    return len(url.encode()) + len(stored.encode()) + 2 + 4 + 4 + 64


# --- histories -------------------------------------------------------------------------------------------


def newsroom_histories(stories: int, versions: int) -> list[tuple[str, History]]:
    room = Newsroom(stories, seed=7, faults=False)
    found = []
    for story_id in range(stories):
        story = room.story(story_id)
        rng = random.Random(story_id)
        draft = edits.Draft(story.first.title, story.first.paragraphs)
        history: History = []
        for n in range(versions):
            if n:
                edits.update(draft, rng, EDITORS)
            text = type(story.first)(draft.title, tuple(draft.paragraphs))
            chrome = Chrome.for_request(room, story, n * 5 + 1, 3600.0 * n)
            body = render(room, story, text, chrome, 3600.0 * n).encode()
            history.append((body, headers(rng, n, len(body))))
        found.append((f"http://127.0.0.1:8001{story.path(room.clock.start)}", history))
    return found


def corpus_pages(folder: Path) -> list[tuple[str, str, str]]:
    """(id, url, html) of a corpus folder's pages, decoded as the fetcher would."""
    truth = json.loads((folder / "ground-truth.json").read_text())
    return [
        (
            pid,
            record["url"],
            decode_html(gzip.decompress((folder / "html" / f"{pid}.html.gz").read_bytes()), None),
        )
        for pid, record in sorted(truth.items())
    ]


def corpus_history(index: int, url: str, html: str, versions: int) -> History | None:
    """``versions`` loads of the page, each after one more edit of 1-3 story paragraphs; None if the
    extractor reads no story paragraph there is a word to change in."""
    story = [p for p in read(html, url).paragraphs if len(WORD.findall(p)) >= 3]
    if not story:
        return None
    rng = random.Random(index)
    untouched = list(story)
    rng.shuffle(untouched)
    current = html
    history: History = []
    for n in range(versions):
        if n:
            wanted, done = rng.randint(1, 3), 0
            while untouched and done < wanted:
                if (page := edited(current, untouched.pop(), rng)) is not None:
                    current, done = page, done + 1
            if not done:
                break  # no paragraph left to edit: the history ends here, as a story's edits do
        body = churned(current, index * 1000 + n).encode("utf-8", "replace")
        history.append((body, headers(rng, n, len(body))))
    return history if len(history) > 1 else None


# --- schemes ---------------------------------------------------------------------------------------------


def keyframes(bodies: list[bytes], level: int, every: int) -> list[int]:
    """Packed sizes in the app's scheme (archiving.packed_against), every page read back and compared."""
    sizes, latest, packed = [], None, {}
    for number, body in enumerate(bodies):
        against = archiving.packed_against(number, latest, every)
        blob = archiving.encode(body, bodies[against] if against is not None else None, level)
        packed[number] = (blob, against)
        latest = (number, against)
        sizes.append(len(blob))
    for number, (blob, against) in packed.items():
        dictionary = archiving.decode(packed[against][0]) if against is not None else None
        assert archiving.decode(blob, dictionary) == bodies[number]
    return sizes


def previous(bodies: list[bytes], level: int) -> list[int]:
    return [len(archiving.encode(body, bodies[n - 1] if n else None, level)) for n, body in enumerate(bodies)]


def alone(bodies: list[bytes], level: int) -> list[int]:
    return [len(archiving.encode(body, None, level)) for body in bodies]


def gzipped(bodies: list[bytes]) -> list[int]:
    return [len(zlib.compress(body, 6)) for body in bodies]


class Tally:
    """Raw bytes and packed bytes (body, and body with the row's other fields) over many pages."""

    def __init__(self) -> None:
        self.raw = self.body = self.row = self.pages = 0
        self.seconds = 0.0

    def add(self, histories: list[tuple[str, History]], scheme: Callable[[list[bytes]], list[int]]) -> None:
        for url, history in histories:
            bodies = [body for body, _ in history]
            start = time.perf_counter()
            sizes = scheme(bodies)
            self.seconds += time.perf_counter() - start
            self.pages += len(bodies)
            self.raw += sum(map(len, bodies))
            self.body += sum(sizes)
            self.row += sum(sizes) + sum(row_overhead(url, h) for _, h in history)

    def summary(self) -> dict[str, Any]:
        return {
            "archived_pages": self.pages,
            "raw_bytes": self.raw,
            "raw_bytes_per_page": round(self.raw / max(self.pages, 1)),
            "body_bytes_per_page": round(self.body / max(self.pages, 1)),
            "row_bytes_per_page": round(self.row / max(self.pages, 1)),
            "body_ratio": round(self.body / max(self.raw, 1), 4),
            "row_ratio": round(self.row / max(self.raw, 1), 4),
            "ms_per_page": round(1000 * self.seconds / max(self.pages, 1), 2),
        }


def schemes() -> dict[str, Callable[[list[bytes]], list[int]]]:
    found: dict[str, Callable[[list[bytes]], list[int]]] = {"gzip-6 alone": gzipped}
    for level in LEVELS:
        found[f"zstd-{level} alone"] = partial(alone, level=level)
        found[f"zstd-{level} keyframe {archiving.KEYFRAME_EVERY}"] = partial(
            keyframes, level=level, every=archiving.KEYFRAME_EVERY
        )
        found[f"zstd-{level} previous page (chain)"] = partial(previous, level=level)
    return found


def app_scheme(bodies: list[bytes]) -> list[int]:
    return keyframes(bodies, archiving.LEVEL, archiving.KEYFRAME_EVERY)


def show_matrix(tallies: dict[str, Tally]) -> dict[str, Any]:
    results = {}
    for name, tally in tallies.items():
        row = results[name] = tally.summary()
        print(f"    {name:36} body {row['body_ratio']:7.2%}  row {row['row_ratio']:7.2%}  "
              f"{row['ms_per_page']:7.2f} ms/page")  # fmt: skip
    return results


def show(name: str, tally: Tally, histories: int, skipped: int) -> dict[str, Any]:
    row = tally.summary() | {"histories": histories, "pages_without_a_story_to_edit": skipped}
    verdict = "meets" if row["row_ratio"] <= GOAL_RATIO else "MISSES"
    print(
        f"  {name}: {row['histories']} histories, {row['archived_pages']} archived pages, raw "
        f"{row['raw_bytes_per_page']:,} B/page → body {row['body_bytes_per_page']:,} B "
        f"({row['body_ratio']:.2%}), "
        f"row {row['row_bytes_per_page']:,} B ({row['row_ratio']:.2%}); {verdict} the {GOAL_RATIO:.0%} goal; "
        f"{row['ms_per_page']} ms/page to pack and read back"
    )
    return row


def main() -> None:
    args = parser.parse_args()
    start = time.perf_counter()
    app = f"zstd-{archiving.LEVEL} keyframe {archiving.KEYFRAME_EVERY}"
    results: dict[str, Any] = {"app_scheme": app, "goal_ratio": GOAL_RATIO, "corpora": {}, "matrix": {}}

    print(f"newsroom: {args.stories} stories × {args.story_versions} versions")
    room = newsroom_histories(args.stories, args.story_versions)
    tally = Tally()
    tally.add(room, app_scheme)
    results["corpora"]["newsroom"] = show("newsroom", tally, len(room), 0)
    print(f"  scheme matrix (every {args.matrix_every}th newsroom story):")
    tallies = {name: Tally() for name in schemes()}
    for name, scheme in schemes().items():
        tallies[name].add(room[:: args.matrix_every], scheme)
    results["matrix"]["newsroom"] = show_matrix(tallies)
    results["keyframe_every_newsroom"] = {}
    for every in KEYFRAMES:
        tally = Tally()
        tally.add(room, partial(keyframes, level=archiving.LEVEL, every=every))
        results["keyframe_every_newsroom"][str(every)] = tally.summary()
        row = tally.summary()
        print(f"    keyframe every {every:2}: body {row['body_ratio']:.2%}, row {row['row_ratio']:.2%}")
    del room

    corpora = {"extraction corpus (61 pages)": DEFAULT_CORPUS, "snippet corpus (990 pages)": args.snippets}
    # The scheme matrix on every --matrix-every-th corpus history, packed as it is made (the histories of
    # 1,051 pages would not fit in memory together).
    tallies, sampled, seen = {name: Tally() for name in schemes()}, 0, 0
    for name, folder in corpora.items():
        if not (folder / "ground-truth.json").is_file():
            print(f"  {name}: MISSING, looked for {folder / 'ground-truth.json'} and found nothing; skipped")
            results["corpora"][name] = {"missing": str(folder / "ground-truth.json")}
            continue
        tally, histories, skipped = Tally(), 0, 0
        for index, (_, url, html) in enumerate(corpus_pages(folder)):
            if (history := corpus_history(index, url, html, args.versions)) is None:
                skipped += 1
                continue
            tally.add([(url, history)], app_scheme)
            histories += 1
            seen += 1
            if seen % args.matrix_every == 0:
                sampled += 1
                for scheme_name, scheme in schemes().items():
                    tallies[scheme_name].add([(url, history)], scheme)
        results["corpora"][name] = show(name, tally, histories, skipped)
    if sampled:
        print(f"  scheme matrix (every {args.matrix_every}th corpus history, {sampled}):")
        results["matrix"]["corpus sample"] = show_matrix(tallies)

    results["seconds"] = round(time.perf_counter() - start, 1)
    results["arguments"] = {k: str(v) for k, v in vars(args).items()}
    (BASE_DIR / "bench" / "results" / "archive.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"{results['seconds']} s; wrote bench/results/archive.json")


if __name__ == "__main__":
    main()
