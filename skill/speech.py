"""Speech in and out for a conversation: recognise answers with the question's vocabulary, speak replies."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from twitch_coach.dialogue.content import Content, Node
from twitch_coach.dialogue.engine import COMMANDS, HARMLESS
from twitch_coach.dialogue.events import End, Event, Listening, Prompt, Say, Summary, Wake
from twitch_coach.dialogue.events import Heard as DialogueHeard
from twitch_coach.dialogue.ids import NONE, Expects
from twitch_coach.intents.matcher import Matcher
from twitch_coach.skill.session import Session
from twitch_coach.skill.textio import render
from twitch_coach.skill.vocabulary import left_out, vocabulary
from twitch_coach.voice.recognizer import Recognizer, Transcript, Vocabulary

if TYPE_CHECKING:
    from twitch_coach.voice.endpoint import AudioSource, EndpointConfig

_LOGGER = logging.getLogger(__name__)
# Engines whose confidence is a probability fitted on real speech (voice/calibration/); the others' is a score.
CALIBRATED = frozenset({"whisper"})
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")  # where Mouth splits a line to start speaking sooner


class BargeWatcher(Protocol):
    """Something that listens while sound plays (see skill.bargein.BargeIn)."""

    def watch(
        self, playing: Callable[[], bool], cut: Callable[[], None], resume: bool = False, saying: str = ""
    ) -> str | None: ...


@dataclass(frozen=True)
class Heard:
    """One recognised answer, timed."""

    transcript: Transcript
    elapsed_ms: float  # time spent recognising

    @property
    def text(self) -> str:
        """What to hand the dialogue: nothing when the engine rejected the audio."""
        return "" if self.transcript.rejected else self.transcript.text


class Ears:
    """A recogniser that listens for what the current question expects."""

    def __init__(self, content: Content, recognizer: Recognizer) -> None:
        self.content = content
        self.recognizer = recognizer
        self.calibrated = recognizer.name in CALIBRATED  # its confidence is a probability the dialogue can weigh
        recognizer.add_words(content.vocab.pronunciations)  # words people say that its dictionary lacks
        self._vocabularies: dict[int, Vocabulary] = {}  # by id() of the node; content lives as long
        # The text matcher typed answers go through: it reads what the engine heard freely (see `hear`).
        self.matcher = Matcher(content.vocab.commands, content.vocab.unsure)
        self._kept: dict[Vocabulary, Vocabulary] = {}
        yes_no = content.vocab.answer_sets["yes_no"]
        # "Did you say ...?" is a yes/no question whatever the question it checks.
        self._confirm_node = Node("confirm", "", "", "", Expects.YES_NO, dict(yes_no), {"default": "end"})

    def vocabulary_for(self, node: Node | None) -> Vocabulary:
        """The node's phrases (those with words the engine does not know are dropped when heard)."""
        key = id(node)
        if key not in self._vocabularies:
            self._vocabularies[key] = vocabulary(self.content, node)
        return self._vocabularies[key]

    def _hearable(self, full: Vocabulary) -> Vocabulary:
        """`full` without phrases that have words the engine does not know (cached per vocabulary)."""
        kept = self._kept.get(full)
        if kept is None:
            unknown = set(self.recognizer.unknown_words(full.phrases))
            if unknown:
                _LOGGER.info("not listening for %s: not in the %s dictionary", sorted(unknown), self.recognizer.name)
            phrases = tuple(p for p in full.phrases if not unknown & set(p.split()))
            kept = self._kept[full] = replace(full, phrases=phrases) if phrases or full.is_open else full
        return kept

    def hear(self, audio: bytes, node: Node | None) -> Heard:
        """Recognise one utterance of 16 kHz mono int16 audio at `node`.

        When the engine offers what it heard freely, the free words go to the text matcher that reads typed
        answers: "yes quite a lot" is an answer, though no phrase of the question is all of it. They are
        handed on, with the engine's calibrated confidence in them, when the matcher takes them as an answer
        or a harmless command at this question, and, beside a phrase the engine took, as another answer than
        the phrase's ("5.5 hours" against "five").
        """
        heard = self.hear_in(audio, self.vocabulary_for(node))
        transcript = heard.transcript
        if node is None or not transcript.free:
            return heard
        match = self.matcher.match(transcript.free, node.expectation)
        # Not a command that loses answers (stop, start over, back, skip): said plainly, its phrases are in
        # the phrase search, so free words that only read as one are a guess at the costliest error
        # (a digit freely heard as "bye" on the fitting speakers, which would end the check-in).
        if match.intent == NONE or (match.intent in COMMANDS and match.intent not in HARMLESS):
            return heard
        # Nor a phrase left out of the question because it sounds like an answer: a spoken "one" came back freely as
        # "What?" (repeat) at the training-load question, and the same question was asked again and again.
        if match.intent in COMMANDS and transcript.free in left_out(node):
            return heard
        if transcript.text:  # beside a phrase: the free words win only when they read as another answer
            phrase = self.matcher.match(transcript.text, node.expectation)
            if (phrase.intent, phrase.value) == (match.intent, match.value):
                return heard
        free = Transcript(transcript.free, transcript.free_confidence, transcript.engine, transcript.alternatives,
                          free=transcript.free, free_confidence=transcript.free_confidence)  # fmt: skip
        return Heard(free, heard.elapsed_ms)

    def hear_turn(self, audio: bytes, conversation: Session) -> Heard:
        """Recognise the answer to whatever the conversation asked last, "Did you say ...?" included."""
        if conversation.confirming:
            return self.hear(audio, self._confirm_node)
        return self.hear(audio, conversation.current())

    def hear_in(self, audio: bytes, vocabulary: Vocabulary) -> Heard:
        """Recognise one utterance of 16 kHz mono int16 audio as one of `vocabulary`'s phrases."""
        start = time.perf_counter()
        transcript = self.recognizer.recognize(audio, self._hearable(vocabulary))
        return Heard(transcript, (time.perf_counter() - start) * 1000)


def endpoint_for(content: Content, mode: str) -> EndpointConfig:
    """How long a pause ends a spoken answer in `mode`, as its policy in domain.yaml says: mid-workout the
    speaker is out of breath and gets longer pauses. The check-in and the home device both take it from here."""
    from twitch_coach.dialogue.ids import Endpoint
    from twitch_coach.voice.endpoint import DEFAULT, WORKOUT

    return {Endpoint.DEFAULT: DEFAULT, Endpoint.WORKOUT: WORKOUT}[Endpoint(content.policy(mode).endpoint)]


def hear_next(source: AudioSource, config: EndpointConfig, recognise: Callable[[bytes], Heard]) -> Heard | None:
    """Listen on `source` for one utterance and `recognise` it; None when no speech came.

    Recognition starts at the speaker's pause, so it is usually done by the time the endpointer is sure
    they have finished: the reply can start at once.
    """
    from twitch_coach.voice.endpoint import EndReason, listen  # numpy: not at start-up, converse --json answers at once

    utterance = listen(source, config, early=recognise)
    if utterance.reason == EndReason.NO_SPEECH:
        return None
    return utterance.early if utterance.early is not None else recognise(utterance.audio)


def transcriber(conversation: Session, ears_factory: Callable[[], Ears]) -> Callable[[str], tuple[str, float]]:
    """For converse --json: a WAV path -> (the text heard in it at the current question, confidence)."""
    ears: list[Ears] = []

    def transcribe(path: str) -> tuple[str, float]:
        from twitch_coach.voice.wavfile import WavError, read_wav

        try:
            audio = read_wav(path)
        except (WavError, OSError) as error:
            raise ValueError(f"cannot use audio {path!r}: {error}") from error
        if not ears:
            ears.append(ears_factory())  # the engine loads on the first audio answer, not at start-up
        heard = ears[0].hear_turn(audio, conversation)
        return heard.text, heard.transcript.confidence

    return transcribe


def spoken_line(event: Event) -> str | None:
    """What a person sees in the terminal during the spoken conversation."""
    if isinstance(event, Listening):
        return "(listening)"
    if isinstance(event, DialogueHeard):
        return f"(heard: {event.text or 'nothing I understood'})"
    if isinstance(event, Wake):
        return f"(woken: {event.text})"
    return render(event)


def spoken_text(event: Event) -> str | None:
    """What is said aloud for an event (None for events that are only shown)."""
    return render(event) if isinstance(event, Prompt | Say | Summary) else None


def run_spoken(
    conversation: Session,
    ears: Ears,
    listen: Callable[[Callable[[bytes], Heard]], Heard | None],
    speak: Callable[[str], str | None],
    emit: Callable[[Event], None],
    stop: threading.Event | None = None,
) -> str:
    """The spoken conversation: speak each line, listen for the answer, until it ends; returns why it ended.

    `listen(recognise)` waits for one answer and returns `recognise(audio)` (see `hear_next`), or None when
    no speech came. `speak` returns a command said over the speech ("stop", "skip", "repeat", or "wake"),
    which cuts it short. Once `stop` is set nothing more is said or passed on: a silence after a stop
    signal is not an answer, so no "safe yes" is made up for it, and the conversation ends "stopped".
    """
    events: list[Event] = conversation.start()
    while True:
        interrupted = None
        for event in events:
            if stop is not None and stop.is_set():
                break
            emit(event)
            if isinstance(event, End):
                return event.reason
            text = spoken_text(event)
            if text and interrupted is None:
                interrupted = speak(text.strip())
        if stop is not None and stop.is_set():
            emit(End("stopped"))
            return "stopped"
        if interrupted is not None and interrupted != "wake":
            events = conversation.hear(interrupted)
            continue
        emit(Listening())
        heard = listen(lambda audio: ears.hear_turn(audio, conversation))
        if stop is not None and stop.is_set():
            continue  # ends above, without passing on what was (not) heard
        if heard is None:  # no speech before the timeout: the dialogue reprompts as for a no-match
            events = conversation.hear("")
            continue
        events = conversation.hear(heard.text, heard.transcript.confidence, ears.calibrated)


def sentences_of(text: str) -> list[str]:
    """`text` split where Mouth may start speaking one part while it renders the next."""
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


class Mouth:
    """Speaks lines through text-to-speech and the speaker, one at a time, waiting for each to finish."""

    def __init__(self, rate: int = 165, voice: str = "", speaking: threading.Event | None = None) -> None:
        from twitch_coach.voice.speaker import Speaker
        from twitch_coach.voice.tts import TextToSpeech, Voice

        self.speaking = speaking or threading.Event()  # set while sound plays: the microphone ignores it
        self.speaker = Speaker(speaking=self.speaking)
        self.tts = TextToSpeech(Voice(rate=rate, voice=voice))
        self.barge_in: BargeWatcher | None = None  # listens while speaking for words that cut it short
        self.after: Callable[[], None] | None = None  # called when a line ends, e.g. to drop the mic's echo
        self._hushed = threading.Event()  # set by hush(): nothing more is said

    def say(self, text: str) -> str | None:
        """Speak `text` (shown instead when no speech engine works); returns a barge-in command, if one came.

        Sentence by sentence: the first starts as soon as it is rendered, and each next one is rendered
        while the one before plays, so a long summary starts as quickly as a short prompt.
        """
        sentences = [] if self._hushed.is_set() else sentences_of(text)
        # The engine's own rate: resampling costs more than rendering.
        speech = self.tts.render(sentences[0], rate=None) if sentences else None
        command = None
        for index in range(len(sentences)):
            if speech is None:  # shown as text instead, all of it
                self.tts.render(" ".join(sentences[index + 1 :]), rate=None)
                break
            if self._hushed.is_set():  # hushed while this sentence rendered
                break
            if speech.samples:
                self.speaker.play(speech.samples, speech.rate)
                if self._hushed.is_set():  # hushed as it started: hush() may have stopped the one before
                    self.speaker.stop()
            more = index + 1 < len(sentences) and not self._hushed.is_set()
            coming = self.tts.render(sentences[index + 1], rate=None) if more else None
            if self.barge_in is not None and speech.samples:
                command = self.barge_in.watch(
                    lambda: self.speaker.is_playing, self.speaker.stop, resume=index > 0, saying=sentences[index]
                )
            self.speaker.wait()
            if command is not None or self._hushed.is_set():
                break
            speech = coming
        if self.after is not None:
            self.after()
        return command

    def hush(self) -> None:
        """Cut the current line and say nothing more (safe from any thread: a stop signal calls it)."""
        self._hushed.set()
        self.speaker.stop()

    def close(self) -> None:
        """Stop any sound and release the output device."""
        self.speaker.stop()
        self.speaker.close()
