"""Slow and lying servers, odd addresses, stop signals: a clear ModelError each time, nothing left behind.

Hostile archives are in test_models_archives.py."""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from stopsignals import hearing_interrupts

from twitch_coach.models.fetch import Limits, fetch
from twitch_coach.models.store import (
    DownloadError,
    FileSpec,
    ModelSpec,
    StalledError,
    download,
)
from twitch_coach.skill.cli import main

from modelserver import HOSTILE_TEXT, TOP, Server, assert_empty, manifest_of, spec_for, zip_of

ROOT = Path(__file__).resolve().parents[1]


# Servers ---------------------------------------------------------------------------------------

QUICK = Limits(timeout=30.0, window=1.5, min_bytes=1024)  # the default rule, on a shorter clock


@pytest.mark.parametrize("mode", ["trickle", "trickle-headers"])
def test_one_byte_every_five_seconds_times_out_with_a_clear_message(server: Server, tmp_path: Path, mode: str) -> None:
    data = zip_of([(f"{TOP}/a", b"x" * 5000)])
    spec = spec_for(data, server.serve("/slow.zip", data, mode))
    started = time.monotonic()
    with pytest.raises(StalledError, match="less than 1024 bytes arrived in 1.5 seconds.*dead or far too slow"):
        download("fake-model", manifest=manifest_of(spec), store=tmp_path / "models", progress=False, limits=QUICK)
    assert time.monotonic() - started < 6  # cut by the watchdog, not by the 30 s read timeout
    assert_empty(tmp_path / "models")


def test_the_default_limits_refuse_a_byte_every_five_seconds() -> None:
    limits = Limits()
    assert limits.window / 5 < limits.min_bytes  # six bytes in a window is far below the floor
    assert limits.window <= 60 and limits.timeout <= 60


@pytest.mark.parametrize("code, words", [(404, "the server has no such file (HTTP 404)"),
                                         (403, "the server refused access to it (HTTP 403)"),
                                         (503, "the server had a problem of its own; try again later (HTTP 503)")])
def test_http_errors_are_said_in_words_without_the_servers_text(server: Server, tmp_path: Path, code, words) -> None:
    spec = spec_for(b"x", server.serve("/e.zip", b"", f"status:{code}"))
    with pytest.raises(DownloadError) as info:
        download("fake-model", manifest=manifest_of(spec), store=tmp_path / "models", progress=False)
    assert words in str(info.value)
    assert "EVIL" not in str(info.value) and "\x1b" not in str(info.value)


def test_a_raw_status_line_that_is_not_http_is_never_printed(server: Server, tmp_path: Path, capsys) -> None:
    spec = spec_for(b"x", server.serve("/g.zip", b"", "garbage"))
    with pytest.raises(DownloadError, match="the server's answer was not valid HTTP") as info:
        download("fake-model", manifest=manifest_of(spec), store=tmp_path / "models", progress=False)
    assert HOSTILE_TEXT not in str(info.value) and "\x1b" not in str(info.value) and "abc" not in str(info.value)


def test_no_connection_mentions_url_for_a_file_fetched_by_hand(server: Server, tmp_path: Path) -> None:
    url = server.serve("/fake.zip", b"x")
    server.close()
    with pytest.raises(DownloadError) as info:
        download("fake-model", manifest=manifest_of(spec_for(b"x", url)), store=tmp_path / "models", progress=False)
    message = str(info.value)
    assert "connection refused" in message
    assert f"download {url} on a machine that has it" in message
    assert "twitch-coach models download fake-model --url FILE" in message


def test_no_connection_for_whisper_lists_its_files_and_the_folder_form(tmp_path: Path, monkeypatch, capsys) -> None:
    import twitch_coach.models.store  # noqa: F401 (loads models.store for the name below)
    from twitch_coach import models

    real = models.store.load_manifest().get("whisper-tiny-en")
    closed = Server()
    closed.close()  # a port on this machine with nothing listening: what no network looks like, safely
    offline = ModelSpec(real.name, closed.base + "/resolve/rev", real.size, "", "whisper", requires=real.requires,
                        kind="files", files=real.files)
    monkeypatch.setattr(models.store, "load_manifest", lambda manifest=None: manifest_of(offline))
    monkeypatch.setenv("TWITCH_COACH_HOME", str(tmp_path / "data"))
    assert main(["models", "download", "whisper-tiny-en"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("download failed: cannot download") and "Traceback" not in err
    assert "twitch-coach models download whisper-tiny-en --url FOLDER" in err
    assert all(f"/resolve/rev/{f.name}" in err for f in real.files)
    assert list((tmp_path / "data" / "models").iterdir()) == []


# Signals ---------------------------------------------------------------------------------------

SCRIPT = textwrap.dedent("""
    import sys
    from twitch_coach.models.store import FileSpec, Manifest, ModelError, ModelSpec, download
    kind, url, size, digest, store = sys.argv[1:]
    if kind == "zip":
        spec = ModelSpec("fake-model", url, int(size), digest)
    else:
        spec = ModelSpec("fake-model", url, int(size), "", kind="files", files=(FileSpec("a.bin", int(size), digest),))
    try:
        download("fake-model", manifest=Manifest({"fake-model": spec}), store=store, progress=False)
    except ModelError as error:
        print(error)
        sys.exit(143)
    except KeyboardInterrupt:
        print("interrupted")
        sys.exit(130)
""")


@pytest.mark.parametrize("kind", ["zip", "files"])
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_mid_download_leaves_no_part_file(server: Server, tmp_path: Path, kind, signum, code) -> None:
    data = os.urandom(200_000)
    url = server.serve("/a.bin", data, "hold") if kind == "files" else server.serve("/a.zip", data, "hold")
    if kind == "files":
        url = url.rsplit("/", 1)[0]
    store = tmp_path / "models"
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, kind, url, str(len(data)), hashlib.sha256(data).hexdigest(), str(store)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=hearing_interrupts,
    )
    try:
        deadline = time.monotonic() + 20
        while not [p for p in store.rglob("*.part") if p.stat().st_size > 0] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(store.rglob("*.part")), "the download never started"
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert ("nothing was installed" if signum == signal.SIGTERM else "interrupted") in out
    assert_empty(store)


# models remove --------------------------------------------------------------------------------


def test_models_remove_asks_first_and_yes_skips_the_question(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TWITCH_COACH_HOME", str(tmp_path))
    model = tmp_path / "models" / "whisper-tiny-en"
    model.mkdir(parents=True)
    (model / "model.bin").write_bytes(b"x")
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert main(["models", "remove", "whisper-tiny-en"]) == 1 and model.is_dir()
    assert "not removed (answer y, or pass --yes)" in capsys.readouterr().err
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    assert main(["models", "remove", "whisper-tiny-en"]) == 0 and not model.exists()
    model.mkdir()
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked despite --yes"))
    assert main(["models", "remove", "whisper-tiny-en", "--yes"]) == 0 and not model.exists()
    assert main(["models", "remove", "whisper-tiny-en", "--yes"]) == 1
    assert "no installed model called 'whisper-tiny-en'" in capsys.readouterr().err
    assert main(["models", "remove", "../escape", "--yes"]) == 1
    assert "is not a model name" in capsys.readouterr().err


def test_models_remove_of_a_link_removes_the_link_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TWITCH_COACH_HOME", str(tmp_path))
    elsewhere = tmp_path / "mine"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "whisper-tiny-en").symlink_to(elsewhere)
    assert main(["models", "remove", "whisper-tiny-en", "--yes"]) == 0
    assert (elsewhere / "keep.txt").read_text() == "keep"


# HTTPS, as the real host serves it -------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """The test server behind TLS with a self-signed certificate for 127.0.0.1 that the client trusts."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed, so no certificate can be made for a local HTTPS server")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    running = Server(delay=5.0)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    running.httpd.socket = context.wrap_socket(running.httpd.socket, server_side=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    yield running
    running.close()


def test_https_downloads_and_its_stalls_are_cut_too(tls_server: Server, tmp_path: Path) -> None:
    data = zip_of([(f"{TOP}/a", os.urandom(5000))])
    url = tls_server.serve("/ok.zip", data).replace("http:", "https:")
    download("fake-model", manifest=manifest_of(spec_for(data, url)), store=tmp_path / "one", progress=False)
    assert (tmp_path / "one" / "fake-model" / "a").stat().st_size == 5000
    slow = tls_server.serve("/slow.zip", data, "trickle").replace("http:", "https:")
    started = time.monotonic()
    with pytest.raises(StalledError, match="dead or far too slow"):  # the watchdog reaches under the TLS layer
        download("fake-model", manifest=manifest_of(spec_for(data, slow)), store=tmp_path / "two", progress=False,
                 limits=QUICK)
    assert time.monotonic() - started < 6
    assert_empty(tmp_path / "two")


def test_an_untrusted_certificate_is_refused_in_words(tls_server: Server, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    data = b"x"
    url = tls_server.serve("/ok.zip", data).replace("http:", "https:")
    with pytest.raises(DownloadError, match="the server's certificate could not be verified"):
        download("fake-model", manifest=manifest_of(spec_for(data, url)), store=tmp_path / "m", progress=False)
    assert_empty(tmp_path / "m")


def test_a_local_url_that_is_not_a_file_says_so(tmp_path: Path) -> None:
    spec = spec_for(b"x")
    with pytest.raises(DownloadError, match="is not a file; give the zip archive of fake-model fetched by hand"):
        download("fake-model", str(tmp_path), manifest=manifest_of(spec), store=tmp_path / "m", progress=False)


@pytest.mark.parametrize("url, words", [
    ("http://", "is not a valid address: it names no server"),
    ("ftp://127.0.0.1/x.zip", "only http://, https:// and file:// addresses, or a local path, can be used"),
    ("http://[::1", "is not a valid address"),
    ("http://127.0.0.1:99999/x.zip", "is not a valid address"),
    ("http://127.0.0.1:1/x y.zip", "is not a valid address (the address is malformed)"),
])
def test_an_odd_address_is_refused_in_words_before_any_connection(tmp_path: Path, url: str, words: str) -> None:
    with pytest.raises(DownloadError, match=re.escape(words)):
        download("fake-model", url, manifest=manifest_of(spec_for(b"x")), store=tmp_path / "m", progress=False)
    assert_empty(tmp_path / "m")


def test_garbled_http_answers_give_a_download_error_in_plain_words() -> None:
    """Mutated status lines, headers, chunked framing and redirects from a raw socket server: never a
    traceback, never a control or non-ASCII character in the message."""
    templates = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    ]
    answer = [b""]
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.settimeout(2)
                    conn.recv(65536)
                    conn.sendall(answer[0])
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/x"
    expected = FileSpec("x", 5, hashlib.sha256(b"hello").hexdigest())
    rng = random.Random(7)
    outcomes = {"installed": 0, "refused": 0}
    try:
        for _ in range(300):
            data = bytearray(rng.choice(templates))
            for _ in range(rng.randint(0, 5)):
                pos, op = rng.randrange(len(data)), rng.random()
                if op < 0.5:
                    data[pos] = rng.randrange(256)
                elif op < 0.75:
                    data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 10)))
                else:
                    del data[pos:pos + rng.randint(1, 5)]
            answer[0] = bytes(data)
            try:
                fetch(url, io.BytesIO(), expected, limits=Limits(timeout=3, window=3))
                outcomes["installed"] += 1
            except DownloadError as error:
                outcomes["refused"] += 1
                assert all(32 <= ord(ch) < 127 for ch in str(error)), repr(str(error))
    finally:
        listener.close()
    assert outcomes["installed"] > 20 and outcomes["refused"] > 150  # both paths were really exercised
