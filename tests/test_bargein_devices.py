"""Barge-in on the virtual devices: "stop" said into the microphone cuts the skill's speech at once."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest

from twitch_coach.dialogue.loader import load
from twitch_coach.skill.bargein import BargeIn
from twitch_coach.skill.speech import Ears, Mouth

from synth import dithered, require_espeak, speak

if TYPE_CHECKING:
    from pulse import VirtualAudio

pytest_plugins = ("pulse",)  # the virtual_audio fixture
pytestmark = [pytest.mark.devices, pytest.mark.audio]

LONG_LINE = (
    "Most likely: tired muscles. You said the session was very hard. Rest that muscle and let it recover, "
    "and go a bit easier next time. Also possible: low fluids. Drink water now and through the day."
)
CUT_WITHIN = 0.5  # seconds from the end of the word to the speech being cut


def test_stop_said_over_the_speech_cuts_it_within_half_a_second(virtual_audio: VirtualAudio) -> None:
    require_espeak()
    from twitch_coach.voice.mic import Microphone
    from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer

    content = load()
    stop_word = dithered(speak("stop", voice="en-us", pad=0.3))
    word_seconds = (len(stop_word) / 2 - 0.3 * 16000) / 16000  # to the end of the word, not of the padding
    wav = virtual_audio.write_wav(stop_word, "stop.wav")
    mouth = Mouth(voice="en-us")
    ears = Ears(content, PocketSphinxRecognizer())
    cut_at: list[float] = []
    result: list[str | None] = []
    with Microphone() as mic:
        barge = BargeIn(content, ears, mic)
        watch = barge.watch
        barge.watch = lambda playing, cut, resume=False, saying="": watch(  # type: ignore[method-assign]
            playing, lambda: (cut_at.append(time.monotonic()), cut()), resume, saying
        )
        mouth.barge_in = barge
        speaking = threading.Thread(target=lambda: result.append(mouth.say(LONG_LINE)))
        speaking.start()
        time.sleep(2.0)  # well into the sentence
        assert mouth.speaker.is_playing
        said_at = time.monotonic()
        virtual_audio.play_into_mic(wav)
        speaking.join(15)
    mouth.close()
    assert result == ["stop"]
    assert cut_at, "the speech was never cut"
    late = cut_at[0] - (said_at + word_seconds)
    print(f"\nbarge-in: speech cut {late:.2f} s after the end of 'stop'")
    assert late <= CUT_WITHIN
    assert not mouth.speaker.is_playing
