"""The model store: where speech models live, which are installed, and a checked, atomic download.

A model is installed into `<store>/<name>/` only once every byte is checked against the manifest:
a zip is fetched, verified and unpacked beside the target; a multi-file model has each file fetched
and verified into a staging folder beside it. Either is renamed into place whole, so a failure,
Ctrl-C or SIGTERM leaves nothing half-installed and no partial file behind; what a kill -9 leaves is
cleared by the next download, which holds the store's lock so that it never clears a running one's.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from twitch_coach.models.errors import (
    AlreadyInstalledError,
    ArchiveError,
    ChecksumError,
    ConnectionBrokenError,
    DownloadError,
    DownloadInterrupted,
    HostileArchiveError,
    ManifestError,
    ModelError,
    SizeMismatchError,
    StalledError,
    UnknownModelError,
)
from twitch_coach.models.fetch import Limits, ProgressBar, fetch
from twitch_coach.models.manifest import MANIFEST_PATH, FileSpec, Manifest, ModelSpec, load_manifest
from twitch_coach.models.unzip import extract_zip
from twitch_coach.models.userdata import HOME_ENV, data_dir, open_private, private_dir

__all__ = [  # what the rest of the project imports from here
    "HOME_ENV", "MANIFEST_PATH", "AlreadyInstalledError", "ArchiveError", "ChecksumError", "ConnectionBrokenError",
    "DownloadError", "DownloadInterrupted", "FileSpec", "HostileArchiveError", "InstalledModel", "Limits",
    "Manifest", "ManifestError", "ModelError", "ModelSpec", "SizeMismatchError", "StalledError",
    "UnknownModelError", "download", "extract_zip", "fetch", "installed", "load_manifest", "locate", "remove",
    "store_dir",
]


def store_dir(env: Mapping[str, str] | None = None) -> Path:
    """Folder models are installed in: the data folder's models/ (TWITCH_COACH_HOME or the platform's)."""
    return data_dir(env) / "models"


@dataclass(frozen=True)
class InstalledModel:
    """A folder in the store."""

    name: str
    """Folder name, which is the manifest name for models installed by `download`."""
    path: Path
    """Where it is."""
    ok: bool
    """True when every file the manifest requires is there (at its size, for multi-file models)."""
    problem: str = ""
    """Why it is not ok (or a note for folders the manifest does not know); empty otherwise."""


def installed(store: str | Path | None = None, manifest: Manifest | str | Path | None = None) -> list[InstalledModel]:
    """Models in the store, sorted by name, each checked against the manifest's required files."""
    root = Path(store) if store is not None else store_dir()
    if not root.is_dir():
        return []
    specs = load_manifest(manifest).models
    found = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or not path.is_dir():
            continue  # dot entries are downloads in progress (or left by a killed one)
        spec = specs.get(path.name)
        if spec is None:
            found.append(InstalledModel(path.name, path, True, "not in the manifest; not checked"))
            continue
        problems = [f"missing {r}" for r in spec.requires if not (path / r).is_file()]
        problems += [
            f"{f.name} is {(path / f.name).stat().st_size} bytes, not {f.size}"
            for f in spec.files
            if (path / f.name).is_file() and (path / f.name).stat().st_size != f.size
        ]
        problem = f"{'; '.join(problems)}; run: twitch-coach models remove {path.name}" if problems else ""
        found.append(InstalledModel(path.name, path, not problems, problem))
    return found


def locate(name: str, store: str | Path | None = None) -> Path:
    """The folder of installed model `name`, or ModelError when there is none (or it is not a name)."""
    target = (Path(store) if store is not None else store_dir()) / name
    if name in ("", ".", "..") or name.startswith(".") or "/" in name or "\\" in name:
        raise ModelError(f"{name!r} is not a model name; `twitch-coach models` lists the installed ones")
    if not (target.is_dir() or target.is_symlink()):
        raise ModelError(f"no installed model called {name!r} in {target.parent}")
    return target


def remove(name: str, store: str | Path | None = None) -> Path:
    """Delete the installed model `name` and return where it was."""
    target = locate(name, store)
    if target.is_symlink():
        target.unlink()  # a link someone made by hand: remove the link, never what it points to
        return target
    try:
        shutil.rmtree(target)
    except OSError as exc:
        raise ModelError(f"cannot remove {target}: {exc.strerror or exc}") from exc
    return target


def download(
    name: str,
    url: str | None = None,
    *,
    progress: TextIO | bool = True,
    manifest: Manifest | str | Path | None = None,
    store: str | Path | None = None,
    timeout: float = 30.0,
    limits: Limits | None = None,
) -> Path:
    """Download, verify and install model `name` into the store; return its folder.

    `url` overrides the manifest's: for a zip model an address or local path of the archive, for a
    multi-file model an address or local folder holding its files (fetched by hand). Everything is
    still checked against the manifest's sizes and sha256. `progress` is a stream for the progress
    bar, True for stderr or False for none. `limits` (or just `timeout`) bound how long it waits.
    """
    spec = load_manifest(manifest).get(name)
    if url is not None and "://" not in url:
        _check_local(spec, Path(url).expanduser())
    root = Path(store) if store is not None else store_dir()
    target = root / name
    if target.exists() or target.is_symlink():
        raise AlreadyInstalledError(
            f"{name} is already installed at {target}; to reinstall it, run: twitch-coach models remove {name}"
        )
    try:
        private_dir(root)
    except OSError as exc:
        raise ModelError(f"cannot create the models folder {root}: {exc.strerror or exc}") from exc
    stream = sys.stderr if progress is True else (progress or None)
    limits = limits or Limits(timeout=timeout)
    try:
        with _sigterm_raises(), _only_download(root):
            _clear_leftovers(root)
            if spec.kind == "files":
                _install_files(spec, url, root, target, stream, limits)
            else:
                _install_zip(spec, url, root, target, stream, limits)
    except (SizeMismatchError, ChecksumError, ConnectionBrokenError):
        raise
    except DownloadError as exc:
        if url is not None:
            raise
        raise type(exc)(f"{exc}. {_by_hand(spec)}") from exc
    except OSError as exc:  # the store itself: read-only, full, or not ours
        raise ModelError(f"cannot write the model into {root}: {(exc.strerror or str(exc)).lower()}") from exc
    return target


def _check_local(spec: ModelSpec, path: Path) -> None:
    """A clear error when a local --url is not the kind of thing this model is installed from."""
    if spec.kind == "files" and not path.is_dir():
        names = ", ".join(f.name for f in spec.files)
        raise DownloadError(f"{path} is not a folder; give the folder holding the files of {spec.name} ({names})")
    if spec.kind == "zip" and not path.is_file():
        raise DownloadError(f"{path} is not a file; give the zip archive of {spec.name} fetched by hand")


def _by_hand(spec: ModelSpec) -> str:
    """How to install `spec` on a machine without internet."""
    if spec.kind == "files":
        urls = " ".join(u for _, u in spec.file_urls())
        return (
            f"Without internet here, download these {len(spec.files)} files into one folder on a machine "
            f"that has it: {urls} ; copy the folder over and run: "
            f"twitch-coach models download {spec.name} --url FOLDER"
        )
    return (
        f"Without internet here, download {spec.url} on a machine that has it, copy the file over and run: "
        f"twitch-coach models download {spec.name} --url FILE"
    )


def _install_zip(
    spec: ModelSpec, url: str | None, root: Path, target: Path, stream: TextIO | None, limits: Limits
) -> None:
    """Fetch the archive to a dot file, unpack it into a dot folder, rename that into place."""
    fd, part = tempfile.mkstemp(prefix=f".{spec.name}-", suffix=".zip.part", dir=root)  # mode 0600
    staging: Path | None = None
    bar = ProgressBar(stream, spec.name, spec.size)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                fetch(_as_url(url or spec.url), out, spec, bar.update, limits)
            finally:
                bar.close()
        staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", suffix=".unpacking", dir=root))  # mode 0700
        extract_zip(Path(part), staging)
        missing = [r for r in spec.requires if not (staging / r).is_file()]
        if missing:
            raise ArchiveError(
                f"the archive for {spec.name} does not contain {', '.join(missing)}; it is not this model"
            )
        _move_into_place(staging, target)
        staging = None
    finally:
        Path(part).unlink(missing_ok=True)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _install_files(
    spec: ModelSpec, base: str | None, root: Path, target: Path, stream: TextIO | None, limits: Limits
) -> None:
    """Fetch each file into a dot folder (each as a .part until checked), rename the folder into place."""
    staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", suffix=".downloading", dir=root))
    bar = ProgressBar(stream, spec.name, spec.size)
    done, moved = 0, False
    try:
        for item, url in spec.file_urls(_as_url(base) if base else None):
            part = staging / f".{item.name}.part"
            with os.fdopen(open_private(part), "wb") as out:
                fetch(url, out, item, functools.partial(_shifted, bar.update, done), limits)
            os.rename(part, staging / item.name)
            done += item.size
        bar.close()
        _move_into_place(staging, target)
        moved = True
    finally:
        bar.close()
        if not moved:
            shutil.rmtree(staging, ignore_errors=True)


# What a download of a model leaves beside the store while it runs (see _install_zip and _install_files).
_LEFTOVER_SUFFIXES = (".downloading", ".unpacking", ".zip.part")


@contextlib.contextmanager
def _only_download(root: Path) -> Iterator[None]:
    """Hold the store's lock while inside: one download at a time, so another's staging folder is never
    taken for a leftover. The lock is the kernel's (flock on the folder), so a kill -9 releases it."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise DownloadError(
                f"another download into {root} is under way; wait for it to finish, then run this again"
            ) from exc
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _clear_leftovers(root: Path) -> None:
    """Delete what earlier downloads left when they were killed outright (kill -9, power cut): staging
    folders and part files. Only called with the store's lock held, so none of it is in use."""
    for path in root.glob(".*"):
        if not path.name.endswith(_LEFTOVER_SUFFIXES):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _shifted(update: Callable[[int], None], before: int, n: int) -> None:
    """Progress of one file of many: `n` bytes of it after the `before` bytes of the files done."""
    update(before + n)


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename the finished `staging` folder to `target`, refusing to replace one installed meanwhile."""
    try:
        os.rename(staging, target)
    except OSError as exc:
        if target.exists():
            raise AlreadyInstalledError(f"{target.name} was installed at {target} by someone else meanwhile") from exc
        raise ModelError(f"cannot move the downloaded model into {target}: {exc.strerror or exc}") from exc


def _as_url(location: str) -> str:
    """`location` as a URL: URLs unchanged, plain paths as file:// URLs."""
    return location if "://" in location else Path(location).expanduser().resolve().as_uri()


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into DownloadInterrupted while inside, so the clean-up in `finally` blocks runs.

    Ctrl-C already arrives as KeyboardInterrupt. Only the main thread can set signal handlers; elsewhere
    this does nothing. A second SIGTERM during the clean-up is ignored so the clean-up finishes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def stop(signum: int, frame: object) -> None:
        nonlocal raised
        if not raised:
            raised = True
            raise DownloadInterrupted("stopped by a signal before the download finished; nothing was installed")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
