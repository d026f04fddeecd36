"""Barge-in: while the skill speaks, listen for the few words that cut it short."""

from __future__ import annotations

from collections.abc import Callable

from twitch_coach.dialogue.content import Content
from twitch_coach.intents.normalize import normalise
from twitch_coach.skill.speech import Ears
from twitch_coach.voice.endpoint import FRAME, AudioSource, EndpointConfig, Endpointer, EndReason
from twitch_coach.voice.recognizer import Vocabulary

BARGE_COMMANDS = ("stop", "skip", "repeat")  # the global commands that make sense mid-sentence
# Short words, said over the skill's voice: end quickly so speech stops within half a second.
BARGE_ENDPOINT = EndpointConfig(trailing_silence=0.24, no_speech_timeout=3600.0, max_utterance=3.0, end_ratio=0.75)


def barge_vocabulary(content: Content) -> Vocabulary:
    """The commands that may interrupt, and the wake phrases."""
    phrases = [p for name in BARGE_COMMANDS for p in content.vocab.commands.get(name, ())]
    phrases += list(content.home.wake) if content.home else []
    return Vocabulary(tuple(dict.fromkeys(n for n in (normalise(p) for p in phrases) if n)), quick=True)


class BargeIn:
    """Watches a microphone while sound plays; returns what was said as soon as it is one of the words."""

    def __init__(self, content: Content, ears: Ears, source: AudioSource) -> None:
        self.ears, self.source = ears, source
        self.vocabulary = barge_vocabulary(content)
        self._commands = {normalise(p): name for name in BARGE_COMMANDS for p in content.vocab.commands.get(name, ())}
        self._endpointer = Endpointer(BARGE_ENDPOINT)

    def watch(
        self, playing: Callable[[], bool], cut: Callable[[], None], resume: bool = False, saying: str = ""
    ) -> str | None:
        """Listen while `playing()`; on a barge-in word call `cut()` at once and return the command
        ("stop", "skip", "repeat"), or "wake" for the wake phrase. `resume` carries on from the previous
        watch (the next sentence of the same line), so a word said across the gap is still heard.

        A word that is in `saying`, the sentence being played, is not taken: with no echo cancellation, a
        loudspeaker saying "say stop to finish" would otherwise stop itself.
        """
        if not resume:
            self._endpointer = Endpointer(BARGE_ENDPOINT)
        spoken = f" {normalise(saying)} "
        while playing():
            endpointer = self._endpointer
            chunk = self.source.read(FRAME)
            if not chunk:
                return None
            endpointer.feed(chunk)
            if not endpointer.done:
                continue
            if endpointer.reason == EndReason.SPEECH:
                heard = self.ears.hear_in(endpointer.audio, self.vocabulary)
                if heard.text and heard.transcript.confidence >= 0.5 and f" {heard.text} " not in spoken:
                    cut()
                    return self._commands.get(heard.text, "wake")
            self._endpointer = Endpointer(BARGE_ENDPOINT)  # not one of ours (or the skill's own echo): watch on
        return None
