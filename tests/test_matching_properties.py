"""Properties of normalising and matching over any input, and round trips of every content phrase."""

from __future__ import annotations

import math
from collections import defaultdict
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_matching import content, matcher  # one cached Content and Matcher for both matching test files

from twitch_coach.dialogue.content import Node
from twitch_coach.intents.matcher import Expectation, Match
from twitch_coach.intents.normalize import normalise
from twitch_coach.intents.numbers import SLIPS, find_numbers, parse_number


def _nodes() -> list[tuple[str, Node]]:
    return [(f"{tree.mode}.{nid}", node) for tree in content().trees.values() for nid, node in tree.nodes.items()]


NODES = _nodes()
NODE_IDS = [ref for ref, _ in NODES]


@cache
def expectation(ref: str) -> Expectation:
    node = dict(NODES)[ref]
    return node.expectation


def _vocabulary_words() -> list[str]:
    """Every word of every phrase the content knows, plus number words and slips: food for near-misses."""
    words = {
        "not",
        "no",
        "never",
        "and",
        "or",
        "a",
        "half",
        "twenty",
        "five",
        "7",
        "5.5",
        "hundred",
        "ish",
        ",",
    }
    words |= set(SLIPS)
    for _, node in NODES:
        phrases = [p for ps in node.choices.values() for p in ps] + list(node.words)
        phrases += [p for ps in node.tags.values() for p in ps]
        for phrase in phrases:
            words |= set(phrase.split())
    for phrases in content().vocab.commands.values():
        for phrase in phrases:
            words |= set(phrase.split())
    return sorted(words)


# Any text at all (control characters, all of unicode but lone surrogates), up to a few thousand
# characters, and sentences built from the words the content knows, which reach deeper into the matcher.
ANY_TEXT = st.text(max_size=3000)
KNOWN_WORDS = st.lists(st.sampled_from(_vocabulary_words()), max_size=40).map(" ".join)
UTTERANCES = st.one_of(ANY_TEXT, KNOWN_WORDS, st.text(alphabet=" \t\n\r\x00\x0b.,'-!?", max_size=50))
LONG_TEXT = st.one_of(
    st.text(min_size=2000, max_size=4000),
    st.lists(st.sampled_from(_vocabulary_words()), min_size=300, max_size=700).map(" ".join),
)
SLOW_OK = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


def allowed_intents(ref: str) -> set[str]:
    exp = expectation(ref)
    allowed = set(exp.choices) | set(content().vocab.commands) | {"unsure", "none"}
    if exp.expects == "number":
        allowed.add("number")
    if exp.expects == "free":
        allowed.add("free")
    return allowed


def check_match(ref: str, utterance: str, match: Match) -> None:
    """What every match must satisfy, whatever was said."""
    assert 0.0 <= match.confidence <= 1.0
    assert match.intent in allowed_intents(ref)
    assert match.text == normalise(utterance)
    assert set(match.tags) <= set(expectation(ref).tags)
    if match.intent == "none":
        assert match.value is None and match.confidence == 0.0 and match.phrase == ""
    else:
        assert match.confidence > 0.5
    if match.intent == "number":
        assert isinstance(match.value, float) and math.isfinite(match.value) and match.value >= 0
    elif match.intent != "free":
        assert match.value is None


@given(UTTERANCES)
@SLOW_OK
def test_normalise_never_raises_and_gives_plain_words(text: str) -> None:
    out = normalise(text)
    assert isinstance(out, str)
    assert out == out.strip() and "  " not in out
    assert all(ch in "abcdefghijklmnopqrstuvwxyz0123456789. " for ch in out), out


@given(UTTERANCES, st.booleans())
@SLOW_OK
def test_numbers_never_raise_and_are_finite(text: str, slips: bool) -> None:
    text = normalise(text)
    number = parse_number(text, slips=slips)
    assert number is None or (math.isfinite(number.value) and number.value >= 0)
    assert number is None or number.slip or number.value == find_numbers(text)[0]
    assert not (number is not None and number.slip and not slips)


@pytest.mark.parametrize("ref", NODE_IDS)
@given(utterance=UTTERANCES)
@SLOW_OK
def test_match_never_raises_and_keeps_its_promises(ref: str, utterance: str) -> None:
    check_match(ref, utterance, matcher().match(utterance, expectation(ref)))


@pytest.mark.parametrize("ref", NODE_IDS)
@given(utterance=LONG_TEXT)
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_long_input_never_raises(ref: str, utterance: str) -> None:
    check_match(ref, utterance, matcher().match(utterance, expectation(ref)))


@pytest.mark.parametrize("ref", NODE_IDS)
def test_runaway_repeats_never_raise(ref: str) -> None:
    for utterance in ("one hundred and " * 400, "not " * 1000, "yes no " * 500, "9" * 400, "for " * 800):
        check_match(ref, utterance, matcher().match(utterance, expectation(ref)))


@pytest.mark.parametrize("ref", NODE_IDS)
def test_empty_and_blank_are_a_no_match(ref: str) -> None:
    for utterance in ("", "   ", "\n\t", "...", "um", "uh, like, you know"):
        match = matcher().match(utterance, expectation(ref))
        assert match.intent == "none", utterance
        check_match(ref, utterance, match)


# --- round trips: every phrase in the content, said alone, is recognised as its own meaning


def collisions(ref: str) -> list[str]:
    """Phrases with two meanings at one question: two answers, or an answer and a command or 'not sure'."""
    exp = expectation(ref)
    meanings: dict[str, set[str]] = defaultdict(set)
    for aid, phrases in exp.choices.items():
        for phrase in phrases:
            meanings[normalise(phrase)].add(f"answer {aid}")
    for phrase, value in exp.words.items():
        meanings[normalise(phrase)].add(f"number {value:g}")
    for name, phrases in content().vocab.commands.items():
        for phrase in phrases:
            meanings[normalise(phrase)].add(f"command {name}")
    for phrase in content().vocab.unsure:
        meanings[normalise(phrase)].add("unsure")
    return [f"{phrase!r}: {' / '.join(sorted(m))}" for phrase, m in sorted(meanings.items()) if len(m) > 1]


@pytest.mark.parametrize("ref", NODE_IDS)
def test_no_phrase_has_two_meanings_at_one_question(ref: str) -> None:
    found = collisions(ref)
    assert not found, f"{ref}: phrases listed with two meanings (fix in content/):\n  " + "\n  ".join(found)


def round_trip_failures(ref: str) -> list[str]:
    exp = expectation(ref)
    expected: list[tuple[str, str, float | None]] = []
    for aid, phrases in exp.choices.items():
        expected += [(phrase, aid, None) for phrase in phrases]
    expected += [(phrase, "number", value) for phrase, value in exp.words.items()]
    for name, phrases in content().vocab.commands.items():
        expected += [(phrase, name, None) for phrase in phrases]
    expected += [(phrase, "unsure", None) for phrase in content().vocab.unsure]
    failures = []
    for phrase, intent, value in expected:
        match = matcher().match(phrase, exp)
        if match.intent != intent or (value is not None and match.value != value):
            got = match.intent + ("" if match.value is None else f"={match.value:g}")
            want = intent + ("" if value is None else f"={value:g}")
            failures.append(f"{phrase!r}: want {want}, got {got} (via {match.phrase!r})")
    return failures


@pytest.mark.parametrize("ref", NODE_IDS)
def test_every_phrase_round_trips(ref: str) -> None:
    """Each answer, number word, command and 'not sure' phrase, said alone, means itself at every question."""
    failures = round_trip_failures(ref)
    assert not failures, f"{ref}: phrases not recognised back as themselves:\n  " + "\n  ".join(failures)


def _said_phrases() -> list[tuple[str, str, str]]:
    found = []
    for ref, node in NODES:
        for aid, phrases in node.choices.items():
            found += [(ref, phrase, aid) for phrase in phrases]
    return found


@given(
    said=st.sampled_from(_said_phrases()),
    before=st.sampled_from(["", "um ", "uh, ", "like ", "I guess ", "hmm, ", "honestly, ", "you know, "]),
    after=st.sampled_from(["", ".", "!", "?", "...", ", I guess", " um"]),
    shout=st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_fillers_punctuation_and_caps_do_not_change_meaning(
    said: tuple[str, str, str], before: str, after: str, shout: bool
) -> None:
    ref, phrase, aid = said
    utterance = before + phrase + after
    utterance = utterance.upper() if shout else utterance.capitalize()
    assert matcher().match(utterance, expectation(ref)).intent == aid, utterance


@pytest.mark.parametrize("ref", [ref for ref, node in NODES if node.expects == "yes_no"])
def test_yes_and_no_together_is_not_a_guess(ref: str) -> None:
    """Two answers that fit equally well are a no-match: the question is asked again."""
    for utterance in ("yeah nope", "nope yeah", "yep nah"):
        assert matcher().match(utterance, expectation(ref)).intent == "none", utterance


@given(st.sampled_from(NODE_IDS), st.sampled_from(["back", "stop", "skip", "help", "pass", "again"]))
def test_a_one_word_command_inside_a_sentence_is_not_a_command(ref: str, word: str) -> None:
    """ "my back hurts" is not "back"; "I can't stop twitching" is not "stop"."""
    utterance = f"my {word} really hurts after the gym"
    assert matcher().match(utterance, expectation(ref)).intent != word
