"""The microphone as a 16 kHz mono int16 source with `read(frames)`, deaf while the skill speaks."""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

import numpy as np

from twitch_coach.voice.devices import AudioDeviceError, find_device, import_sounddevice, no_microphone
from twitch_coach.voice.hints import NO_HINTS, Hints
from twitch_coach.voice.wavfile import StreamResampler

_LOGGER = logging.getLogger(__name__)

RATE = 16000  # samples per second handed to readers
BLOCK_SECONDS = 0.05  # one callback's worth of audio
STALL_SECONDS = 3.0  # no audio for this long from an open stream means the device is gone
MAX_QUEUE_SECONDS = 30.0  # older audio is dropped when nobody reads, rather than growing without bound


class Microphone:
    """Captures from an input device through sounddevice; `read(frames)` returns 16 kHz mono int16 bytes."""

    def __init__(
        self,
        device: int | str | None = None,
        speaking: threading.Event | None = None,
        rate: int = RATE,
        device_rate: int | None = None,
        hints: Hints = NO_HINTS,
    ) -> None:
        self.device = device
        self.hints = hints  # what the caller tells a person to do without a microphone
        self.speaking = speaking
        self.rate = rate
        self.requested_device_rate = device_rate  # None: `rate` if the device takes it, else its own
        self.device_rate = device_rate or rate  # the rate the device really runs at, known once open
        self.discarded_frames = 0  # device frames dropped because the skill was speaking
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=int(MAX_QUEUE_SECONDS / BLOCK_SECONDS))
        self._buffer = bytearray()
        self._stream: Any = None
        self._resampler: StreamResampler | None = None
        self._closed = False

    def open(self) -> Microphone:
        """Start capturing; AudioDeviceError saying what to do when there is no usable microphone."""
        sd = import_sounddevice()
        device = find_device(self.device, "input", self.hints)
        rate = self.requested_device_rate or self.rate
        try:
            sd.check_input_settings(device=device.index, samplerate=rate, channels=1, dtype="int16")
        except sd.PortAudioError:
            # Many devices refuse 16 kHz: record at their own rate and convert here.
            rate = device.default_rate
        self.device_rate = rate
        self._queue = queue.Queue(maxsize=self._queue.maxsize)  # nothing left over from an earlier open
        self._buffer.clear()
        self._resampler = StreamResampler(rate, self.rate) if rate != self.rate else None
        try:
            self._stream = sd.InputStream(
                samplerate=rate,
                device=device.index,
                channels=1,
                dtype="int16",
                blocksize=int(rate * BLOCK_SECONDS),
                callback=self._callback,
            )
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            self._stream = None
            raise AudioDeviceError(f"{no_microphone(self.hints)} (opening {device.name!r} failed: {exc})") from exc
        self._closed = False
        _LOGGER.debug("microphone %r open at %d Hz", device.name, rate)
        return self

    def read(self, frames: int) -> bytes:
        """Next `frames` samples as bytes, blocking until there; fewer (maybe b"") once closed.

        AudioDeviceError when the device has stopped delivering (unplugged, or its server gone).
        """
        wanted = frames * 2
        waited = 0.0
        while len(self._buffer) < wanted:
            if self._closed and self._queue.empty():
                break
            try:
                chunk = self._queue.get(timeout=0.1)
            except queue.Empty:
                speaking = self.speaking is not None and self.speaking.is_set()
                waited = 0.0 if speaking else waited + 0.1  # input is dropped on purpose while speaking
                stream = self._stream
                if stream is not None and (not stream.active or waited > STALL_SECONDS):
                    lost = f"the microphone stopped delivering sound ({no_microphone(self.hints)})"
                    raise AudioDeviceError(lost) from None
                continue
            waited = 0.0
            if chunk is None:
                break
            self._buffer += chunk
        data = bytes(self._buffer[:wanted])
        del self._buffer[:wanted]
        return data

    def drain(self) -> None:
        """Drop everything captured but not yet read (for example the skill's own voice)."""
        self._buffer.clear()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def close(self) -> None:
        """Stop capturing; pending reads return what is left."""
        self._closed = True
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception as exc:  # a device unplugged mid-stream cannot be closed cleanly
                _LOGGER.debug("closing input stream: %s", exc)
        self._put(None)

    def __enter__(self) -> Microphone:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        """PortAudio thread: queue the block, unless the skill is speaking (it must not hear itself)."""
        if status:
            _LOGGER.debug("microphone status: %s", status)
        if self.speaking is not None and self.speaking.is_set():
            self.discarded_frames += frames
            return
        samples = indata[:, 0]
        if self._resampler is not None:
            samples = self._resampler.feed(samples)
        self._put(samples.astype("<i2").tobytes())

    def _put(self, chunk: bytes | None) -> None:
        """Queue a chunk, dropping the oldest when a reader has fallen far behind."""
        while True:
            try:
                self._queue.put_nowait(chunk)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    pass
