"""Numbers in everyday speech, and sound-alike slips trusted only where they can only be a number."""

from __future__ import annotations

import pytest

from twitch_coach.dialogue.loader import load
from twitch_coach.intents.normalize import normalise
from twitch_coach.intents.numbers import find_numbers, parse_number

COUNTED = load().vocab.counted  # the shipped content's nouns that make "a" one ("a coffee")

NUMBERS = [
    # digits and words
    ("6", 6),
    ("5.5", 5.5),
    ("7.5 hours", 7.5),
    ("six", 6),
    ("Six.", 6),
    ("twelve", 12),
    ("twenty five", 25),
    ("twenty-five", 25),
    ("forty", 40),
    ("ninety nine", 99),
    ("a hundred", 100),
    ("one hundred and twenty", 120),
    ("a hundred and fifty five", 155),
    ("two hundred", 200),
    ("1,000", 1000),
    # halves
    ("five and a half", 5.5),
    ("5 and a half hours", 5.5),
    ("two and half", 2.5),
    ("half an hour", 0.5),
    ("about half a litre", 0.5),
    ("an hour and a half", 1.5),
    ("a litre and a half", 1.5),
    ("one and a half", 1.5),
    # quantities said as words
    ("a couple", 2),
    ("a couple of hours", 2),
    ("a couple coffees", 2),
    ("a pair", 2),
    ("a few", 3),
    ("a few hours", 3),
    ("several", 3),
    ("a dozen", 12),
    ("a coffee", 1),
    ("an hour", 1),
    ("an energy drink", 1),
    ("a Red Bull", 1),
    ("a single espresso", 1),
    ("a glass", 1),  # a noun ending in "ss" is already singular
    # nothing
    ("none", 0),
    ("zero", 0),
    ("nothing", 0),
    ("nothing at all", 0),
    # approximate: the number itself
    ("five-ish", 5),
    ("nine ish hours", 9),
    ("like five hours", 5),
    ("about 6", 6),
    ("maybe 5", 5),
    # ranges fold to their middle
    ("six or seven", 6.5),
    ("six, seven hours", 6.5),
    ("3 to 4", 3.5),
    ("3-4", 3.5),
    ("two to three days", 2.5),
    ("three, maybe four", 3.5),
    ("four or maybe five", 4.5),
    ("between six and seven", 6.5),
    # the first number said is the answer
    ("two coffees and a pre-workout", 2),
    ("terribly, like four hours", 4),
    ("I'm 30", 30),
]


@pytest.mark.parametrize(("said", "value"), NUMBERS, ids=[c[0] for c in NUMBERS])
def test_parse_number(said: str, value: float) -> None:
    number = parse_number(normalise(said), counted=COUNTED)
    assert number is not None, said
    assert number.value == pytest.approx(value)
    assert not number.slip


NOT_NUMBERS = [
    "",
    "no",
    "yes",
    "purple",
    "I went for a run",
    "going to bed",
    "for",  # a slip: only a number when slips are asked for
    "to",
    "a lot",
    "hundred",
    "a third",
    "9" * 400,  # too big for a float: noise, not infinity
]


@pytest.mark.parametrize("said", NOT_NUMBERS, ids=[(s or "<empty>")[:20] for s in NOT_NUMBERS])
def test_not_a_number(said: str) -> None:
    assert parse_number(normalise(said), counted=COUNTED) is None


SLIPS = [
    # sound-alikes stand for a number when they stand alone or come before a unit
    ("for", 4),
    ("For.", 4),
    ("for hours", 4),
    ("for coffees", 4),
    ("for days", 4),
    ("for glasses", 4),
    ("to", 2),
    ("to hours", 2),
    ("too", 2),
    ("to coffees", 2),
    ("ate", 8),
    ("ate hours", 8),
    ("won", 1),
    ("tree", 3),
    ("tin", 10),
    ("sex hours", 6),
]


@pytest.mark.parametrize(("said", "value"), SLIPS, ids=[c[0] for c in SLIPS])
def test_slip_alone_or_before_a_unit(said: str, value: float) -> None:
    assert parse_number(normalise(said), counted=COUNTED) is None  # never without slips
    number = parse_number(normalise(said), slips=True, counted=COUNTED)
    assert number is not None and number.slip
    assert number.value == value


NOT_SLIPS = [
    "I went for a run",
    "for a run",
    "going to bed",
    "to be honest",  # a filler, and "to" before it is not a number
    "I want to stop",
    "too much",
    "I ate breakfast",
    "we won the game",
    "a tree",
    "for real",
    "went to the gym for an hour and a half",  # the real number wins over slips
]


@pytest.mark.parametrize("said", NOT_SLIPS)
def test_slip_inside_a_sentence_is_not_a_number(said: str) -> None:
    number = parse_number(normalise(said), slips=True, counted=COUNTED)
    assert number is None or not number.slip


def test_real_number_beats_a_slip() -> None:
    number = parse_number(normalise("went to the gym for an hour and a half"), slips=True, counted=COUNTED)
    assert number is not None and number.value == 1.5 and not number.slip


def test_find_numbers_lists_every_number() -> None:
    assert find_numbers(normalise("two coffees and a pre-workout"), COUNTED) == [2, 1]
    assert find_numbers(normalise("six or seven hours, then five"), COUNTED) == [6.5, 5]
    assert find_numbers(normalise("seven or six"), COUNTED) == [7, 6]  # a falling pair is two numbers, not a range
    assert find_numbers("") == []


def test_what_makes_a_one_is_the_contents_to_say() -> None:
    # "a coffee" is one only where the content counts coffee; a domain with no coffee reads no number in it.
    assert parse_number("a coffee", counted=COUNTED) is not None and parse_number("a coffee") is None
    assert find_numbers("two coffees and a redbull", frozenset({"redbull"})) == [2, 1]  # two words, listed joined
    assert find_numbers("two coffees and a red bull", frozenset({"redbull"})) == [2, 1]
    assert parse_number("for hours", slips=True, counted=COUNTED) is not None
    assert parse_number("for hours", slips=True) is None  # a slip before a word the content does not count
