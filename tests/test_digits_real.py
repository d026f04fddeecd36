"""Accuracy on real human speech: the Free Spoken Digit Dataset's 8 kHz recordings of 0-9."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from twitch_coach.voice.recognizer import Vocabulary

FSDD = Path(__file__).resolve().parents[2] / "shared" / "speech" / "fsdd"
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen")
# What a "how many ...?" question listens for: numbers as words up to twenty, and "none".
NUMBERS = Vocabulary(DIGITS + TEENS + ("nineteen", "twenty", "none"))
EVERY = 3  # every third take of each digit and speaker: 510 files, deterministic
FLOOR = 0.67  # measured 71.0% on this subset; the brief's 90% is not reached yet (see bench)


def load(path: Path) -> tuple[np.ndarray, int]:
    """Samples and rate of one FSDD recording."""
    with wave.open(str(path)) as reader:
        return np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16), reader.getframerate()


def subset(every: int = EVERY) -> list[Path]:
    """A deterministic subset of the recordings: takes 0, every, 2*every... of each digit and speaker."""
    if not FSDD.is_dir():
        pytest.skip(f"real speech is not here ({FSDD}); it lives in the shared folder, not the repository")
    return sorted(p for p in FSDD.glob("*.wav") if int(p.stem.split("_")[2]) % every == 0)


def accuracy(recognizer, paths: list[Path], vocabulary: Vocabulary = NUMBERS) -> tuple[float, dict[str, float]]:
    """Share of `paths` recognised as their digit, overall and per speaker (a rejection counts as wrong)."""
    hits: dict[str, list[int]] = {}
    for path in paths:
        digit, speaker, _ = path.stem.split("_")
        samples, rate = load(path)
        transcript = recognizer.recognize_samples(samples, rate, vocabulary)
        hits.setdefault(speaker, []).append(transcript.text == DIGITS[int(digit)])
    total = [hit for speaker_hits in hits.values() for hit in speaker_hits]
    return float(np.mean(total)), {speaker: float(np.mean(h)) for speaker, h in hits.items()}


@pytest.fixture(scope="module")
def recognizer():
    """One decoder for the module."""
    from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer

    return PocketSphinxRecognizer()


@pytest.mark.audio
def test_real_digits_with_a_number_grammar(recognizer) -> None:
    paths = subset()
    assert len(paths) == 510
    overall, per_speaker = accuracy(recognizer, paths)
    print(f"\nFSDD digits, {len(paths)} files, number grammar: {overall:.1%}", per_speaker)
    assert overall >= FLOOR
