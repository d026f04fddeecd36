"""Hostile and damaged model archives: a clear ArchiveError each time, nothing left in the store."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twitch_coach.models.store import ArchiveError, HostileArchiveError, download, extract_zip

from modelserver import TOP, assert_empty, manifest_of, spec_for, zip_of


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


def install_local(tmp_path: Path, data: bytes) -> Path:
    """Install zip `data` from a local file; returns the store (for checking what is left)."""
    archive = tmp_path / "by-hand.zip"
    archive.write_bytes(data)
    store = tmp_path / "models"
    download("fake-model", str(archive), manifest=manifest_of(spec_for(data)), store=store, progress=False)
    return store


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
