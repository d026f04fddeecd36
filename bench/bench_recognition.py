"""Benchmark of the PocketSphinx engine: load, grammar switch, decode speed, memory and accuracy (prints only)."""

from __future__ import annotations

import itertools
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import test_digits_real as digits  # noqa: E402
from test_pocketsphinx import OUT_OF_DOMAIN, VOCABULARIES  # noqa: E402

from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer  # noqa: E402
from twitch_coach.voice.recognizer import RATE, Vocabulary  # noqa: E402

import synth  # noqa: E402


def rss_mb() -> float:
    """Resident memory now, in MB, from /proc (falls back to the peak from getrusage)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Print the figures."""
    before = rss_mb()
    started = time.perf_counter()
    engine = PocketSphinxRecognizer()
    print(f"decoder load: {time.perf_counter() - started:.3f} s, resident memory +{rss_mb() - before:.0f} MB")

    vocabularies = {name: Vocabulary(phrases) for name, phrases in VOCABULARIES.items()}
    for vocabulary in vocabularies.values():
        engine.start(vocabulary)
        engine.finish()
    switches = [engine.grammar_switch_seconds(v) for _ in range(50) for v in vocabularies.values()]
    print(f"grammar switch: p50 {np.median(switches) * 1000:.3f} ms")

    decode, rtf, correct = [], [], {name: [] for name in vocabularies}
    for name, vocabulary in vocabularies.items():
        for voice, speed, phrase, noisy in itertools.product(synth.VOICES, synth.SPEEDS, vocabulary.phrases, (0, 1)):
            audio = synth.speak(phrase, voice, speed)
            audio = synth.with_noise(audio) if noisy else audio
            started = time.perf_counter()
            transcript = engine.recognize(audio, vocabulary)
            seconds = time.perf_counter() - started
            decode.append(seconds)
            rtf.append(seconds / (len(audio) / 2 / RATE))
            correct[name].append(transcript.text == phrase)
    p50, p95 = np.percentile(decode, [50, 95]) * 1000
    print(f"decode per utterance: p50 {p50:.0f} ms, p95 {p95:.0f} ms;", end=" ")
    print(f"real-time factor p50 {np.percentile(rtf, 50):.3f}, p95 {np.percentile(rtf, 95):.3f}")
    for name, hits in correct.items():
        print(f"synthesised answers, {name}: accepted and correct {np.mean(hits):.1%} of {len(hits)}")
    print(f"synthesised answers, all: {np.mean([h for hits in correct.values() for h in hits]):.1%}")

    negatives = [synth.speak(text, voice) for text, voice in itertools.product(OUT_OF_DOMAIN, synth.VOICES)]
    negatives += [synth.noise(1.0), synth.noise(1.5, 500.0, seed=3), synth.cough(), synth.cough(seed=5)]
    accepted = [not engine.recognize(a, v).rejected for v in vocabularies.values() for a in negatives]
    print(f"false accepts on out-of-domain speech, noise and coughs: {sum(accepted)} of {len(accepted)}")

    if digits.FSDD.is_dir():
        paths = sorted(digits.FSDD.glob("*.wav"))
        started = time.perf_counter()
        overall, per_speaker = digits.accuracy(engine, paths)
        elapsed = time.perf_counter() - started
        speakers = ", ".join(f"{s} {a:.1%}" for s, a in sorted(per_speaker.items()))
        print(f"real digits (FSDD, {len(paths)} files, number grammar): {overall:.1%} ({speakers}) in {elapsed:.0f} s")
        overall, _ = digits.accuracy(engine, paths[::5], Vocabulary(digits.DIGITS))
        print(f"real digits, ten-digit grammar, every fifth file: {overall:.1%}")
    else:
        print(f"real digits: skipped, {digits.FSDD} is absent")
    print(f"resident memory now: {rss_mb():.0f} MB")

    started = time.perf_counter()
    engine.recognize(synth.speak("hello there"), Vocabulary())
    print(
        f"open vocabulary: first use (loads the language model) {time.perf_counter() - started:.2f} s,"
        f" resident memory {rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
