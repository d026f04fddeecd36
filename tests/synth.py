"""Speech made at test time with espeak-ng: 16 kHz mono int16, optionally with noise."""

from __future__ import annotations

import functools
import shutil
import subprocess

import numpy as np
import pytest

RATE = 16000
VOICES = ("en-us", "en-gb")  # two espeak-ng voices the closed-loop tests use
SPEEDS = (140, 185)  # words per minute: a slow, careful speaker and a quick one


def require_espeak() -> str:
    """Path of espeak-ng, or skip the calling test with the reason."""
    path = shutil.which("espeak-ng")
    if path is None:
        pytest.skip("espeak-ng is not installed (make setup installs it)")
    return path


@functools.lru_cache(maxsize=4096)
def speak(text: str, voice: str = "en-us", speed: int = 160, pad: float = 0.3) -> bytes:
    """`text` spoken by espeak-ng as 16 kHz mono int16 bytes, with `pad` seconds of silence around it."""
    espeak = require_espeak()
    wav = subprocess.run(
        [espeak, "-v", voice, "-s", str(speed), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    samples = _pcm_from_wav(wav)
    silence = np.zeros(int(pad * RATE), dtype=np.int16)
    return np.concatenate([silence, samples, silence]).tobytes()


def with_noise(audio: bytes, snr_db: float = 15.0, seed: int = 0) -> bytes:
    """`audio` with white noise added at `snr_db` decibels below the speech level."""
    samples = np.frombuffer(audio, dtype=np.int16).astype(np.float64)
    power = np.mean(samples[np.abs(samples) > 100] ** 2) if np.any(np.abs(samples) > 100) else 1e4
    noise = np.random.default_rng(seed).normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), samples.size)
    return np.clip(samples + noise, -32768, 32767).astype(np.int16).tobytes()


def noise(seconds: float, level: float = 2000.0, seed: int = 1) -> bytes:
    """White noise alone: something a closed vocabulary must not accept as an answer."""
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(0.0, level, int(seconds * RATE)), -32768, 32767).astype(np.int16).tobytes()


def cough(seed: int = 2) -> bytes:
    """A cough-like burst: a short decaying noise envelope with silence around it."""
    rng = np.random.default_rng(seed)
    n = int(0.35 * RATE)
    envelope = np.exp(-np.linspace(0, 6, n))
    burst = rng.normal(0.0, 9000.0, n) * envelope
    silence = np.zeros(int(0.3 * RATE))
    return np.clip(np.concatenate([silence, burst, silence]), -32768, 32767).astype(np.int16).tobytes()


def _pcm_from_wav(wav: bytes) -> np.ndarray:
    """Decode espeak-ng's WAV (22050 Hz mono int16; header sizes may be unset) and resample to 16 kHz."""
    import io
    import wave

    # espeak-ng writes 0xFFFFFFFF sizes when streaming to stdout; the wave module copes with the
    # data chunk if we read frames until EOF.
    with wave.open(io.BytesIO(wav)) as reader:
        rate = reader.getframerate()
        data = reader.readframes(10**9)
    samples = np.frombuffer(data, dtype=np.int16).astype(np.float64)
    if rate == RATE:
        return samples.astype(np.int16)
    n_out = int(round(samples.size * RATE / rate))
    resampled = np.interp(np.linspace(0, samples.size - 1, n_out), np.arange(samples.size), samples)
    return np.clip(resampled, -32768, 32767).astype(np.int16)


def dithered(audio: bytes, seed: int = 0) -> bytes:
    """`audio` with +-3 LSB of noise: a real microphone never gives the exact digital silence espeak pads with."""
    samples = np.frombuffer(audio, dtype=np.int16).astype(np.int32)
    noise_ = np.random.default_rng(seed).integers(-3, 4, samples.size)
    return np.clip(samples + noise_, -32768, 32767).astype(np.int16).tobytes()
