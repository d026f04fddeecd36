"""Silero VAD in front of Whisper: speech told from real noise at the same loudness, and a clear error when broken."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import realspeech as rs
import speechsets

from twitch_coach.voice.silero import SpeechDetector, SpeechDetectorError
from twitch_coach.voice.whisper_engine import MIN_SPEECH

DETECTOR = SpeechDetector()


@pytest.mark.audio
@pytest.mark.parametrize("said", ["yes", "no", "stop", "about seven hours"])
def test_speech_scores_high(said: str) -> None:
    from synth import speak

    assert DETECTOR.peak(np.frombuffer(speak(said), dtype=np.int16)) > 0.8


def test_silence_and_a_steady_tone_score_low() -> None:
    t = np.arange(16000) / 16000
    assert DETECTOR.peak(np.zeros(16000, np.int16)) < MIN_SPEECH
    assert DETECTOR.peak((3000 * np.sin(2 * np.pi * 100 * t)).astype(np.int16)) < MIN_SPEECH
    assert DETECTOR.peak(np.zeros(0, np.int16)) == 0.0


@pytest.mark.parametrize("name", ["exercise_bike", "running_tap"])
def test_real_noise_is_not_speech(name: str) -> None:
    if rs.missing():
        pytest.skip(rs.missing())
    samples, rate = rs.noise(name)
    audio = np.frombuffer(speechsets.to_16k(samples, rate), dtype=np.int16)
    peaks = [DETECTOR.peak(audio[i : i + 16000]) for i in range(0, audio.size - 16000, 16000)]
    # Measured: 2 of the bike's 61 seconds and 4 of the tap's pass (a squeak, a splash); the rest is not speech
    assert np.mean(np.array(peaks) >= MIN_SPEECH) <= 0.1, peaks


def test_a_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpeechDetectorError, match="missing or damaged.*reinstall"):
        SpeechDetector(tmp_path / "silero_vad.onnx").peak(np.ones(16000, np.int16))


@pytest.mark.audio
def test_a_stream_fed_in_30_ms_frames_scores_as_the_whole_recording() -> None:
    from synth import speak

    audio = np.frombuffer(speak("I slept about seven hours"), dtype=np.int16)
    stream = DETECTOR.stream()
    scores = [stream.feed(audio[i : i + 480].tobytes()) for i in range(0, audio.size, 480)]
    assert max(scores) == pytest.approx(DETECTOR.peak(audio[: audio.size // 512 * 512]), abs=1e-4)
    assert scores[0] == 0.0  # nothing scored before the first whole 32 ms
