"""Restate the change statistics of stored versions that may hold a move: a paragraph removed in one place
and added in another was counted as all its words removed and added (diffing.DIFF_RELEASE 2 counts it as
moved). Only versions with both paragraphs added and removed can hold one; they are read in batches, each
against its predecessor, and written back only when a figure changes."""

import dataclasses

from django.db import migrations

BATCH = 500


def restate(apps, schema_editor):  # type: ignore[no-untyped-def]
    from articles.diffing import change_stats
    from articles.normalising import ArticleText

    Version = apps.get_model("articles", "Version")
    candidates = (
        Version.objects.filter(number__gt=0, paragraphs_added__gt=0, paragraphs_removed__gt=0)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    last = 0
    while batch := list(candidates.filter(pk__gt=last)[:BATCH]):
        last = batch[-1]
        changed = []
        for version in Version.objects.filter(pk__in=batch).only(
            "article_id", "number", "title", "byline", "paragraphs", *STATS
        ):
            previous = (
                Version.objects.filter(article_id=version.article_id, number=version.number - 1)
                .only("title", "byline", "paragraphs")
                .first()
            )
            if previous is None:
                continue
            computed = dataclasses.asdict(
                change_stats(
                    ArticleText(previous.title, previous.byline, tuple(previous.paragraphs)),
                    ArticleText(version.title, version.byline, tuple(version.paragraphs)),
                )
            )
            # Only the figures this migration's model has (later releases add others).
            stats = {name: computed[name] for name in STATS}
            if any(getattr(version, name) != value for name, value in stats.items()):
                for name, value in stats.items():
                    setattr(version, name, value)
                changed.append(version)
        Version.objects.bulk_update(changed, STATS)


STATS = [
    "words_added", "words_removed", "paragraphs_added", "paragraphs_removed", "paragraphs_changed",
    "title_changed", "paragraphs_moved",
]  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_version_paragraphs_moved")]

    operations = [migrations.RunPython(restate, migrations.RunPython.noop, elidable=True)]
