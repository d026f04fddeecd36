"""safety.yaml's `spotting` and `groups`: the word groups signs are made of, and what cancels them."""

from __future__ import annotations

from typing import Any

from dialogue.content import Patterns, Spotting
from dialogue.fields import Reader, kind
from dialogue.yamlfile import KeyPath
from intents.normalize import normalise

_FIELDS = ("breaks", "negations", "negation_stops", "all_clear", "as_usual", "pseudo", "lookalikes", "sounds_like",
           "not_slips")  # fmt: skip


def _words(reader: Reader, phrases: tuple[str, ...], where: KeyPath) -> tuple[tuple[str, ...], ...]:
    """Phrases as the normalised words the spotter compares; one that normalises to nothing is a problem."""
    out = []
    for index, phrase in enumerate(phrases):
        words = tuple(normalise(phrase).split())
        if not words:
            reader.problem((*where, str(index)), f"'{phrase}' is only filler words, so it can never be heard")
        else:
            out.append(words)
    return tuple(out)


def read_groups(reader: Reader, data: dict[str, Any], root: KeyPath) -> dict[str, tuple[tuple[str, ...], ...]]:
    """`groups`: group name -> phrases; every group non-empty."""
    raw = reader.get(data, "groups", root, "mapping") or {}
    groups = {}
    for name, phrases in raw.items():
        where = (*root, "groups", name)
        if not name.isidentifier():
            reader.problem(where, f"a group name should be lower_case_words, not {name!r}")
        groups[name] = _words(reader, reader.phrases(phrases, where), where)
    return groups


def read_spotting(reader: Reader, data: dict[str, Any], root: KeyPath, groups: dict[str, Any]) -> Spotting | None:
    """`spotting`: clause breaks, negations, all-clears, look-alikes and slips."""
    raw = reader.get(data, "spotting", root, "mapping") or {}
    path = (*root, "spotting")
    reader.unknown_keys(raw, _FIELDS, path)
    lists = {k: _words(reader, reader.get(raw, k, path, "phrases") or (), (*path, k)) for k in _FIELDS[:6]}
    for key in ("negations", "negation_stops"):
        for index, words in enumerate(lists[key]):
            if len(words) > 1:
                reader.problem((*path, key, str(index)), f"should be one word, not '{' '.join(words)}'")
    lookalikes = []
    pairs = raw.get("lookalikes") or []
    if not isinstance(pairs, list):
        reader.problem((*path, "lookalikes"), f"should be a list of pairs of group names, not {kind(pairs)}")
        pairs = []
    for index, pair in enumerate(pairs):
        where = (*path, "lookalikes", str(index))
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(g, str) for g in pair)):
            reader.problem(where, f"should be a pair of group names, like [weak, drink], not {kind(pair)}")
            continue
        if all(check_group(reader, where, g, groups) for g in pair):
            lookalikes.append((pair[0], pair[1]))
    sounds_raw = reader.get(raw, "sounds_like", path, "mapping") or {}
    sounds = {}
    for slip, word in sounds_raw.items():
        if not isinstance(word, str) or not word.strip() or " " in word.strip():
            reader.problem((*path, "sounds_like", slip), f"should be the one word it stands for, not {kind(word)}")
        else:
            sounds[normalise(slip)] = normalise(word)
    not_slips = reader.get(raw, "not_slips", path, "phrases") or ()
    if reader.file.problems:
        return None
    return Spotting(
        groups,
        lists["breaks"],
        frozenset(w[0] for w in lists["negations"]),
        frozenset(w[0] for w in lists["negation_stops"]),
        lists["all_clear"],
        lists["as_usual"],
        lists["pseudo"],
        tuple(lookalikes),
        sounds,
        frozenset(normalise(w) for w in not_slips),
    )


def check_group(reader: Reader, where: KeyPath, name: str, groups: dict[str, Any]) -> bool:
    """True when `name` is a group under `groups`; else a problem that lists them."""
    if name in groups:
        return True
    reader.problem(where, f"unknown group '{name}'; groups: {', '.join(sorted(groups))}")
    return False


def read_patterns(reader: Reader, raw: Any, where: KeyPath, groups: dict[str, Any]) -> Patterns:
    """A sign's patterns: a non-empty list of non-empty lists of known group names."""
    if not isinstance(raw, list) or not raw:
        reader.problem(where, f"should be a list of patterns, like [[fluid, colour]], not {kind(raw)}")
        return ()
    patterns = []
    for index, pattern in enumerate(raw):
        at = (*where, str(index))
        if not isinstance(pattern, list) or not pattern or not all(isinstance(g, str) for g in pattern):
            reader.problem(at, f"should be a list of group names, like [fluid, colour], not {kind(pattern)}")
            continue
        if all([check_group(reader, at, g, groups) for g in pattern]):  # noqa: C419 (report every unknown one)
            patterns.append(tuple(pattern))
    return tuple(patterns)


def check_used(reader: Reader, root: KeyPath, groups: dict[str, Any], used: set[str]) -> None:
    """A group no sign or look-alike uses is a problem: most likely a misspelt name."""
    for name in groups:
        if name not in used:
            reader.problem((*root, "groups", name), f"group '{name}' is used by no sign or look-alike")
