"""Check each question's vocabulary against a recogniser: unknown words, and answers that sound alike."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from twitch_coach.dialogue.content import Content, Node
from twitch_coach.dialogue.ids import Expects
from twitch_coach.skill.vocabulary import vocabulary
from twitch_coach.voice.grammar import words
from twitch_coach.voice.recognizer import Recognizer

SOUND_ALIKE = 1  # phone edits at or under which two answers' phrases are reported as sounding alike
MIN_PHONES = 3  # phrases shorter than this are compared only when identical in sound


@dataclass(frozen=True)
class Finding:
    """One thing about a question's vocabulary a content author should know."""

    where: str  # "checkin.nodes.caffeine"
    message: str
    error: bool  # True when an answer cannot be recognised at all

    def __str__(self) -> str:
        return f"{'error' if self.error else 'warning'}: {self.where}: {self.message}"


def _phones(recognizer: Recognizer, phrase: str) -> tuple[str, ...] | None:
    out: list[str] = []
    for word in phrase.split():
        found = recognizer.pronunciations(word)
        if not found:
            return None
        out += found[0].split()
    return tuple(out)


def check_node(recognizer: Recognizer, content: Content, mode: str, node: Node) -> list[Finding]:
    """Findings for one question."""
    where = f"{mode}.nodes.{node.id}"
    findings = []
    phrases = vocabulary(content, node).phrases
    unknown = recognizer.unknown_words(phrases)
    if unknown:
        findings.append(Finding(where, f"not in the {recognizer.name} dictionary, so not listened for: "
                                       f"{', '.join(unknown)}", False))  # fmt: skip
    if node.expects not in (Expects.YES_NO, Expects.CHOICE):
        return findings
    spoken: list[tuple[str, str, tuple[str, ...]]] = []
    for answer, answer_phrases in node.choices.items():
        usable = []
        hearable = False
        for phrase in answer_phrases:
            phones = _phones(recognizer, " ".join(words(phrase)))
            if phones is not None:
                usable.append((answer, phrase, phones))
            # An engine with no phone dictionary (Whisper spells any word) hears every word it does not call
            # unknown; it only has nothing to compare for sound-alikes.
            hearable = hearable or phones is not None or not set(unknown) & set(words(phrase))
        if not hearable:
            findings.append(Finding(where, f"answer '{answer}' has no phrase the recogniser can hear", True))
        spoken += usable
    for i, (answer_a, phrase_a, phones_a) in enumerate(spoken):
        for answer_b, phrase_b, phones_b in spoken[i + 1 :]:
            if answer_a == answer_b:
                continue
            limit = SOUND_ALIKE if min(len(phones_a), len(phones_b)) >= MIN_PHONES else 0
            if Levenshtein.distance(phones_a, phones_b, score_cutoff=limit) <= limit:
                findings.append(
                    Finding(where, f"'{phrase_a}' ({answer_a}) sounds like '{phrase_b}' ({answer_b})", False)
                )
    return findings


def check(recognizer: Recognizer, content: Content) -> list[Finding]:
    """Findings for every question of every dialogue tree, after teaching it vocab.yaml's pronunciations."""
    recognizer.add_words(content.vocab.pronunciations)
    return [f for mode, tree in content.trees.items() for node in tree.nodes.values()
            for f in check_node(recognizer, content, mode, node)]  # fmt: skip
