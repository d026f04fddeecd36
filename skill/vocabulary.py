"""What a speech recogniser should listen for at one question, built from the same content."""

from __future__ import annotations

from twitch_coach.dialogue.content import Content, Node
from twitch_coach.dialogue.ids import Expects
from twitch_coach.intents.normalize import normalise
from twitch_coach.intents.numbers import spell
from twitch_coach.voice.grammar import words
from twitch_coach.voice.recognizer import Vocabulary

_NUMBERS = [spell(n) for n in range(21)]  # "zero" .. "twenty": what people answer a number question with
# How numbers are said; kept few because decoding time grows with the grammar.
# "about {n} {unit}": "about eight hours" was no phrase, so Whisper's phrase search had no whole phrase for it.
_NUMBER_FRAMES = ("{n}", "{n} {unit}", "about {n}", "about {n} {unit}", "{n} and a half")
# Commands a recogniser is not offered at a number question because they sound like a number: a bare "bye"
# took 7 of the 19 FSDD digits Whisper got wrong on the fitting speakers ("five", "nine"), and stopping
# loses the check-in. "goodbye" and the other stop phrases still work there; typed, "bye" still stops.
# A bare "what" (repeat) took a synthesised "one" every time it was said, looping a spoken check-in; on the
# fitting speakers' real digits it was never heard, so leaving it out costs nothing. "pardon", "say that
# again" and the rest still repeat there. "sorry what" took a synthesised "five" the same way once PocketSphinx
# judged it by its calibrated confidence (tests/test_spoken.py).
_LIKE_A_NUMBER = frozenset({"bye", "what", "sorry what"})


def left_out(node: Node | None) -> frozenset[str]:
    """Phrases a recogniser is not offered at `node` because they sound like its answers; what it hears freely
    must not bring them back either (a free "what?" for a spoken "one")."""
    return _LIKE_A_NUMBER if node is not None and node.expects == Expects.NUMBER else frozenset()


def _number_phrases(node: Node) -> list[str]:
    units = list(node.units) or [""]
    phrases = []
    for n in _NUMBERS:
        for frame in _NUMBER_FRAMES:
            for unit in units if "{unit}" in frame else [""]:
                phrases.append(frame.format(n=n, unit=unit).strip())
    return phrases + ["a couple", "a few", "half an hour"]


def vocabulary(content: Content, node: Node | None) -> Vocabulary:
    """Every phrase that means something at `node` (the global commands always; open when free)."""
    if node is not None and node.expects == Expects.FREE:
        return Vocabulary()
    phrases: list[str] = []
    if node is not None:
        for answer_phrases in node.choices.values():
            phrases += answer_phrases
        phrases += list(node.words)
        for tag_phrases in node.tags.values():
            phrases += tag_phrases
        if node.expects == Expects.NUMBER:
            phrases += _number_phrases(node)
        phrases += content.vocab.unsure
    numbers = node is not None and node.expects == Expects.NUMBER
    for command_phrases in content.vocab.commands.values():
        phrases += [p for p in command_phrases if not (numbers and p in _LIKE_A_NUMBER)]
    seen: dict[str, None] = {}
    for phrase in phrases:
        # As people say it, fillers and all ("just today"): the matcher normalises what comes back. A phrase
        # written with digits is left out: a recogniser writes the words it hears, and a grammar has no digits.
        spoken = " ".join(words(phrase))
        if spoken and normalise(spoken) and not any(ch.isdigit() for ch in spoken):
            seen.setdefault(spoken, None)
    return Vocabulary(tuple(seen), numbers=numbers, context=node.ask if node is not None else "")
