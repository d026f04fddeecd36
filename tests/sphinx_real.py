"""Real recordings through the PocketSphinx path and through a bare one-of grammar, clip by clip.

Shared by bench/calibrate_pocketsphinx.py (fit and report) and tests/test_real_speech_pocketsphinx.py
(floors). Each clip is heard the way `twitch-coach hear` hears a file (the question's whole vocabulary,
with rejection and a calibrated confidence) and, for barge-in, the way the skill listens while it speaks
(the endpointer, then the barge-in words).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import realspeech as rs

from twitch_coach.dialogue.engine import COMMANDS, CONFIRM_BELOW, CONFIRM_COMMAND_BELOW, HARMLESS
from twitch_coach.dialogue.loader import load as load_content
from twitch_coach.intents.matcher import Expectation, Matcher
from twitch_coach.skill.bargein import BARGE_COMMANDS, BARGE_ENDPOINT, barge_vocabulary
from twitch_coach.skill.speech import Ears
from twitch_coach.voice import grammar
from twitch_coach.voice.endpoint import Endpointer, EndReason
from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer, prepare

CONTENT = load_content()
YES_NO_TOPIC, NUMBER_TOPIC = "weakness", "sleep"  # a red-flag yes/no question and a "how many hours" one
OTHER_EVERY = 4  # every fourth clip of the other words: a quarter of the time, the same mix of words and voices
CONDITIONS = ("clean", "bike 10 dB", "bike 5 dB")
BARGE_IN = 0.5  # skill/bargein.py takes a barge-in word at this confidence


def node(topic: str):
    """The first question with `topic`."""
    return next(n for t in CONTENT.trees.values() for n in t.nodes.values() if n.topic == topic)


@dataclass
class Row:
    """One clip heard one way: what came back and whether it was right."""

    set: str
    condition: str
    label: str
    speaker: str
    target: str  # the intent that is right ("yes", "number:5", "stop"), "" when nothing should be taken
    text: str  # what the engine returned ("" when rejected)
    raw_text: str  # what the grammar chose before rejection
    intent: str  # the matcher's reading of `text` ("none" when nothing), "number:N" for numbers
    confidence: float
    features: dict[str, float] | None  # the engine's evidence (None when judged to hold no speech)
    bare: str = ""  # intent from a bare one-of grammar of the answers alone, no rejection
    bare_question: str = ""  # intent from a bare grammar of the question's whole vocabulary
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def right(self) -> bool:
        return bool(self.target) and self.intent == self.target

    @property
    def taken(self) -> bool:
        return self.intent != "none"

    @property
    def acted(self) -> bool:
        """Would the dialogue act on it without "Did you say ...?" (repeat and help are harmless)."""
        if not self.taken or self.intent in HARMLESS:
            return False
        return self.confidence >= (CONFIRM_COMMAND_BELOW if self.intent in COMMANDS else CONFIRM_BELOW)


def clips(fold: Callable[[list[rs.Clip]], list[rs.Clip]]) -> dict[str, list[rs.Clip]]:
    """The clips of each set for one fold (rs.fitting or rs.held_out)."""
    others = [c for c in rs.speech_commands() if c.label not in ("yes", "no", "stop", rs.SILENCE, *rs.DIGITS)]
    return {
        "yes/no": fold(rs.speech_commands("yes", "no")),
        "digits": fold(rs.speech_commands(*rs.DIGITS)),
        "stop": fold(rs.speech_commands("stop")),
        "other words": fold(others)[::OTHER_EVERY],
        "noise": fold(rs.speech_commands(rs.SILENCE)),
        "fsdd digits": [c for c in fold(rs.fsdd()) if int(c.path.stem.split("_")[2]) % 10 == 0],
    }


def with_bike(samples: np.ndarray, condition: str, seed: int) -> np.ndarray:
    """`samples` clean, or with the exercise bike under it at the condition's SNR."""
    if condition == "clean":
        return samples
    return rs.mix(samples, bike(), float(condition.split()[1]), seed)


_BIKE: list[np.ndarray] = []


def bike() -> np.ndarray:
    if not _BIKE:
        _BIKE.append(rs.noise("exercise_bike")[0])
    return _BIKE[0]


class Listener:
    """One engine and one bare decoder, and the matcher, for hearing clips at the two questions."""

    def __init__(self, engine: PocketSphinxRecognizer, bare: bool = True) -> None:
        from pocketsphinx import Decoder

        self.engine = engine
        self.with_bare = bare  # decode with the bare grammars too (for figures; fitting does not need them)
        self.ears = Ears(CONTENT, engine)
        self.matcher = Matcher(CONTENT.vocab.commands, CONTENT.vocab.unsure)
        self.nodes = {"yes_no": node(YES_NO_TOPIC), "number": node(NUMBER_TOPIC)}
        self.barge = barge_vocabulary(CONTENT)
        self.bare = Decoder(lm=None, loglevel="FATAL")
        for word, phones in CONTENT.vocab.pronunciations.items():
            if self.bare.lookup_word(word) is None:
                self.bare.add_word(word, phones, True)
        answers = {"yes_no": ("yes", "no"), "number": rs.DIGITS}
        for name, question in self.nodes.items():
            self.bare.add_jsgf_string(name, grammar.jsgf(answers[name], name))
            phrases = self.ears._hearable(self.ears.vocabulary_for(question)).phrases
            self.bare.add_jsgf_string(f"{name}_q", grammar.jsgf(phrases, f"{name}_q"))

    def intent(self, text: str, question: str) -> str:
        """The matcher's reading of `text` at the question, numbers as "number:N"."""
        q = self.nodes[question]
        match = self.matcher.match(text, Expectation(q.expects, q.choices, q.words, q.tags))
        if match.intent == "number" and isinstance(match.value, float):
            return f"number:{match.value:g}"
        return match.intent

    def _bare(self, search: str, audio: bytes) -> str:
        self.bare.activate_search(search)
        self.bare.start_utt()
        self.bare.process_raw(audio, False, True)
        self.bare.end_utt()
        hyp = self.bare.hyp()
        return " ".join(word.split("(")[0] for word in (hyp.hypstr if hyp else "").split())

    def question(self, clip: rs.Clip, set_name: str, condition: str, seed: int) -> Row:
        """`clip` as an answer at the yes/no question (or the number question for digits)."""
        samples, rate = rs.load(clip.path)
        samples = with_bike(samples, condition, seed) if rate == 16000 else samples
        question = "number" if "digits" in set_name else "yes_no"
        vocabulary = self.ears._hearable(self.ears.vocabulary_for(self.nodes[question]))
        transcript = self.engine.recognize_samples(samples, rate, vocabulary) if rate != 16000 else \
            self.engine.recognize(samples.tobytes(), vocabulary)  # fmt: skip
        evidence = self.engine.last_evidence
        audio = samples.tobytes() if rate == 16000 else prepare(samples, rate, pad=0.0)
        row = Row(set_name, condition, clip.label, clip.speaker, target(clip.label), transcript.text,
                  "", self.intent(transcript.text, question), transcript.confidence,
                  evidence.features() if evidence is not None and evidence.word_seconds else None,
                  self.intent(self._bare(question, audio), question) if self.with_bare else "",
                  self.intent(self._bare(f"{question}_q", audio), question) if self.with_bare else "")  # fmt: skip
        return row

    def barge_in(self, clip: rs.Clip, condition: str, seed: int) -> Row:
        """`clip` said while the skill speaks: the barge-in endpointer, then the barge-in words."""
        samples, _ = rs.load(clip.path)
        quiet = np.zeros(8000, dtype=np.int16)
        padded = with_bike(np.concatenate([quiet, samples, quiet, quiet]), condition, seed)
        endpointer = Endpointer(BARGE_ENDPOINT)
        endpointer.feed(padded.tobytes())
        endpointer.finish()
        text, confidence, features = "", 0.0, None
        if endpointer.reason in (EndReason.SPEECH, EndReason.TOO_LONG):
            heard = self.ears.hear_in(endpointer.audio, self.barge)
            text, confidence = heard.text, heard.transcript.confidence
            evidence = self.engine.last_evidence
            features = evidence.features() if evidence is not None and evidence.word_seconds else None
        taken = text if text and confidence >= BARGE_IN else ""
        commands = {p: name for name in BARGE_COMMANDS for p in CONTENT.vocab.commands.get(name, ())}
        intent = commands.get(taken, "wake" if taken else "none")
        found = endpointer.reason != EndReason.NO_SPEECH
        return Row("stop (barge-in)", condition, clip.label, clip.speaker, target(clip.label), taken, text, intent,
                   confidence, features, extra={"speech_found": found})  # fmt: skip


def target(label: str) -> str:
    """The intent that is right for a clip's word ("" for words that are not an answer)."""
    if label in ("yes", "no", "stop"):
        return label
    if label in rs.DIGITS:
        return f"number:{rs.DIGITS.index(label)}"
    return ""


def hear_all(listener: Listener, sets: dict[str, list[rs.Clip]], conditions=CONDITIONS, barge=True) -> list[Row]:
    """Every clip of `sets` in every condition (noise slices and FSDD clean only), plus barge-in stops."""
    rows = []
    for condition in conditions:
        for set_name, items in sets.items():
            if condition != "clean" and set_name in ("noise", "fsdd digits"):
                continue  # a noise slice under more noise is still noise; FSDD is 8 kHz telephone audio
            for index, clip in enumerate(items):
                rows.append(listener.question(clip, set_name, condition, seed=index))
        if barge:
            rows += [listener.barge_in(clip, condition, seed=i) for i, clip in enumerate(sets["stop"])]
    return rows
