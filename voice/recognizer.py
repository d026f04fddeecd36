"""The one small interface every speech recogniser sits behind."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field

RATE = 16000  # samples per second of every audio chunk a recogniser is fed
SAMPLE_WIDTH = 2  # bytes per sample: signed 16-bit little-endian, mono


@dataclass(frozen=True)
class Vocabulary:
    """What the current question expects to hear."""

    phrases: tuple[str, ...] = ()
    """Lower-case phrases the answer may be; empty means open vocabulary (free speech)."""

    quick: bool = False
    """Words that must be heard at once (barge-in over the skill's own speech): no costly second opinion."""

    numbers: bool = False
    """The question asks for a number. An engine may judge answers here apart: at a number question other words
    sound like one of its many phrases far more often than like "yes" or "no"."""

    context: str = ""
    """What the question just asked, as spoken. An engine may read it as the conversation so far: Whisper hears
    a short answer far better after its question ("Stop." rather than "Star.")."""

    @property
    def is_open(self) -> bool:
        return not self.phrases


@dataclass(frozen=True)
class Transcript:
    """What a recogniser heard in one utterance."""

    text: str
    """Best hypothesis, lower case; empty when nothing was recognised or it was rejected."""
    confidence: float
    """0.0 (no idea) to 1.0 (certain) that `text` is what was said; each engine calibrates its own."""
    engine: str
    """Name of the engine that produced it: "whisper", "pocketsphinx" or "vosk"."""
    alternatives: tuple[tuple[str, float], ...] = field(default_factory=tuple)
    """Runners-up as (text, confidence), best first, excluding `text`."""
    rejected: bool = False
    """True when the engine judged the audio to be outside the vocabulary (cough, noise, other speech)."""
    free: str = ""
    """What the engine heard with no restriction to the vocabulary, when it says something else than `text`:
    offered when `text` is empty (no phrase was judged right: "yes quite a lot"), and beside a phrase, for the
    caller to weigh ("5.5 hours" beside "five"). For the caller's text matcher to read. "" when the engine does
    not decode freely, the free words add nothing, or are judged no speech."""
    free_confidence: float = 0.0
    """The engine's calibrated probability that `free` is what was said."""


class RecognizerError(Exception):
    """A recogniser could not be created or used; the message says what to do."""


class Recognizer(abc.ABC):
    """Start an utterance with a vocabulary, feed audio chunks, read partial and final results."""

    name: str = "recognizer"

    @abc.abstractmethod
    def start(self, vocabulary: Vocabulary) -> None:
        """Begin a new utterance that may only contain `vocabulary` (or anything, if open)."""

    @abc.abstractmethod
    def feed(self, chunk: bytes) -> str:
        """Feed 16 kHz mono int16 audio; return the partial hypothesis so far ("" if none)."""

    @abc.abstractmethod
    def finish(self) -> Transcript:
        """End the utterance and return the final result."""

    @abc.abstractmethod
    def unknown_words(self, phrases: tuple[str, ...]) -> list[str]:
        """Words in `phrases` the engine's dictionary does not know, sorted, without repeats."""

    def add_words(self, pronunciations: Mapping[str, str]) -> list[str]:
        """Teach the engine words its dictionary lacks (word -> ARPAbet phones); returns those it could not
        take, sorted. Engines whose dictionary is fixed at build time take none."""
        return self.unknown_words(tuple(pronunciations))

    def pronunciations(self, word: str) -> list[str]:
        """Phone strings for `word` from the engine's dictionary ([] when unknown or unsupported)."""
        return []

    def recognize(self, audio: bytes, vocabulary: Vocabulary) -> Transcript:
        """Recognise one whole utterance of 16 kHz mono int16 audio."""
        self.start(vocabulary)
        step = RATE * SAMPLE_WIDTH // 10
        for i in range(0, len(audio), step):
            self.feed(audio[i : i + step])
        return self.finish()
