"""Find the content files of a folder (the shipped one by default), read them and compile them once."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from twitch_coach.dialogue.compile import Sources, classify, compile_content, not_content
from twitch_coach.dialogue.content import Content, HistoryRules
from twitch_coach.dialogue.domain import read_domain
from twitch_coach.dialogue.errors import ContentError, Problem
from twitch_coach.dialogue.fields import Reader
from twitch_coach.dialogue.readers.journal import read_journal
from twitch_coach.dialogue.yamlfile import read

MAX_FILES = 100  # a content folder holds about ten files; more is the wrong folder


def content_dir() -> Path:
    """The folder of the content shipped with the package."""
    return Path(str(resources.files("twitch_coach.content")))


def _yaml_files(folder: Path) -> list[Path]:
    """The content files of `folder`; a missing folder or far too many files is a ContentError."""
    if not folder.is_dir():
        raise ContentError([Problem(str(folder), 0, "", "not a content folder (no such folder)")])
    found = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    if len(found) > MAX_FILES:
        raise ContentError([Problem(str(folder), 0, "", f"{len(found)} YAML files; a content folder has far fewer")])
    return found


def load(paths: Iterable[Path] = (), folder: Path | None = None) -> Content:
    """Compile the content of `folder` (default: the shipped content), with any of `paths` (files or folders)
    taking the place of its files of the same kind (of the same mode, for a tree)."""
    folder = folder or content_dir()
    given = [p for path in paths for p in (_yaml_files(path) if path.is_dir() else [path])]
    sources = Sources(str(folder))
    for origin, path in [("given", p) for p in given] + [("folder", p) for p in _yaml_files(folder)]:
        file = read(path, (path.stem,))
        kind = classify(file)
        if file.problems or kind is None:
            if not file.problems:
                not_content(file)
            sources.unreadable.append(file)
            continue
        target, key = sources.files, kind
        if kind == "tree":
            mode = file.data.get("mode")
            target, key = sources.trees, str(mode or path.stem)
        if origin == "given" or key not in target:
            target[key] = file
    return compile_content(sources)


def load_rules(path: Path | None = None, folder: Path | None = None) -> HistoryRules:
    """Only the journal rules: `path` (default: the folder's journal.yaml) checked against the folder's
    domain.yaml (default: the shipped content); ContentError lists every problem with file:line."""
    folder = folder or content_dir()
    path = path or folder / "journal.yaml"
    domain_file = read(folder / "domain.yaml", ("domain",))
    domain = read_domain(Reader(domain_file), ("domain",)) if not domain_file.problems else None
    file = read(path, (path.stem,))
    rules = read_journal(Reader(file), (path.stem,), domain) if not file.problems else None
    if domain_file.problems or file.problems or rules is None:
        raise ContentError(domain_file.problems + file.problems)
    return rules
