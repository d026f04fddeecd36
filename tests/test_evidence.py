"""Scoring with evidence against: simulated check-ins over every cause never call a cause likely that the
person's answers speak against, and "nothing stands out" says so plainly."""

from __future__ import annotations

import random

import pytest

from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.events import Summary
from twitch_coach.dialogue.loader import load

CONTENT = load()

# Typed answers, in everyday words, that point to each cause (at that cause's question) ...
FOR = {
    "fatigue": ("intensity", ["really hard session", "brutal", "very hard"]),
    "dehydration": ("hydration", ["hardly any", "nothing at all", "a few sips"]),
    "electrolytes": ("electrolytes", ["no, just water", "nothing like that"]),
    "overtraining": ("training_load", ["six days in a row", "every single day", "seven"]),
    "sleep": ("sleep", ["four hours", "barely slept", "about three"]),
    "stimulants": ("caffeine", ["four coffees", "five", "way too much"]),
    "stress": ("stress", ["really stressed", "high", "through the roof"]),
    "nerve_irritation": ("nerve", ["yes, it runs down my leg", "yeah, like an electric feeling"]),
}
# ... and answers that speak against it: whoever gives one is never told that cause is likely.
AGAINST = {
    "fatigue": ("intensity", ["easy", "a gentle recovery run"]),
    "dehydration": ("hydration", ["about two litres", "loads of water", "plenty"]),
    "electrolytes": ("electrolytes", ["yes, a sports drink", "I had a banana", "yeah, salty crisps"]),
    "overtraining": ("training_load", ["one", "just today"]),
    "sleep": ("sleep", ["eight hours", "nine", "a full night"]),
    "stimulants": ("caffeine", ["none", "no coffee"]),
    "stress": ("stress", ["low", "pretty calm"]),
    "nerve_irritation": ("nerve", ["no", "nope"]),
}
NEUTRAL = {"red_flags": ["no"], "duration": ["a few days"], "intensity": ["moderate"], "training_load": ["two"],
           "hydration": ["some"], "electrolytes": ["not sure"], "sleep": ["six hours"], "caffeine": ["two coffees"],
           "stress": ["medium"], "nerve": ["not sure"]}  # fmt: skip


def _check_in(answers: dict[str, str], mode: str = "checkin") -> Summary:
    conversation = Conversation(CONTENT, mode)
    conversation.start()
    for _ in range(30):
        node = conversation.current()
        assert node is not None, "the conversation ended before its summary"
        events = conversation.hear(answers.get(node.topic, "no"))
        summary = next((e for e in events if isinstance(e, Summary)), None)
        if summary is not None:
            return summary
    raise AssertionError("never reached the summary")


def _named_as_likely(summary: Summary) -> set[str]:
    text = summary.text
    return {cid for cid, info in CONTENT.causes.items() if f"likely: {info.name}." in text.lower()
            or f"Also possible: {info.name}." in text or f"Likely {info.name}" in text}  # fmt: skip


def _personas(cause: str, count: int) -> list[dict[str, str]]:
    """People whose answers point to `cause`, with every other answer neutral, against, or for another cause."""
    rng = random.Random(cause)
    people = []
    for _ in range(count):
        answers = {topic: rng.choice(options) for topic, options in NEUTRAL.items()}
        for other, (topic, options) in AGAINST.items():
            if other != cause and rng.random() < 0.5:
                answers[topic] = rng.choice(options)
        for other, (topic, options) in FOR.items():
            if other != cause and topic not in (FOR[cause][0],) and rng.random() < 0.2:
                answers[topic] = rng.choice(options)
        topic, options = FOR[cause]
        answers[topic] = rng.choice(options)
        people.append(answers)
    return people


@pytest.mark.parametrize("cause", sorted(FOR))
def test_no_cause_is_named_as_likely_against_the_persons_answers(cause: str) -> None:
    for answers in _personas(cause, 12):
        summary = _check_in(answers)
        spoken_against = {c for c, (topic, options) in AGAINST.items() if answers.get(topic) in options}
        named = _named_as_likely(summary)
        assert not named & spoken_against, (answers, summary.text)
        scores = {c.id: c.score for c in summary.causes}
        assert scores[cause] > 0, (answers, summary.causes)  # what the answers point to counts for it
        assert named == {c.id for c in summary.causes[:3] if c.score > 0}, (answers, summary.text)


def test_two_litres_and_a_sports_drink_never_hear_low_fluids() -> None:
    answers = {"red_flags": "no", "duration": "today", "intensity": "hard", "training_load": "one",
               "hydration": "about two litres", "electrolytes": "yes, a sports drink", "sleep": "seven",
               "caffeine": "none", "stress": "low", "nerve": "no"}  # fmt: skip
    for mode in ("checkin", "quick"):
        summary = _check_in(answers, mode)
        assert "low fluids" not in summary.text and "low electrolytes" not in summary.text, summary.text
        scores = {c.id: c.score for c in summary.causes}
        assert scores["dehydration"] < 0 and scores["fatigue"] > 0


def test_when_nothing_stands_out_it_says_so_and_names_only_causes_left_open() -> None:
    answers = {"red_flags": "no", "duration": "today", "intensity": "easy", "training_load": "one",
               "hydration": "plenty", "electrolytes": "yes", "sleep": "eight", "caffeine": "none",
               "stress": "low", "nerve": "no"}  # fmt: skip
    summary = _check_in({**answers, "intensity": "moderate"})
    assert "Nothing you told me stands out; most often it's tired muscles." in summary.text
    assert not _named_as_likely(summary)
    against = [CONTENT.causes[c.id].name for c in summary.causes if c.score < 0]
    assert against and not any(name in summary.text for name in against), summary.text
    everything_against = _check_in(answers)  # an easy session too: even tired muscles is spoken against
    assert all(c.score < 0 for c in everything_against.causes)
    assert CONTENT.message("nothing_points_anywhere") in everything_against.text
    quick = _check_in({"red_flags": "no", "intensity": "moderate", "hydration": "some"}, "quick")
    assert "Nothing you told me stands out" in quick.text and "Likely" not in quick.text


def test_a_why_says_what_the_score_leans_on() -> None:
    summary = _check_in({"hydration": "plenty", "electrolytes": "no", "intensity": "very hard", "red_flags": "no"})
    causes = {c.id: c for c in summary.causes}
    assert causes["dehydration"].score < 0 and causes["dehydration"].why == "You've had plenty to drink."
    assert causes["electrolytes"].score > 0 and "no electrolytes" in causes["electrolytes"].why
