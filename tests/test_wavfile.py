"""WAV reading in every common format, band-limited resampling, and the chunked WavSource."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from twitch_coach.voice.wavfile import WavError, WavSource, decode_wav, read_wav, resample, write_wav


def _tone(freq: float, rate: int, seconds: float = 1.0, amplitude: float = 0.5) -> np.ndarray:
    """A sine of `freq` Hz sampled at `rate`, as float in [-1, 1]."""
    return amplitude * np.sin(2 * np.pi * freq * np.arange(int(rate * seconds)) / rate)


def _encode(samples: np.ndarray, width: int) -> bytes:
    """Float samples (frames, channels) as little-endian PCM of `width` bytes per sample."""
    flat = samples.ravel()
    if width == 1:
        return np.clip(np.round(flat * 127 + 128), 0, 255).astype(np.uint8).tobytes()
    if width == 2:
        return np.round(flat * 32767).astype("<i2").tobytes()
    if width == 3:
        ints = np.round(flat * (2**23 - 1)).astype(np.int32)
        return np.stack([ints & 0xFF, (ints >> 8) & 0xFF, (ints >> 16) & 0xFF], axis=1).astype(np.uint8).tobytes()
    return np.round(flat * (2**31 - 1)).astype("<i4").tobytes()


def _write(path: Path, samples: np.ndarray, rate: int, width: int) -> Path:
    """Write float samples (frames, channels) as a PCM WAV with the stdlib writer."""
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(samples.shape[1])
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(_encode(samples, width))
    return path


def _dominant_hz(pcm: bytes) -> float:
    """Frequency of the strongest FFT bin of 16 kHz int16 audio."""
    x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.argmax(spectrum) * 16000 / x.size)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2)))


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_any_rate_and_width_becomes_16k_mono_int16(tmp_path: Path, rate: int, width: int) -> None:
    path = _write(tmp_path / "tone.wav", _tone(1000, rate)[:, None], rate, width)
    pcm = read_wav(path)
    assert len(pcm) == 2 * 16000  # one second at 16 kHz, two bytes a sample
    assert abs(_dominant_hz(pcm) - 1000) < 3
    level = _rms(np.frombuffer(pcm, dtype=np.int16)[800:-800]) / 32768
    assert level == pytest.approx(0.5 / np.sqrt(2), rel=0.03)


def test_stereo_is_mixed_down(tmp_path: Path) -> None:
    left, right = _tone(500, 44100), _tone(1500, 44100)
    pcm = read_wav(_write(tmp_path / "stereo.wav", np.stack([left, right], axis=1), 44100, 2))
    x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x))
    freqs = np.fft.rfftfreq(x.size, 1 / 16000)
    peaks = sorted(freqs[np.argsort(spectrum)[-2:]])
    assert peaks == pytest.approx([500, 1500], abs=2)
    # Each channel contributes half its amplitude to the mix.
    assert spectrum[np.argmin(abs(freqs - 500))] == pytest.approx(spectrum[np.argmin(abs(freqs - 1500))], rel=0.05)


def test_float_and_extensible_formats(tmp_path: Path) -> None:
    tone = _tone(800, 48000).astype("<f4")
    fmt = struct.pack("<HHIIHH", 0xFFFE, 1, 48000, 48000 * 4, 4, 32) + struct.pack("<HHI", 22, 32, 0)
    fmt += struct.pack("<H", 3) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"  # float GUID
    data = tone.tobytes()
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path = tmp_path / "float.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    assert abs(_dominant_hz(read_wav(path)) - 800) < 3


def test_streaming_header_with_unset_sizes_reads_to_end() -> None:
    data = _encode(_tone(440, 16000, 0.5)[:, None], 2)
    fmt = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)
    wav = b"RIFF\xff\xff\xff\xffWAVEfmt " + struct.pack("<I", 16) + fmt + b"data\xff\xff\xff\xff" + data
    samples, rate, channels = decode_wav(wav)
    assert (rate, channels, samples.shape) == (16000, 1, (8000, 1))


def test_unknown_chunks_are_skipped(tmp_path: Path) -> None:
    data = _encode(_tone(440, 16000, 0.25)[:, None], 2)
    fmt = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)
    body = b"WAVE" + b"LIST" + struct.pack("<I", 3) + b"abc\x00" + b"fmt " + struct.pack("<I", 16) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    path = tmp_path / "list.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    assert len(read_wav(path)) == len(data)


def test_not_a_wav_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("these are not samples")
    with pytest.raises(WavError, match=r"notes\.wav.*not a WAV"):
        read_wav(path)


def test_truncated_header_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.wav"
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00")
    with pytest.raises(WavError, match=r"cut\.wav.*fmt chunk is too short"):
        read_wav(path)


def test_compressed_wav_is_refused_by_name(tmp_path: Path) -> None:
    fmt = struct.pack("<HHIIHH", 0x55, 1, 16000, 2000, 1, 0)  # MP3 inside a WAV container
    body = b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 4) + b"\x00" * 4
    path = tmp_path / "mp3.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    with pytest.raises(WavError, match=r"mp3\.wav.*unsupported sample format"):
        read_wav(path)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(WavError, match=r"absent\.wav.*cannot read"):
        read_wav(tmp_path / "absent.wav")


def test_resample_removes_what_the_new_rate_cannot_carry() -> None:
    # 12 kHz is above the 8 kHz Nyquist limit of 16 kHz audio: it must vanish, not fold back to 4 kHz.
    out = resample(_tone(12000, 48000), 48000, 16000)
    assert _rms(out[500:-500]) < 0.5 * 10 ** (-60 / 20)


def test_resample_keeps_the_pass_band_flat() -> None:
    for freq in (100, 1000, 3000, 6000):
        out = resample(_tone(freq, 44100), 44100, 16000)
        assert _rms(out[500:-500]) == pytest.approx(0.5 / np.sqrt(2), rel=0.03), freq


def test_resample_up_matches_the_true_signal() -> None:
    out = resample(_tone(440, 8000), 8000, 16000)
    truth = _tone(440, 16000)
    assert out.size == truth.size
    assert np.max(np.abs(out[200:-200] - truth[200:-200])) < 1e-3


def test_resample_identity_and_empty() -> None:
    x = np.arange(10.0)
    assert np.array_equal(resample(x, 16000, 16000), x)
    assert resample(np.array([]), 44100, 16000).size == 0


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    pcm = (np.arange(1600, dtype=np.int16) * 7).tobytes()
    write_wav(tmp_path / "out.wav", pcm)
    assert read_wav(tmp_path / "out.wav") == pcm


def test_wav_source_reads_in_chunks_then_empty(tmp_path: Path) -> None:
    pcm = bytes(range(256)) * 10  # 1280 samples
    write_wav(tmp_path / "a.wav", pcm)
    source = WavSource(tmp_path / "a.wav")
    assert source.rate == 16000
    chunks = []
    while chunk := source.read(480):
        chunks.append(chunk)
    assert [len(c) for c in chunks] == [960, 960, 640]
    assert b"".join(chunks) == pcm
    assert source.read(480) == b""


def test_wav_source_from_pcm() -> None:
    source = WavSource.from_pcm(b"\x01\x00" * 16000)
    assert source.duration == 1.0
    assert len(source.read(100)) == 200
