"""Numbers in everyday speech: "five and a half", "a couple", "6", "six or seven", "for" heard for "four".

The one home of number words: the normaliser, the matcher and the speech vocabulary take them from here.

Which nouns make "a" one ("a coffee", "an hour") is the domain's to say: the content's `counted` list
(content/vocab.yaml), passed in as `counted`, each in the singular and a two-word one joined ("redbull")."""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
NUMBER_WORDS = (*_UNITS, *_TENS)  # "zero" .. "nineteen", then "twenty" .. "ninety"
_QUANTITIES = {"couple": 2, "pair": 2, "few": 3, "several": 3, "dozen": 12, "half": 0.5}
_NOTHING = {"none", "nothing", "nil", "zero", "zilch"}

# Words a recogniser writes for a number word that sounds the same. Trusted only where the
# question expects a number and the word stands alone or before a unit ("for hours").
SLIPS = {
    "for": 4, "fore": 4, "to": 2, "too": 2, "won": 1, "ate": 8, "tree": 3, "free": 3,
    "fife": 5, "sex": 6, "nein": 9, "tin": 10, "oh": 0,
}  # fmt: skip

# Words between two numbers that make them a range: "six or seven", "three, maybe four".
_RANGE_JOINERS: tuple[list[str], ...] = ([], ["or"], ["to"], ["maybe"], ["or", "maybe"])

_DIGITS_RE = re.compile(r"^\d+(?:\.\d+)?$")


def spell(n: int) -> str:
    """0 -> "zero", 25 -> "twenty five": a whole number below 100 in words, as people say it."""
    if not 0 <= n < 100:
        raise ValueError(f"only 0 to 99 are spelt, not {n}")
    if n < 20:
        return NUMBER_WORDS[n]
    tens, units = divmod(n, 10)
    return NUMBER_WORDS[18 + tens] + ("" if units == 0 else " " + NUMBER_WORDS[units])


@dataclass(frozen=True)
class Number:
    """A number found in an utterance."""

    value: float
    """The number said; the middle of a range such as "six or seven"."""
    slip: bool = False
    """True when it came from a sound-alike word ("for" for "four"), so less certain."""


def singular(word: str) -> str:
    """The word a counted noun is listed as: "coffees" -> "coffee", "glasses" -> "glass"."""
    if word.endswith("sses"):  # "glasses" -> "glass", which is not "glas"
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


def _two_word_unit(tokens: list[str], i: int, counted: Collection[str]) -> bool:
    """A counted noun said as two words, listed joined: "red bull"."""
    return i + 1 < len(tokens) and singular(tokens[i] + tokens[i + 1]) in counted


def _tens_units(tokens: list[str], i: int) -> tuple[float, int]:
    """A number below 100 said in words at tokens[i] ("twenty five"), or (0, i)."""
    word = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if word in _TENS:
        if nxt in _UNITS and 0 < _UNITS[nxt] < 10:
            return float(_TENS[word] + _UNITS[nxt]), i + 2
        return float(_TENS[word]), i + 1
    if word in _UNITS:
        return float(_UNITS[word]), i + 1
    return 0.0, i


def _read(tokens: list[str], i: int, counted: Collection[str]) -> tuple[float, int] | None:
    """Read one number starting at tokens[i]; return (value, index after it) or None."""
    word = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if _DIGITS_RE.match(word):
        value, j = float(word), i + 1
        if not math.isfinite(value):  # hundreds of digits overflow a float: noise, not an answer
            return None
    elif word in _TENS or word in _UNITS:
        value, j = _tens_units(tokens, i)
    elif word in _NOTHING:
        return 0.0, i + 1
    elif word in _QUANTITIES:
        value, j = float(_QUANTITIES[word]), i + 1
    elif word in ("a", "an") and nxt in _QUANTITIES:
        value, j = float(_QUANTITIES[nxt]), i + 2
    elif word in ("a", "an", "single") and (singular(nxt) in counted or _two_word_unit(tokens, i + 1, counted)):
        value, j = 1.0, i + 1
    elif word == "a" and nxt == "hundred":
        value, j = 1.0, i + 1
    else:
        return None
    if value == 0.5 and tokens[j : j + 1] in (["a"], ["an"]) and j + 1 < len(tokens):
        j += 2 if singular(tokens[j + 1]) in counted else 0  # "half an hour" is one half
    if j < len(tokens) and tokens[j] == "hundred" and value < 100:
        value, j = value * 100, j + 1
        if tokens[j : j + 1] == ["and"] and j + 1 < len(tokens):  # "a hundred and twenty five"
            rest, k = _tens_units(tokens, j + 1)
            if rest:
                value, j = value + rest, k
    if j < len(tokens) and tokens[j] == "of":  # "a couple of"
        j += 1
    # "five and a half", "an hour and a half": the half may follow a unit word.
    k = j + 1 if j < len(tokens) and singular(tokens[j]) in counted else j
    if tokens[k : k + 3] == ["and", "a", "half"]:
        value += 0.5
        j = k + 3
    elif tokens[k : k + 2] == ["and", "half"]:
        value += 0.5
        j = k + 2
    return value, j


def find_numbers(text: str, counted: Collection[str] = frozenset()) -> list[float]:
    """Every number in a normalised utterance, ranges ("six or seven") folded to their middle; `counted`: the
    nouns that make "a" one."""
    tokens = text.split()
    found: list[tuple[float, int, int]] = []
    i = 0
    while i < len(tokens):
        read = _read(tokens, i, counted)
        if read is None:
            i += 1
            continue
        found.append((read[0], i, read[1]))
        i = read[1]
    values: list[float] = []
    k = 0
    while k < len(found):
        value, start, end = found[k]
        if k + 1 < len(found):
            nxt_value, nxt_start, nxt_end = found[k + 1]
            between = tokens[end:nxt_start]
            after_between = between == ["and"] and tokens[start - 1 : start] == ["between"]
            joined = between in _RANGE_JOINERS or after_between
            if joined and nxt_value > value:
                values.append((value + nxt_value) / 2)
                k += 2
                continue
        values.append(value)
        k += 1
    return values


def parse_number(text: str, slips: bool = False, counted: Collection[str] = frozenset()) -> Number | None:
    """The first number in a normalised utterance; with `slips`, sound-alikes count when they stand alone or
    before a counted noun ("for hours")."""
    values = find_numbers(text, counted)
    if values:
        return Number(values[0])
    if not slips:
        return None
    tokens = text.split()
    for i, word in enumerate(tokens):
        if word not in SLIPS:
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if len(tokens) == 1 or singular(nxt) in counted:
            return Number(float(SLIPS[word]), slip=True)
    return None
