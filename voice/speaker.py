"""Play int16 audio on the output device (or into a WAV file), cut it at once, and flag when speaking."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

from twitch_coach.voice.devices import NO_SPEAKER, AudioDeviceError, find_device, import_sounddevice
from twitch_coach.voice.wavfile import WavWriter, resample_int16

_LOGGER = logging.getLogger(__name__)

BLOCK_SECONDS = 0.02  # callback period: bounds how long stop() waits for the stream to notice
HANGOVER_SECONDS = 0.25  # the flag stays set this long after the last sample, for room echo and latency


class Speaker:
    """Plays one utterance at a time; `speaking` is set while it plays, for the microphone to honour."""

    def __init__(
        self,
        device: int | str | None = None,
        output_path: str | Path | None = None,
        speaking: threading.Event | None = None,
        hangover: float = HANGOVER_SECONDS,
    ) -> None:
        self.device = device
        self.output_path = Path(output_path) if output_path else None
        self.speaking = speaking or threading.Event()
        self.hangover = hangover
        self._lock = threading.Lock()
        self._stream: Any = None
        self._done = threading.Event()
        self._done.set()
        self._generation = 0  # which play() the hangover timer belongs to
        self._wav: WavWriter | None = None

    @property
    def is_playing(self) -> bool:
        """True from play() until the last sample has been played or stop() is called."""
        return not self._done.is_set()

    def play(self, samples: bytes | np.ndarray, rate: int) -> None:
        """Start playing mono int16 `samples` at `rate` samples per second, cutting off any current sound."""
        audio = np.frombuffer(samples, dtype="<i2") if isinstance(samples, bytes | bytearray) else samples
        audio = np.ascontiguousarray(audio, dtype=np.int16)
        self.stop()
        if self.output_path is not None:
            self._write_wav(audio, rate)
            return
        sd = import_sounddevice()
        device = find_device(self.device, "output") if self.device is not None else None
        index = device.index if device else None
        try:
            sd.check_output_settings(device=index, samplerate=rate, channels=1, dtype="int16")
        except sd.PortAudioError:
            # Some devices only take their own rate; speech survives linear resampling fine.
            device = device or find_device(None, "output")
            audio, rate = resample_int16(audio, rate, device.default_rate), device.default_rate
        except ValueError as exc:
            raise AudioDeviceError(NO_SPEAKER) from exc
        with self._lock:
            self._generation += 1
            generation = self._generation
            position = 0
            done = threading.Event()

            def callback(outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
                nonlocal position
                chunk = audio[position : position + frames]
                outdata[: len(chunk), 0] = chunk
                outdata[len(chunk) :, 0] = 0
                position += len(chunk)
                if position >= len(audio):
                    raise sd.CallbackStop

            def finished() -> None:
                done.set()
                self._release_flag(generation)

            try:
                stream = sd.OutputStream(
                    samplerate=rate,
                    device=index,
                    channels=1,
                    dtype="int16",
                    callback=callback,
                    blocksize=int(rate * BLOCK_SECONDS),
                    finished_callback=finished,
                )
                self.speaking.set()
                self._done = done
                self._stream = stream
                stream.start()
            except sd.PortAudioError as exc:
                done.set()
                self._release_flag(generation, at_once=True)
                raise AudioDeviceError(f"could not play on the speaker: {exc}") from exc

    def stop(self) -> None:
        """Cut playback now (returns within a few tens of milliseconds)."""
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception as exc:  # a stream that died on its own needs no stopping
                _LOGGER.debug("closing output stream: %s", exc)
        self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playback ends; False if `timeout` seconds passed first."""
        finished = self._done.wait(timeout)
        if finished:
            with self._lock:
                stream, self._stream = self._stream, None
            if stream is not None:
                stream.close()
        return finished

    def close(self) -> None:
        """Stop playing and finish the WAV file, if any."""
        self.stop()
        if self._wav is not None:
            self._wav.close()
            self._wav = None
        self.speaking.clear()

    def __enter__(self) -> Speaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _release_flag(self, generation: int, at_once: bool = False) -> None:
        """Clear `speaking` after the hangover, unless a newer play() has started since."""

        def clear() -> None:
            with self._lock:
                if self._generation == generation:
                    self.speaking.clear()

        if at_once or self.hangover <= 0:
            clear()
        else:
            timer = threading.Timer(self.hangover, clear)
            timer.daemon = True
            timer.start()

    def _write_wav(self, audio: np.ndarray, rate: int) -> None:
        """Append the utterance to the output WAV file (all at the first utterance's rate)."""
        assert self.output_path is not None
        if self._wav is None:
            self._wav = WavWriter(self.output_path, rate)
        self._wav.write(resample_int16(audio, rate, self._wav.rate).astype("<i2").tobytes())
