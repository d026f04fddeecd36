"""The home device: wait for the wake phrase, route the request, and keep going for days."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TextIO

from twitch_coach.dialogue.ask import answer
from twitch_coach.dialogue.content import Content, Home
from twitch_coach.dialogue.events import Error, Event, Listening, Say, Wake
from twitch_coach.dialogue.scoring import Answer
from twitch_coach.intents.normalize import normalise
from twitch_coach.skill.session import Session
from twitch_coach.skill.speech import Ears, Heard, endpoint_for, hear_next, run_spoken, spoken_text
from twitch_coach.skill.textio import parse_line, read_lines
from twitch_coach.voice.devices import AudioDeviceError
from twitch_coach.voice.endpoint import DEFAULT, AudioSource, EndpointConfig
from twitch_coach.voice.recognizer import Vocabulary

_LOGGER = logging.getLogger(__name__)
# A wake must be heard clearly: waking for "hey, how are you" is worse than being asked twice.
# On PocketSphinx's calibrated probability, measured on espeak-ng only (tests/test_wake.py,
# tests/test_home_devices.py): the wake phrase scores from 0.72, other talk woke the device at 0.6.
WAKE_CONFIDENCE = 0.7


@dataclass(frozen=True)
class Backoff:
    """How long to wait before reopening a lost audio device."""

    first: float = 1.0  # seconds before the first retry
    longest: float = 60.0  # seconds; each failure doubles the wait up to this


def route_of(home: Home, request: str) -> str | None:
    """The route (checkin, quick, ask, stop) a normalised request names, or None.

    A request is a route's phrase, or one followed by more words ("why is my calf twitching after squats"):
    the device's grammar only yields whole phrases, typed or transcribed text often says more.
    """
    best, length = None, 0
    for name, phrases in home.routes.items():
        for phrase in phrases:
            if (request == phrase or request.startswith(phrase + " ")) and len(phrase) > length:
                best, length = name, len(phrase)
    return best


def carried_answers(session: Session) -> dict[str, Answer]:
    """What a quick check tells the cooldown check-in after it; the safety questions are always asked again."""
    conversation = session.conversation
    domain = conversation.content.domain
    if not any(policy.carries_over_from == conversation.mode for policy in domain.modes.values()):
        return {}
    return {t: a for t, a in conversation.answers.items() if t not in domain.safety_topics}


class _Interruptible:
    """An audio source that reads as ended once `stop` is set, so listening returns at once."""

    def __init__(self, source: AudioSource, stop: threading.Event) -> None:
        self.source, self.stop = source, stop

    def read(self, frames: int) -> bytes:
        if self.stop.is_set():
            return b""
        data = self.source.read(frames)
        if not data:  # a live microphone never ends: treat it like a lost device and reopen
            raise AudioDeviceError("the audio input ended")
        return data


class HomeDevice:
    """Waits for the wake phrase with a small vocabulary; only speech segments are decoded, so idling is cheap."""

    def __init__(
        self,
        content: Content,
        ears: Ears,
        open_source: Callable[[], AbstractContextManager[AudioSource]],
        speak: Callable[[str], str | None],  # returns a command said over the speech, as run_spoken reads it
        emit: Callable[[Event], None],
        new_session: Callable[[str, Mapping[str, Answer]], Session],
        stop: threading.Event,
        endpoint: EndpointConfig = DEFAULT,
        backoff: Backoff = Backoff(),
        listener: Ears | None = None,
    ) -> None:
        if content.home is None:
            raise ValueError("no home content (content/home.yaml) is loaded")
        self.home: Home = content.home
        self.content, self.ears, self.open_source = content, ears, open_source
        self.speak, self.emit, self.new_session = speak, emit, new_session
        self.stop, self.endpoint, self.backoff = stop, endpoint, backoff  # `endpoint`: the wake phrase and request
        # The always-on wake listener may be a cheaper engine than the one that hears answers.
        self.listener = listener or ears
        requests = [p for phrases in self.home.routes.values() for p in phrases]
        # The wake phrase alone: with "hey coach check in" and the like in the grammar, everyday
        # talk found long phrases to hide in (two false wakes a minute); alone, it has to fit.
        self._wake_vocabulary = Vocabulary(tuple(self.home.wake))
        self._request_vocabulary = Vocabulary(tuple(requests))
        self.reopened = 0  # how many times a lost device was opened again
        self.known: dict[str, Answer] = {}  # answers given in a quick question, so the check-in skips them

    def run(self) -> None:
        """Serve until `stop` is set, reopening the audio device with back-off when it goes away."""
        delay = self.backoff.first
        opened = False
        while not self.stop.is_set():
            try:
                with self.open_source() as source:
                    if delay > self.backoff.first:
                        self.reopened += 1
                        _LOGGER.info("audio device is back")
                    delay, opened = self.backoff.first, True
                    self._serve(_Interruptible(source, self.stop))
            except AudioDeviceError as error:
                what = "audio device lost" if opened else "no audio input yet"
                _LOGGER.warning("%s: %s; retrying in %.0f s", what, error, delay)
                self.stop.wait(delay)
                delay = min(delay * 2, self.backoff.longest)

    def _listen(
        self, source: AudioSource, recognise: Callable[[bytes], Heard], endpoint: EndpointConfig | None = None
    ) -> Heard | None:
        heard = hear_next(source, endpoint or self.endpoint, recognise)
        return None if self.stop.is_set() else heard

    def _serve(self, source: AudioSource) -> None:
        while not self.stop.is_set():
            self.emit(Listening())
            heard = self._listen(source, lambda audio: self.listener.hear_in(audio, self._wake_vocabulary))
            if heard is None:
                continue
            wake = next((w for w in self.home.wake if heard.text == w or heard.text.startswith(w + " ")), None)
            if wake is None or heard.transcript.confidence < WAKE_CONFIDENCE:
                continue  # not for us: most of what a home device hears is other people's talk
            self.emit(Wake(heard.text))
            _LOGGER.info("woken: %s", heard.text)
            request = heard.text[len(wake) :].strip()
            if not request:
                self._say(self.home.woken)
                self.emit(Listening())
                asked = self._listen(source, lambda audio: self.ears.hear_in(audio, self._request_vocabulary))
                request = asked.text if asked else ""
            self._route(request, source)

    def _route(self, request: str, source: AudioSource) -> None:
        """Do what was asked: the check-in, the quick check, a quick answer, or nothing."""
        route = route_of(self.home, request)
        _LOGGER.info("request %r -> %s", request, route)
        modes = self.content.domain.modes
        if route is not None and route in modes:
            session = self.new_session(route, self.known)
            endpoint = endpoint_for(self.content, route)  # the mode's own, as `checkin --mode` gets it
            listen = lambda recognise: self._listen(source, recognise, endpoint)  # noqa: E731
            run_spoken(session, self.ears, listen, self.speak, self.emit, self.stop)
            # What the mid-workout check told us, the cooldown check-in need not ask again.
            self.known = carried_answers(session)
        elif route == "ask":
            summary = answer(self.content, normalise(request))
            self.emit(summary)
            self.speak(summary.text)
        elif route == "stop":
            self._say(self.home.goodbye)
        else:
            self._say(self.home.not_understood)

    def _say(self, text: str) -> None:
        event = Say(text)
        self.emit(event)
        self.speak(spoken_text(event) or text)


def serve_commands(stream: TextIO, stop: threading.Event, emit: Callable[[Event], None]) -> None:
    """Read `home --json` commands until {"command": "stop"} sets `stop`. Every other line gets an error
    event and none ends the reading, so stop always works, whatever came before it."""
    for line in read_lines(stream):
        if not line.strip():
            continue
        message = parse_line(line)
        if isinstance(message, dict) and message.get("command") == "stop":
            stop.set()
            return
        emit(Error(message if isinstance(message, str) else 'unknown input; send {"command": "stop"}'))
