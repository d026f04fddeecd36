"""Fewer questions back on a spoken check-in: "Did you say ...?" only where the answer may well be wrong, never
a guess at a safety question, and what a number question listens for."""

from __future__ import annotations

import pytest

from twitch_coach.dialogue.engine import CONFIRM_BELOW, GUESS_BELOW, Conversation
from twitch_coach.dialogue.events import Event, Prompt, Say, Summary
from twitch_coach.dialogue.loader import load
from twitch_coach.skill.session import open_session
from twitch_coach.skill.speech import Ears, run_spoken
from twitch_coach.skill.vocabulary import vocabulary
from twitch_coach.voice.recognizer import Recognizer, Transcript, Vocabulary

CONTENT = load()
SAID_BACK = "I heard a little; say go back if that's wrong."
MIDDLING = (GUESS_BELOW + CONFIRM_BELOW) / 2


def _at(node: str) -> Conversation:
    conversation = Conversation(CONTENT, "checkin")
    conversation.start()
    typed = {"red_flags": "no", "duration": "just today", "intensity": "hard", "training_load": "3",
             "hydration": "a little", "electrolytes": "no"}
    while conversation.node != node:
        current = conversation.current()
        assert current is not None
        conversation.hear(typed[current.topic])
    return conversation


def _confirms(events: list[Event]) -> bool:
    return any(isinstance(e, Prompt) and e.text.startswith("Did you say") for e in events)


def test_a_middling_calibrated_answer_away_from_safety_is_taken_and_said_back() -> None:
    conversation = _at("hydration")
    events = conversation.hear("a little", MIDDLING, calibrated=True)
    assert not _confirms(events)
    assert [e.text for e in events if isinstance(e, Say)] == [SAID_BACK]
    assert conversation.answers["hydration"].intent == "little" and conversation.node == "electrolytes"


def test_said_back_wrong_is_put_right_with_go_back() -> None:
    conversation = _at("hydration")
    conversation.hear("a little", MIDDLING, calibrated=True)
    assert [p.node for p in conversation.hear("go back") if isinstance(p, Prompt)] == ["hydration"]
    assert "hydration" not in conversation.answers
    conversation.hear("a lot")
    assert conversation.answers["hydration"].intent == "plenty"


def test_more_likely_wrong_than_right_is_still_asked_about() -> None:
    conversation = _at("hydration")
    assert _confirms(conversation.hear("a little", GUESS_BELOW - 0.05, calibrated=True))
    assert "hydration" not in conversation.answers


def test_an_uncalibrated_score_is_asked_about_as_before() -> None:
    conversation = _at("hydration")
    assert _confirms(conversation.hear("a little", MIDDLING))  # PocketSphinx's score is no probability


@pytest.mark.parametrize("node, said", [("screen", "no"), ("duration", "just today"), ("pain", "no")])
def test_safety_questions_never_guess_whatever_the_calibration(node: str, said: str) -> None:
    conversation = Conversation(CONTENT, "checkin")
    conversation.start()
    if node == "pain":
        conversation.hear("yes")
    elif node == "duration":
        conversation.hear("no")
    assert conversation.node == node
    assert _confirms(conversation.hear(said, MIDDLING, calibrated=True))
    assert conversation.current().topic not in conversation.answers  # type: ignore[union-attr]


def test_commands_that_lose_answers_are_still_asked_about() -> None:
    conversation = _at("hydration")
    assert _confirms(conversation.hear("start over", MIDDLING, calibrated=True))


def test_a_clear_answer_is_neither_asked_about_nor_said_back() -> None:
    conversation = _at("hydration")
    events = conversation.hear("a little", CONFIRM_BELOW, calibrated=True)
    assert not _confirms(events) and not [e for e in events if isinstance(e, Say)]


class _Middling(Recognizer):
    """Stands for Whisper (a calibrated engine): hears each scripted answer with a middling probability."""

    name = "whisper"

    def __init__(self, answers: list[str]) -> None:
        self.answers = answers

    def start(self, vocabulary: Vocabulary) -> None:
        pass

    def feed(self, chunk: bytes) -> str:
        return ""

    def finish(self) -> Transcript:
        return Transcript(self.answers.pop(0), MIDDLING, self.name)

    def unknown_words(self, phrases: tuple[str, ...]) -> list[str]:
        return []


def test_a_spoken_check_in_asks_back_only_at_its_safety_questions() -> None:
    # Each safety answer is asked about ("Did you say no?" -> yes); the others are said back.
    said = ["no", "yes", "just today", "yes", "hard", "three", "a little", "no", "five", "two", "low", "no"]
    session = open_session(CONTENT, "checkin", None)
    ears = Ears(CONTENT, _Middling(said))
    assert ears.calibrated
    confirmed: list[str] = []
    lines: list[str] = []
    summaries: list[Summary] = []

    def emit(event: Event) -> None:
        if isinstance(event, Prompt) and event.text.startswith("Did you say"):
            confirmed.append(event.node)
        if isinstance(event, Say):
            lines.append(event.text)
        if isinstance(event, Summary):
            summaries.append(event)

    def listen(recognise):  # noqa: ANN001, ANN202 - skill.speech's listen callback
        if summaries:
            raise _Done
        return recognise(b"\0\0" * 1600)

    with pytest.raises(_Done):
        run_spoken(session, ears, listen, lambda _text: None, emit)
    assert confirmed == ["screen", "duration"]
    assert sum(line.startswith("I heard") for line in lines) == 8
    answers = session.conversation.answers
    assert (answers["hydration"].intent, answers["sleep"].value, answers["caffeine"].value) == ("little", 5.0, 2.0)


class _Done(Exception):
    """The spoken run reached its summary."""


def test_a_number_question_does_not_listen_for_a_bare_what_but_still_for_repeat() -> None:
    nodes = CONTENT.trees["checkin"].nodes
    at_sleep = vocabulary(CONTENT, nodes["sleep"]).phrases
    assert "what" not in at_sleep and "say that again" in at_sleep and "repeat" in at_sleep
    assert "about eight hours" in at_sleep
    assert "what" in vocabulary(CONTENT, nodes["hydration"]).phrases
    conversation = _at("sleep")  # typed, "what" still repeats
    assert [p.text for p in conversation.hear("what") if isinstance(p, Prompt)] == [nodes["sleep"].ask]
