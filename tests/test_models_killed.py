"""A download killed with kill -9 leaves its staging folder; the next download clears it and installs."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from twitch_coach.models.store import DownloadError, FileSpec, Manifest, ModelSpec, download

from modelserver import Server, zip_of

ROOT = Path(__file__).resolve().parents[1]


KILLED = textwrap.dedent("""
    import sys
    from twitch_coach.models.store import FileSpec, Manifest, ModelSpec, download
    kind, url, size, digest, store = sys.argv[1:]
    if kind == "zip":
        spec = ModelSpec("fake-model", url, int(size), digest)
    else:
        spec = ModelSpec("fake-model", url, int(size), "", kind="files", files=(FileSpec("a.bin", int(size), digest),))
    download("fake-model", manifest=Manifest({"fake-model": spec}), store=store, progress=False)
""")


@pytest.mark.parametrize("kind", ["zip", "files"])
def test_the_next_download_clears_what_a_kill_9_left_and_installs(server: Server, tmp_path: Path, kind) -> None:
    data = os.urandom(200_000)
    path = "/a.bin" if kind == "files" else "/a.zip"
    held = server.serve(path, data, "hold")
    store = tmp_path / "models"
    digest = hashlib.sha256(data).hexdigest()
    base = held.rsplit("/", 1)[0] if kind == "files" else held
    proc = subprocess.Popen([sys.executable, "-c", KILLED, kind, base, str(len(data)), digest, str(store)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not [p for p in store.rglob("*.part") if p.stat().st_size > 0] and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.kill()  # SIGKILL: no clean-up runs
        proc.wait(timeout=10)
    finally:
        proc.kill()
    left = [p.name for p in store.iterdir()]
    assert left and all(name.startswith(".fake-model-") for name in left), left  # what kill -9 leaves
    if kind == "zip":
        body = zip_of([("fake/a.bin", data)])
        spec = ModelSpec("fake-model", server.serve("/b.zip", body), len(body), hashlib.sha256(body).hexdigest())
    else:
        url = server.serve("/ok/a.bin", data).rsplit("/", 1)[0]
        spec = ModelSpec("fake-model", url, len(data), "", kind="files", files=(FileSpec("a.bin", len(data), digest),))
    target = download("fake-model", manifest=Manifest({"fake-model": spec}), store=store, progress=False)
    assert [p.name for p in store.iterdir()] == ["fake-model"] and target.is_dir()


def test_a_download_under_way_is_never_taken_for_a_leftover(tmp_path: Path) -> None:
    import fcntl

    store = tmp_path / "models"
    staging = store / ".fake-model-running.downloading"
    staging.mkdir(parents=True)
    fd = os.open(store, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # what a running download holds
        spec = ModelSpec("fake-model", "http://127.0.0.1:9/a.zip", 10, "0" * 64)
        with pytest.raises(DownloadError, match="another download .* is under way"):
            download("fake-model", manifest=Manifest({"fake-model": spec}), store=store, progress=False)
        assert staging.is_dir()
    finally:
        os.close(fd)
