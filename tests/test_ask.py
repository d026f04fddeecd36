"""The mid-workout answer: red flags first, then causes, one thing to do now, and the offer; short by ear."""

from __future__ import annotations

import pytest

from twitch_coach.dialogue.ask import answer
from twitch_coach.dialogue.loader import load

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
    from twitch_coach.voice.tts import TextToSpeech, Voice

    speech = TextToSpeech(Voice(), on_notice=lambda _: None).render(answer(CONTENT, question).text, rate=None)
    assert speech is not None and 3.0 < speech.duration <= limit, speech and speech.duration


def test_with_no_facts_the_answer_speaks_of_what_is_common_not_what_is_likely() -> None:
    text = answer(CONTENT, "why is my calf twitching").text
    assert "Most often it's tired muscles and low fluids." in text
    assert "Likely" not in text
    pointed = answer(CONTENT, "my calf twitches after three coffees").text
    assert "Likely too much caffeine." in pointed  # only what the question points to is likely


@pytest.mark.parametrize("question", ["hello", "what's the weather like", "tell me a joke"])
def test_an_off_topic_question_hears_what_the_skill_does_and_how_to_start(question: str) -> None:
    summary = answer(CONTENT, question)
    assert summary.text == CONTENT.message("off_topic")
    assert "check in" in summary.text and not summary.red_flags and not summary.urgent


def test_an_off_topic_question_with_a_red_flag_or_urgent_sign_still_gets_the_advice() -> None:
    assert answer(CONTENT, "hello, I can't breathe").urgent
    flagged = answer(CONTENT, "hi, I started new pills")
    assert flagged.red_flags == ["medication"] and flagged.text.startswith("Please see a healthcare professional")


@pytest.mark.parametrize(
    "question",
    [
        "calf keeps twitching after my run and I drank loads of water",
        "my thigh twitches, I had plenty of water today",
        "twitchy quads even though I was drinking plenty all day",
    ],
)
def test_a_cause_the_question_speaks_against_is_not_named_as_common(question: str) -> None:
    summary = answer(CONTENT, question)
    assert "low fluids" not in summary.text, summary.text
    assert next(c for c in summary.causes if c.id == "dehydration").score < 0


def test_a_question_that_points_to_low_fluids_says_so() -> None:
    assert "Likely low fluids." in answer(CONTENT, "calf twitching and I barely drank anything today").text
    assert "short sleep" not in answer(CONTENT, "I slept fine but my calf twitches").text
