"""The wake phrase with the real recogniser: found in a long stretch of noise and other talk, rarely imagined."""

from __future__ import annotations

import contextlib
import threading

import pytest

from twitch_coach.dialogue.events import Event, Wake
from twitch_coach.dialogue.loader import load
from twitch_coach.skill.home import HomeDevice
from twitch_coach.skill.session import Session, open_session
from twitch_coach.skill.speech import Ears
from twitch_coach.voice.wavfile import WavSource

from synth import noise, require_espeak, speak, with_noise

pytestmark = pytest.mark.audio

CONTENT = load()
OTHER_TALK = (
    "the weather is nice today", "what time is dinner", "the coach was late again", "hey how are you",
    "okay let us go", "call me back later", "I need a coffee", "he is coaching the team",
)  # fmt: skip
WAKES = (("en-us", 150), ("en-gb", 150), ("en-us", 185), ("en-gb", 185))
FALSE_WAKE_CEILING = 1  # over the whole stretch
MISS_CEILING = 1  # of the four wake phrases


def _stretch() -> bytes:
    """Room noise, other people's talk, and the wake phrase four times, each followed by quiet."""
    parts = [noise(3.0, 300.0, seed=1)]
    for index, text in enumerate(OTHER_TALK):
        parts += [with_noise(speak(text, voice=("en-us", "en-gb")[index % 2]), 25.0, seed=index), noise(1.5, 300.0)]
    for index, (voice, speed) in enumerate(WAKES):
        # After a wake the device listens for the request; quiet means it goes back to waiting.
        parts += [with_noise(speak("hey coach", voice=voice, speed=speed), 25.0, seed=index), noise(7.0, 300.0)]
    return b"".join(parts)


def test_wake_phrase_in_noise_and_other_talk(capsys: pytest.CaptureFixture[str]) -> None:
    require_espeak()
    from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer

    stretch = _stretch()
    events: list[Event] = []
    stop = threading.Event()

    @contextlib.contextmanager
    def source():
        try:
            yield WavSource.from_pcm(stretch)
        finally:
            stop.set()  # the stretch is over: stop instead of reopening

    def new_session(mode: str, known: dict) -> Session:  # a false wake may start a check-in
        return open_session(CONTENT, mode, None, known=known)

    device = HomeDevice(
        CONTENT, Ears(CONTENT, PocketSphinxRecognizer()), source, lambda text: None, events.append, new_session, stop
    )
    thread = threading.Thread(target=device.run, daemon=True)
    thread.start()
    thread.join(120)
    stop.set()
    thread.join(5)
    wakes = [e for e in events if isinstance(e, Wake)]
    found = min(len(WAKES), sum(e.text == "hey coach" for e in wakes))
    false_wakes, misses = len(wakes) - found, len(WAKES) - found
    with capsys.disabled():
        print(f"\nwake phrase over {len(stretch) / 32000:.0f} s: found {found}/{len(WAKES)}, false wakes {false_wakes}")
    assert misses <= MISS_CEILING, wakes
    assert false_wakes <= FALSE_WAKE_CEILING, wakes
