"""PocketSphinx engine: grammar building, dictionary checks, and closed-loop recognition of synthesised answers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from twitch_coach.dialogue.engine import CONFIRM_BELOW
from twitch_coach.voice import grammar
from twitch_coach.voice.recognizer import RecognizerError, Vocabulary

import synth

VOCABULARIES = {
    "yes/no": ("yes", "yeah", "no", "nope", "not sure"),
    "numbers": (
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
    ),
    "scale": ("easy", "moderate", "hard", "very hard"),
    "commands": ("repeat", "help", "go back", "skip", "start over", "stop"),
}
OUT_OF_DOMAIN = ("the weather is nice today", "open the garage door", "banana bread recipe")
ACCEPT_FLOOR = 0.65  # per vocabulary; measured 0.75 (yes/no: espeak's "yeah", "nope") to 0.93 (numbers)
FALSE_ACCEPT_CEILING = 0.05  # measured 0 of 40


# -- grammar: pure ------------------------------------------------------------------------------


def test_words_lowercases_and_strips_punctuation() -> None:
    assert grammar.words("Not sure!") == ("not", "sure")
    assert grammar.words("'Yes'") == ("yes",)
    assert grammar.words("I DON'T know") == ("i", "don't", "know")


def test_normalise_drops_empty_and_repeated_phrases() -> None:
    assert grammar.normalise(["Yes", "yes ", "", "?!", "no"]) == ("yes", "no")


def test_jsgf_lists_each_phrase_once() -> None:
    text = grammar.jsgf(["yes", "not sure", "Yes"], name="yes-no")
    assert text.startswith("#JSGF V1.0;\ngrammar yes_no;\n")
    assert "public <answer> = yes | not sure;" in text


def test_jsgf_needs_a_phrase() -> None:
    with pytest.raises(ValueError):
        grammar.jsgf(["", "!!"])


def test_phrase_words_sorted_and_unique() -> None:
    assert grammar.phrase_words(["go back", "go on"]) == ["back", "go", "on"]


# -- helpers: pure --------------------------------------------------------------------------------


def test_resample_keeps_a_tone_and_doubles_the_length() -> None:
    from twitch_coach.voice.wavfile import resample  # the one resampler every audio path uses

    t = np.arange(8000) / 8000
    tone = 10000 * np.sin(2 * np.pi * 1000 * t)
    out = resample(tone, 8000, 16000)
    assert out.size == 16000
    expected = 10000 * np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000)
    # Away from the edges a band-limited resampler reproduces the tone almost exactly.
    assert np.max(np.abs(out[200:-200] - expected[200:-200])) < 50


def test_resample_removes_what_the_new_rate_cannot_carry() -> None:
    from twitch_coach.voice.wavfile import resample  # the one resampler every audio path uses

    t = np.arange(22050) / 22050
    tone = 10000 * np.sin(2 * np.pi * 9000 * t)  # above 8 kHz, the Nyquist frequency at 16 kHz
    assert np.std(resample(tone, 22050, 16000)[200:-200]) < 100


def test_edit_distance() -> None:
    from twitch_coach.voice.pocketsphinx_engine import edit_distance

    assert edit_distance(["Y", "EH", "S"], ["Y", "EH", "S"]) == 0
    assert edit_distance(["Y", "EH", "S"], ["N", "OW"]) == 3
    assert edit_distance([], ["N"]) == 1


# -- the engine ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine():
    """One decoder for the module (loading it takes about 0.15 s)."""
    from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer

    return PocketSphinxRecognizer()


def test_unknown_words_are_reported(engine) -> None:
    assert engine.unknown_words(("yes", "flibbertigibbetx", "not sure", "qzxv")) == ["flibbertigibbetx", "qzxv"]
    assert engine.unknown_words(VOCABULARIES["commands"]) == []


def test_start_refuses_unknown_words(engine) -> None:
    with pytest.raises(RecognizerError, match="qzxv"):
        engine.start(Vocabulary(("yes", "qzxv")))


def test_added_words_are_known_and_heard() -> None:
    from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer

    engine = PocketSphinxRecognizer()  # its own: the added word must not leak into other tests
    assert engine.unknown_words(("i am knackered",)) == ["knackered"]
    assert engine.add_words({"knackered": "N AE K ER D", "yes": "Y EH S"}) == []
    assert engine.unknown_words(("i am knackered",)) == [] and engine.pronunciations("yes") == ["Y EH S"]
    heard = engine.recognize(synth.speak("knackered", voice="en-us"), Vocabulary(("knackered", "easy", "hard")))
    assert heard.text == "knackered" and not heard.rejected


def test_pronunciations_include_alternates(engine) -> None:
    assert engine.pronunciations("zero") == ["Z IH R OW", "Z IY R OW"]
    assert engine.pronunciations("yes") == ["Y EH S"]
    assert engine.pronunciations("qzxv") == []


def test_grammar_switching_is_cached(engine) -> None:
    vocabulary = Vocabulary(VOCABULARIES["scale"])
    engine.start(vocabulary)
    engine.finish()
    assert engine.grammar_switch_seconds(vocabulary) < 0.01


@pytest.mark.audio
@pytest.mark.parametrize("name", list(VOCABULARIES))
def test_synthesised_answers_are_recognised(engine, name: str) -> None:
    phrases = VOCABULARIES[name]
    vocabulary = Vocabulary(phrases)
    results = []
    for voice, speed, phrase, noisy in itertools.product(synth.VOICES, synth.SPEEDS, phrases, (False, True)):
        audio = synth.speak(phrase, voice, speed)
        transcript = engine.recognize(synth.with_noise(audio) if noisy else audio, vocabulary)
        assert transcript.engine == "pocketsphinx"
        assert 0.0 <= transcript.confidence <= 1.0
        results.append(transcript.text == phrase and not transcript.rejected)
    rate = float(np.mean(results))
    print(f"\n{name}: accepted and correct {rate:.0%} of {len(results)}")
    assert rate >= ACCEPT_FLOOR


@pytest.mark.audio
def test_out_of_domain_speech_and_noise_are_rejected(engine) -> None:
    negatives = [synth.speak(text, voice) for text, voice in itertools.product(OUT_OF_DOMAIN, synth.VOICES)]
    negatives += [synth.noise(1.0), synth.noise(1.5, 500.0, seed=3), synth.cough(), synth.cough(seed=5)]
    accepted = []
    for phrases in VOCABULARIES.values():
        vocabulary = Vocabulary(phrases)
        for audio in negatives:
            transcript = engine.recognize(audio, vocabulary)
            # A rejection must say so and leave no text behind for the dialogue to act on.
            assert transcript.rejected == (transcript.text == "")
            # Rejection is now only for what is surely not an answer; the rest of the doubt is the
            # calibrated probability, which the dialogue checks with "Did you say ...?" below 0.78.
            accepted.append(not transcript.rejected and transcript.confidence >= CONFIRM_BELOW)
    rate = float(np.mean(accepted))
    print(f"\ntaken without a check: {sum(accepted)} of {len(accepted)}")
    assert rate <= FALSE_ACCEPT_CEILING


@pytest.mark.audio
def test_silence_is_rejected(engine) -> None:
    transcript = engine.recognize(bytes(2 * 16000), Vocabulary(VOCABULARIES["yes/no"]))
    assert transcript.rejected and transcript.text == ""


@pytest.mark.audio
def test_partial_hypotheses_while_feeding(engine) -> None:
    audio = synth.speak("start over")
    engine.start(Vocabulary(VOCABULARIES["commands"]))
    partials = [engine.feed(audio[i : i + 3200]) for i in range(0, len(audio), 3200)]
    final = engine.finish()
    assert any(partials)
    assert final.text == "start over"


@pytest.mark.audio
def test_results_do_not_drift_between_utterances(engine) -> None:
    vocabulary = Vocabulary(VOCABULARIES["numbers"])
    audio = synth.speak("seven")
    first = engine.recognize(audio, vocabulary)
    engine.recognize(synth.speak("the weather is nice today"), vocabulary)
    again = engine.recognize(audio, vocabulary)
    assert (first.text, first.confidence) == (again.text, again.confidence)
