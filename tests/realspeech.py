"""Real human recordings from ../shared/speech, split by speaker: settings are fitted on one half, reported on the other.

Used by tests (floors) and bench/ (figures). Nothing here is copied into the repository; when the shared
folder is absent, `missing()` says why and the callers skip.
"""

from __future__ import annotations

import csv
import hashlib
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "speech"
COMMANDS = SHARED / "speech_commands"
FSDD = SHARED / "fsdd"
NOISE = SHARED / "noise"
SILENCE = "_silence_"  # the label of the noise slices in speech_commands
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass(frozen=True)
class Clip:
    """One real recording and what was said in it."""

    path: Path
    label: str  # the spoken word ("yes", "five", ...), or "_silence_" for a noise slice
    speaker: str  # the same id is the same person; noise slices get one per file


def missing() -> str:
    """Why the real recordings cannot be used here, or "" when they can."""
    if not COMMANDS.is_dir() or not FSDD.is_dir():
        return f"real speech is not here ({SHARED}); it lives in the shared folder beside the repository, not in it"
    return ""


def fold(speaker: str) -> int:
    """0 (fit: settings may be tuned on these voices) or 1 (held out: figures are reported on these)."""
    return int(hashlib.sha256(speaker.encode()).hexdigest()[:8], 16) % 2


def speech_commands(*labels: str) -> list[Clip]:
    """Speech Commands clips with one of `labels` (all when none), in manifest order."""
    clips = []
    with (COMMANDS / "manifest.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if labels and row["label"] not in labels:
                continue
            speaker = row["speaker"] or f"noise:{row['path']}"
            clips.append(Clip(COMMANDS / row["path"], row["label"], speaker))
    return clips


def fsdd() -> list[Clip]:
    """The 1,500 FSDD digits; the label is the digit as a word, the speaker from the file name."""
    clips = []
    for path in sorted(FSDD.glob("*.wav")):
        digit, speaker, _take = path.stem.split("_")
        clips.append(Clip(path, DIGITS[int(digit)], speaker))
    return clips


def held_out(clips: list[Clip]) -> list[Clip]:
    """The clips whose speakers no setting was fitted on."""
    return [c for c in clips if fold(c.speaker) == 1]


def fitting(clips: list[Clip]) -> list[Clip]:
    """The clips settings may be fitted on."""
    return [c for c in clips if fold(c.speaker) == 0]


def load(path: Path) -> tuple[np.ndarray, int]:
    """int16 mono samples and the sample rate of a WAV file."""
    with wave.open(str(path)) as reader:
        data = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
        if reader.getnchannels() > 1:
            data = data.reshape(-1, reader.getnchannels())[:, 0]
        return data.copy(), reader.getframerate()


def pad(samples: np.ndarray, rate: int, seconds: float = 0.3) -> np.ndarray:
    """`samples` with `seconds` of silence before and after (FSDD is trimmed tight)."""
    gap = np.zeros(int(rate * seconds), dtype=np.int16)
    return np.concatenate([gap, samples, gap])


def noise(name: str = "exercise_bike") -> tuple[np.ndarray, int]:
    """A real background noise recording (exercise_bike, doing_the_dishes, running_tap)."""
    return load(NOISE / f"{name}.wav")


def mix(samples: np.ndarray, background: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    """`samples` with a random stretch of `background` under it at `snr_db` (speech power over the clip)."""
    rng = np.random.default_rng(seed)
    start = int(rng.integers(0, max(1, len(background) - len(samples))))
    bed = background[start : start + len(samples)].astype(np.float64)
    if len(bed) < len(samples):
        bed = np.resize(bed, len(samples))
    speech = samples.astype(np.float64)
    power_speech = float(np.mean(speech**2)) or 1.0
    power_bed = float(np.mean(bed**2)) or 1.0
    bed *= np.sqrt(power_speech / (power_bed * 10 ** (snr_db / 10)))
    return np.clip(speech + bed, -32768, 32767).astype(np.int16)
