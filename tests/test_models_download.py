"""Model downloads from a real local HTTP server: success, bad archives, broken connections, cleanup."""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from pathlib import Path

import pytest

from twitch_coach.models.store import (
    MANIFEST_PATH,
    AlreadyInstalledError,
    ArchiveError,
    ChecksumError,
    ConnectionBrokenError,
    DownloadError,
    HostileArchiveError,
    Manifest,
    ManifestError,
    ModelError,
    ModelSpec,
    SizeMismatchError,
    UnknownModelError,
    download,
    installed,
    load_manifest,
    remove,
    store_dir,
)

from modelserver import Server, manifest_of

FAKE_MODEL = {
    "am/final.mdl": b"acoustic model",
    "conf/model.conf": b"--min-active=200\n",
    "conf/mfcc.conf": b"--use-energy=false\n",
    "graph/HCLr.fst": b"fst" * 1000,
    "graph/Gr.fst": b"grammar",
    "README": b"a fake model for tests",
}
REQUIRES = ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf", "graph/HCLr.fst", "graph/Gr.fst")


def build_zip(entries: dict[str, bytes], top: str = "vosk-model-fake-0.1") -> bytes:
    """A zip of `entries` under one top-level folder, as Alpha Cephei ship their models."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{top}/", b"")
        for name, data in entries.items():
            zf.writestr(f"{top}/{name}" if top else name, data)
    return buffer.getvalue()


def hostile_zip(entry: str, symlink: bool = False) -> bytes:
    """A fake model zip with one extra entry named `entry` (a symbolic link when `symlink`)."""
    buffer = io.BytesIO(build_zip(FAKE_MODEL))
    with zipfile.ZipFile(buffer, "a") as zf:
        info = zipfile.ZipInfo(entry)
        if symlink:
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
        else:
            zf.writestr(info, b"pwned")
    return buffer.getvalue()


def spec_for(data: bytes, url: str, name: str = "fake-model", sha256: str | None = None) -> ModelSpec:
    """A manifest entry describing `data` exactly (unless `sha256` overrides the digest)."""
    return ModelSpec(name, url, len(data), sha256 or hashlib.sha256(data).hexdigest(), "vosk", requires=REQUIRES)





def assert_nothing_left(store: Path) -> None:
    """No model folder, no partial download, no staging folder."""
    assert not store.exists() or list(store.iterdir()) == []


# Success --------------------------------------------------------------------------------------


def test_download_installs_verified_model_without_top_folder(server: Server, store: Path) -> None:
    data = build_zip(FAKE_MODEL)
    spec = spec_for(data, server.serve("/fake.zip", data))
    bar = io.StringIO()
    path = download("fake-model", manifest=manifest_of(spec), store=store, progress=bar)
    assert path == store / "fake-model"
    for name, content in FAKE_MODEL.items():
        assert (path / name).read_bytes() == content
    assert [p.name for p in store.iterdir()] == ["fake-model"]  # no temporary files beside it
    assert "100%" in bar.getvalue() and bar.getvalue().endswith("\n")
    assert installed(store, manifest_of(spec))[0].ok


def test_url_argument_overrides_the_manifest(server: Server, store: Path) -> None:
    data = build_zip(FAKE_MODEL)
    spec = spec_for(data, "https://example.invalid/never-used.zip")
    download(
        "fake-model",
        server.serve("/mirror.zip", data),
        manifest=manifest_of(spec),
        store=store,
        progress=False,
    )
    assert (store / "fake-model" / "am" / "final.mdl").is_file()


def test_install_from_a_local_zip_is_checked_too(tmp_path: Path, store: Path) -> None:
    data = build_zip(FAKE_MODEL)
    local = tmp_path / "copied-by-hand.zip"
    local.write_bytes(data)
    manifest = manifest_of(spec_for(data, "https://example.invalid/x.zip"))
    download("fake-model", str(local), manifest=manifest, store=store, progress=False)
    assert (store / "fake-model" / "graph" / "Gr.fst").is_file()
    local.write_bytes(data[:-1] + b"!")
    with pytest.raises(ChecksumError):
        download("fake-model", str(local), manifest=manifest, store=tmp_path / "other", progress=False)


def test_already_installed_is_refused_and_untouched(server: Server, store: Path) -> None:
    data = build_zip(FAKE_MODEL)
    manifest = manifest_of(spec_for(data, server.serve("/fake.zip", data)))
    download("fake-model", manifest=manifest, store=store, progress=False)
    (store / "fake-model" / "mine.txt").write_text("keep me")
    with pytest.raises(AlreadyInstalledError, match="run: twitch-coach models remove fake-model"):
        download("fake-model", manifest=manifest, store=store, progress=False)
    assert (store / "fake-model" / "mine.txt").read_text() == "keep me"


# Failures leave nothing behind ----------------------------------------------------------------


def test_checksum_mismatch(server: Server, store: Path) -> None:
    data = build_zip(FAKE_MODEL)
    spec = spec_for(data, server.serve("/fake.zip", data), sha256="0" * 64)
    with pytest.raises(ChecksumError, match="sha256") as info:
        download("fake-model", manifest=manifest_of(spec), store=store, progress=False)
    assert hashlib.sha256(data).hexdigest() in str(info.value)
    assert_nothing_left(store)


def test_size_mismatch_is_refused_before_downloading(server: Server, store: Path) -> None:
    data = build_zip(FAKE_MODEL)
    url = server.serve("/fake.zip", data)
    spec = ModelSpec("fake-model", url, len(data) + 10, hashlib.sha256(data).hexdigest(), requires=REQUIRES)
    with pytest.raises(SizeMismatchError, match=str(len(data))):
        download("fake-model", manifest=manifest_of(spec), store=store, progress=False)
    assert_nothing_left(store)


def test_broken_connection(server: Server, store: Path) -> None:
    data = build_zip(FAKE_MODEL)
    spec = spec_for(data, server.serve("/broken.zip", data, mode="broken"))
    with pytest.raises(ConnectionBrokenError, match=f"after {len(data) // 3} of {len(data)} bytes"):
        download("fake-model", manifest=manifest_of(spec), store=store, progress=False)
    assert_nothing_left(store)


def test_http_error(server: Server, store: Path) -> None:
    spec = spec_for(b"x", server.serve("/elsewhere.zip", b"x").replace("elsewhere", "missing"))
    with pytest.raises(DownloadError, match="no such file"):
        download("fake-model", manifest=manifest_of(spec), store=store, progress=False)
    assert_nothing_left(store)


def test_no_server_at_all(server: Server, store: Path) -> None:
    url = server.serve("/fake.zip", b"x")
    server.close()
    with pytest.raises(DownloadError, match="cannot download"):
        download("fake-model", manifest=manifest_of(spec_for(b"x", url)), store=store, progress=False)
    assert_nothing_left(store)


@pytest.mark.parametrize(
    "entry, symlink, message",
    [
        ("../escaped.txt", False, r"'\.\.'"),
        ("vosk-model-fake-0.1/../../escaped.txt", False, r"'\.\.'"),
        ("/tmp/escaped-absolute.txt", False, "absolute"),
        ("vosk-model-fake-0.1/link", True, "symbolic link"),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "symlink"],
)
def test_hostile_zip_is_refused(server: Server, tmp_path: Path, entry: str, symlink: bool, message: str) -> None:
    store = tmp_path / "a" / "b" / "models"
    data = hostile_zip(entry, symlink)
    assert entry in zipfile.ZipFile(io.BytesIO(data)).namelist()  # the zip really carries the entry
    spec = spec_for(data, server.serve("/hostile.zip", data))
    with pytest.raises(HostileArchiveError, match=message):
        download("fake-model", manifest=manifest_of(spec), store=store, progress=False)
    assert_nothing_left(store)
    assert not list(tmp_path.rglob("escaped*")) and not Path("/tmp/escaped-absolute.txt").exists()


def test_archive_without_the_model_files(server: Server, store: Path) -> None:
    data = build_zip({"README": b"just a readme", "notes.txt": b"nothing else"})
    spec = spec_for(data, server.serve("/empty.zip", data))
    with pytest.raises(ArchiveError, match="am/final.mdl"):
        download("fake-model", manifest=manifest_of(spec), store=store, progress=False)
    assert_nothing_left(store)


def test_not_a_zip(server: Server, store: Path) -> None:
    data = b"<html>this is a login page, not a model</html>"
    spec = spec_for(data, server.serve("/page.zip", data))
    with pytest.raises(ArchiveError, match="not a valid zip"):
        download("fake-model", manifest=manifest_of(spec), store=store, progress=False)
    assert_nothing_left(store)


def test_unknown_model_name(store: Path) -> None:
    with pytest.raises(UnknownModelError, match="vosk-small-en-us"):
        download("vosk-huge", store=store, progress=False)


def test_every_error_is_a_model_error() -> None:
    for error in (
        ChecksumError,
        SizeMismatchError,
        ConnectionBrokenError,
        HostileArchiveError,
        AlreadyInstalledError,
    ):
        assert issubclass(error, ModelError)


# The manifest and the store -------------------------------------------------------------------


def test_packaged_manifest_pins_the_small_english_model() -> None:
    spec = load_manifest().get("vosk-small-en-us")
    assert spec.url == "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip"
    assert spec.size == 41205931
    assert spec.sha256 == "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
    assert "graph/HCLr.fst" in spec.requires and "conf/model.conf" in spec.requires
    assert load_manifest(MANIFEST_PATH) == load_manifest()


def test_manifest_reports_every_problem_with_its_key_path() -> None:
    text = """
models:
  one:
    url: https://example.org/one.zip
    size: -3
    sha256: abc
  two: just a string
"""
    with pytest.raises(ManifestError) as info:
        Manifest.from_yaml(text, "bad.yaml")
    message = str(info.value)
    assert message.startswith("bad.yaml: ")
    for key in ("models.one.size", "models.one.sha256", "models.two"):
        assert key in message


def test_manifest_without_models_mapping() -> None:
    with pytest.raises(ManifestError, match="models"):
        Manifest.from_yaml("[]")


def test_store_dir_follows_twitch_coach_home(tmp_path: Path) -> None:
    assert store_dir({"TWITCH_COACH_HOME": str(tmp_path)}) == tmp_path / "models"
    assert store_dir({}).name == "models" and "twitch-coach" in str(store_dir({}))


def test_installed_checks_folders_and_skips_partial_downloads(store: Path) -> None:
    spec = ModelSpec("fake-model", "u", 1, "0" * 64, requires=REQUIRES)
    (store / "fake-model" / "am").mkdir(parents=True)
    (store / "fake-model" / "am" / "final.mdl").write_text("x")
    (store / ".fake-model-abc.unpacking").mkdir()
    (store / "hand-made").mkdir()
    found = {m.name: m for m in installed(store, manifest_of(spec))}
    assert set(found) == {"fake-model", "hand-made"}
    assert not found["fake-model"].ok and "conf/model.conf" in found["fake-model"].problem
    assert found["hand-made"].ok and "not in the manifest" in found["hand-made"].problem
    assert installed(store.parent / "nothing-here") == []


def test_remove(store: Path) -> None:
    (store / "fake-model").mkdir(parents=True)
    assert remove("fake-model", store) == store / "fake-model"
    assert not (store / "fake-model").exists()
    with pytest.raises(ModelError, match="no installed model"):
        remove("fake-model", store)
