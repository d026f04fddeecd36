"""A real HTTP server on 127.0.0.1 for model-download tests, with deliberately bad behaviours."""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from twitch_coach.models.manifest import Manifest, ModelSpec

# Modes: "ok"; "broken" (promise the whole file, send a third, hang up); "hold" (send half, then wait);
# "trickle" (headers, then one byte every `delay` seconds); "trickle-headers" (the status line itself
# one byte every `delay` s); "status:NNN" (that status with a hostile reason text); "garbage" (a raw
# status line that is not HTTP, with terminal escapes); "redirect:/path" (302 to another route).
HOSTILE_TEXT = "\x1b[2J\x1b]0;pwned\x07EVIL"


class Server:
    """A threaded HTTP server serving registered paths; close() stops every slow response too."""

    def __init__(self, delay: float = 5.0) -> None:
        self.routes: dict[str, tuple[bytes, str]] = {}
        self.requests: list[str] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server spelling
                server.requests.append(self.path)
                try:
                    self._answer()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, which is what several tests want
                self.close_connection = True

            def _answer(self) -> None:
                if self.path not in server.routes:
                    self.send_error(404, "no such model")
                    return
                body, mode = server.routes[self.path]
                if mode == "garbage":
                    self.wfile.write(f"HTTP/1.1 abc {HOSTILE_TEXT}\r\n\r\n".encode())
                    return
                if mode == "trickle-headers":
                    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx":
                        if server.stopping.wait(delay):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    return
                if mode.startswith("status:"):
                    self.send_response(int(mode[7:]), HOSTILE_TEXT)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if mode.startswith("redirect:"):
                    self.send_response(302)
                    self.send_header("Location", mode[9:])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode == "trickle":
                    for byte in body:
                        if server.stopping.wait(delay):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                elif mode == "hold":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    server.stopping.wait(60)
                else:
                    self.wfile.write(body[: len(body) // 3] if mode == "broken" else body)
                    self.wfile.flush()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def serve(self, path: str, body: bytes, mode: str = "ok") -> str:
        """Serve `body` at `path` and return its URL."""
        self.routes[path] = (body, mode)
        return self.base + path

    def close(self) -> None:
        """Stop serving and end every slow response."""
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def manifest_of(*specs: ModelSpec) -> Manifest:
    """A manifest holding just `specs`, for downloads from this server."""
    return Manifest({s.name: s for s in specs}, "test manifest")


TOP = "vosk-model-fake-0.1"  # the one folder of the fake Vosk archives


def zip_of(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive of (name, data) entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buffer.getvalue()


def spec_for(data: bytes, url: str = "https://example.invalid/x.zip") -> ModelSpec:
    """The manifest entry of a fake Vosk model whose one archive is `data`."""
    return ModelSpec("fake-model", url, len(data), hashlib.sha256(data).hexdigest(), "vosk")


def assert_empty(store: Path) -> None:
    """Nothing was left behind in the model store."""
    assert not store.exists() or list(store.iterdir()) == []
