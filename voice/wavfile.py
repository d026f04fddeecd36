"""WAV files in and out: any PCM or float WAV becomes 16 kHz mono int16, the one format recognisers take."""

from __future__ import annotations

import math
import os
import stat
import struct
import wave
from pathlib import Path

import numpy as np

RATE = 16000  # samples per second of everything this module hands out
SAMPLE_WIDTH = 2  # bytes per sample handed out: signed 16-bit little-endian

_PCM = 1  # WAVE_FORMAT_PCM
_FLOAT = 3  # WAVE_FORMAT_IEEE_FLOAT
_EXTENSIBLE = 0xFFFE  # WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID
_ZERO_CROSSINGS = 16  # sinc lobes kept each side of the resampling kernel: enough for > 80 dB stop band
_ROLLOFF = 0.92  # pass band as a fraction of the lower Nyquist frequency, leaving room for the transition
_KAISER_BETA = 8.6  # Kaiser window shape: about 86 dB side-lobe attenuation
_BLOCK = 8192  # output samples computed per step, bounding memory for long files
# Caps on what read_wav accepts, so one file cannot take minutes or gigabytes: an answer lasts seconds.
# Resampling time grows with seconds x rate (about 0.6 s for 15 s at 48 kHz), recognition with seconds.
MAX_SECONDS = 15.0  # the longest answer the endpointer takes (WORKOUT max_utterance)
MAX_WORK = MAX_SECONDS * 48000  # seconds x sample rate: 15 s at 48 kHz, 7.5 s at 96 kHz
MAX_SAMPLES = int(MAX_SECONDS * 48000 * 2)  # decoded samples over all channels: 15 s of 48 kHz stereo
MAX_BYTES = 16 * 1024 * 1024  # far above 15 s of any usual format: a bigger file is not an answer
RATES = (4000, 96000)  # Hz accepted: below, no speech survives; above, resampling takes too much memory


class WavError(ValueError):
    """A file is not a WAV this module can read; the message names the file and the problem."""


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """`samples` (1-D) resampled from `from_rate` to `to_rate` Hz with a Kaiser-windowed sinc, as float64."""
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {from_rate} and {to_rate}")
    x = np.asarray(samples, dtype=np.float64).ravel()
    if from_rate == to_rate or x.size == 0:
        return x.copy()
    g = math.gcd(from_rate, to_rate)
    up, down = to_rate // g, from_rate // g
    # Cut-off in cycles per input sample: below the lower of the two Nyquist frequencies.
    cutoff = 0.5 * min(1.0, to_rate / from_rate) * _ROLLOFF
    half = int(math.ceil(_ZERO_CROSSINGS / (2.0 * cutoff)))
    offsets = np.arange(-half, half + 1)
    n_out = (x.size * up + down - 1) // down
    padded = np.concatenate([np.zeros(half + 1), x, np.zeros(half + 2)])
    # Output n sits at input time n*down/up; its fractional part takes only `up` values, so the
    # kernel is tabulated once per phase when that table is small, else computed per block.
    table = None
    if up * offsets.size <= 4_000_000:
        table = _kernel(np.arange(up)[:, None] / up - offsets[None, :], cutoff, half)
    out = np.empty(n_out)
    for start in range(0, n_out, _BLOCK):
        n = np.arange(start, min(start + _BLOCK, n_out))
        base, phase = np.divmod(n * down, up)
        taps = table[phase] if table is not None else _kernel(phase[:, None] / up - offsets[None, :], cutoff, half)
        out[start : start + n.size] = np.einsum("ij,ij->i", taps, padded[base[:, None] + offsets[None, :] + half + 1])
    return out


def _kernel(u: np.ndarray, cutoff: float, half: int) -> np.ndarray:
    """Kaiser-windowed sinc low-pass at `cutoff` cycles per sample, evaluated at offsets `u` samples."""
    window = np.i0(_KAISER_BETA * np.sqrt(np.clip(1.0 - (u / (half + 1)) ** 2, 0.0, 1.0))) / np.i0(_KAISER_BETA)
    return 2.0 * cutoff * np.sinc(2.0 * cutoff * u) * window


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] rounded and clipped to int16."""
    return np.clip(np.round(np.asarray(samples) * 32768.0), -32768, 32767).astype(np.int16)


def read_wav(path: str | Path, max_seconds: float | None = MAX_SECONDS) -> bytes:
    """The WAV at `path` as 16 kHz mono int16 bytes, whatever its rate, channels and sample format.

    Only a regular file of at most MAX_BYTES is read (not a pipe, device or terminal), and with
    `max_seconds` (None: any length, for test fixtures) only that much audio at a usable rate."""
    path = Path(path)
    data = _read_regular(path)
    rate, channels = 0, 0
    try:
        samples, rate, channels = decode_wav(data, max_seconds=max_seconds)
    except WavError as exc:
        raise WavError(f"{path}: {exc}") from None
    mono = samples.mean(axis=1) if channels > 1 else samples[:, 0]
    return to_int16(resample(mono, rate, RATE)).tobytes()


def _read_regular(path: Path) -> bytes:
    """The bytes of the regular file at `path`; WavError for anything else or anything too big."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError) as exc:
        raise WavError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise WavError(f"{path}: not a regular file (a pipe, device or folder); give a WAV file")
    with os.fdopen(fd, "rb") as file:
        if info.st_size > MAX_BYTES:
            raise WavError(f"{path}: {info.st_size / 2**20:.0f} MB is too big; the limit is {MAX_BYTES / 2**20:.0f} MB")
        try:
            data = file.read(MAX_BYTES + 1)  # a file that grows while read is still capped
        except OSError as exc:
            raise WavError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise WavError(f"{path}: too big; the limit is {MAX_BYTES / 2**20:.0f} MB")
    return data


def decode_wav(data: bytes, max_seconds: float | None = None) -> tuple[np.ndarray, int, int]:
    """Samples as float64 in [-1, 1] shaped (frames, channels), the rate and channel count of WAV `data`.

    With `max_seconds`, longer audio (or an odd rate, or more than MAX_SAMPLES) is refused before decoding."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavError("not a WAV file (no RIFF/WAVE header)")
    fmt: tuple[int, int, int, int] | None = None
    pos = 12
    while pos + 8 <= len(data):
        chunk_id, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(data[body : body + size])
        elif chunk_id == b"data":
            if fmt is None:
                raise WavError("data chunk comes before the fmt chunk")
            # Streaming writers (espeak-ng --stdout) leave the size unset; the data then runs to the end.
            payload = data[body : min(len(data), body + size)]
            if max_seconds is not None:
                _check_length(len(payload), *fmt, max_seconds)
            return _samples(payload, *fmt), fmt[1], fmt[2]
        pos = body + size + (size & 1)  # chunks are padded to an even length
    raise WavError("no fmt chunk" if fmt is None else "no data chunk")


def _parse_fmt(body: bytes) -> tuple[int, int, int, int]:
    """(format code, rate, channels, bits per sample) from a fmt chunk, rejecting what cannot be decoded."""
    if len(body) < 16:
        raise WavError("fmt chunk is too short")
    code, channels, rate, _, block_align, bits = struct.unpack_from("<HHIIHH", body)
    if code == _EXTENSIBLE:
        if len(body) < 26:
            raise WavError("extensible fmt chunk is too short")
        code = struct.unpack_from("<H", body, 24)[0]
    if channels < 1 or rate < 1:
        raise WavError(f"bad fmt chunk: {channels} channels at {rate} Hz")
    if code == _PCM and bits in (8, 16, 24, 32):
        pass
    elif code == _FLOAT and bits in (32, 64):
        pass
    else:
        raise WavError(f"unsupported sample format (format code {code}, {bits} bits); use PCM or float WAV")
    if block_align != channels * bits // 8:
        raise WavError(f"bad fmt chunk: block align {block_align} for {channels} x {bits}-bit samples")
    return code, rate, channels, bits


def _check_length(size: int, code: int, rate: int, channels: int, bits: int, max_seconds: float) -> None:
    """Refuse audio that would take too long or too much memory to decode and resample."""
    if not RATES[0] <= rate <= RATES[1]:
        raise WavError(f"a sample rate of {rate} Hz is not usable; give {RATES[0]} to {RATES[1]} Hz")
    frames = size // (bits // 8 * channels)
    seconds = frames / rate
    if seconds > max_seconds:
        raise WavError(f"{seconds:.0f} s of audio is too long; the limit is {max_seconds:g} s (an answer takes a few)")
    if seconds * rate > max_seconds * MAX_WORK / MAX_SECONDS:
        raise WavError(f"{seconds:.1f} s at {rate} Hz is too much to resample; give 16 kHz audio or a shorter file")
    if frames * channels > MAX_SAMPLES:
        raise WavError(f"{channels} channels of {frames / rate:.0f} s are too many samples to decode")


def _samples(payload: bytes, code: int, rate: int, channels: int, bits: int) -> np.ndarray:
    """Decode interleaved sample bytes into float64 (frames, channels) in [-1, 1]."""
    width = bits // 8
    usable = len(payload) - len(payload) % (width * channels)  # a truncated last frame is dropped
    raw = payload[:usable]
    if code == _FLOAT:
        values = np.frombuffer(raw, dtype="<f4" if bits == 32 else "<f8").astype(np.float64)
    elif bits == 8:
        values = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0  # 8-bit WAV is unsigned
    elif bits == 16:
        values = np.frombuffer(raw, dtype="<i2") / 32768.0
    elif bits == 24:
        triples = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        values = np.where(ints >= 1 << 23, ints - (1 << 24), ints) / float(1 << 23)
    else:
        values = np.frombuffer(raw, dtype="<i4") / float(1 << 31)
    return values.reshape(-1, channels)


def write_wav(path: str | Path, pcm: bytes, rate: int = RATE) -> None:
    """Write mono int16 `pcm` (16 kHz unless `rate` says otherwise) to a WAV file at `path`."""
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(SAMPLE_WIDTH)
        writer.setframerate(rate)
        writer.writeframes(pcm)


class WavSource:
    """Audio from a WAV file (or PCM bytes) read in chunks, the way a microphone source is read."""

    rate: int = RATE

    def __init__(self, path: str | Path | None = None, *, pcm: bytes | None = None) -> None:
        """Load `path` (any WAV) or take ready 16 kHz mono int16 `pcm`; exactly one of the two."""
        if (path is None) == (pcm is None):
            raise ValueError("give a WAV path or pcm bytes, not both or neither")
        self.path = Path(path) if path is not None else None
        self._pcm = read_wav(path, max_seconds=None) if path is not None else bytes(pcm or b"")
        self._pos = 0

    @classmethod
    def from_pcm(cls, pcm: bytes) -> WavSource:
        """A source that plays back 16 kHz mono int16 `pcm`."""
        return cls(pcm=pcm)

    @property
    def duration(self) -> float:
        """Length of the whole audio in seconds."""
        return len(self._pcm) / (RATE * SAMPLE_WIDTH)

    def read(self, frames: int) -> bytes:
        """The next `frames` samples as int16 bytes (fewer at the end), b"" once everything was read."""
        chunk = self._pcm[self._pos : self._pos + frames * SAMPLE_WIDTH]
        self._pos += len(chunk)
        return chunk

    def close(self) -> None:
        """Nothing to release; present so a WAV source can stand in for a microphone."""
