"""Where phrases start in a list of words, and a group phrase heard there (a `Hit`): shared by the spotting modules."""

from __future__ import annotations

from dataclasses import dataclass

from twitch_coach.dialogue.words import forms


@dataclass
class Hit:
    """A phrase of a word group heard in an utterance, and what the words around it make of it."""

    group: str
    start: int
    end: int  # one past the last word
    clause: int
    negated: bool = False
    maybe: bool = False  # someone else's, or a what-if: an urgent sign still counts, a red flag does not
    refused: bool = False  # negated by a "no" of the speaker's own, not passed on nor someone else's
    passed: bool = False  # someone else's or passed on as information: a claim after it makes it the speaker's


def phrase_at(tokens: list[str], i: int, phrases: tuple[tuple[str, ...], ...], loose: bool = False) -> int:
    """The length of the longest phrase that starts at tokens[i] exactly, or in plain word forms when `loose`
    ("my mates" is "my mate"); 0 when none."""
    if i >= len(tokens):
        return 0
    if not loose:  # the phrases' lengths, longest first, and the phrases themselves: a lookup per length
        lengths, known = _exact(phrases).get(tokens[i], ((), frozenset()))
        return next((n for n in lengths if i + n <= len(tokens) and tuple(tokens[i : i + n]) in known), 0)
    best = 0
    for phrase in _starting(phrases).get(tokens[i], ()):
        if len(phrase) > best and len(tokens) - i >= len(phrase):
            got = tokens[i : i + len(phrase)]
            if all(t == w or t in forms(w) for t, w in zip(got, phrase, strict=True)):
                best = len(phrase)
    return best


def covered(tokens: list[str], phrases: tuple[tuple[str, ...], ...]) -> set[int]:
    """The positions of `tokens` inside a phrase of `phrases` said there exactly."""
    return {k for i in range(len(tokens)) for k in range(i, i + phrase_at(tokens, i, phrases))}


_Phrases = tuple[tuple[str, ...], ...]
_BY_FIRST: dict[int, tuple[_Phrases, dict[str, list[tuple[str, ...]]]]] = {}
_EXACT: dict[int, tuple[_Phrases, dict[str, tuple[tuple[int, ...], frozenset[tuple[str, ...]]]]]] = {}


def _starting(phrases: tuple[tuple[str, ...], ...]) -> dict[str, list[tuple[str, ...]]]:
    """`phrases` by the word forms they start with; built once per list."""
    known = _BY_FIRST.get(id(phrases))
    if known is None or known[0] is not phrases:
        index: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            for first in forms(phrase[0]):
                index.setdefault(first, []).append(phrase)
        known = _BY_FIRST[id(phrases)] = (phrases, index)
    return known[1]


def _exact(phrases: tuple[tuple[str, ...], ...]) -> dict[str, tuple[tuple[int, ...], frozenset[tuple[str, ...]]]]:
    """`phrases` by their first word: (their lengths, longest first; the phrases); built once per list."""
    known = _EXACT.get(id(phrases))
    if known is None or known[0] is not phrases:
        index: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            index.setdefault(phrase[0], []).append(phrase)
        by_first = {w: (tuple(sorted({len(p) for p in ps}, reverse=True)), frozenset(ps)) for w, ps in index.items()}
        known = _EXACT[id(phrases)] = (phrases, by_first)
    return known[1]
