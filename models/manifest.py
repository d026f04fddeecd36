"""The model manifest: what can be downloaded, from where, and the size and sha256 of every file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from twitch_coach.models.errors import ManifestError, UnknownModelError

MANIFEST_PATH = Path(__file__).with_name("manifest.yaml")  # the manifest shipped with the package
KINDS = ("zip", "files")  # one archive unpacked into the folder, or several files fetched one by one
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")  # a plain name: no folders, no dot files


@dataclass(frozen=True)
class FileSpec:
    """One file of a multi-file model."""

    name: str
    """File name inside the model folder, also the last part of its URL."""
    size: int
    """Exact size in bytes."""
    sha256: str
    """Lower-case hex sha256."""


@dataclass(frozen=True)
class ModelSpec:
    """One downloadable model, as the manifest describes it."""

    name: str
    """Store name, also the folder it is installed into, e.g. "vosk-small-en-us"."""
    url: str
    """The zip archive's address; for kind "files", the address each file name is appended to."""
    size: int
    """Exact size in bytes of the archive (kind "zip") or of all files together (kind "files")."""
    sha256: str
    """Lower-case hex sha256 of the archive; empty for kind "files" (each file has its own)."""
    engine: str = ""
    """Recogniser that uses it: "vosk", "whisper"."""
    description: str = ""
    """One line for `models list`."""
    license: str = ""
    """Licence of the model files."""
    requires: tuple[str, ...] = ()
    """Paths (relative to the model folder) that must exist once installed."""
    kind: str = "zip"
    """"zip" (one archive, unpacked) or "files" (each file fetched and checked on its own)."""
    files: tuple[FileSpec, ...] = ()
    """The files of a kind "files" model."""

    def file_urls(self, base: str | None = None) -> list[tuple[FileSpec, str]]:
        """Each file of a kind "files" model with its address under `base` (the manifest's url if None)."""
        root = (base or self.url).rstrip("/")
        return [(f, f"{root}/{f.name}") for f in self.files]


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
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", "") or exc
            raise ManifestError(f"{path}: cannot read the model manifest: {reason}") from exc
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
            raise UnknownModelError(f"no model called {name!r} in {self.source}; known models: {known}") from None


def _digest_and_size(where: str, entry: dict, problems: list[str]) -> tuple[int, str]:
    """The `size` and `sha256` of a manifest entry, appending a problem line for each bad one."""
    size, digest = entry.get("size"), str(entry.get("sha256", "")).lower()
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        problems.append(f"{where}.size: expected the size in bytes")
        size = 0
    if not _SHA256.match(digest):
        problems.append(f"{where}.sha256: expected 64 hex digits")
    return size, digest


def _files(where: str, entry: dict, problems: list[str]) -> tuple[FileSpec, ...]:
    """The `files` mapping of a kind "files" entry."""
    files = entry.get("files")
    if not isinstance(files, dict) or not files:
        problems.append(f"{where}.files: expected a mapping of file names to size and sha256")
        return ()
    found = []
    for name, item in files.items():
        at = f"{where}.files.{name}"
        if not isinstance(name, str) or not _FILE_NAME.match(name):
            problems.append(f"{at}: expected a plain file name (letters, digits, '.', '_', '-'; no folders)")
        elif not isinstance(item, dict):
            problems.append(f"{at}: expected a mapping with size and sha256")
        else:
            size, digest = _digest_and_size(at, item, problems)
            found.append(FileSpec(name, size, digest))
    return tuple(found)


def _spec(name: str, entry: Any, problems: list[str]) -> ModelSpec | None:
    """A ModelSpec from manifest entry `entry`, appending "models.NAME.key: problem" lines to `problems`."""
    where = f"models.{name}"
    if not _FILE_NAME.match(name):
        problems.append(f"{where}: a model name is its folder's name: letters, digits, '.', '_', '-'")
        return None
    if not isinstance(entry, dict):
        problems.append(f"{where}: expected a mapping")
        return None
    before = len(problems)
    url, kind = entry.get("url"), entry.get("kind", "zip")
    if not isinstance(url, str) or not url:
        problems.append(f"{where}.url: expected the address to download from")
    if kind not in KINDS:
        problems.append(f"{where}.kind: expected one of {', '.join(KINDS)}")
    files: tuple[FileSpec, ...] = ()
    if kind == "files":
        files = _files(where, entry, problems)
        size, digest = sum(f.size for f in files), ""
    else:
        size, digest = _digest_and_size(where, entry, problems)
    requires = entry.get("requires", [f.name for f in files])
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
        kind=str(kind),
        files=files,
    )


def load_manifest(manifest: Manifest | str | Path | None = None) -> Manifest:
    """`manifest` itself, the manifest file at that path, or the packaged manifest when None."""
    if isinstance(manifest, Manifest):
        return manifest
    return Manifest.from_file(manifest if manifest is not None else MANIFEST_PATH)
