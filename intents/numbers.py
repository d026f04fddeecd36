"""Numbers in everyday speech: "five and a half", "a couple", "6", "six or seven", "for" heard for "four"."""

from __future__ import annotations

import math
import re
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
_QUANTITIES = {"couple": 2, "pair": 2, "few": 3, "several": 3, "dozen": 12, "half": 0.5}
_NOTHING = {"none", "nothing", "nil", "zero", "zilch"}

# Words a recogniser writes for a number word that sounds the same. Trusted only where the
# question expects a number and the word stands alone or before a unit ("for hours").
SLIPS = {
    "for": 4, "fore": 4, "to": 2, "too": 2, "won": 1, "ate": 8, "tree": 3, "free": 3,
    "fife": 5, "sex": 6, "nein": 9, "tin": 10, "oh": 0,
}  # fmt: skip

# Nouns that turn "a"/"an" into one: "a coffee", "an hour and a half".
_UNIT_NOUNS = {
    "hour", "cup", "coffee", "glass", "bottle", "litre", "liter", "day", "week", "minute", "can",
    "espresso", "shot", "tea", "night", "month", "session", "preworkout", "mug", "pint", "energy",
    "coke", "cola", "redbull", "latte", "cappuccino", "monster",
}  # fmt: skip

# Words between two numbers that make them a range: "six or seven", "three, maybe four".
_RANGE_JOINERS: tuple[list[str], ...] = ([], ["or"], ["to"], ["maybe"], ["or", "maybe"])

_DIGITS_RE = re.compile(r"^\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class Number:
    """A number found in an utterance."""

    value: float
    """The number said; the middle of a range such as "six or seven"."""
    slip: bool = False
    """True when it came from a sound-alike word ("for" for "four"), so less certain."""


def _singular(word: str) -> str:
    if word.endswith("sses"):  # "glasses" -> "glass", which is not "glas"
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


def _two_word_unit(tokens: list[str], i: int) -> bool:
    """A unit said as two words that is one word in the list: "red bull"."""
    return i + 1 < len(tokens) and _singular(tokens[i] + tokens[i + 1]) in _UNIT_NOUNS


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


def _read(tokens: list[str], i: int) -> tuple[float, int] | None:
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
    elif word in ("a", "an", "single") and (_singular(nxt) in _UNIT_NOUNS or _two_word_unit(tokens, i + 1)):
        value, j = 1.0, i + 1
    elif word == "a" and nxt == "hundred":
        value, j = 1.0, i + 1
    else:
        return None
    if value == 0.5 and tokens[j : j + 1] in (["a"], ["an"]) and j + 1 < len(tokens):
        j += 2 if _singular(tokens[j + 1]) in _UNIT_NOUNS else 0  # "half an hour" is one half
    if j < len(tokens) and tokens[j] == "hundred" and value < 100:
        value, j = value * 100, j + 1
        if tokens[j : j + 1] == ["and"] and j + 1 < len(tokens):  # "a hundred and twenty five"
            rest, k = _tens_units(tokens, j + 1)
            if rest:
                value, j = value + rest, k
    if j < len(tokens) and tokens[j] == "of":  # "a couple of"
        j += 1
    # "five and a half", "an hour and a half": the half may follow a unit word.
    k = j + 1 if j < len(tokens) and _singular(tokens[j]) in _UNIT_NOUNS else j
    if tokens[k : k + 3] == ["and", "a", "half"]:
        value += 0.5
        j = k + 3
    elif tokens[k : k + 2] == ["and", "half"]:
        value += 0.5
        j = k + 2
    return value, j


def find_numbers(text: str) -> list[float]:
    """Every number in a normalised utterance, ranges ("six or seven") folded to their middle."""
    tokens = text.split()
    found: list[tuple[float, int, int]] = []
    i = 0
    while i < len(tokens):
        read = _read(tokens, i)
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


def parse_number(text: str, slips: bool = False) -> Number | None:
    """The first number in a normalised utterance; with `slips`, sound-alikes count when they stand alone."""
    values = find_numbers(text)
    if values:
        return Number(values[0])
    if not slips:
        return None
    tokens = text.split()
    for i, word in enumerate(tokens):
        if word not in SLIPS:
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if len(tokens) == 1 or _singular(nxt) in _UNIT_NOUNS:
            return Number(float(SLIPS[word]), slip=True)
    return None
