"""Silero VAD (voice/silero_vad.onnx, MIT, see silero_vad.LICENSE): how likely a recording is to hold speech.

A small neural network, run by onnxruntime on one thread, scores every 32 ms of 16 kHz audio (about 3 ms of CPU
for a one-second answer). Unlike a level rule it tells speech from a running tap, dishes or an exercise bike at
the same loudness.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

_LOGGER = logging.getLogger(__name__)

MODEL = Path(__file__).with_name("silero_vad.onnx")
RATE = 16000
CHUNK = 512  # samples the model scores at a time (32 ms at 16 kHz)
CONTEXT = 64  # samples of the chunk before that each chunk is scored with, as the model was trained
_STATE = (1, 1, 128)  # each of the model's two recurrent states (h, c), carried from chunk to chunk


class SpeechDetectorError(Exception):
    """onnxruntime or the model file is missing or unusable; the message says what to do."""


class SpeechDetector:
    """Loaded on first use (about 0.15 s, most of it importing onnxruntime), then kept."""

    def __init__(self, model: Path = MODEL) -> None:
        self.model = model
        self._session: Any = None
        self._lock = threading.Lock()
        self._warming: threading.Thread | None = None
        self.error: SpeechDetectorError | None = None
        """Why the model could not be loaded, once a load has failed."""

    def peak(self, samples: np.ndarray) -> float:
        """The highest speech probability of any 32 ms of `samples` (16 kHz int16), 0.0 to 1.0."""
        if samples.size == 0:
            return 0.0
        audio = samples.astype(np.float32) / 32768.0
        audio = np.concatenate([audio, np.zeros(-audio.size % CHUNK, np.float32)]).reshape(-1, CHUNK)
        before = np.roll(audio[:, -CONTEXT:], 1, axis=0)
        before[0] = 0.0
        batch = np.ascontiguousarray(np.concatenate([before, audio], axis=1))
        zeros = np.zeros(_STATE, np.float32)
        # One call for the whole recording: this export carries its state along the batch, chunk by chunk.
        scores = self.load().run(None, {"input": batch, "h": zeros, "c": zeros})[0]
        return float(np.max(scores))

    def stream(self) -> SpeechStream:
        """A scorer for audio that arrives a little at a time (the live endpointer's 30 ms frames). The model loads
        in the background the first time: until it is ready the stream scores nothing, so listening starts at once
        (importing onnxruntime would add 0.15 s or more to the start of every spoken session)."""
        if self._session is None and self._warming is None:
            self._warming = threading.Thread(target=self._warm, name="silero-load", daemon=True)
            self._warming.start()
        return SpeechStream(self)

    def ready(self) -> Any:
        """The loaded model, or None while it is loading or when it cannot load (see `error`)."""
        return self._session

    def load(self) -> Any:
        """The model, loaded now if it is not yet (raises SpeechDetectorError when it cannot be); then kept."""
        with self._lock:
            if self._session is None:
                self._session = self._open()
            return self._session

    def _warm(self) -> None:
        try:
            self.load()
        except SpeechDetectorError as error:
            self.error = error
            _LOGGER.warning("%s; until then the start of speech is judged by level and the WebRTC VAD", error)

    def _open(self) -> Any:
        try:
            import onnxruntime
        except ImportError as error:
            raise SpeechDetectorError(f"speech detection needs onnxruntime ({error}); run: pip install "
                                      "onnxruntime") from error  # fmt: skip
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 4  # its own warnings are not the user's business
        try:
            return onnxruntime.InferenceSession(
                str(self.model), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own exception kinds for a missing or bad file
            raise SpeechDetectorError(f"the speech detector {self.model} is missing or damaged ({error}); "
                                      "reinstall twitch-coach") from error  # fmt: skip


# One model a process: the live endpointer and Whisper's gate share it, so it is loaded once.
SHARED = SpeechDetector()


class SpeechStream:
    """Speech probability of the latest 32 ms of a stream fed in pieces of any size, the model's state carried."""

    def __init__(self, detector: SpeechDetector) -> None:
        self._detector = detector
        self._pending = np.zeros(0, np.float32)
        self._before = np.zeros(CONTEXT, np.float32)
        self._h = self._c = np.zeros(_STATE, np.float32)
        self.probability = 0.0
        """Of the last whole 32 ms scored (0.0 before the first)."""

    def feed(self, chunk: bytes) -> float:
        """Add int16 `chunk`; score every whole 32 ms it completes; return the latest probability (0.0 while the
        model is still loading)."""
        session = self._detector.ready()
        if session is None:
            return 0.0
        self._pending = np.concatenate([self._pending, np.frombuffer(chunk, dtype=np.int16) / np.float32(32768.0)])
        while self._pending.size >= CHUNK:
            audio, self._pending = self._pending[:CHUNK], self._pending[CHUNK:]
            batch = np.concatenate([self._before, audio])[None].astype(np.float32)
            scores, self._h, self._c = session.run(None, {"input": batch, "h": self._h, "c": self._c})
            self.probability = float(np.ravel(scores)[0])
            self._before = audio[-CONTEXT:]
        return self.probability
