"""Spot urgent signs and red flags in what someone says: one code path for `ask` and the check-in.

A sign is a few patterns; a pattern is word groups that must all be heard in one clause, in any order
("my pee is dark brown": fluid and colour). Negation is scoped to its part of the clause: "no numbness,
but my arm is weak" raises weakness only. The words and rules are content (safety.yaml, `spotting`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from twitch_coach.dialogue.content import Patterns, Safety, Spotting
from twitch_coach.dialogue.words import forms
from twitch_coach.intents.normalize import normalise

_SENTENCES = re.compile(r"([;!?]+|\.(?!\d))")
_PARTS = re.compile(r"[,:()\"]+|\s[-\u2013\u2014]+\s")


@dataclass(frozen=True)
class Spotted:
    """What an utterance names: urgent sign ids and red flag ids, each in content order."""

    urgent: tuple[str, ...]
    red_flags: tuple[str, ...]
    denied: tuple[str, ...] = ()  # red flags named only in a question put to oneself and answered no ("numb? no.")


@dataclass
class _Hit:
    group: str
    start: int
    end: int  # one past the last word
    clause: int
    negated: bool = False
    maybe: bool = False  # someone else's, or a what-if: an urgent sign still counts, a red flag does not


def spot(utterance: str, safety: Safety, about: str | None = None) -> Spotted:
    """The urgent signs and red flags `utterance` names, negated and look-alike words left out; `about` is the topic
    of the question it answers, whose own subject counts as said ("yes, the whole left side" to "any numbness?")."""
    words, clauses, parts, denied, general, told = _tokens(utterance, safety.spotting)
    words, clauses, parts = _borrow(words, clauses, parts, safety.spotting)
    sayings = frozenset(safety.spotting.sayings_at.get(about or "", ()))  # "out like a light" at the sleep question
    here = safety.spotting.heard_at.get(about or "", ())  # "what comes out is dark" at the drinking question
    away = {g for topic, groups in safety.spotting.heard_at.items() if topic != about for g in groups} - set(here)
    found = [h for h in _hits(words, clauses, parts, safety.spotting) if h.group not in away]
    hits = _quiet(found, words, clauses, parts, safety.spotting, sayings)
    for h in hits:
        h.negated = h.negated or h.clause in denied  # "numb? no."
        h.maybe = h.maybe or h.clause in general  # "when is tingling a bad sign?": asked about, not had
        if h.clause in told:  # "apparently fainting after a race is common": passed on
            h.maybe = h.negated = True

    def counted(hits: list[_Hit]) -> dict[int, Counter[str]]:
        heard: dict[int, Counter[str]] = {}
        for clause, group, _ in {(h.clause, h.group, h.start) for h in hits}:  # one count a word
            heard.setdefault(clause, Counter())[group] += 1
        return heard

    def named(heard: dict[int, Counter[str]], patterns: Patterns, unless: tuple[str, ...] = ()) -> bool:
        if {group for groups in heard.values() for group in groups} & set(unless):
            return False
        # A group listed twice needs two words of it: [body_part, body_part, also] is "my calf and my back too".
        needs = [Counter(pattern) for pattern in patterns]
        return any(all(groups[g] >= n for g, n in need.items()) for groups in heard.values() for need in needs)

    for_urgent = counted([h for h in hits if not h.negated])
    for_flags = counted([h for h in hits if not (h.negated or h.maybe)])
    spotting = safety.spotting
    asked = spotting.asked.get(about or "", ())
    inside = {i for h in hits for i in range(h.start, h.end)}  # "can not read" says no "not" of its own
    refused = {w for i, w in enumerate(words) if i not in inside} & (spotting.negations | spotting.answers)
    if asked and not refused:  # a plain yes, not a "no"
        for groups in (*for_urgent.values(), *for_flags.values()):
            groups.update({group: 1 for group in asked if not groups[group]})
    urgent = tuple(sid for sid, patterns in safety.urgent.signs.items() if named(for_urgent, patterns))
    flags = tuple(fid for fid, flag in safety.red_flags.items() if named(for_flags, flag.signs, flag.unless))
    for_denied = counted([h for h in hits if h.clause in denied and not h.maybe])
    said_no = tuple(f for f, flag in safety.red_flags.items() if f not in flags and named(for_denied, flag.signs))
    return Spotted(urgent, flags, said_no)


def _tokens(
    utterance: str, spotting: Spotting
) -> tuple[list[str], list[int], list[int], set[int], set[int], set[int]]:
    """Normalised words, with the clause and the part (between commas) each belongs to, the clauses a bare
    "no" answers: a question put to oneself and answered at once ("numb? no. sore? yes", where the yes joins the
    question's clause), and the clauses of general questions: a sentence that starts as one and has no word of
    oneself after ("when is tingling a bad sign?", "how serious is weakness in the legs"), and of sentences that pass a
    sign on ("apparently fainting after a race is common")."""
    words: list[str] = []
    clauses: list[int] = []
    parts: list[int] = []
    denied: set[int] = set()
    general: set[int] = set()
    told: set[int] = set()
    clause = part = 0
    pieces = _SENTENCES.split(utterance[:2000])
    asked: tuple[int, int] | None = None  # the clauses of the sentence just ended with "?"
    curious: bool | None = None  # whether it is said to be asked out of interest: read only beside a general question
    for sentence, end in zip(pieces[::2], [*pieces[1::2], ""], strict=True):
        said = normalise(sentence).split()
        if asked and said and all(w in spotting.answers for w in said):
            denied.update(range(*asked))
        elif asked:
            clause -= 1  # "sore? hell yes": the answer finishes the question's clause
        first = clause
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
        lead = _phrase_at(said, 0, spotting.curious)  # "out of curiosity, does ..."
        opening = _phrase_at(said, lead, spotting.general_questions)
        opening = opening or ("?" in end and _phrase_at(said, lead, spotting.general_if_asked))  # "is numbness bad?"
        in_general = bool(opening) and not _of_oneself(said, lead + opening, spotting)
        if in_general:
            general.update(range(first, clause))
            if curious is None:
                everything = normalise(utterance[:2000]).split()
                curious = any(_phrase_at(everything, i, spotting.curious) for i in range(len(everything)))
            if curious:  # "is chest pain linked to twitching? just curious": asked out of interest, nothing is had
                told.update(range(first, clause))
        # a question asked out of interest is not put to oneself: what follows it is said apart ("... ? my chest hurts")
        asked = (first, clause) if "?" in end and not (in_general and curious) else None
        opening = _phrase_at(said, 0, spotting.hearsay)
        if opening and not set(said[opening:]) & (spotting.me | spotting.own):
            told.update(range(first, clause))
    return words, clauses, parts, denied, general, told


def _of_oneself(said: list[str], start: int, spotting: Spotting) -> bool:
    """True when a word of oneself comes at or after `start`, leaving out those of a curious aside ("in general, I
    mean")."""
    aside: set[int] = set()
    for i in range(start, len(said)):
        aside.update(range(i, i + _phrase_at(said, i, spotting.curious)))
    return any(w in spotting.me or w in spotting.own for i, w in enumerate(said) if i >= start and i not in aside)


def _borrow(
    words: list[str], clauses: list[int], parts: list[int], spotting: Spotting
) -> tuple[list[str], list[int], list[int]]:
    """Words, clauses and parts with a verb that stands for one said before ("the twitch does not hurt but my chest
    does", "my calf does not ache, my chest does") followed by what the last negation, in an earlier part of this
    clause or in the clause before, reached: "my chest does hurt". Only a verb that ends its part (but for words like
    "now") borrows."""
    out: tuple[list[str], list[int], list[int]] = ([], [], [])
    denied: tuple[int, int, list[str]] | None = None  # (clause, part, the words) of the last negation
    for i, word in enumerate(words):
        if word in spotting.negations:
            end = i + 1
            while end < len(words) and parts[end] == parts[i] and words[end] not in spotting.negation_stops:
                end += 1
            denied = (clauses[i], parts[i], words[i + 1 : end])
        borrowed: list[str] = []
        if word in spotting.ellipsis and denied and denied[1] != parts[i] and clauses[i] - denied[0] in (0, 1):
            rest = (w for w, p in zip(words[i + 1 :], parts[i + 1 :], strict=True) if p == parts[i])
            if all(w in spotting.ellipsis_tail for w in rest):  # "but it does now"
                borrowed = denied[2]
        for w in (word, *borrowed):
            out[0].append(w)
            out[1].append(clauses[i])
            out[2].append(parts[i])
    return out


def _phrase_at(tokens: list[str], i: int, phrases: tuple[tuple[str, ...], ...], loose: bool = False) -> int:
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


def _hits(words: list[str], clauses: list[int], parts: list[int], spotting: Spotting) -> list[_Hit]:
    """Every group phrase heard, within one part of a clause (word forms and slips included)."""
    known = [spotting.index.lookup(w) for w in words]
    hits = []
    for i in range(len(words)):
        for first in known[i]:
            hits += [_Hit(group, i, i + 1, clauses[i]) for group in spotting.by_first.get(first, ())]
            for second in known[i + 1] if i + 1 < len(words) and parts[i] == parts[i + 1] else ():
                for group, phrase in spotting.by_two.get((first, second), ()):
                    n = len(phrase)
                    if i + n <= len(words) and parts[i] == parts[i + n - 1]:
                        if all(phrase[k] in known[i + k] for k in range(2, n)):
                            hits.append(_Hit(group, i, i + n, clauses[i]))
    return hits


def _quiet(
    hits: list[_Hit], words: list[str], clauses: list[int], parts: list[int], spotting: Spotting,
    sayings: frozenset[str] = frozenset(),
) -> list[_Hit]:  # fmt: skip
    """Drop idioms (and `sayings`, the groups that are sayings at this question) and look-alikes, then mark hits that a
    negation, an all-clear, an "as usual", a what-if or someone else's clause cancels."""
    idioms = [h for h in hits if h.group in spotting.idioms or h.group in sayings]
    dropped = {id(h) for h in hits for f in idioms if h.start < f.end and f.start < h.end}  # "a pain in the neck"
    in_sayings = set(dropped)  # a word of a saying belongs to nothing ("after every run for a month")
    by_group: dict[str, list[_Hit]] = {}
    for h in hits:
        by_group.setdefault(h.group, []).append(h)
    for pairs, both in ((spotting.lookalikes, True), (spotting.belongs, False)):
        for first, second, gap in pairs:
            for a in by_group.get(first, ()):
                for b in by_group.get(second, ()) if id(a) not in in_sayings else ():
                    close = a.end <= b.start <= a.end + gap and parts[a.start] == parts[b.start]
                    if close and not spotting.lookalike_stops & set(words[a.end : b.start]):  # "weak after the run"
                        # a look-alike means something else, so neither counts; a belonging only the second
                        dropped |= {id(a), id(b)} if both else {id(b)}
    hits = [h for h in hits if id(h) not in dropped]
    _someone_else(hits, words, parts, spotting)
    covered = {i for h in hits for i in range(h.start, h.end)}
    for i in range(len(words)):
        if i in covered and not _phrase_at(words, i, spotting.denials):  # "can not say it hurts" is a denial
            continue
        pseudo = _phrase_at(words, i, spotting.pseudo)
        if pseudo:
            covered.update(range(i, i + pseudo))
    for i, word in enumerate(words):
        if i in covered and not _phrase_at(words, i, spotting.denials):
            continue
        what_if = _phrase_at(words, i, spotting.hypothetical)
        if word in spotting.negations or what_if or _phrase_at(words, i, spotting.denials):
            end = i + max(what_if, 1)
            if word in spotting.answers and _starts_afresh(words, end, spotting):
                continue  # "no my arm is weak", "no not really my ...": an answer said without its comma
            while end < len(words) and parts[end] == parts[i] and words[end] not in spotting.negation_stops:
                end += 1
            for h in hits:
                if i < h.start < end:
                    h.negated = h.negated or not what_if
                    h.maybe = True
        usual = _phrase_at(words, i, spotting.as_usual)
        clear = usual or _phrase_at(words, i, spotting.all_clear)
        if clear:
            same = clauses if usual else parts
            for h in hits:
                if h.start < i and same[h.start] == same[i]:
                    h.negated = True
    return hits


def _starts_afresh(words: list[str], i: int, spotting: Spotting) -> bool:
    """True when words[i] begins a new statement or another answer, so an answer before it negates nothing."""
    return bool(_phrase_at(words, i, spotting.fresh_starts)) or (i < len(words) and words[i] in spotting.answers)


def _someone_else(hits: list[_Hit], words: list[str], parts: list[int], spotting: Spotting) -> None:
    """Mark the hits of a stretch about someone else ("my friend fainted, ..."): no red flag is theirs to raise, and
    no urgent sign either when it was long ago. A stretch runs to a comma or a word like "and" (the negation stops);
    one that also speaks of oneself ("my mates said I was out") stays. An "and" inside a sign's own words ("pins and
    needles") ends nothing."""
    inside = {i for h in hits for i in range(h.start + 1, h.end)}
    stretch, at = [], 0
    for i, word in enumerate(words):
        at += i > 0 and (parts[i] != parts[i - 1] or (word in spotting.negation_stops and i not in inside))
        stretch.append(at)
    others: dict[int, set[int]] = {}  # stretch -> the positions its mentions of someone else cover
    long_ago = set()
    for i in range(len(words)):
        n = _phrase_at(words, i, spotting.others, loose=True)
        if n and i + n < len(words) and stretch[i + n] == stretch[i]:
            place = _phrase_at(words, i + n, spotting.their_place)
            n += place + (place > 0)  # "a guy at my club": the "my" of where they are is not the speaker's own
        if n:
            others.setdefault(stretch[i], set()).update(range(i, i + n))
        if _phrase_at(words, i, spotting.long_ago, loose=True):
            long_ago.add(stretch[i])
    for i, word in enumerate(words):
        if word in spotting.me and i not in others.get(stretch[i], {i}):
            others.pop(stretch[i], None)
    # "..., I just have a twitchy calf": the speaker says what is theirs, so someone else's sign is only theirs
    only_mine = any(_phrase_at(words, i, spotting.only_mine) for i in range(len(words)))
    now = {stretch[i] for i in range(len(words)) if _phrase_at(words, i, spotting.happening_now)}
    informing = _informing(words, parts, stretch, spotting)
    for h in hits:
        if stretch[h.start] in others:
            h.maybe = True
            h.negated = h.negated or stretch[h.start] in long_ago or (only_mine and stretch[h.start] not in now)
        if stretch[h.start] in informing:
            h.maybe = h.negated = True


def _informing(words: list[str], parts: list[int], stretch: list[int], spotting: Spotting) -> set[int]:
    """The stretches that pass on what a sign means ("I read that slurred speech is a stroke sign", "the poster
    says stop if you get chest pain") with no word of oneself (or of one's own twitch: "my doctor says the twitching
    ...") after the telling ("I read that my speech ..."), but in what-ifs told, which it reaches to the end of its part
    ("my physio says if I ever get chest pain I should ring 999")."""
    told: dict[int, int] = {}  # stretch -> where its telling ends
    for i in range(len(words)):
        n = _phrase_at(words, i, spotting.informing)
        if n and stretch[i + n - 1] not in told:  # "says stop | if you get chest pain": the stretch it ends in
            told[stretch[i + n - 1]] = i + n

    def of_oneself(at: int, end: int) -> bool:
        for k in range(end, len(words)):
            if stretch[k] == at and _phrase_at(words, k, spotting.hypothetical):
                return False  # the rest of the telling is a what-if, its "I" anyone's
            if stretch[k] == at and (words[k] in spotting.me or _phrase_at(words, k, spotting.told_mine)):
                return True
        return False

    out = set()
    for at, end in told.items():
        if of_oneself(at, end):
            continue
        out.add(at)
        for k in range(end, len(words)):  # "says | if I ever get chest pain ...": a what-if told, to its part's end
            told_on = stretch[k] == stretch[k - 1] or _phrase_at(words, k, spotting.hypothetical)
            if parts[k] != parts[end - 1] or not told_on:
                break
            out.add(stretch[k])
    return out
