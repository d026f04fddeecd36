"""Multi-file models (Whisper tiny.en): each file fetched from a local server, checked, installed whole."""

from __future__ import annotations

import filecmp
import hashlib
import io
import stat
from pathlib import Path

import pytest

from twitch_coach.models.store import (
    ChecksumError,
    ConnectionBrokenError,
    DownloadError,
    FileSpec,
    Manifest,
    ManifestError,
    ModelSpec,
    SizeMismatchError,
    download,
    installed,
    load_manifest,
)
from twitch_coach.skill.cli import main

from modelserver import Server, manifest_of

SHARED_WHISPER = Path(__file__).resolve().parents[2] / "shared" / "models" / "faster-whisper-tiny.en"
REVISION = "0d3d19a32d3338f10357c0889762bd8d64bbdeba"
FILES = {"config.json": b'{"fake": true}\n', "model.bin": bytes(range(256)) * 4000, "vocab.txt": b"yes\nno\n"}


def files_spec(base: str, files: dict[str, bytes] = FILES, name: str = "fake-files") -> ModelSpec:
    """A kind "files" manifest entry describing `files` exactly, fetched from under `base`."""
    specs = tuple(FileSpec(n, len(d), hashlib.sha256(d).hexdigest()) for n, d in files.items())
    return ModelSpec(name, base, sum(f.size for f in specs), "", "whisper", requires=tuple(files), kind="files",
                     files=specs)





def serve_all(server: Server, files: dict[str, bytes], prefix: str = "/repo/resolve/rev", mode: str = "ok") -> str:
    for name, data in files.items():
        server.serve(f"{prefix}/{name}", data, mode)
    return server.base + prefix


def test_packaged_manifest_pins_whisper_tiny_en_at_systran_revision() -> None:
    spec = load_manifest().get("whisper-tiny-en")
    assert spec.kind == "files" and spec.engine == "whisper"
    assert spec.url == f"https://huggingface.co/Systran/faster-whisper-tiny.en/resolve/{REVISION}"
    assert {f.name: (f.size, f.sha256) for f in spec.files} == {
        "config.json": (2317, "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
        "model.bin": (75537502, "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
        "tokenizer.json": (2128466, "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
        "vocabulary.txt": (422309, "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),
    }
    assert spec.requires == ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt")
    assert dict((f.name, u) for f, u in spec.file_urls())["model.bin"] == (
        f"https://huggingface.co/Systran/faster-whisper-tiny.en/resolve/{REVISION}/model.bin"
    )


def test_every_file_is_fetched_checked_and_installed_with_one_progress_bar(server: Server, store: Path) -> None:
    spec = files_spec(serve_all(server, FILES))
    bar = io.StringIO()
    path = download("fake-files", manifest=manifest_of(spec), store=store, progress=bar)
    assert path == store / "fake-files"
    assert {p.name: p.read_bytes() for p in path.iterdir()} == FILES  # exactly these files, nothing else
    assert [p.name for p in store.iterdir()] == ["fake-files"]  # no staging folder or .part left
    assert bar.getvalue().count("100%") == 1 and bar.getvalue().endswith("\n")
    assert installed(store, manifest_of(spec))[0].ok


def test_redirects_are_followed_as_the_real_host_sends_them(server: Server, store: Path) -> None:
    for name, data in FILES.items():
        server.serve(f"/cdn/{name}", data)
        server.serve(f"/repo/{name}", b"", f"redirect:/cdn/{name}")
    download("fake-files", manifest=manifest_of(files_spec(server.base + "/repo")), store=store, progress=False)
    assert (store / "fake-files" / "model.bin").read_bytes() == FILES["model.bin"]


def test_one_bad_file_installs_nothing(server: Server, store: Path) -> None:
    damaged = dict(FILES, **{"vocab.txt": b"yes\nNO\n"})
    spec = files_spec(serve_all(server, damaged))
    spec = files_spec(spec.url, FILES)  # the manifest describes the good files
    with pytest.raises(ChecksumError, match="vocab.txt"):
        download("fake-files", manifest=manifest_of(spec), store=store, progress=False)
    assert list(store.iterdir()) == []


def test_a_cut_connection_installs_nothing(server: Server, store: Path) -> None:
    spec = files_spec(serve_all(server, FILES, mode="broken"))
    with pytest.raises(ConnectionBrokenError):
        download("fake-files", manifest=manifest_of(spec), store=store, progress=False)
    assert list(store.iterdir()) == []


def test_a_missing_file_on_the_server_names_it(server: Server, store: Path) -> None:
    base = serve_all(server, {k: v for k, v in FILES.items() if k != "vocab.txt"})
    with pytest.raises(Exception, match="vocab.txt: the server has no such file"):
        download("fake-files", manifest=manifest_of(files_spec(base)), store=store, progress=False)
    assert list(store.iterdir()) == []


def test_a_local_folder_of_files_fetched_by_hand(tmp_path: Path, store: Path) -> None:
    folder = tmp_path / "fetched by hand"
    folder.mkdir()
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    spec = files_spec("https://example.invalid/never-used")
    download("fake-files", str(folder), manifest=manifest_of(spec), store=store, progress=False)
    assert (store / "fake-files" / "vocab.txt").read_bytes() == FILES["vocab.txt"]
    (folder / "model.bin").write_bytes(FILES["model.bin"][:-1])
    with pytest.raises(SizeMismatchError, match="model.bin"):
        download("fake-files", str(folder), manifest=manifest_of(spec), store=tmp_path / "other", progress=False)


def test_installed_reports_a_file_of_the_wrong_size(server: Server, store: Path) -> None:
    spec = files_spec(serve_all(server, FILES))
    download("fake-files", manifest=manifest_of(spec), store=store, progress=False)
    (store / "fake-files" / "model.bin").write_bytes(b"short")
    (found,) = installed(store, manifest_of(spec))
    assert not found.ok and "model.bin is 5 bytes" in found.problem and "models remove fake-files" in found.problem


# The real model, served from this machine ---------------------------------------------------------


@pytest.fixture
def real_whisper() -> Path:
    if not (SHARED_WHISPER / "model.bin").is_file():
        pytest.skip(f"the real Whisper tiny.en files are not at {SHARED_WHISPER}")
    return SHARED_WHISPER


def test_real_whisper_files_served_locally_install_with_the_packaged_manifest(
    real_whisper: Path, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    prefix = f"/Systran/faster-whisper-tiny.en/resolve/{REVISION}"
    serve_all(server, {p.name: p.read_bytes() for p in real_whisper.iterdir()}, prefix)
    monkeypatch.setenv("TWITCH_COACH_HOME", str(tmp_path / "data"))
    assert main(["models", "download", "whisper-tiny-en", "--url", server.base + prefix]) == 0
    target = tmp_path / "data" / "models" / "whisper-tiny-en"
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    for path in target.iterdir():
        assert filecmp.cmp(path, real_whisper / path.name, shallow=False)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    out, err = capsys.readouterr()
    assert f"installed whisper-tiny-en in {target}" in out and "100%" in err
    assert main(["models"]) == 0
    assert f"whisper-tiny-en: installed in {target}" in capsys.readouterr().out
    assert main(["models", "download", "whisper-tiny-en", "--if-missing"]) == 0  # nothing fetched again
    assert sum("model.bin" in r for r in server.requests) == 1


def test_real_whisper_from_a_local_folder_and_listing_before(
    real_whisper: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("TWITCH_COACH_HOME", str(tmp_path / "data"))
    assert main(["models"]) == 0
    assert "whisper-tiny-en: not installed (twitch-coach models download whisper-tiny-en)" in capsys.readouterr().out
    assert main(["models", "download", "whisper-tiny-en", "--url", str(real_whisper)]) == 0
    assert (tmp_path / "data" / "models" / "whisper-tiny-en" / "model.bin").stat().st_size == 75537502
    assert main(["models", "download", "whisper-tiny-en"]) == 1  # already there: says how to reinstall
    assert "run: twitch-coach models remove whisper-tiny-en" in capsys.readouterr().err


def test_a_local_url_that_is_not_a_folder_says_what_to_give(tmp_path: Path, store: Path) -> None:
    spec = files_spec("https://example.invalid/never-used")
    (tmp_path / "model.bin").write_bytes(b"x")
    for wrong in (tmp_path / "nowhere", tmp_path / "model.bin"):
        with pytest.raises(DownloadError, match=f"{wrong} is not a folder; give the folder holding the files of "
                                                "fake-files \\(config.json, model.bin, vocab.txt\\)"):
            download("fake-files", str(wrong), manifest=manifest_of(spec), store=store, progress=False)
    assert not store.exists()


def test_a_files_entry_reports_every_problem_with_its_key_path() -> None:
    text = """
models:
  w:
    kind: files
    url: https://example.org/base
    files:
      ../escape: {size: 1, sha256: abc}
      model.bin: {size: 0}
      ok.txt: just a string
  nofiles: {kind: files, url: https://example.org/x}
  odd: {kind: tarball, url: u, size: 1, sha256: "%s"}
""" % ("0" * 64)
    with pytest.raises(ManifestError) as info:
        Manifest.from_yaml(text, "bad.yaml")
    message = str(info.value)
    for problem in ("models.w.files.../escape: expected a plain file name", "models.w.files.model.bin.size",
                    "models.w.files.model.bin.sha256", "models.w.files.ok.txt: expected a mapping",
                    "models.nofiles.files: expected a mapping", "models.odd.kind: expected one of zip, files"):
        assert problem in message
