"""validate's check of each question's vocabulary against the recogniser's dictionary."""

from __future__ import annotations

import dataclasses

from twitch_coach.dialogue.loader import load
from twitch_coach.skill.vocabcheck import check_node
from twitch_coach.voice.recognizer import Recognizer, Transcript, Vocabulary

CONTENT = load()


class DictionaryOnly(Recognizer):
    """A recogniser that only has a pronouncing dictionary: enough for vocabulary checks."""

    name = "tiny"

    def __init__(self, words: dict[str, str]) -> None:
        self.words = words

    def start(self, vocabulary: Vocabulary) -> None: ...

    def feed(self, chunk: bytes) -> str:
        return ""

    def finish(self) -> Transcript:
        return Transcript("", 0.0, self.name)

    def unknown_words(self, phrases: tuple[str, ...]) -> list[str]:
        return sorted({w for p in phrases for w in p.split() if w not in self.words})

    def pronunciations(self, word: str) -> list[str]:
        return [self.words[word]] if word in self.words else []


def _node(choices: dict[str, tuple[str, ...]]):
    node = CONTENT.trees["checkin"].nodes["stress"]
    return dataclasses.replace(node, choices=choices)


def test_unknown_words_and_sound_alike_answers_are_reported() -> None:
    words = {"low": "L OW", "high": "HH AY", "hi": "HH AY", "medium": "M IY D IY AH M"}  # no "knackered"
    node = _node({"low": ("low", "knackered"), "high": ("high",), "medium": ("medium", "hi")})
    findings = [str(f) for f in check_node(DictionaryOnly(words), CONTENT, "checkin", node)]
    assert any("not in the tiny dictionary" in f and "knackered" in f for f in findings)
    assert "warning: checkin.nodes.stress: 'high' (high) sounds like 'hi' (medium)" in findings
    assert not any(f.startswith("error") for f in findings)


def test_an_answer_the_recogniser_cannot_hear_at_all_is_an_error() -> None:
    node = _node({"low": ("low",), "high": ("knackered",)})
    findings = check_node(DictionaryOnly({"low": "L OW"}), CONTENT, "checkin", node)
    errors = [str(f) for f in findings if f.error]
    assert errors == ["error: checkin.nodes.stress: answer 'high' has no phrase the recogniser can hear"]


def test_different_sounding_answers_are_not_reported() -> None:
    node = _node({"low": ("low",), "high": ("high",)})
    words = {"low": "L OW", "high": "HH AY"}
    assert [f for f in check_node(DictionaryOnly(words), CONTENT, "checkin", node) if "sounds like" in f.message] == []


class NoPronunciations(DictionaryOnly):
    """Like Vosk: knows which words it has, gives no phones."""

    def pronunciations(self, word: str) -> list[str]:
        return []


def test_an_engine_without_pronunciations_is_not_45_unhearable_answers() -> None:
    from twitch_coach.skill.vocabcheck import check

    words = {w: "" for node in CONTENT.trees["checkin"].nodes.values() for p in _vocab(node) for w in p.split()}
    findings = check(NoPronunciations(words), CONTENT)
    assert [f for f in findings if f.error] == []


def _vocab(node):
    from twitch_coach.skill.vocabulary import vocabulary

    return vocabulary(CONTENT, node).phrases
