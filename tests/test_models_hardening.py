"""Hostile archives, slow and lying servers, stop signals: a clear ModelError each time, nothing left behind."""

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
import struct
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.fetch import Limits, fetch
from models.store import (
    ArchiveError,
    DownloadError,
    FileSpec,
    HostileArchiveError,
    ModelSpec,
    StalledError,
    download,
    extract_zip,
)
from skill.cli import main

from modelserver import HOSTILE_TEXT, Server, manifest_of

ROOT = Path(__file__).resolve().parents[1]
TOP = "vosk-model-fake-0.1"


def zip_of(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buffer.getvalue()


def patch_entry(data: bytes, name: str, *, method: int | None = None, flags: int | None = None,
                first_byte: int | None = None) -> bytes:
    """`data` with entry `name`'s compression method or flag bits rewritten (local and central
    headers), or the first byte of its compressed stream replaced: what zipfile itself refuses to write."""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    local = info.header_offset
    assert out[local:local + 4] == b"PK\x03\x04"
    central = out.find(b"PK\x01\x02" + out[local + 4:local + 6])  # its central record follows the data
    while out[central + 46:central + 46 + len(name)] != name.encode():
        central = out.find(b"PK\x01\x02", central + 4)
    if method is not None:
        struct.pack_into("<H", out, local + 8, method)
        struct.pack_into("<H", out, central + 10, method)
    if flags is not None:
        struct.pack_into("<H", out, local + 6, flags)
        struct.pack_into("<H", out, central + 8, flags)
    if first_byte is not None:
        name_len, extra_len = struct.unpack_from("<HH", out, local + 26)
        out[local + 30 + name_len + extra_len] = first_byte
    return bytes(out)


def spec_for(data: bytes, url: str = "https://example.invalid/x.zip") -> ModelSpec:
    return ModelSpec("fake-model", url, len(data), hashlib.sha256(data).hexdigest(), "vosk")



def install_local(tmp_path: Path, data: bytes) -> Path:
    """Install zip `data` from a local file; returns the store (for checking what is left)."""
    archive = tmp_path / "by-hand.zip"
    archive.write_bytes(data)
    store = tmp_path / "models"
    download("fake-model", str(archive), manifest=manifest_of(spec_for(data)), store=store, progress=False)
    return store


def assert_empty(store: Path) -> None:
    assert not store.exists() or list(store.iterdir()) == []



# Archives --------------------------------------------------------------------------------------

FILE_BESIDE_FOLDER = [(f"{TOP}/x", b"a file"), (f"{TOP}/x/y", b"a file inside it")]


@pytest.mark.parametrize("entries", [FILE_BESIDE_FOLDER, FILE_BESIDE_FOLDER[::-1]], ids=["file-first", "folder-first"])
def test_a_file_beside_a_folder_of_the_same_name(tmp_path: Path, entries) -> None:
    with pytest.raises(HostileArchiveError, match="'vosk-model-fake-0.1/x' is both a file and a folder"):
        install_local(tmp_path, zip_of(entries))
    assert_empty(tmp_path / "models")


def test_a_300_character_name(tmp_path: Path) -> None:
    data = zip_of([(f"{TOP}/{'a' * 300}", b"x"), (f"{TOP}/ok", b"y")])
    with pytest.raises(HostileArchiveError, match="longer than a file system allows"):
        install_local(tmp_path, data)
    assert_empty(tmp_path / "models")


def test_deflate64(tmp_path: Path) -> None:
    data = patch_entry(zip_of([(f"{TOP}/model.bin", b"weights" * 100)], zipfile.ZIP_STORED), f"{TOP}/model.bin",
                       method=9)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo(f"{TOP}/model.bin").compress_type == 9
    with pytest.raises(ArchiveError, match="deflate64 compression method"):
        install_local(tmp_path, data)
    assert_empty(tmp_path / "models")


def test_an_encrypted_entry(tmp_path: Path) -> None:
    data = patch_entry(zip_of([(f"{TOP}/model.bin", b"weights" * 100)]), f"{TOP}/model.bin", flags=0x1)
    with pytest.raises(ArchiveError, match="is encrypted"):
        install_local(tmp_path, data)
    assert_empty(tmp_path / "models")


def test_a_corrupt_deflate_stream(tmp_path: Path) -> None:
    # 0xff starts a deflate block of the reserved type 3: zlib fails, not just a CRC check.
    data = patch_entry(zip_of([(f"{TOP}/model.bin", b"weights" * 1000)]), f"{TOP}/model.bin", first_byte=0xFF)
    with pytest.raises(ArchiveError, match="model.bin' is damaged .*invalid block type"):
        install_local(tmp_path, data)
    assert_empty(tmp_path / "models")


def test_a_bad_crc(tmp_path: Path) -> None:
    good = zip_of([(f"{TOP}/model.bin", b"weights" * 10)], zipfile.ZIP_STORED)
    data = good.replace(b"weights", b"weighTs", 1)
    with pytest.raises(ArchiveError, match="damaged"):
        install_local(tmp_path, data)
    assert_empty(tmp_path / "models")


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
    import models.store

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
    from models.store import FileSpec, Manifest, ModelError, ModelSpec, download
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
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
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


# Any damage to an archive: an ArchiveError or a clean install, never a traceback ----------------

SEED_ZIP = zip_of([(f"{TOP}/am/final.mdl", b"acoustic" * 200), (f"{TOP}/conf/model.conf", b"--beam=10\n"),
                   (f"{TOP}/graph/Gr.fst", os.urandom(300))])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, len(SEED_ZIP) - 1), st.integers(0, 255)), min_size=1, max_size=8),
       cut=st.integers(0, len(SEED_ZIP)))
def test_a_damaged_archive_never_raises_anything_but_an_archive_error(tmp_path_factory, edits, cut) -> None:
    data = bytearray(SEED_ZIP)
    for offset, value in edits:
        data[offset] = value
    folder = tmp_path_factory.mktemp("fuzz")
    archive, dest = folder / "a.zip", folder / "out"
    archive.write_bytes(bytes(data[:cut] if cut > 22 else data))
    dest.mkdir()
    try:
        extract_zip(archive, dest)
    except ArchiveError:
        pass
    assert {p.parent for p in folder.rglob("*")} <= {folder, *[p for p in dest.rglob("*") if p.is_dir()], dest}


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
