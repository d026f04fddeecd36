"""Fetching one file over HTTP(S) or from disk: size and sha256 checked as it streams, stalls cut off.

A connection that delivers fewer than `min_bytes` in any `window` seconds (the headers included) is
cut by a watchdog thread: a per-read socket timeout alone never fires on a server that sends one
byte every few seconds. Errors are said in words; nothing a server sends is echoed to the terminal.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol, TextIO

from twitch_coach.models.errors import (
    ChecksumError,
    ConnectionBrokenError,
    DownloadError,
    SizeMismatchError,
    StalledError,
)

_CHUNK = 1 << 16  # bytes read per step


class Expected(Protocol):
    """What a fetched file must be: a manifest entry (ModelSpec or FileSpec)."""

    @property
    def name(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def sha256(self) -> str: ...


@dataclass(frozen=True)
class Limits:
    """How long a download may wait: per read, and the least it must receive in any window."""

    timeout: float = 30.0
    """Seconds a connect or a single read may take."""
    window: float = 30.0
    """Seconds over which at least `min_bytes` must arrive (headers count as nothing)."""
    min_bytes: int = 8192
    """Bytes that must arrive in every `window` (about 270 bytes a second by default)."""


# What an HTTP status means for the person, in words; the server's own reason text is never shown.
_HTTP_WORDS = {
    401: "the server wants a login for it",
    403: "the server refused access to it",
    404: "the server has no such file",
    410: "the server no longer has it",
    429: "the server is turning away too many requests",
}


def http_words(code: int) -> str:
    """A plain sentence for HTTP status `code`, with the number for reference."""
    if code in _HTTP_WORDS:
        words = _HTTP_WORDS[code]
    elif 500 <= code < 600:
        words = "the server had a problem of its own; try again later"
    elif 300 <= code < 400:
        words = "the server sent it elsewhere too many times or without saying where"
    else:
        words = "the server would not send it"
    return f"{words} (HTTP {code})"


class _Watchdog:
    """Shuts the connection's sockets when too little has arrived for too long."""

    def __init__(self, limits: Limits) -> None:
        """Start watching with `limits`; call close() when the transfer is over."""
        self.limits = limits
        self.stalled = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._mark, self._since = time.monotonic(), 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="download-watchdog", daemon=True)
        self._thread.start()

    def track(self, sock: socket.socket) -> socket.socket:
        """Watch socket `sock` (returned as it is, so it can wrap socket.create_connection)."""
        with self._lock:
            self._sockets.append(sock)
        return sock

    def arrived(self, count: int) -> None:
        """Record that `count` bytes came in."""
        with self._lock:
            self._since += count
            if self._since >= self.limits.min_bytes:
                self._mark, self._since = time.monotonic(), 0

    def _run(self) -> None:
        """Check a few times a window; on a stall, shut every socket so a blocked read returns."""
        while not self._done.wait(min(0.25, self.limits.window / 4)):
            with self._lock:
                if time.monotonic() - self._mark <= self.limits.window:
                    continue
                self.stalled = True
                for sock in self._sockets:
                    try:
                        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the raw socket, under any TLS layer
                    except OSError:
                        pass
            return

    def close(self) -> None:
        """Stop watching."""
        self._done.set()
        self._thread.join(1.0)


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """A urllib opener (redirects included) whose every connection's socket the watchdog can cut."""

    def tracked(conn_class: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
        class Tracked(conn_class):  # type: ignore[valid-type, misc]
            _create_connection: Callable[..., socket.socket]  # http.client's, not in its stubs

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                connect = self._create_connection
                self._create_connection = lambda *a, **k: watchdog.track(connect(*a, **k))

            def connect(self) -> None:
                super().connect()
                watchdog.track(self.sock)  # TLS wraps the plain socket in a new object: watch that one too

        return Tracked

    plain, secure = tracked(http.client.HTTPConnection), tracked(http.client.HTTPSConnection)

    class Http(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(plain, req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(secure, req, context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(Http, Https)


def fetch(
    url: str,
    out: BinaryIO,
    expected: Expected,
    progress: Callable[[int], None] | None = None,
    limits: Limits = Limits(),
) -> None:
    """Stream `url` into `out`, checking the byte count and sha256 against `expected` as it goes.

    `progress` is called with the bytes received so far. Raises a DownloadError subclass whose
    message says what happened in words.
    """
    _check_address(url)
    watchdog = _Watchdog(limits)
    try:
        _fetch(url, out, expected, progress or (lambda _n: None), limits, watchdog)
    except (ValueError, http.client.InvalidURL) as exc:  # urllib's own parsing of an odd address
        raise DownloadError(f"{url} is not a valid address ({_reason(exc)})") from exc
    except (OSError, http.client.HTTPException) as exc:
        if watchdog.stalled:
            raise _stall(url, limits) from exc
        raise DownloadError(f"cannot download {url}: {_reason(exc)}") from exc
    except DownloadError:
        if watchdog.stalled:
            raise _stall(url, limits) from None
        raise
    finally:
        watchdog.close()


def _check_address(url: str) -> None:
    """Refuse, before any connection, an address that is not http(s) with a host, or file."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise DownloadError(f"{url} is not a valid address") from None
    if parts.scheme not in ("http", "https", "file"):
        raise DownloadError(f"{url}: only http://, https:// and file:// addresses, or a local path, can be used")
    if parts.scheme != "file" and not parts.hostname:
        raise DownloadError(f"{url} is not a valid address: it names no server")


def _stall(url: str, limits: Limits) -> StalledError:
    """The error for a connection the watchdog cut."""
    return StalledError(
        f"gave up on {url}: less than {limits.min_bytes} bytes arrived in {limits.window:g} seconds, "
        "so the connection is dead or far too slow; try again later"
    )


def _reason(exc: BaseException) -> str:
    """What went wrong, in words, for a connection-level error (never the server's raw text)."""
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "the server's certificate could not be verified, so it may not be who it says"
    if isinstance(exc, ssl.SSLError):
        return "the secure connection to the server failed"
    if isinstance(exc, socket.gaierror):
        return "the server's name could not be looked up (no network, or no name service)"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "the server did not answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "nothing is listening at that address (connection refused)"
    if isinstance(exc, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError):
        return "the server closed the connection"
    if isinstance(exc, http.client.InvalidURL | ValueError):
        return "the address is malformed"
    if isinstance(exc, http.client.HTTPException):
        return "the server's answer was not valid HTTP"
    if isinstance(exc, FileNotFoundError):
        return "there is no such file"
    if isinstance(exc, IsADirectoryError):
        return "that is a folder, not a file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return "the connection failed"


def _fetch(
    url: str,
    out: BinaryIO,
    expected: Expected,
    progress: Callable[[int], None],
    limits: Limits,
    watchdog: _Watchdog,
) -> None:
    """fetch() without the stall and error translation."""
    request = urllib.request.Request(url, headers={"User-Agent": "twitch-coach"})
    try:
        response = _opener(watchdog).open(request, timeout=limits.timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DownloadError(f"cannot download {url}: {http_words(exc.code)}") from None
    with response:
        header = response.headers.get("Content-Length")
        offered = int(header) if header and header.isdigit() and len(header) < 19 else None
        if offered is not None and offered != expected.size:
            raise SizeMismatchError(
                f"{url} offers {offered} bytes but the manifest expects {expected.size} for {expected.name}; "
                "the file there is not the one the manifest describes"
            )
        digest, received = hashlib.sha256(), 0
        while True:
            try:
                # read1: whatever has arrived (up to a chunk), so the watchdog's count stays current.
                block = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                if watchdog.stalled:
                    raise
                raise ConnectionBrokenError(
                    f"the download of {url} broke off after {received} of {expected.size} bytes "
                    f"({_reason(exc)}); run the same command again"
                ) from exc
            if not block:
                break
            received += len(block)
            watchdog.arrived(len(block))
            if received > expected.size:
                raise SizeMismatchError(f"{url} sent more than the {expected.size} bytes the manifest expects")
            digest.update(block)
            out.write(block)
            progress(received)
    # http.client returns b"" rather than raising when the server hangs up early, so count ourselves.
    if received < expected.size and (offered is not None or watchdog.stalled):
        raise ConnectionBrokenError(
            f"the server closed the connection after {received} of {expected.size} bytes of {url}; "
            "run the same command again"
        )
    if received != expected.size:
        raise SizeMismatchError(
            f"{url} gave {received} bytes but the manifest expects {expected.size} for {expected.name}"
        )
    if digest.hexdigest() != expected.sha256:
        raise ChecksumError(
            f"the sha256 of {url} is {digest.hexdigest()}, not {expected.sha256} as the manifest says; "
            "the download is damaged or not the expected file, so it was not installed"
        )


class ProgressBar:
    """A one-line text progress bar, redrawn when the whole percentage changes."""

    def __init__(self, stream: TextIO | None, label: str, total: int) -> None:
        """Draw on `stream` (nothing when None) for `total` bytes of `label`."""
        self.stream, self.label, self.total = stream, label, max(1, total)
        self._shown = -1

    def update(self, done: int) -> None:
        """Show that `done` bytes have arrived."""
        percent = min(100, done * 100 // self.total)
        if self.stream is None or percent == self._shown:
            return
        self._shown = percent
        filled = percent * 30 // 100
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] "
            f"{done / 1e6:6.1f} / {self.total / 1e6:.1f} MB {percent:3d}%"
        )
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.stream is not None and self._shown >= 0:
            self.stream.write("\n")
            self.stream.flush()
