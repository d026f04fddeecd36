"""The model store: where speech models live, which are installed, and a checked, atomic download."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import stat
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import yaml

HOME_ENV = "TWITCH_COACH_HOME"  # environment variable overriding where twitch-coach keeps its data
MANIFEST_PATH = Path(__file__).with_name("manifest.yaml")  # the manifest shipped with the package
_CHUNK = 1 << 16  # bytes read from the network per step
_MAX_UNPACKED = 4 << 30  # bytes an archive may expand to: refuses zip bombs, allows any real model
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ModelError(Exception):
    """A model could not be listed, downloaded or installed; the message says what to do."""


class ManifestError(ModelError):
    """The manifest is malformed; the message lists every problem with its key path."""


class UnknownModelError(ModelError):
    """The name is not in the manifest."""


class AlreadyInstalledError(ModelError):
    """The model's folder already exists."""


class DownloadError(ModelError):
    """The archive could not be fetched (no connection, HTTP error)."""


class ConnectionBrokenError(DownloadError):
    """The server closed the connection before sending the whole archive."""


class SizeMismatchError(DownloadError):
    """The archive is not the size the manifest says."""


class ChecksumError(DownloadError):
    """The archive's sha256 is not the one in the manifest."""


class ArchiveError(ModelError):
    """The archive is not a readable zip, or does not hold the files the model needs."""


class HostileArchiveError(ArchiveError):
    """The archive has entries that would land outside the install folder (absolute, "..", symlinks)."""


@dataclass(frozen=True)
class ModelSpec:
    """One downloadable model, as the manifest describes it."""

    name: str
    """Store name, also the folder it is installed into, e.g. "vosk-small-en-us"."""
    url: str
    """Where the zip archive is downloaded from."""
    size: int
    """Exact size of the archive in bytes."""
    sha256: str
    """Lower-case hex sha256 of the archive."""
    engine: str = ""
    """Recogniser that uses it: "vosk"."""
    description: str = ""
    """One line for `models list`."""
    license: str = ""
    """Licence of the model files."""
    requires: tuple[str, ...] = ()
    """Paths (relative to the model folder) that must exist once unpacked."""


@dataclass(frozen=True)
class Manifest:
    """All downloadable models by name."""

    models: Mapping[str, ModelSpec] = field(default_factory=dict)
    """Model specs keyed by store name."""
    source: str = "<manifest>"
    """Where it was loaded from, for error messages."""

    @classmethod
    def from_file(cls, path: str | Path) -> Manifest:
        """Load and validate the manifest YAML at `path`."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ManifestError(f"{path}: cannot read the model manifest: {exc.strerror or exc}") from exc
        return cls.from_yaml(text, str(path))

    @classmethod
    def from_yaml(cls, text: str, source: str = "<manifest>") -> Manifest:
        """Parse and validate manifest YAML `text`."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ManifestError(f"{source}: not valid YAML: {exc}") from exc
        return cls.from_dict(data, source)

    @classmethod
    def from_dict(cls, data: Any, source: str = "<manifest>") -> Manifest:
        """Validate an already parsed manifest, reporting every problem at once."""
        if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
            raise ManifestError(f"{source}: models: expected a mapping of model names to entries")
        problems: list[str] = []
        specs: dict[str, ModelSpec] = {}
        for name, entry in data["models"].items():
            spec = _spec(str(name), entry, problems)
            if spec is not None:
                specs[spec.name] = spec
        if problems:
            raise ManifestError(f"{source}: " + "; ".join(problems))
        return cls(specs, source)

    def get(self, name: str) -> ModelSpec:
        """The spec of model `name`, or UnknownModelError listing the known names."""
        try:
            return self.models[name]
        except KeyError:
            known = ", ".join(sorted(self.models)) or "none"
            raise UnknownModelError(
                f"no model called {name!r} in {self.source}; known models: {known}"
            ) from None


def _spec(name: str, entry: Any, problems: list[str]) -> ModelSpec | None:
    """A ModelSpec from manifest entry `entry`, appending "models.NAME.key: problem" lines to `problems`."""
    where = f"models.{name}"
    if not isinstance(entry, dict):
        problems.append(f"{where}: expected a mapping")
        return None
    before = len(problems)
    url, size, digest = entry.get("url"), entry.get("size"), str(entry.get("sha256", "")).lower()
    if not isinstance(url, str) or not url:
        problems.append(f"{where}.url: expected the archive's URL")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        problems.append(f"{where}.size: expected the archive's size in bytes")
    if not _SHA256.match(digest):
        problems.append(f"{where}.sha256: expected 64 hex digits")
    requires = entry.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        problems.append(f"{where}.requires: expected a list of relative paths")
        requires = []
    if len(problems) > before:
        return None
    return ModelSpec(
        name=name,
        url=str(url),
        size=int(size),
        sha256=digest,
        engine=str(entry.get("engine", "")),
        description=str(entry.get("description", "")),
        license=str(entry.get("license", "")),
        requires=tuple(requires),
    )


def load_manifest(manifest: Manifest | str | Path | None = None) -> Manifest:
    """`manifest` itself, the manifest file at that path, or the packaged manifest when None."""
    if isinstance(manifest, Manifest):
        return manifest
    return Manifest.from_file(manifest if manifest is not None else MANIFEST_PATH)


def store_dir(env: Mapping[str, str] | None = None) -> Path:
    """Folder models are installed in: $TWITCH_COACH_HOME/models, else the user data folder's models/."""
    env = os.environ if env is None else env
    if env.get(HOME_ENV):
        return Path(env[HOME_ENV]).expanduser() / "models"
    import platformdirs

    return Path(platformdirs.user_data_dir("twitch-coach")) / "models"


@dataclass(frozen=True)
class InstalledModel:
    """A folder in the store."""

    name: str
    """Folder name, which is the manifest name for models installed by `download`."""
    path: Path
    """Where it is."""
    ok: bool
    """True when every file the manifest requires is there."""
    problem: str = ""
    """Why it is not ok (or a note for folders the manifest does not know); empty otherwise."""


def installed(
    store: str | Path | None = None, manifest: Manifest | str | Path | None = None
) -> list[InstalledModel]:
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
        missing = [r for r in spec.requires if not (path / r).is_file()]
        problem = f"missing {', '.join(missing)}; remove it and download again" if missing else ""
        found.append(InstalledModel(path.name, path, not missing, problem))
    return found


def remove(name: str, store: str | Path | None = None) -> Path:
    """Delete the installed model `name` and return where it was."""
    target = (Path(store) if store is not None else store_dir()) / name
    if not target.is_dir() or name.startswith(".") or "/" in name:
        raise ModelError(f"no installed model called {name!r} at {target}")
    shutil.rmtree(target)
    return target


def download(
    name: str,
    url: str | None = None,
    *,
    progress: TextIO | bool = True,
    manifest: Manifest | str | Path | None = None,
    store: str | Path | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download, verify and install model `name` into the store; return its folder.

    `url` overrides the manifest's (a local path or file:// URL installs a zip copied by hand); the
    archive must still match the manifest's size and sha256. `progress` is a stream for the progress
    bar, True for stderr or False for none.
    """
    spec = load_manifest(manifest).get(name)
    root = Path(store) if store is not None else store_dir()
    target = root / name
    if target.exists():
        raise AlreadyInstalledError(
            f"{name} is already installed at {target}; to reinstall, run: twitch-coach models remove {name}"
        )
    root.mkdir(parents=True, exist_ok=True)
    stream = sys.stderr if progress is True else (progress or None)
    # Everything is built beside the target under dot names and renamed into place only when
    # complete, so a failure or Ctrl-C never leaves a half-installed model where one is looked for.
    fd, part = tempfile.mkstemp(prefix=f".{name}-", suffix=".zip.part", dir=root)
    staging: Path | None = None
    try:
        with os.fdopen(fd, "wb") as out:
            fetch(_as_url(url or spec.url), out, spec, stream, timeout)
        staging = Path(tempfile.mkdtemp(prefix=f".{name}-", suffix=".unpacking", dir=root))
        extract_zip(Path(part), staging)
        missing = [r for r in spec.requires if not (staging / r).is_file()]
        if missing:
            raise ArchiveError(
                f"the archive for {name} does not contain {', '.join(missing)}; it is not this model"
            )
        try:
            os.rename(staging, target)
        except OSError as exc:
            if target.exists():
                raise AlreadyInstalledError(
                    f"{name} was installed at {target} by someone else meanwhile"
                ) from exc
            raise ModelError(f"cannot move the unpacked model into {target}: {exc.strerror or exc}") from exc
        staging = None
    finally:
        Path(part).unlink(missing_ok=True)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _as_url(location: str) -> str:
    """`location` as a URL: URLs unchanged, plain paths as file:// URLs."""
    return location if "://" in location else Path(location).expanduser().resolve().as_uri()


def fetch(url: str, out: BinaryIO, spec: ModelSpec, progress: TextIO | None, timeout: float = 30.0) -> None:
    """Stream `url` into `out`, checking the byte count and sha256 against `spec` as it goes."""
    request = urllib.request.Request(url, headers={"User-Agent": "twitch-coach"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"{url}: the server answered {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"cannot download {url}: {reason}; check the connection and try again") from exc
    with response:
        header = response.headers.get("Content-Length")
        offered = int(header) if header and header.isdigit() else None
        if offered is not None and offered != spec.size:
            raise SizeMismatchError(
                f"{url} offers {offered} bytes but the manifest expects {spec.size} for {spec.name}; "
                "the file on the server is not the one the manifest describes"
            )
        digest = hashlib.sha256()
        received = 0
        bar = _ProgressBar(progress, spec.name, spec.size)
        try:
            while True:
                try:
                    block = response.read(_CHUNK)
                except (OSError, http.client.HTTPException) as exc:
                    raise ConnectionBrokenError(
                        f"the download of {url} broke off after {received} of {spec.size} bytes ({exc}); "
                        "run the same command again"
                    ) from exc
                if not block:
                    break
                received += len(block)
                if received > spec.size:
                    raise SizeMismatchError(
                        f"{url} sent more than the {spec.size} bytes the manifest expects"
                    )
                digest.update(block)
                out.write(block)
                bar.update(received)
        finally:
            bar.close()
    # http.client returns b"" rather than raising when the server hangs up early, so count ourselves.
    if offered is not None and received < offered:
        raise ConnectionBrokenError(
            f"the server closed the connection after {received} of {offered} bytes of {url}; "
            "run the same command again"
        )
    if received != spec.size:
        raise SizeMismatchError(
            f"{url} gave {received} bytes but the manifest expects {spec.size} for {spec.name}"
        )
    if digest.hexdigest() != spec.sha256:
        raise ChecksumError(
            f"the sha256 of {url} is {digest.hexdigest()}, not {spec.sha256} as the manifest says; "
            "the download is damaged or not the expected file, so it was not installed"
        )


def extract_zip(archive: Path, dest: Path, max_bytes: int = _MAX_UNPACKED) -> None:
    """Unpack zip `archive` into folder `dest`, dropping a single top-level folder and refusing escapes."""
    try:
        with zipfile.ZipFile(archive) as zf:
            entries = [(info, _safe_parts(info)) for info in zf.infolist()]
            files = [(info, parts) for info, parts in entries if parts and not info.is_dir()]
            if not files:
                raise ArchiveError(f"{archive.name} holds no files")
            if sum(info.file_size for info, _ in files) > max_bytes:
                raise HostileArchiveError(f"{archive.name} would unpack to more than {max_bytes} bytes")
            tops = {parts[0] for _, parts in entries if parts}
            strip = len(tops) == 1 and all(len(parts) > 1 for _, parts in files)
            root = dest.resolve()
            for info, parts in files:
                target = root.joinpath(*(parts[1:] if strip else parts))
                if not target.resolve().is_relative_to(root):  # belt and braces after _safe_parts
                    raise HostileArchiveError(
                        f"{archive.name}: entry {info.filename!r} points outside the model folder"
                    )
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with zf.open(info) as src, open(target, "xb") as dst:
                        shutil.copyfileobj(src, dst, _CHUNK)
                except FileExistsError:
                    raise HostileArchiveError(
                        f"{archive.name}: entry {info.filename!r} appears twice"
                    ) from None
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"{archive.name} is not a valid zip archive ({exc})") from exc


def _safe_parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    """Path components of a zip entry, or HostileArchiveError for absolute paths, "..", links and devices."""
    name = info.filename.replace("\\", "/")  # zips made on Windows may use either separator
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise HostileArchiveError(f"archive entry {info.filename!r} has an absolute path")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise HostileArchiveError(f"archive entry {info.filename!r} climbs out of the model folder with '..'")
    mode = info.external_attr >> 16
    # Symbolic links could point anywhere once unpacked; model archives never need them, nor devices.
    if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "a special file"
        raise HostileArchiveError(f"archive entry {info.filename!r} is {kind}, which a model never needs")
    return parts


class _ProgressBar:
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
