"""The world: its clock, which stories are out when, what each request is served, and the truth."""

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from newsroom.stories import DAY, REWRITE_KINDS, Edit, Story, Text, apply_edit, make_story
from newsroom.words import AD_COPY


@dataclass
class Clock:
    """World time: ``start`` plus real time elapsed times ``speed``, plus any advance asked for."""

    start: datetime
    speed: float = 1.0
    offset: float = 0.0
    origin: float = field(default_factory=time.monotonic)

    def seconds(self) -> float:
        return (time.monotonic() - self.origin) * self.speed + self.offset

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds())


class Newsroom:
    """The world: ``articles`` stories, all published by the start unless ``publish_every`` spreads the
    last ones into the future (a demo then sees new stories appear in the feeds)."""

    def __init__(
        self,
        articles: int,
        *,
        seed: int = 1,
        start: datetime = datetime(2026, 11, 26, 6, 0, tzinfo=UTC),
        speed: float = 1.0,
        churn: bool = True,
        faults: bool = True,
        published: int | None = None,
        publish_every: float = 600.0,
        pad_kib: int = 60,
    ) -> None:
        self.seed, self.count, self.churn, self.faults = seed, articles, churn, faults
        self.clock = Clock(start, speed)
        self.published_before = articles if published is None else published
        self.publish_every = publish_every
        # Real news pages weigh 100 KiB or more, mostly markup and scripts around the story.
        self.padding = _padding(pad_kib)
        self.requests: dict[int, int] = {}
        # Benchmarks: every request serves a new edit on top of the clock's text ("rewrite"), and the text
        # keys served to each story are logged, to check a tracker stored each one once and nothing else.
        self.rewrite = False
        # Fault runs (bench/faults.py): "edition" k > 0 makes every story serve one fixed text per edition,
        # however often it is fetched, so each edition must be stored exactly once; "delay" holds every
        # article response that many seconds, so that a worker killed mid-round dies mid-check.
        self.edition = 0
        self.delay = 0.0
        self.served: dict[int, list[str]] = {}
        self.lock = threading.Lock()

    def published_at(self, story_id: int) -> float:
        """Stories before ``published_before`` came out over the day before the start, the rest later."""
        if story_id < self.published_before:
            return -DAY * (self.published_before - story_id) / max(self.published_before, 1)
        return (story_id - self.published_before + 1) * self.publish_every

    def story(self, story_id: int) -> Story:
        return _story(self.seed, story_id, self.published_at(story_id), self.faults)

    def visible(self, at: float) -> list[int]:
        """Ids of the stories published by ``at``, newest first."""
        last = self.count - 1
        while last >= 0 and self.published_at(last) > at:
            last -= 1
        return list(range(last, -1, -1))

    def next_request(self, story_id: int) -> int:
        with self.lock:
            self.requests[story_id] = self.requests.get(story_id, 0) + 1
            return self.requests[story_id]

    def log_served(self, story_id: int, text: Text) -> None:
        with self.lock:
            self.served.setdefault(story_id, []).append(text.key)

    def text_for(self, story: Story, age: float, request: int) -> Text:
        """What this request gets: the clock's text (one of the A/B variants in turn), rewritten once
        more for this request in rewrite mode."""
        variants = story.variants_at(age)
        text = variants[request % len(variants)]
        if self.edition:  # one more paragraph per edition: each edition's text differs from all others
            update = f"Update {self.edition}: this story has been revised since it was first published."
            text = Text(variants[0].title, (*variants[0].paragraphs, update))
        elif self.rewrite:
            kind = REWRITE_KINDS[request % len(REWRITE_KINDS)]
            title, paragraphs = apply_edit(
                Edit(0, kind, hash((story.id, request))), text.title, text.paragraphs
            )
            text = Text(title, tuple(paragraphs))
        return text

    def truth(self, at: float, ids: list[int] | None = None) -> dict[str, object]:
        epoch = self.clock.start
        stories = []
        for story_id in ids if ids is not None else range(self.count):
            if not 0 <= story_id < self.count:
                continue
            story = self.story(story_id)
            age = at - story.published
            status = self.status(story, age)
            entry: dict[str, object] = {"id": story_id, "path": story.path(epoch), "status": status}
            if age >= 0:
                texts = story.texts_until(age)
                entry["edits"] = [{"at": _iso(epoch, story.published + e.at), "kind": e.kind}
                                  for e in story.edits if e.at <= age]  # fmt: skip
                entry["texts"] = [t.key for t in texts]
                entry["serving"] = [t.key for t in story.variants_at(age)]
                if story.ab_headline:
                    entry["ab_variants"] = [t.key for t in story.variants_at(min(age, story.ab_until - 1))]
            entry["fault"] = story.fault
            stories.append(entry)
        return {"at": _iso(epoch, at), "articles": stories}

    @staticmethod
    def status(story: Story, age: float) -> int:
        if age < 0:
            return 404
        if story.fault == "gone404" and age >= story.fault_after:
            return 404
        if story.fault == "gone410" and age >= story.fault_after:
            return 410
        return 200


@lru_cache(maxsize=200_000)
def _story(seed: int, story_id: int, published: float, faults: bool) -> Story:
    return make_story(seed, story_id, published, faults)


def _iso(epoch: datetime, seconds: float) -> str:
    return (epoch + timedelta(seconds=seconds)).isoformat()


def _padding(kib: int) -> str:
    """Inline scripts and styles of the size real pages carry (never part of the story)."""
    blob = json.dumps({"config": {f"flag{i}": i % 3 == 0 for i in range(200)}, "ads": list(AD_COPY)})
    style = "".join(f".c{i}{{margin:{i % 7}px;color:#{i:06x}}}" for i in range(400))
    chunk = f"<script>window.__CONFIG__={blob};</script><style>{style}</style>\n"
    return chunk * max(kib * 1024 // len(chunk), 1)
