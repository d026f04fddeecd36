"""Word forms and slips for spotting signs: "peeing" is "pee", "tinglin" is "tingling", "pane" is "pain"."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

from rapidfuzz.distance import OSA

_Y_TO_I = ("es", "ed", "er", "est", "ness")  # blurry -> blurrier, blurriness
_SUFFIXES = ("s", "es", "ed", "d", "ing", "er", "ers", "est", "y", "ly", "ness", "ful", "ish")
_VOWELS = set("aeiou")
_REPEATS = re.compile(r"(.)\1\1+")  # "peee" is "pee": a held key or a long sound
MIN_SLIP = 5  # a listed word this long or longer also matches a slip of one letter ("vission")
LONG_SLIP = 10  # ... and one this long a slip of two ("perscripshun")
MIN_SOUND = 4  # a word this long or longer also matches a spelling that sounds the same ("numm", "weeknes")
# Spellings of one sound, in the order they are applied: "weakness" and "weeknes" both become "weknes".
_SPELLINGS = (
    (re.compile(r"([^aeiou])\1+"), r"\1"),  # doubled consonants: "numm", "wekness"
    (re.compile(r"mbe?$"), "m"),  # "numb" is said "num" (and typed "numbe")
    (re.compile(r"[st]ion$|shun$"), "shun"),  # "vision", "vishun"; "medication", "medicashun"
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"ight"), "ite"),  # "tight", "tite"
    (re.compile(r"(ee|ea|ie|ei)"), "e"),  # "weak", "week", "weke"
    (re.compile(r"c(?=[eiy])"), "s"),  # a soft c: "medicine", "medisin"
    (re.compile(r"(?<=[^aeiou])e$"), ""),  # a silent final e: "weke", "tingle"
    (re.compile(r"th$"), "f"),  # a final "th" said "f": "breath", "breff"
    (re.compile(r"y$"), "i"),  # "tingly", "tinglie"
    (re.compile(r"ing$"), "in"),  # a dropped g: "tinglin", "breathin", "spreddin"
)


@functools.lru_cache(maxsize=4096)
def sound(word: str) -> str:
    """A rough key for how `word` is said, so spellings of one sound meet: numb, numm -> num."""
    for pattern, repl in _SPELLINGS:
        word = pattern.sub(repl, word)
    return word


@functools.lru_cache(maxsize=4096)
def forms(word: str) -> frozenset[str]:
    """`word` and its plain inflections: tingle -> tingles, tingling, tingly; slur -> slurred."""
    out = {word}
    for suffix in _SUFFIXES:
        out.add(word + suffix)
        starts_vowel = suffix[0] in _VOWELS or suffix[0] == "y"
        if word.endswith("e") and starts_vowel:
            out.add(word[:-1] + suffix)  # tingle -> tingling
        if (
            starts_vowel
            and len(word) >= 3
            and word[-1] not in _VOWELS | {"w", "x", "y"}
            and word[-2] in _VOWELS
            and word[-3] not in _VOWELS
        ):
            out.add(word + word[-1] + suffix)  # slur -> slurred, blur -> blurry
        if word.endswith("y") and len(word) > 2 and word[-2] not in _VOWELS and suffix in _Y_TO_I:
            out.add(word[:-1] + "i" + suffix)  # blurry -> blurrier, blurriness
    return frozenset(out)


class WordIndex:
    """Which listed words a heard word can be: itself, a plain form, a sound-alike, or a slip."""

    def __init__(self, words: Iterable[str], sounds_like: Mapping[str, str], not_slips: Iterable[str]) -> None:
        listed = set(words)
        self._listed = frozenset(listed)
        self._sounds_like = dict(sounds_like)
        self._not_slips = frozenset(not_slips)
        self._slip_targets = sorted(w for w in listed if len(w) >= MIN_SLIP)
        self._swaps: dict[str, set[str]] = {}  # four-letter words by their letters, for a swapped pair ("drak")
        for w in listed:
            if len(w) == MIN_SLIP - 1:
                self._swaps.setdefault("".join(sorted(w)), set()).add(w)
        self._sounds: dict[str, set[str]] = {}
        for w in listed:
            if len(w) >= MIN_SOUND:
                self._sounds.setdefault(sound(w), set()).add(w)
        self.lookup = functools.lru_cache(maxsize=4096)(self._lookup)

    def _lookup(self, token: str) -> frozenset[str]:
        token = _REPEATS.sub(r"\1\1", token)
        alike = self._sounds_like.get(token)
        if alike is not None and token not in self._listed:  # "weaks" is "weeks", not a form of "weak"
            return frozenset(self._bases(alike) or {alike})
        # A real word in not_slips is only itself: never a slip, a sound-alike, nor a form of a shorter listed word
        # ("numbers" is not numb + "ers", "bother" is not both + "er").
        found = ({token} & self._listed) if token in self._not_slips else self._bases(token)
        if alike is not None:
            found |= self._bases(alike) or {alike}  # "past" is itself, or "passed" in "past out"
        if token in self._listed or token in self._not_slips or len(token) < MIN_SOUND:
            return frozenset(found)
        found |= self._sounds.get(sound(token), set())  # "weekness": a form of "week", and said as "weakness"
        return frozenset(found or self._slips(token) or self._swapped(token))

    def _swapped(self, token: str) -> set[str]:
        """Four-letter listed words that `token` is with two neighbouring letters swapped: "drak" is "dark"."""
        if len(token) != MIN_SLIP - 1:
            return set()
        same_letters = self._swaps.get("".join(sorted(token)), set())
        return {w for w in same_letters if w[0] == token[0] and OSA.distance(w, token) == 1}

    def _bases(self, token: str) -> set[str]:
        """Listed words of which `token` is a plain form: the suffix taken off, then checked both ways."""
        candidates = {token}
        for suffix in _SUFFIXES:
            if token.endswith(suffix) and len(token) > len(suffix) + 1:
                stem = token[: -len(suffix)]
                candidates |= {stem, stem + "e", stem[:-1], stem[:-1] + "y"}
        return {w for w in candidates if w in self._listed and token in forms(w)}

    def _slips(self, token: str) -> set[str]:
        """Listed words one letter off `token` (two for long ones), with the same first letter."""
        best, found = 3, set[str]()
        for word in self._slip_targets:
            if word[0] != token[0] or abs(len(word) - len(token)) > 2:
                continue
            limit = 2 if len(word) >= LONG_SLIP else 1
            distance = OSA.distance(token, word, score_cutoff=limit)
            if distance <= limit and distance <= best:
                found = found if distance == best else set()
                best = distance
                found.add(word)
        return found
