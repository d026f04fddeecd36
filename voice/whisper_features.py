"""Whisper's front end in numpy: 16 kHz audio to the 80-bin log-mel spectrogram the model was trained on."""

from __future__ import annotations

import functools

import numpy as np

RATE = 16000
N_FFT = 400  # 25 ms window
HOP = 160  # 10 ms step: 100 frames a second
N_MELS = 80
MAX_SECONDS = 30  # the longest window the model knows (its 1500 encoder positions)


@functools.cache
def mel_filters(rate: int = RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Slaney-style mel filter bank (area-normalised triangles), shape (n_mels, n_fft // 2 + 1), as Whisper uses."""
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp

    def hz_to_mel(hz: np.ndarray) -> np.ndarray:
        mel = hz / f_sp
        return np.where(hz >= min_log_hz, min_log_mel + np.log(np.maximum(hz, 1e-10) / min_log_hz) / logstep, mel)

    def mel_to_hz(mel: np.ndarray) -> np.ndarray:
        hz = f_sp * mel
        return np.where(mel >= min_log_mel, min_log_hz * np.exp(logstep * (mel - min_log_mel)), hz)

    fft_freqs = np.linspace(0, rate / 2, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(np.array(0.0)), hz_to_mel(np.array(rate / 2)), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2 : n_mels + 2] - edges[:n_mels]))[:, None]
    return weights.astype(np.float32)


def log_mel(samples: np.ndarray, seconds: int) -> np.ndarray:
    """Log-mel features (80, 100 * `seconds`) of float audio in -1..1 at 16 kHz, zero-padded or cut to `seconds`.

    Follows Whisper's own recipe (reflect-padded STFT with a periodic Hann window, power spectrum, mel,
    log10, a floor 8 below the peak, scaled): the model reads anything else as a different microphone.
    """
    length = RATE * seconds
    audio = np.zeros(length, dtype=np.float32)
    clip = np.asarray(samples, dtype=np.float32)[:length]
    audio[: clip.size] = clip
    padded = np.pad(audio, N_FFT // 2, mode="reflect")
    frames = 1 + (padded.size - N_FFT) // HOP
    # Frames wholly in the zero padding after the clip are silent: only the clip's frames need a transform
    # (a 1 s answer in a 5 s window costs a fifth), the rest take the floor below.
    heard = min(frames - 1, clip.size // HOP + N_FFT // HOP + 2)
    strides = (padded.strides[0] * HOP, padded.strides[0])
    windows = np.lib.stride_tricks.as_strided(padded, shape=(heard, N_FFT), strides=strides)
    hann = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    power = np.abs(np.fft.rfft(windows * hann, axis=1)) ** 2
    mel = np.zeros((N_MELS, frames - 1), dtype=np.float32)  # Whisper drops the last frame
    mel[:, :heard] = mel_filters() @ power.T.astype(np.float32)
    logs = np.log10(np.maximum(mel, 1e-10))
    logs = np.maximum(logs, logs.max() - 8.0)
    return ((logs + 4.0) / 4.0).astype(np.float32)
