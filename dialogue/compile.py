"""Compile parsed content files into one checked Content: the domain first, then every other file against it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from twitch_coach.dialogue.content import Content, DialogueTree
from twitch_coach.dialogue.domain import read_domain
from twitch_coach.dialogue.errors import ContentError, Problem
from twitch_coach.dialogue.fields import Reader
from twitch_coach.dialogue.readers.causes import read_causes
from twitch_coach.dialogue.readers.home import read_home
from twitch_coach.dialogue.readers.journal import read_journal
from twitch_coach.dialogue.readers.messages import read_messages
from twitch_coach.dialogue.readers.safety import read_safety
from twitch_coach.dialogue.readers.scoring import read_rules
from twitch_coach.dialogue.readers.tree import read_tree
from twitch_coach.dialogue.readers.vocab import read_vocab
from twitch_coach.dialogue.yamlfile import KeyPath, YamlFile

_T = TypeVar("_T")

# Which kind of file a top-level key marks, so files can have any name and be given in any order.
KIND_BY_KEY = {
    "ids": "domain",
    "causes": "causes",
    "red_flags": "safety",
    "answer_sets": "vocab",
    "rules": "scoring",
    "nodes": "tree",
    "reprompt": "messages",
    "persistence": "journal",
    "wake": "home",
}
KINDS = ("domain", "causes", "safety", "vocab", "messages", "scoring", "journal", "home")  # one file each


def classify(file: YamlFile) -> str | None:
    """The kind of content in `file`, from its top-level keys; None when it is not content."""
    if not isinstance(file.data, dict):
        return None
    return next((kind for key, kind in KIND_BY_KEY.items() if key in file.data), None)


def not_content(file: YamlFile) -> None:
    """Record that `file` holds none of the top-level keys of a content file."""
    keys = [f"'{key}'" for key in KIND_BY_KEY]
    root = (Path(file.name).stem,)
    file.problem(root, f"not a content file: expected top-level {', '.join(keys[:-1])} or {keys[-1]}")


@dataclass
class Sources:
    """The files chosen to make up the content: one per kind, and one tree per mode."""

    folder: str  # where they come from, for "no ... file found"
    files: dict[str, YamlFile] = field(default_factory=dict)
    trees: dict[str, YamlFile] = field(default_factory=dict)
    unreadable: list[YamlFile] = field(default_factory=list)  # broken or not content: their kind is unknown


def _root(file: YamlFile) -> KeyPath:
    return (Path(file.name).stem,)


def compile_content(sources: Sources) -> Content:
    """The Content the sources describe; ContentError lists every problem in every file, all at once."""
    files = sources.files
    readers = {kind: Reader(file) for kind, file in files.items()}
    problems: list[Problem] = [p for file in sources.unreadable for p in file.problems]
    if not sources.unreadable:  # a broken file may be the missing one: saying so twice helps no one
        for kind in KINDS:
            if kind not in files:
                problems.append(Problem(sources.folder, 0, "", f"no {kind} file found"))

    def read(kind: str, reader_fn: Callable[..., _T], *args: Any) -> _T | None:
        """reader_fn on the file of `kind`, or None when there is none."""
        return reader_fn(readers[kind], _root(files[kind]), *args) if kind in files else None

    domain = read("domain", read_domain)
    causes = read("causes", read_causes, domain) or {}
    safety = read("safety", read_safety, domain)
    vocab = read("vocab", read_vocab)
    messages = read("messages", read_messages)
    trees: dict[str, DialogueTree] = {}
    for file in sources.trees.values():
        tree = read_tree(Reader(file), _root(file), vocab, domain)
        if tree is not None:
            trees[tree.mode] = tree
    rules = read("scoring", read_rules, list(trees.values()), domain) or ()
    journal = read("journal", read_journal, domain)
    home = read("home", read_home, domain)
    if domain is not None and not sources.unreadable:  # a broken file may be the tree of that mode
        written = {file.data.get("mode") for file in sources.trees.values() if isinstance(file.data, dict)}
        for mode in domain.modes:
            if mode not in written:
                readers["domain"].problem(
                    (*_root(files["domain"]), "modes", mode), f"no dialogue tree has mode '{mode}'"
                )
    for file in [*files.values(), *sources.trees.values()]:
        problems.extend(file.problems)
    if problems:
        raise ContentError(problems)
    if domain is None or safety is None or vocab is None or messages is None or journal is None:
        # each reader records why; this is a net
        raise ContentError([Problem(sources.folder, 0, "", "the content is incomplete")])
    return Content(causes, safety, vocab, messages, trees, rules, domain, journal, home)
