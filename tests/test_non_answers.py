"""Non-answers stay non-answers: a request for something else, or another question's number, is no answer."""

from __future__ import annotations

import pytest

from twitch_coach.dialogue.loader import load
from twitch_coach.dialogue.understand import topics, understand

CONTENT = load()


@pytest.mark.parametrize(
    ("topic", "reply"),
    [
        ("sleep", "set an alarm for seven"), ("sleep", "wake me at six thirty"),
        ("sleep", "remind me at eight to stretch"), ("sleep", "can you set a timer for five minutes"),
        ("sleep", "play track four"), ("caffeine", "order me a coffee"), ("caffeine", "buy two lattes"),
        ("caffeine", "could you order a large coffee"), ("caffeine", "text my coach I had two"),
        ("training_load", "book me in for three sessions"), ("training_load", "schedule two rest days"),
        ("hydration", "order a bottle of water"), ("intensity", "play some music"),
        ("stress", "turn the music down"), ("red_flags", "call my doctor"), ("duration", "search for a few days out"),
    ],
)  # fmt: skip
def test_a_request_for_something_else_is_not_an_answer(topic: str, reply: str) -> None:
    heard = understand(CONTENT, topic, reply)
    assert heard["intent"] == "none", heard
    assert heard["next"] == heard["node"]  # asked again, nothing recorded
    assert heard["red_flags"] == []


@pytest.mark.parametrize(
    ("topic", "reply"),
    [("sleep", "two coffees"), ("sleep", "three cups"), ("sleep", "four days in a row"),
     ("caffeine", "eight hours"), ("caffeine", "about six hours sleep"), ("training_load", "seven hours"),
     ("training_load", "two energy drinks")],
)  # fmt: skip
def test_another_questions_number_is_not_an_answer(topic: str, reply: str) -> None:
    assert understand(CONTENT, topic, reply)["intent"] == "none"


@pytest.mark.parametrize(
    ("topic", "reply", "value"),
    [("sleep", "about six hours", 6), ("sleep", "like 7", 7), ("sleep", "six and a half hours", 6.5),
     ("caffeine", "two coffees", 2), ("caffeine", "one coffee about two hours ago", 1),
     ("training_load", "three days in a row", 3), ("caffeine", "can of monster and a coffee", 1)],
)  # fmt: skip
def test_a_plain_number_answer_is_still_taken(topic: str, reply: str, value: float) -> None:
    heard = understand(CONTENT, topic, reply)
    assert (heard["intent"], heard["value"]) == ("number", value)


@pytest.mark.parametrize(
    "reply", ["just my pre workout", "only a pre-workout", "just my pre-workout before the gym", "a red bull",
              "I had a monster", "just an energy drink"],
)  # fmt: skip
def test_a_pre_workout_or_energy_drink_is_caffeine(reply: str) -> None:
    heard = understand(CONTENT, "caffeine", reply)
    assert (heard["intent"], heard["value"], heard["tags"]) == ("number", 1.0, ["pre_workout"])


@pytest.mark.parametrize("reply", ["can you repeat that", "cancel", "could you say that again"])
def test_commands_still_work_when_asked_politely(reply: str) -> None:
    assert understand(CONTENT, "sleep", reply)["intent"] in ("repeat", "stop")


OFF_TOPIC = [
    "what's the weather like tomorrow", "play some music", "my favourite colour is blue", "call my mum",
    "I'm watching the football", "where did I put my keys", "tell me a joke", "order a pizza",
]  # fmt: skip


@pytest.mark.parametrize("topic", topics(CONTENT))
@pytest.mark.parametrize("reply", OFF_TOPIC)
def test_every_question_rejects_what_is_plainly_about_something_else(topic: str, reply: str) -> None:
    heard = understand(CONTENT, topic, reply)
    assert heard["intent"] in ("none", "free"), heard
    assert heard["red_flags"] == [] and not heard["urgent"]
