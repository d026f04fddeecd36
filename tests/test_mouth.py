"""Mouth: a line is spoken sentence by sentence, all of it and in order; shown as text when speech is off."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from twitch_coach.skill.speech import Mouth
from twitch_coach.voice.speaker import Speaker
from twitch_coach.voice.wavfile import read_wav

from synth import require_espeak

pytestmark = pytest.mark.audio

SENTENCES = ("Drink some water.", "Rest the muscle.", "Check in again tomorrow.")


def test_every_sentence_is_spoken_in_order(tmp_path: Path) -> None:
    require_espeak()
    from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer
    from twitch_coach.voice.recognizer import Vocabulary

    out = tmp_path / "said.wav"
    mouth = Mouth(voice="en-us")
    mouth.speaker = Speaker(output_path=out)
    mouth.say(" ".join(SENTENCES))
    mouth.close()
    words = [s.lower().rstrip(".") for s in SENTENCES]
    orders = tuple(" ".join(order) for order in itertools.permutations(words))
    partial = tuple(" ".join(pair) for pair in itertools.permutations(words, 2))
    result = PocketSphinxRecognizer().recognize(read_wav(out), Vocabulary(orders + partial))
    assert result.text == " ".join(words), result


def test_the_whole_line_is_shown_when_no_speech_engine_works(capsys: pytest.CaptureFixture[str]) -> None:
    mouth = Mouth()
    mouth.tts.voice = mouth.tts.voice.__class__(driver="no-such-driver")
    assert mouth.say(" ".join(SENTENCES)) is None
    shown = capsys.readouterr().err
    for sentence in SENTENCES:
        assert shown.count(sentence) == 1, shown
