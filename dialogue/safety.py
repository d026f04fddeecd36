"""Spot urgent signs and red flags in what someone says: one code path for `ask` and the check-in.

A sign is a few patterns; a pattern is word groups that must all be heard in one clause, in any order
("my pee is dark brown": fluid and colour). Negation is scoped to its part of the clause: "no numbness,
but my arm is weak" raises weakness only. The words and rules are content (safety.yaml, `spotting`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from dialogue.content import Safety, Spotting
from intents.normalize import normalise

_SENTENCES = re.compile(r"[;!?]+|\.(?!\d)")
_PARTS = re.compile(r"[,:()\"]+|\s[-\u2013\u2014]+\s")
LOOKALIKE_GAP = 2  # words that may come between the two halves of a look-alike ("one side of my calf")


@dataclass(frozen=True)
class Spotted:
    """What an utterance names: urgent sign ids and red flag ids, each in content order."""

    urgent: tuple[str, ...]
    red_flags: tuple[str, ...]


@dataclass
class _Hit:
    group: str
    start: int
    end: int  # one past the last word
    clause: int
    negated: bool = False


def spot(utterance: str, safety: Safety) -> Spotted:
    """The urgent signs and red flags `utterance` names, negated and look-alike words left out."""
    words, clauses, parts = _tokens(utterance, safety.spotting)
    hits = _quiet(_hits(words, clauses, parts, safety.spotting), words, clauses, parts, safety.spotting)
    heard: dict[int, Counter[str]] = {}
    for clause, group, _ in {(h.clause, h.group, h.start) for h in hits if not h.negated}:  # one count a word
        heard.setdefault(clause, Counter())[group] += 1
    anywhere = {group for groups in heard.values() for group in groups}

    def named(patterns: tuple[tuple[str, ...], ...], unless: tuple[str, ...] = ()) -> bool:
        if anywhere & set(unless):
            return False
        # A group listed twice needs two words of it: [body_part, body_part, also] is "my calf and my back too".
        needs = [Counter(pattern) for pattern in patterns]
        return any(all(groups[g] >= n for g, n in need.items()) for groups in heard.values() for need in needs)

    urgent = tuple(sid for sid, patterns in safety.urgent.signs.items() if named(patterns))
    flags = tuple(fid for fid, flag in safety.red_flags.items() if named(flag.signs, flag.unless))
    return Spotted(urgent, flags)


def _tokens(utterance: str, spotting: Spotting) -> tuple[list[str], list[int], list[int]]:
    """Normalised words, with the clause and the part (between commas) each belongs to."""
    words: list[str] = []
    clauses: list[int] = []
    parts: list[int] = []
    clause = part = 0
    for sentence in _SENTENCES.split(utterance[:2000]):
        for chunk in _PARTS.split(sentence):
            tokens = normalise(chunk).split()
            i = 0
            while i < len(tokens):
                brk = _phrase_at(tokens, i, spotting.breaks)
                if brk:
                    clause, part, i = clause + 1, part + 1, i + brk
                    continue
                words.append(tokens[i])
                clauses.append(clause)
                parts.append(part)
                i += 1
            part += 1
        clause += 1
        part += 1
    return words, clauses, parts


def _phrase_at(tokens: list[str], i: int, phrases: tuple[tuple[str, ...], ...]) -> int:
    """The length of the longest phrase that starts at tokens[i] exactly (0 when none)."""
    best = 0
    for phrase in phrases:
        if len(phrase) > best and tuple(tokens[i : i + len(phrase)]) == phrase:
            best = len(phrase)
    return best


def _hits(words: list[str], clauses: list[int], parts: list[int], spotting: Spotting) -> list[_Hit]:
    """Every group phrase heard, within one part of a clause (word forms and slips included)."""
    known = [spotting.index.lookup(w) for w in words]
    hits = []
    for i in range(len(words)):
        for first in known[i]:
            for group, phrase in spotting.by_first.get(first, ()):
                n = len(phrase)
                if i + n <= len(words) and parts[i] == parts[i + n - 1]:
                    if all(phrase[k] in known[i + k] for k in range(1, n)):
                        hits.append(_Hit(group, i, i + n, clauses[i]))
    return hits


def _quiet(hits: list[_Hit], words: list[str], clauses: list[int], parts: list[int], spotting: Spotting) -> list[_Hit]:
    """Drop look-alikes, then mark hits that a negation, an all-clear or an "as usual" cancels."""
    dropped = set()
    for first, second in spotting.lookalikes:
        for a in hits:
            for b in hits:
                close = a.end <= b.start <= a.end + LOOKALIKE_GAP and a.clause == b.clause
                if a.group == first and b.group == second and close:
                    dropped |= {id(a), id(b)}  # together they mean something else: neither counts
    hits = [h for h in hits if id(h) not in dropped]
    covered = {i for h in hits for i in range(h.start, h.end)}
    for i in range(len(words)):
        if i in covered:
            continue
        pseudo = _phrase_at(words, i, spotting.pseudo)
        if pseudo:
            covered.update(range(i, i + pseudo))
    for i, word in enumerate(words):
        if i in covered:
            continue
        if word in spotting.negations:
            end = i + 1
            while end < len(words) and parts[end] == parts[i] and words[end] not in spotting.negation_stops:
                end += 1
            for h in hits:
                if i < h.start < end:
                    h.negated = True
        usual = _phrase_at(words, i, spotting.as_usual)
        clear = usual or _phrase_at(words, i, spotting.all_clear)
        if clear:
            same = clauses if usual else parts
            for h in hits:
                if h.start < i and same[h.start] == same[i]:
                    h.negated = True
    return hits
