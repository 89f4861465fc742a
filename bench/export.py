"""Export and import at scale: rows per second and peak memory, and an exact round trip.

    .venv/bin/python bench/export.py [--articles 20000 100000] [--postgres postgres://postgres@127.0.0.1:5432]

For each size it builds a fresh Postgres database of N articles with NewsEdits-like histories (1 to 6
versions, ~3.6 on average, five paragraphs each), runs `manage.py export` and `manage.py import` (into a
second fresh database) as separate processes, and measures each one's wall time and peak RSS. Then it
exports the imported copy and checks that the two files are byte-identical. Writes bench/results/export.json.
"""

import argparse
import filecmp
import json
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.database import ARTICLE_COLUMNS, VERSION_COLUMNS, copy, manage, packed, recreate  # noqa: E402

WORDS = (
    "the",
    "council",
    "mayor",
    "said",
    "on",
    "tuesday",
    "bridge",
    "city",
    "police",
    "officials",
    "report",
    "according",
    "to",
    "government",
    "minister",
    "election",
    "vote",
    "people",
    "year",
    "new",
    "after",
    "would",
    "could",
    "during",
    "statement",
    "investigation",
    "spokesperson",
    "confirmed",
    "million",
    "percent",
    "health",
    "schools",
    "court",
    "ruling",
    "protest",
    "economy",
    "market",
    "prices",
    "rose",
    "fell",
    "week",
    "sources",
    "told",
)


def populate(database_url: str, articles: int, seed: int = 7, chunk: int = 20_000) -> int:
    """Fill the database directly with COPY, a chunk of articles at a time so memory stays small
    (what is measured is export and import, not this)."""
    from articles.normalising import ArticleText

    rng = random.Random(seed)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    connection = psycopg2.connect(database_url)
    versions = 0
    with connection, connection.cursor() as cursor:
        for first_pk in range(1, articles + 1, chunk):
            article_rows, version_rows = [], []
            for pk in range(first_pk, min(first_pk + chunk, articles + 1)):
                paragraphs = [" ".join(rng.choices(WORDS, k=30)) + "." for _ in range(5)]
                count = rng.choice((1, 2, 3, 4, 5, 6, 2, 3, 4, 6))  # mean 3.6
                seen = t0 + timedelta(minutes=pk)
                earlier: dict[int, list[str] | bytes] = {}
                for number in range(count):
                    if number:
                        edited = rng.randrange(len(paragraphs))
                        paragraphs[edited] = paragraphs[edited].replace(
                            rng.choice(WORDS), rng.choice(WORDS), 1
                        )
                    text = ArticleText(f"Story {pk}", "By A Reporter", tuple(paragraphs))
                    changed = 1 if number else 0
                    version_rows.append((
                        pk, number, seen + timedelta(hours=number), text.title, text.byline,
                        None, text.content_hash, "generic", "1", "edit",  # packed only, as the app stores it
                        changed, changed, 0, 0, changed, "f", *packed(paragraphs, number, earlier),
                    ))  # fmt: skip
                    earlier[number] = list(paragraphs)
                last_changed = seen + timedelta(hours=count - 1)
                url = f"https://news.example/{pk}"
                article_rows.append((
                    pk, url, f"Story {pk}", seen, last_changed, "active", 0, "", "", "", "", "", "", count,
                    text.content_hash, 0,
                ))  # fmt: skip
            copy(cursor, "articles_article", ARTICLE_COLUMNS, article_rows)
            copy(cursor, "articles_version", VERSION_COLUMNS, version_rows)
            versions += len(version_rows)
        cursor.execute("SELECT setval('articles_article_id_seq', %s)", [articles])
    connection.close()
    # After the COPY, as the app's commands make them: the search documents, the sources' counters.
    manage(database_url, "rebuild_search")
    manage(database_url, "rebuild_source_days")
    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    return versions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--export-only", action="store_true", help="measure export alone (for the largest sizes)"
    )
    parser.add_argument("--results", default=str(BASE_DIR / "bench" / "results" / "export.json"))
    parser.add_argument("--populate", nargs=2, metavar=("DATABASE_URL", "ARTICLES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate:  # in a child process, so that the data it builds never weighs on the measured ones
        print(populate(args.populate[0], int(args.populate[1])))
        return
    results = []
    for size in args.articles:
        source_db = recreate(args.postgres, "newsdiffs_bench_source")
        target_db = recreate(args.postgres, "newsdiffs_bench_target")
        manage(source_db, "migrate", "-v0")
        manage(target_db, "migrate", "-v0")
        versions = int(
            subprocess.run(
                [sys.executable, __file__, "--populate", source_db, str(size)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        with tempfile.TemporaryDirectory() as tmp:
            first, second = Path(tmp, "first.jsonl"), Path(tmp, "second.jsonl")
            exported = manage(source_db, "export", "--output", str(first), "--no-progress")
            row = {
                "articles": size,
                "versions": versions,
                "file_mib": round(first.stat().st_size / 2**20, 1),
                "export_seconds": round(exported["seconds"], 1),
                "export_versions_per_second": round(versions / exported["seconds"]),
                "export_articles_per_second": round(size / exported["seconds"]),
                "export_peak_rss_mib": round(exported["peak_rss_mib"]),
            }
            if not args.export_only:
                imported = manage(target_db, "import", str(first), "--no-progress")
                again = manage(target_db, "import", str(first), "--no-progress")
                manage(target_db, "export", "--output", str(second), "--no-progress")
                row.update(
                    import_seconds=round(imported["seconds"], 1),
                    import_versions_per_second=round(versions / imported["seconds"]),
                    import_peak_rss_mib=round(imported["peak_rss_mib"]),
                    reimport_seconds=round(again["seconds"], 1),
                    round_trip_identical=filecmp.cmp(first, second, shallow=False),
                )
        print(json.dumps(row))
        results.append(row)
    if len(results) > 1:
        small, large = results[0], results[-1]
        ratio = large["export_peak_rss_mib"] / small["export_peak_rss_mib"]
        print(f"{large['articles'] / small['articles']:.0f}× the articles: export memory ×{ratio:.2f}")
    out = Path(args.results)
    out.write_text(
        json.dumps({"measured_at": datetime.now(UTC).isoformat(), "runs": results}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
