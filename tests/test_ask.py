"""The mid-workout answer: red flags first, then causes, one thing to do now, and the offer; short by ear."""

from __future__ import annotations

import pytest

from dialogue.ask import answer
from dialogue.loader import load

from synth import require_espeak

CONTENT = load()
SPOKEN_LIMIT = 15.0  # seconds: "at most about 15 seconds" mid-session
FLAGGED_LIMIT = 18.0  # seconds, with two red flags named: the advice is worth the extra breath


def test_red_flags_come_first_and_are_not_followed_by_reassurance() -> None:
    text = answer(CONTENT, "twitching after squats and my leg feels numb").text
    assert text.startswith("Please see a healthcare professional")
    assert CONTENT.message("ask_intro") not in text  # "it's common" would undercut the advice
    assert text.endswith(CONTENT.message("quick_offer"))


@pytest.mark.audio
@pytest.mark.parametrize(
    ("question", "limit"),
    [
        ("why is my calf twitching", SPOKEN_LIMIT),
        ("twitching after squats, is that bad", SPOKEN_LIMIT),
        ("my eyelid twitches after three coffees and a pre workout", SPOKEN_LIMIT),
        ("twitching and dark urine after a hard session", SPOKEN_LIMIT),
        ("my calf twitches after squats and my leg feels numb and weak", FLAGGED_LIMIT),
    ],
)
def test_the_answer_is_short_when_spoken(question: str, limit: float) -> None:
    require_espeak()
    from voice.tts import TextToSpeech, Voice

    speech = TextToSpeech(Voice(), on_notice=lambda _: None).render(answer(CONTENT, question).text, rate=None)
    assert speech is not None and 3.0 < speech.duration <= limit, speech and speech.duration
