"""Serving the newsroom over HTTP, with the ``/_newsroom/`` controls tests and benchmarks drive it by."""

import hashlib
import json
import threading
import time
from datetime import UTC, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from newsroom.rendering import Chrome, render, render_feed, render_section
from newsroom.stories import CONDITIONAL_TEMPLATES, Story
from newsroom.world import Newsroom

FEED_SIZE = 50


class NewsroomServer(ThreadingHTTPServer):
    daemon_threads = True
    # Many trackers at once: a deep accept queue rather than refused connections.
    request_queue_size = 1024

    def __init__(self, room: Newsroom, address: tuple[str, int]) -> None:
        self.room = room
        super().__init__(address, Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A tracker that hangs up early (a size cap, a timeout) is not the newsroom's error."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: without TCP_NODELAY, Nagle's algorithm holds the body back
    # until the client's delayed ACK (40 ms) on a kept-alive connection. Web servers set it; so do we.
    disable_nagle_algorithm = True
    server: NewsroomServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path == "/_newsroom/clock":
            clock = self.server.room.clock
            if "advance" in query:
                clock.offset += float(query["advance"][0])
            self._send(
                200,
                json.dumps({"now": clock.now().isoformat(), "seconds": clock.seconds()}),
                "application/json",
            )
            return
        if parts.path == "/_newsroom/mode":
            room = self.server.room
            room.churn = query.get("churn", ["1" if room.churn else "0"])[0] == "1"
            room.rewrite = query.get("rewrite", ["1" if room.rewrite else "0"])[0] == "1"
            room.edition = int(query.get("edition", [room.edition])[0])
            room.delay = float(query.get("delay", [room.delay])[0])
            mode = {
                "churn": room.churn,
                "rewrite": room.rewrite,
                "edition": room.edition,
                "delay": room.delay,
            }
            self._send(200, json.dumps(mode), "application/json")
            return
        self._send(404, "not found", "text/plain")

    def do_GET(self) -> None:
        room = self.server.room
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        now = room.clock.seconds()
        base = f"http://{self.headers.get('Host', '127.0.0.1')}"
        if path == "/_newsroom/truth.json":
            at = float(query["at"][0]) if "at" in query else now
            ids = [int(i) for i in query["ids"][0].split(",") if i] if "ids" in query else None
            self._send(200, json.dumps(room.truth(at, ids)), "application/json")
        elif path == "/_newsroom/served.json":
            with room.lock:
                served = {str(k): v for k, v in room.served.items()}
            self._send(200, json.dumps(served), "application/json")
        elif path == "/_newsroom/clock":
            self._send(
                200, json.dumps({"now": room.clock.now().isoformat(), "seconds": now}), "application/json"
            )
        elif path in ("/robots.txt",):
            self._send(200, "User-agent: *\nDisallow: /private/\n", "text/plain")
        elif path == "/":
            self._send(
                200,
                render_section(room, room.visible(now)[:FEED_SIZE], "The Newsroom"),
                "text/html; charset=utf-8",
            )
        elif path.startswith("/section/"):
            section = path.strip("/").split("/")[-1]
            ids = [i for i in room.visible(now)[: FEED_SIZE * 10] if room.story(i).section == section][
                :FEED_SIZE
            ]
            self._send(200, render_section(room, ids, section.title()), "text/html; charset=utf-8")
        elif path in ("/feeds/all.rss", "/feeds/all.atom"):
            atom = path.endswith(".atom")
            body = render_feed(room, room.visible(now)[:FEED_SIZE], atom, base)
            self._send(200, body, "application/atom+xml" if atom else "application/rss+xml")
        elif path.startswith("/story/"):  # old short links, moved for good
            story = self._story(path.rsplit("/", 1)[-1])
            if story is None:
                self._send(404, "not found", "text/plain")
            else:
                self._redirect(story.path(room.clock.start))
        elif path.startswith("/news/"):
            story = self._story(path.removesuffix("/").rsplit("-", 1)[-1])
            if story is None or story.path(room.clock.start) not in (path, path.removesuffix("/")):
                self._send(404, "<h1>Not found</h1>", "text/html")
            else:
                self._article(room, story, now - story.published, moved=path.endswith("/"))
        else:
            self._send(404, "<h1>Not found</h1>", "text/html")

    def _story(self, raw_id: str) -> Story | None:
        room = self.server.room
        if not raw_id.isdigit() or not 0 <= int(raw_id) < room.count:
            return None
        story = room.story(int(raw_id))
        return story if room.clock.seconds() >= story.published else None

    def _article(self, room: Newsroom, story: Story, age: float, moved: bool) -> None:
        status = room.status(story, age)
        if status != 200:
            self._send(status, "<h1>Gone</h1>" if status == 410 else "<h1>Not found</h1>", "text/html")
            return
        request = room.next_request(story.id)
        faulty = story.fault and age >= story.fault_after
        if faulty and story.fault == "error500" and request % 3 == 0:
            self._send(500, "<h1>Internal error</h1>", "text/html")
            return
        if faulty and story.fault == "moved" and not moved:
            # Moved for good, to an address that answers with the same story (a re-slugged URL).
            self._redirect(story.path(room.clock.start) + "/")
            return
        if faulty and story.fault == "binary":
            self._send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 40, "application/pdf")
            return
        if faulty and story.fault == "slow":
            time.sleep(1.5)
        if room.delay:
            time.sleep(room.delay)
        text = room.text_for(story, age, request)
        room.log_served(story.id, text)
        page = render(room, story, text, Chrome.for_request(room, story, request, age), age)
        if faulty and story.fault == "huge":
            page = page.replace("</body>", "<!--" + "x" * 6_000_000 + "--></body>")
        content_type = "text/html; charset=utf-8"
        if story.fault == "charset":  # declares Latin-1 but sends UTF-8, as misconfigured servers do
            content_type = "text/html; charset=iso-8859-1"
        headers: dict[str, str] = {}
        if story.template in CONDITIONAL_TEMPLATES and not room.churn:
            validator = hashlib.sha256(page.encode()).hexdigest()[:32]
            edits = [e for e in story.edits if e.at <= age]
            changed = room.clock.start + timedelta(seconds=story.published + (edits[-1].at if edits else 0))
            headers = {
                "ETag": f'"{validator}"',
                "Last-Modified": format_datetime(changed.astimezone(UTC), usegmt=True),
            }
            if self.headers.get("If-None-Match") == headers["ETag"]:
                self._send(304, b"", None, headers)
                return
        self._send(200, page, content_type, headers)

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(
        self, status: int, body: str | bytes, content_type: str | None, headers: dict[str, str] | None = None
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status != 304:
            self.wfile.write(data)


def serve(room: Newsroom, host: str = "127.0.0.1", port: int = 0) -> tuple[NewsroomServer, threading.Thread]:
    """Start serving ``room`` in a background thread; the server's address says which port it got."""
    server = NewsroomServer(room, (host, port))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return server, thread
