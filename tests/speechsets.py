"""Real-speech sets at real questions, and how the dialogue takes what a recogniser heard in them.

Shared by bench/bench_real_speech.py (figures), bench/calibrate_whisper.py (fitting) and tests (floors).
Each set is a list of clips with the question they answer; a clip is judged by feeding the recogniser's
text and confidence through the real `Conversation.hear` at that question.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import realspeech as rs

from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.ids import NONE
from twitch_coach.dialogue.loader import load
from twitch_coach.intents.matcher import Matcher
from twitch_coach.skill.vocabulary import vocabulary
from twitch_coach.voice.recognizer import RATE, Transcript, Vocabulary
from twitch_coach.voice.wavfile import resample

YES_NO_NODE = "screen"  # "Have you noticed any of these ...?": a yes/no question
NUMBER_NODE = "sleep"  # "How many hours did you sleep last night?"
ANSWERS = ("yes", "no", "stop", *rs.DIGITS)
OTHER = ("go", "up", "down", "left", "right", "on", "off", "bed", "bird", "cat", "dog", "happy", "house",
         "marvin", "sheila", "tree", "wow", "backward", "forward", "follow", "learn", "visual")  # fmt: skip

# An engine under test: (int16 samples, their rate, the question's vocabulary) -> what it heard.
Engine = Callable[[np.ndarray, int, Vocabulary], Transcript]


@dataclass(frozen=True)
class Item:
    """One clip put to one question."""

    clip: rs.Clip
    node: str
    snr_db: float | None = None  # the exercise bike mixed in at this SNR; None for the clean clip

    def audio(self) -> tuple[np.ndarray, int]:
        samples, rate = rs.load(self.clip.path)
        if self.clip.path.parent == rs.FSDD:
            samples = rs.pad(samples, rate)  # FSDD is trimmed tight; a microphone gives some quiet either side
        if self.snr_db is not None:
            bike, bike_rate = rs.noise("exercise_bike")
            # crc32, not hash(): str hashes change from run to run, and the figures must not
            samples = rs.mix(samples, bike, self.snr_db, seed=zlib.crc32(self.clip.path.name.encode()))
            assert bike_rate == rate
        return samples, rate

    def expected(self) -> tuple[str, float | None] | None:
        """(intent, value) a right answer has; None when the clip is not an answer (other words, noise)."""
        label = self.clip.label
        if label in rs.DIGITS:
            return ("number", float(rs.DIGITS.index(label)))
        if label in ("yes", "no", "stop"):
            return (label, None)
        return None


class Asked(Protocol):
    """Anything put to one question with a known meaning: an Item, or a synthesised phrasing."""

    @property
    def node(self) -> str: ...

    def expected(self) -> tuple[str, float | None] | None: ...


@dataclass(frozen=True)
class Outcome:
    """How the dialogue took one heard clip."""

    taken: bool  # understood as some answer or command (with or without a confirmation)
    right: bool  # taken as the answer that was said
    confirmed: bool  # "Did you say ...?" was asked before it counts


def sets(split: Callable[[list[rs.Clip]], list[rs.Clip]], quick: bool = False) -> dict[str, list[Item]]:
    """The named sets on the speakers `split` keeps (rs.held_out or rs.fitting); `quick` takes every fourth."""
    step = 4 if quick else 1

    def pick(clips: list[rs.Clip]) -> list[rs.Clip]:
        return split(clips)[::step]

    yes_no = pick(rs.speech_commands("yes", "no"))
    fsdd = split(rs.fsdd())[:: 5 * step]  # 1,500 takes of 10 digits by 3 voices: every fifth is plenty
    return {
        "yes/no at a yes/no question": [Item(c, YES_NO_NODE) for c in yes_no],
        '"stop" at a yes/no question': [Item(c, YES_NO_NODE) for c in pick(rs.speech_commands("stop"))],
        '"stop" at a number question': [Item(c, NUMBER_NODE) for c in pick(rs.speech_commands("stop"))],
        "digits at a number question": [Item(c, NUMBER_NODE) for c in pick(rs.speech_commands(*rs.DIGITS))],
        "FSDD digits at a number question": [Item(c, NUMBER_NODE) for c in fsdd],
        "other words at a yes/no question": [Item(c, YES_NO_NODE) for c in split(rs.speech_commands(*OTHER))[:: 3 * step]],
        "noise slices at a yes/no question": [Item(c, YES_NO_NODE) for c in pick(rs.speech_commands(rs.SILENCE))],
        "other words at a number question": [Item(c, NUMBER_NODE) for c in split(rs.speech_commands(*OTHER))[1 :: 3 * step]],
        "noise slices at a number question": [Item(c, NUMBER_NODE) for c in pick(rs.speech_commands(rs.SILENCE))],
        "yes/no, bike at 10 dB SNR": [Item(c, YES_NO_NODE, 10.0) for c in yes_no],
        "yes/no, bike at 5 dB SNR": [Item(c, YES_NO_NODE, 5.0) for c in yes_no],
    }


def to_16k(samples: np.ndarray, rate: int) -> bytes:
    """int16 bytes at 16 kHz, as the microphone path gives a recogniser."""
    audio = resample(samples.astype(np.float64), rate, RATE) if rate != RATE else samples.astype(np.float64)
    return np.clip(np.round(audio), -32768, 32767).astype(np.int16).tobytes()


class Judge:
    """The dialogue's own reading of a heard clip, at the question it answers."""

    def __init__(self, mode: str = "checkin") -> None:
        self.content = load()
        self.matcher = Matcher(self.content.vocab.commands, self.content.vocab.unsure)
        self._conversation = Conversation(self.content, mode, matcher=self.matcher)
        self.nodes = self._conversation.tree.nodes

    def vocabulary(self, node: str) -> Vocabulary:
        """What the skill listens for at `node`."""
        return vocabulary(self.content, self.nodes[node])

    def outcome(self, item: Asked, text: str, confidence: float) -> Outcome:
        """Feed `text` and `confidence` through Conversation.hear at the item's question."""
        conversation = self._conversation
        conversation.pending, conversation.finished, conversation.reviewing = None, False, False
        conversation.node = item.node
        heard = conversation.hear(text, confidence)[0]
        taken = heard.intent != NONE
        expected = item.expected()
        right = taken and expected is not None and (heard.intent, heard.value if expected[1] is not None else None) == expected
        return Outcome(taken, right, conversation.confirming)

    def correct(self, item: Item, text: str) -> bool:
        """True when `text` means what was said in the clip (for calibration: before any confidence)."""
        return self.outcome(item, text, 1.0).right
