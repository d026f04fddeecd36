"""End of utterance: find where speech starts and stops in 16 kHz mono int16 audio, 30 ms at a time."""

from __future__ import annotations

import collections
import enum
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import numpy as np

from twitch_coach.voice.silero import SHARED, SpeechStream

_LOGGER = logging.getLogger(__name__)

RATE = 16000  # samples per second of the audio the endpointer reads
FRAME = 480  # samples per VAD frame: 30 ms, a length the WebRTC-style VAD in pocketsphinx accepts
FRAME_SECONDS = FRAME / RATE  # seconds per VAD frame
FRAME_BYTES = FRAME * 2  # bytes per VAD frame of int16 audio

T = TypeVar("T")


class AudioSource(Protocol):
    """Anything read in chunks like a microphone: a WavSource, a mic stream, a test fake."""

    def read(self, frames: int) -> bytes:
        """Up to `frames` samples of 16 kHz mono int16 audio; b"" when the source has ended."""
        ...


class EndReason(enum.StrEnum):
    """Why listening stopped."""

    SPEECH = "speech"  # speech was heard and then trailing silence (or the end of the source)
    NO_SPEECH = "no_speech"  # nothing that sounded like speech before the timeout
    TOO_LONG = "too_long"  # speech went on past the length cap


@dataclass(frozen=True)
class EndpointConfig:
    """How patient the endpointer is; all times in seconds."""

    trailing_silence: float = 0.35
    """Seconds of (mostly) non-speech after speech that end the utterance (short: the reply should
    start within half a second of the true end of speech; WORKOUT waits longer)."""
    no_speech_timeout: float = 6.0
    """Seconds to wait for speech to begin before giving up with "no_speech"."""
    max_utterance: float = 12.0
    """Seconds of speech after which the utterance is cut off with "too_long"."""
    pre_roll: float = 0.3
    """Seconds of audio kept from before the detected start, so the recogniser hears the onset."""
    start_window: float = 0.3
    """Seconds of recent frames looked at to decide that speech has started."""
    start_ratio: float = 0.5
    """Fraction of `start_window` that must be speech to start (0.5 of 0.3 s = 150 ms of voice)."""
    end_ratio: float = 0.9
    """Fraction of `trailing_silence` that must be non-speech to end, so a breath or click does not
    restart the wait."""
    early_after: float = 0.2
    """Seconds of non-speech after which `listen` hands the audio so far to its `early` callback, so
    recognition runs while the endpointer is still making sure the speaker has finished."""
    vad_mode: int = 2
    """Aggressiveness of the pocketsphinx (WebRTC) VAD, 0 (loose) to 3 (strict)."""
    margin_db: float = 6.0
    """Decibels a frame must rise above the tracked noise floor to count as speech (8 dB, fitted to
    espeak, lost 8% of real yes/no said over an exercise bike at 5 dB SNR; 6 dB loses none of them and
    lets no more noise slices through: tests/realspeech.fitting() speakers)."""
    speech_probability: float = 0.5
    """Silero VAD's probability (voice/silero.py) at which a frame is speech however little it stands out of the
    floor: words a few decibels over a steady room were not started on (held out, 4.4% of real yes/no clips and
    4.9% of digits). 0.5 is Silero's own default; a frame the level rule and the WebRTC VAD call speech still is."""
    min_level_db: float = -70.0
    """dBFS below which a frame is never speech: only near-digital silence, so that a quiet speaker on
    a quiet line is judged against their own room's floor, not a fixed level."""

    def __post_init__(self) -> None:
        for name in ("trailing_silence", "no_speech_timeout", "max_utterance", "start_window"):
            if getattr(self, name) < FRAME_SECONDS:
                raise ValueError(f"EndpointConfig.{name} must be at least one 30 ms frame")
        if self.pre_roll < 0:
            raise ValueError("EndpointConfig.pre_roll must not be negative")
        if not (0.0 < self.start_ratio <= 1.0 and 0.0 < self.end_ratio <= 1.0):
            raise ValueError("EndpointConfig start_ratio and end_ratio must be in (0, 1]")


DEFAULT = EndpointConfig()
# After a set people answer out of breath, with long gaps between words: wait longer before ending.
WORKOUT = EndpointConfig(trailing_silence=1.0, no_speech_timeout=8.0, max_utterance=15.0)


@dataclass(frozen=True)
class Utterance(Generic[T]):
    """What `listen` heard."""

    audio: bytes
    """16 kHz mono int16 audio from `pre_roll` before the start to where the end was decided; b"" if no
    speech."""
    reason: EndReason
    """Why listening stopped: "speech", "no_speech" or "too_long"."""
    speech_start: float | None
    """Seconds from the start of listening to the first speech frame; None when there was no speech."""
    speech_end: float | None
    """Seconds from the start of listening to the end of the last speech frame; None when no speech."""
    decided_at: float
    """Seconds of audio read when the end was decided (speech_end plus about the trailing silence)."""
    early: T | None = None
    """What `listen`'s `early` callback made of the audio at the last pause, if no speech came after it."""


@dataclass(frozen=True)
class EndpointEvent:
    """A transition the endpointer found."""

    kind: str
    """"start" when speech began, "end" when the utterance ended (see `Endpointer.reason`)."""
    time: float
    """Seconds from the first frame fed: the first speech frame for "start", the end of the last
    speech frame for "end"."""


def level_db(frame: bytes) -> float:
    """Root-mean-square level of int16 `frame` in dBFS (-120 for digital silence)."""
    samples = np.frombuffer(frame, dtype=np.int16).astype(np.float64)
    if samples.size == 0:
        return -120.0
    rms = math.sqrt(float(np.mean(samples * samples))) / 32768.0
    return 20.0 * math.log10(rms) if rms > 1e-6 else -120.0


class VoiceDetector:
    """Is this 30 ms frame speech? Silero VAD says so, or the pocketsphinx VAD does for a frame that stands out
    of a tracked noise floor."""

    def __init__(
        self, config: EndpointConfig = DEFAULT, vad: Callable[[bytes], bool] | None = None,
        speech: SpeechStream | None = None,
    ) -> None:  # fmt: skip
        """Use `vad` for the spectral decision, or pocketsphinx's Vad; energy alone if neither exists. `speech`
        scores the stream for speech (default: Silero VAD, once loaded, when onnxruntime is installed)."""
        self.config = config
        self._vad = vad if vad is not None else _pocketsphinx_vad(config.vad_mode)
        self._speech = speech if speech is not None else SHARED.stream()
        self.floor_db: float | None = None
        """Tracked background level in dBFS; None until the first frame."""

    def is_speech(self, frame: bytes) -> bool:
        """Classify one FRAME_BYTES frame, updating the noise floor."""
        level = level_db(frame)
        loud = self._track(level)
        # Silero hears every frame, so that its state follows the stream.
        heard = self._speech is not None and self._speech.feed(frame) >= self.config.speech_probability
        if level < self.config.min_level_db:
            return False
        if heard:
            return True
        if not loud:
            return False
        return self._vad(frame) if self._vad is not None else True

    def _track(self, level: float) -> bool:
        """Update the noise floor with `level` and say whether the frame stands out of it."""
        # The WebRTC VAD calls steady broadband noise (a fan, a treadmill) speech, so a frame must also
        # stand out from the background. The floor drops fast and rises slowly (3 dB a second): the dips
        # between syllables keep it down during speech, while a louder room lifts it within seconds.
        if self.floor_db is None:
            self.floor_db = max(level, -90.0)
        elif level < self.floor_db:
            self.floor_db = max(0.5 * self.floor_db + 0.5 * level, -90.0)
        else:
            self.floor_db += min(level - self.floor_db, 3.0 * FRAME_SECONDS)
        return level >= self.config.min_level_db and level >= self.floor_db + self.config.margin_db


def _pocketsphinx_vad(mode: int) -> Callable[[bytes], bool] | None:
    """pocketsphinx's WebRTC-style VAD for 30 ms frames at 16 kHz, or None when it is unavailable."""
    try:
        import pocketsphinx
    except ImportError:
        _LOGGER.warning("pocketsphinx is not installed: end-of-utterance detection uses energy alone")
        return None
    vad = pocketsphinx.Vad(mode, RATE, FRAME_SECONDS)
    if vad.frame_bytes != FRAME_BYTES:
        raise RuntimeError(f"pocketsphinx Vad wants {vad.frame_bytes}-byte frames, expected {FRAME_BYTES}")
    return vad.is_speech


class Endpointer:
    """Consumes audio chunks of any length, reports when speech starts and ends, and keeps its audio."""

    def __init__(self, config: EndpointConfig = DEFAULT, detector: VoiceDetector | None = None) -> None:
        """Start waiting for speech with `config`; `detector` replaces the default voice detector."""
        self.config = config
        self.detector = detector if detector is not None else VoiceDetector(config)
        self.speech_start: float | None = None
        """Seconds to the first speech frame, once speech has started."""
        self.speech_end: float | None = None
        """Seconds to the end of the latest speech frame."""
        self.reason: EndReason | None = None
        """Why it ended; None while still listening."""
        self._pending = b""
        self._frames = 0
        self._start_n = _frame_count(config.start_window)
        self._end_n = _frame_count(config.trailing_silence)
        self._pre_n = _frame_count(config.pre_roll, minimum=0)
        # Before speech: enough audio for the start window plus the pre-roll before it.
        self._history: collections.deque[tuple[bytes, bool]] = collections.deque(maxlen=self._start_n + self._pre_n)
        self._recent: collections.deque[bool] = collections.deque(maxlen=self._end_n)
        self._audio: list[bytes] = []

    @property
    def done(self) -> bool:
        """True once the utterance has ended (or no speech came)."""
        return self.reason is not None

    @property
    def in_speech(self) -> bool:
        """True between the start of speech and the end of the utterance."""
        return self.speech_start is not None and not self.done

    @property
    def elapsed(self) -> float:
        """Seconds of audio consumed so far."""
        return self._frames * FRAME_SECONDS

    @property
    def audio(self) -> bytes:
        """Audio of the utterance so far: pre-roll, speech and the trailing silence heard."""
        return b"".join(self._audio)

    def feed(self, chunk: bytes) -> list[EndpointEvent]:
        """Consume `chunk` (int16 bytes, any length); return the transitions it caused."""
        events: list[EndpointEvent] = []
        self._pending += chunk
        while len(self._pending) >= FRAME_BYTES and not self.done:
            frame, self._pending = self._pending[:FRAME_BYTES], self._pending[FRAME_BYTES:]
            event = self._frame(frame)
            if event is not None:
                events.append(event)
        return events

    def finish(self) -> list[EndpointEvent]:
        """The source has ended: close the utterance (as speech if it had started) and report it."""
        if self.done:
            return []
        if self.in_speech:
            self.reason = EndReason.SPEECH
            return [EndpointEvent("end", self.speech_end or self.elapsed)]
        self.reason = EndReason.NO_SPEECH
        return []

    def _frame(self, frame: bytes) -> EndpointEvent | None:
        """Classify and account for one frame; return a transition if it caused one."""
        speech = self.detector.is_speech(frame)
        index = self._frames
        self._frames += 1
        if self.speech_start is None:
            return self._waiting(frame, speech)
        self._audio.append(frame)
        self._recent.append(speech)
        if speech:
            self.speech_end = (index + 1) * FRAME_SECONDS
        if self.elapsed - self.speech_start >= self.config.max_utterance:
            self.reason = EndReason.TOO_LONG
            self.speech_end = self.elapsed
            return EndpointEvent("end", self.speech_end)
        allowed = math.floor((1.0 - self.config.end_ratio) * self._end_n + 1e-9)
        if len(self._recent) == self._end_n and sum(self._recent) <= allowed:
            self.reason = EndReason.SPEECH
            return EndpointEvent("end", self.speech_end or self.elapsed)
        return None

    def _waiting(self, frame: bytes, speech: bool) -> EndpointEvent | None:
        """Handle a frame before speech has started: start, time out, or keep it as possible pre-roll."""
        self._history.append((frame, speech))
        history = list(self._history)
        first_kept = self._frames - len(history)  # frame index of history[0]
        window = history[-self._start_n :]
        if sum(flag for _, flag in window) >= math.ceil(self.config.start_ratio * self._start_n - 1e-9):
            flags = [i for i, (_, flag) in enumerate(history) if flag and i >= len(history) - len(window)]
            first, last = flags[0], flags[-1]
            self.speech_start = (first_kept + first) * FRAME_SECONDS
            self.speech_end = (first_kept + last + 1) * FRAME_SECONDS
            self._audio = [f for f, _ in history[max(0, first - self._pre_n) :]]
            self._recent.extend(flag for _, flag in history[first:])
            return EndpointEvent("start", self.speech_start)
        if self.elapsed >= self.config.no_speech_timeout:
            self.reason = EndReason.NO_SPEECH
        return None


def _frame_count(seconds: float, minimum: int = 1) -> int:
    """Whole 30 ms frames in `seconds`, at least `minimum`."""
    return max(minimum, round(seconds / FRAME_SECONDS))


def listen(
    source: AudioSource,
    config: EndpointConfig = DEFAULT,
    *,
    detector: VoiceDetector | None = None,
    early: Callable[[bytes], T] | None = None,
) -> Utterance[T]:
    """Read `source` 30 ms at a time until the utterance ends.

    `early` is called with the audio so far once speech has paused for `config.early_after` seconds
    (again after each later pause). Its result comes back as `Utterance.early` when no speech followed,
    so work done on the audio during the trailing silence need not be done again after it.
    """
    endpointer = Endpointer(config, detector)
    guess: tuple[float | None, T] | None = None  # (the speech_end it was made at, early's result)
    while not endpointer.done:
        chunk = source.read(FRAME)
        if not chunk:
            endpointer.finish()
            break
        endpointer.feed(chunk)
        if early is not None and endpointer.in_speech and (guess is None or guess[0] != endpointer.speech_end):
            if endpointer.elapsed - (endpointer.speech_end or 0.0) >= config.early_after - 1e-9:
                guess = (endpointer.speech_end, early(endpointer.audio))
    reason = endpointer.reason or EndReason.NO_SPEECH
    if reason == EndReason.NO_SPEECH:
        return Utterance(b"", reason, None, None, endpointer.elapsed)
    still_true = guess is not None and guess[0] == endpointer.speech_end and reason == EndReason.SPEECH
    return Utterance(
        endpointer.audio,
        reason,
        endpointer.speech_start,
        endpointer.speech_end,
        endpointer.elapsed,
        guess[1] if still_true and guess is not None else None,
    )
