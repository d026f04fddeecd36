"""Unpacking a model zip safely: no escapes, no links, no oversized or unreadable entries, no traceback."""

from __future__ import annotations

import lzma
import os
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path

from twitch_coach.models.errors import ArchiveError, HostileArchiveError
from twitch_coach.models.userdata import open_private, private_dir

_CHUNK = 1 << 16  # bytes copied per step
MAX_UNPACKED = 4 << 30  # bytes an archive may expand to: refuses zip bombs, allows any real model
MAX_ENTRIES = 100_000  # entries an archive may hold
MAX_NAME_BYTES = 255  # one path component, as most file systems allow
MAX_PATH_BYTES = 1024  # a whole entry name
# Compression methods zipfile can read; others (deflate64 = 9, ...) are refused up front by name.
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
            zipfile.ZIP_LZMA: "lzma"}
_UNSUPPORTED = {9: "deflate64", 10: "PKWARE implode", 6: "implode", 93: "zstandard", 95: "xz", 98: "ppmd"}
# Errors a damaged compressed stream raises while it is read.
_DAMAGE = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError)


def extract_zip(archive: Path, dest: Path, max_bytes: int = MAX_UNPACKED) -> None:
    """Unpack zip `archive` into folder `dest`, dropping a single top-level folder and refusing escapes.

    Every problem is an ArchiveError (HostileArchiveError for entries that try to escape or clash);
    files are written 0600 and folders 0700.
    """
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise HostileArchiveError(f"{archive.name} has {len(infos)} entries, more than a model ever needs")
            entries = [(info, _safe_parts(info)) for info in infos]
            files = [(info, parts) for info, parts in entries if parts and not info.is_dir()]
            if not files:
                raise ArchiveError(f"{archive.name} holds no files")
            if sum(info.file_size for info, _ in files) > max_bytes:
                raise HostileArchiveError(f"{archive.name} would unpack to more than {max_bytes} bytes")
            tops = {parts[0] for _, parts in entries if parts}
            strip = len(tops) == 1 and all(len(parts) > 1 for _, parts in files)
            placed = [(info, parts[1:] if strip else parts) for info, parts in files]
            _check_layout(archive.name, placed)
            root = dest.resolve()
            for info, parts in placed:
                _extract_one(zf, info, root, parts, archive.name)
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"{archive.name} is not a valid zip archive ({exc})") from exc
    except (OSError, ValueError, EOFError, NotImplementedError, RuntimeError, struct.error) as exc:
        # A damaged central directory (a bad version, a truncated record), or an unreadable file.
        raise ArchiveError(f"{archive.name} could not be read as a zip archive ({_words(exc)})") from exc


def _check_layout(archive: str, placed: list[tuple[zipfile.ZipInfo, tuple[str, ...]]]) -> None:
    """Refuse a file that is also a folder (`x` beside `x/y`) and an entry named twice."""
    files: dict[tuple[str, ...], str] = {}
    folders: set[tuple[str, ...]] = set()
    for info, parts in placed:
        if parts in files:
            raise HostileArchiveError(f"{archive}: entry {info.filename!r} appears twice")
        files[parts] = info.filename
        folders.update(parts[:i] for i in range(1, len(parts)))
    for parts in folders & files.keys():
        raise HostileArchiveError(
            f"{archive}: {files[parts]!r} is both a file and a folder holding other entries; "
            "a real model archive never is"
        )


def _extract_one(zf: zipfile.ZipFile, info: zipfile.ZipInfo, root: Path, parts: tuple[str, ...], archive: str) -> None:
    """Write one checked entry under `root`, translating every read or write failure into ArchiveError."""
    if info.flag_bits & 0x1:
        raise ArchiveError(f"{archive}: entry {info.filename!r} is encrypted; model archives never are")
    if info.compress_type not in _METHODS:
        method = _UNSUPPORTED.get(info.compress_type, f"number {info.compress_type}")
        raise ArchiveError(
            f"{archive}: entry {info.filename!r} uses the {method} compression method, which cannot be "
            "unpacked here; this is not the archive the manifest describes"
        )
    target = root.joinpath(*parts)
    if not target.resolve().is_relative_to(root):  # belt and braces after _safe_parts
        raise HostileArchiveError(f"{archive}: entry {info.filename!r} points outside the model folder")
    try:
        private_dir(target.parent)
        fd = open_private(target)
    except FileExistsError:
        raise HostileArchiveError(f"{archive}: entry {info.filename!r} appears twice") from None
    except OSError as exc:
        raise ArchiveError(f"{archive}: entry {info.filename!r} cannot be written ({_words(exc)})") from exc
    written = 0
    with os.fdopen(fd, "wb") as dst:
        try:
            with zf.open(info) as src:
                while block := src.read(_CHUNK):
                    written += len(block)
                    if written > info.file_size:  # zipfile stops at the declared size; never trust it alone
                        raise HostileArchiveError(f"{archive}: entry {info.filename!r} is larger than it says")
                    dst.write(block)
        except (NotImplementedError, RuntimeError) as exc:  # an unknown method or encryption missed above
            raise ArchiveError(f"{archive}: entry {info.filename!r} cannot be unpacked ({exc})") from exc
        except _DAMAGE as exc:
            if isinstance(exc, OSError) and exc.errno is not None:  # the disk, not the archive
                raise ArchiveError(f"{archive}: cannot write {info.filename!r} ({_words(exc)})") from exc
            raise ArchiveError(
                f"{archive}: entry {info.filename!r} is damaged ({_words(exc)}); fetch the archive again"
            ) from exc


def _words(exc: BaseException) -> str:
    """A short description of `exc` for a message."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    text = str(exc) or type(exc).__name__
    return text[:200]


def _safe_parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    """Path components of a zip entry, or HostileArchiveError for absolute paths, "..", links, devices, long names."""
    name = info.filename.replace("\\", "/")  # zips made on Windows may use either separator
    shown = info.filename if len(info.filename) <= 80 else info.filename[:60] + "..."
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise HostileArchiveError(f"archive entry {shown!r} has an absolute path")
    if "\x00" in name:
        raise HostileArchiveError(f"archive entry {shown!r} has a NUL character in its name")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise HostileArchiveError(f"archive entry {shown!r} climbs out of the model folder with '..'")
    if len(name.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES or any(
        len(p.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES for p in parts
    ):
        raise HostileArchiveError(
            f"archive entry {shown!r} has a name longer than a file system allows ({MAX_NAME_BYTES} bytes a part)"
        )
    mode = info.external_attr >> 16
    # Symbolic links could point anywhere once unpacked; model archives never need them, nor devices.
    if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "a special file"
        raise HostileArchiveError(f"archive entry {shown!r} is {kind}, which a model never needs")
    return parts
