"""Where the speech is in a recording, judged against the recording's own level, not a fixed dB rule."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_LOGGER = logging.getLogger(__name__)

RATE = 16000  # samples per second of the audio read here
FRAME = 480  # 30 ms: a frame length the WebRTC-style VAD in pocketsphinx accepts
FRAME_SECONDS = FRAME / RATE


@dataclass(frozen=True)
class ActivityConfig:
    """How a frame is judged to be speech; levels are in dBFS."""

    margin_db: float = 9.0
    """A speech frame rises this far above the recording's own floor (its quietest tenth)."""
    below_peak_db: float = 40.0
    """... and lies within this of the recording's loudest frames, so that faint hiss in a
    near-silent room is not speech while a quiet speaker on a quiet line still is."""
    vad_mode: int = 1
    """Aggressiveness of pocketsphinx's (WebRTC) VAD, 0 (loose) to 3 (strict)."""


DEFAULT = ActivityConfig()


@dataclass(frozen=True)
class Activity:
    """Speech frames of one recording."""

    speech: np.ndarray
    """One bool per 30 ms frame."""

    @property
    def seconds(self) -> float:
        """Seconds of frames judged speech."""
        return float(self.speech.sum()) * FRAME_SECONDS

    @property
    def span(self) -> tuple[float, float] | None:
        """(start, end) in seconds of the first and last speech frame, None when there is none."""
        found = np.nonzero(self.speech)[0]
        if found.size == 0:
            return None
        return float(found[0]) * FRAME_SECONDS, float(found[-1] + 1) * FRAME_SECONDS

    def shifted(self, samples: int, length: int) -> Activity:
        """The same speech frames in audio moved by `samples` (cut or padded) to `length` samples."""
        moved = np.zeros(length // FRAME, dtype=bool)
        for index in np.nonzero(self.speech)[0]:
            target = index + round(samples / FRAME)
            if 0 <= target < moved.size:
                moved[target] = True
        return Activity(moved)


def frame_levels(audio: np.ndarray) -> np.ndarray:
    """Level of each 30 ms frame of int16 `audio` in dBFS (-120 for digital silence)."""
    n = audio.size // FRAME
    frames = audio[: n * FRAME].reshape(n, FRAME).astype(np.float64) / 32768.0
    power = np.mean(frames**2, axis=1) if n else np.zeros(0)
    return np.where(power > 1e-12, 10 * np.log10(np.maximum(power, 1e-12)), -120.0)


def detect(audio: np.ndarray, config: ActivityConfig = DEFAULT) -> Activity:
    """Speech frames of int16 16 kHz `audio`: above its own floor, near its own peak, and voice to the VAD."""
    levels = frame_levels(np.asarray(audio, dtype=np.int16))
    if levels.size == 0:
        return Activity(np.zeros(0, dtype=bool))
    floor = float(np.percentile(levels, 10))
    peak = float(np.percentile(levels, 99))
    loud = (levels > floor + config.margin_db) & (levels > peak - config.below_peak_db) & (levels > -100.0)
    vad = vad_function(config.vad_mode)
    if vad is not None and loud.any():
        frames = np.asarray(audio, dtype=np.int16)[: levels.size * FRAME].reshape(-1, FRAME)
        loud = np.array([bool(flag) and vad(frame.tobytes()) for flag, frame in zip(loud, frames, strict=True)])
    return Activity(loud)


_VADS: dict[int, Callable[[bytes], bool] | None] = {}


def vad_function(mode: int) -> Callable[[bytes], bool] | None:
    """pocketsphinx's VAD for 30 ms frames at 16 kHz (made once per mode), or None when unavailable."""
    if mode not in _VADS:
        try:
            import pocketsphinx
        except ImportError:
            _LOGGER.warning("pocketsphinx is not installed: speech is found by level alone")
            _VADS[mode] = None
        else:
            vad = pocketsphinx.Vad(mode, RATE, FRAME_SECONDS)
            if vad.frame_bytes != FRAME * 2:
                raise RuntimeError(f"pocketsphinx Vad wants {vad.frame_bytes}-byte frames, expected {FRAME * 2}")
            _VADS[mode] = vad.is_speech
    return _VADS[mode]
