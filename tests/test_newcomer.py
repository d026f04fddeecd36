"""What a newcomer meets: the answer meant in "Did you say ...?", and speech that leaves stdout alone."""

from __future__ import annotations

import sys
import threading

import pytest

from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.events import Prompt
from twitch_coach.dialogue.loader import load
from twitch_coach.voice.tts import TextToSpeech

CONTENT = load()


@pytest.mark.parametrize(("heard", "meant"), [("know", "no"), ("yeah", "yes"), ("start again", "start over")])
def test_did_you_say_shows_the_answer_meant_not_the_sound_alike(heard: str, meant: str) -> None:
    conversation = Conversation(CONTENT, "checkin")
    conversation.start()
    events = conversation.hear(heard, confidence=0.5)
    prompt = events[-1]
    assert isinstance(prompt, Prompt) and prompt.text == f"Did you say {meant}?"
    assert prompt.node == "screen" and prompt.expects == "yes_no"


def test_rendering_speech_never_swaps_sys_stdout() -> None:
    """Other threads write JSON lines to sys.stdout while a line renders; swapping it raced with them."""
    tts = TextToSpeech(on_notice=lambda _: None)
    if not tts.available:
        pytest.skip(f"no speech engine: {tts.reason}")
    original, seen, done = sys.stdout, set(), threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.add(id(sys.stdout))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        for _ in range(3):
            assert tts.render("How many hours did you sleep last night?") is not None
    finally:
        done.set()
        watcher.join(5)
    assert seen == {id(original)}
