"""The data folder is 0700 and every file in it 0600, whoever creates it, whatever the umask."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from twitch_coach.models.store import FileSpec, Manifest, ModelSpec, download, store_dir
from twitch_coach.models.userdata import data_dir, private_dir, private_file
from twitch_coach.skill import paths
from twitch_coach.skill.journal import Journal

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """Umask 0: anything not created with an explicit mode comes out world-writable."""
    old = os.umask(0)
    yield
    os.umask(old)


def modes(root: Path) -> dict[str, int]:
    """Mode bits of `root` and everything under it, by path relative to `root`'s parent."""
    return {str(p.relative_to(root.parent)): stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}


def assert_private(root: Path) -> None:
    for name, mode in modes(root).items():
        want = 0o700 if (root.parent / name).is_dir() else 0o600
        assert mode == want, f"{name} is {mode:o}, not {want:o}"


def test_one_function_says_where_the_data_folder_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWITCH_COACH_HOME", raising=False)
    assert paths.home() == data_dir() == store_dir().parent
    assert data_dir().name == "twitch-coach" and data_dir().parent.name != "twitch-coach"  # no vendor folder
    monkeypatch.setenv("TWITCH_COACH_HOME", str(tmp_path / "x"))
    assert paths.home() == data_dir() == store_dir().parent == tmp_path / "x"
    assert data_dir({"TWITCH_COACH_HOME": "~/coach"}) == Path.home() / "coach"


def test_private_dir_makes_every_missing_folder_0700(tmp_path: Path, loose_umask: None) -> None:
    private_dir(tmp_path / "a" / "b" / "c")
    assert modes(tmp_path / "a") == {"a": 0o700, "a/b": 0o700, "a/b/c": 0o700}
    (tmp_path / "mine").mkdir(mode=0o755)
    private_dir(tmp_path / "mine")  # a folder the person made is theirs: left alone
    assert stat.S_IMODE((tmp_path / "mine").stat().st_mode) == 0o755
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        private_dir(tmp_path / "file")


def test_private_file_tightens_an_existing_file_and_keeps_its_content(tmp_path: Path, loose_umask: None) -> None:
    log = tmp_path / "data" / "home.log"
    private_file(log)
    assert_private(tmp_path / "data")
    log.chmod(0o644)
    log.write_text("earlier lines\n")
    private_file(log)
    assert stat.S_IMODE(log.stat().st_mode) == 0o600 and log.read_text() == "earlier lines\n"


def test_models_download_creates_the_data_folder_private(tmp_path: Path, loose_umask: None) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("top/am/final.mdl", b"model")
        zf.writestr("top/conf/deep/x.conf", b"conf")
    data = buffer.getvalue()
    archive = tmp_path / "m.zip"
    archive.write_bytes(data)
    zip_spec = ModelSpec("zipped", "u", len(data), hashlib.sha256(data).hexdigest())
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"weights")
    files_spec = ModelSpec("several", "u", 7, "", kind="files",
                           files=(FileSpec("model.bin", 7, hashlib.sha256(b"weights").hexdigest()),))
    manifest = Manifest({"zipped": zip_spec, "several": files_spec})
    home = tmp_path / "new" / "data"
    download("zipped", str(archive), manifest=manifest, store=home / "models", progress=False)
    download("several", str(folder), manifest=manifest, store=home / "models", progress=False)
    assert_private(tmp_path / "new")
    assert (home / "models" / "zipped" / "conf" / "deep" / "x.conf").read_bytes() == b"conf"


def test_the_journal_creates_the_data_folder_private(tmp_path: Path, loose_umask: None) -> None:
    journal = Journal(tmp_path / "new" / "data" / "journal.sqlite3")
    journal.record("quick", {}, [], [])
    journal.close()
    assert_private(tmp_path / "new")


def test_home_creates_the_data_folder_and_its_log_private(tmp_path: Path) -> None:
    home = tmp_path / "new" / "data"
    env = dict(os.environ, TWITCH_COACH_HOME=str(home))
    # umask 0 in the child, so only explicit modes can make the result private.
    result = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.umask(0); from twitch_coach.skill.cli import main; sys.exit(main())",
         "home", "--json"],
        cwd=ROOT, env=env, input='{"command": "stop"}\n', capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (home / "home.log").is_file()
    assert_private(tmp_path / "new")


def test_private_file_never_follows_a_planted_link_or_opens_a_fifo(tmp_path: Path) -> None:
    target = tmp_path / "someone-elses"
    target.write_text("x")
    target.chmod(0o644)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "home.log").symlink_to(target)
    with pytest.raises(OSError):
        private_file(tmp_path / "data" / "home.log")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    os.mkfifo(tmp_path / "data" / "fifo.log")
    with pytest.raises(OSError):
        private_file(tmp_path / "data" / "fifo.log")  # no reader: fails at once rather than waiting
