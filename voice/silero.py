"""Silero VAD (voice/silero_vad.onnx, MIT, see silero_vad.LICENSE): how likely a recording is to hold speech.

A small neural network, run by onnxruntime on one thread, scores every 32 ms of 16 kHz audio (about 3 ms of CPU
for a one-second answer). Unlike a level rule it tells speech from a running tap, dishes or an exercise bike at
the same loudness.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

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
        scores = self._loaded().run(None, {"input": batch, "h": zeros, "c": zeros})[0]
        return float(np.max(scores))

    def _loaded(self) -> Any:
        if self._session is None:
            try:
                import onnxruntime
            except ImportError as error:
                raise SpeechDetectorError(f"speech detection needs onnxruntime ({error}); run: pip install "
                                          "onnxruntime") from error  # fmt: skip
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = options.inter_op_num_threads = 1
            options.log_severity_level = 4  # its own warnings are not the user's business
            try:
                self._session = onnxruntime.InferenceSession(
                    str(self.model), sess_options=options, providers=["CPUExecutionProvider"]
                )
            except Exception as error:  # onnxruntime raises its own exception kinds for a missing or bad file
                raise SpeechDetectorError(f"the speech detector {self.model} is missing or damaged ({error}); "
                                          "reinstall twitch-coach") from error  # fmt: skip
        return self._session
