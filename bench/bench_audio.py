"""Speed of audio out: TTS render time, request-to-first-sound on the (virtual) speaker, stop latency."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from twitch_coach.voice.speaker import Speaker  # noqa: E402 (after the path set-up for tests/pulse.py)
from twitch_coach.voice.tts import TextToSpeech, Voice  # noqa: E402

SENTENCES = [
    "Twitching after exercise is common and usually harmless.",
    "How many hours did you sleep last night?",
    "Did you drink any coffee or energy drinks today?",
    "Muscle twitches often come from tired nerve endings after hard work.",
    "Try to drink water and eat something with potassium and magnesium.",
    "If the twitching lasts more than two weeks, see a doctor.",
    "Was your workout harder than usual?",
    "Okay.",
]
LOUD = 300  # int16 amplitude counted as sound rather than silence
CHUNK = 160  # samples per parec read: 10 ms of resolution for arrival times


def percentile(values: list[float], p: float) -> float:
    """The `p`th percentile by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def bench_render(tts: TextToSpeech, rate: int | None, rounds: int = 5) -> None:
    """Render every sentence `rounds` times at `rate` and print the time per sentence."""
    times: list[float] = []
    seconds = 0.0
    for _ in range(rounds):
        for sentence in SENTENCES:
            started = time.perf_counter()
            speech = tts.render(sentence, rate=rate)
            times.append(time.perf_counter() - started)
            seconds += speech.duration if speech else 0.0
    label = f"resampled to {rate} Hz" if rate else "at the engine's own rate"
    print(f"TTS render {label}: {len(times)} sentences ({seconds / len(times):.1f} s of speech each), "
          f"p50 {percentile(times, 50) * 1000:.1f} ms, p95 {percentile(times, 95) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms")


class Listener:
    """Reads the virtual speaker's monitor with parec and notes when sound arrives."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            ["parec", "-d", "vspk.monitor", "--raw", "--format=s16le", "--rate=16000", "--channels=1",
             "--latency-msec=10"],
            env=env, stdout=subprocess.PIPE, bufsize=0,
        )
        self.loud_times: list[float] = []  # arrival time of each chunk holding sound
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        time.sleep(0.5)

    def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := self.process.stdout.read(CHUNK * 2):
            if np.abs(np.frombuffer(chunk[: len(chunk) // 2 * 2], dtype=np.int16)).max(initial=0) > LOUD:
                self.loud_times.append(time.perf_counter())

    def first_after(self, moment: float) -> float | None:
        """Seconds from `moment` to the first sound heard after it."""
        later = [t for t in self.loud_times if t >= moment]
        return later[0] - moment if later else None

    def last_after(self, moment: float) -> float | None:
        """Seconds from `moment` to the last sound heard after it."""
        later = [t for t in self.loud_times if t >= moment]
        return later[-1] - moment if later else None

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=5)


def bench_speaker(tts: TextToSpeech, env: dict[str, str], rounds: int = 10) -> None:
    """Print request-to-first-sound and stop latencies measured on the virtual speaker."""
    listener = Listener(env)
    speaker = Speaker(hangover=0.0)
    to_sound: list[float] = []
    play_to_sound: list[float] = []
    stop_calls: list[float] = []
    stop_to_silence: list[float] = []
    try:
        for i in range(rounds):
            sentence = SENTENCES[i % len(SENTENCES)]
            requested = time.perf_counter()
            speech = tts.render(sentence, rate=None)
            assert speech is not None
            lead = _lead_in(speech.samples, speech.rate)  # silence espeak-ng puts before the first sound
            playing = time.perf_counter()
            speaker.play(speech.samples, speech.rate)
            time.sleep(0.6)
            stopping = time.perf_counter()
            speaker.stop()
            stop_calls.append(time.perf_counter() - stopping)
            time.sleep(0.6)
            first = listener.first_after(playing)
            last = listener.last_after(stopping)
            if first is not None:
                play_to_sound.append(first - lead)
                to_sound.append(first + playing - requested - lead)
            stop_to_silence.append(last or 0.0)
    finally:
        speaker.close()
        listener.close()
    for name, values in (
        ("speak request (render + play) to first sound", to_sound),
        ("play() to first sound", play_to_sound),
        ("stop() call returns", stop_calls),
        ("stop() to last sound heard", stop_to_silence),
    ):
        if values:
            print(f"{name}: p50 {percentile(values, 50) * 1000:.1f} ms, "
                  f"p95 {percentile(values, 95) * 1000:.1f} ms (n={len(values)})")
    print(f"  (sound seen through parec at {CHUNK / 16:.0f} ms resolution; its own latency is included)")


def _lead_in(samples: bytes, rate: int) -> float:
    """Seconds of silence before the first sound in `samples`."""
    loud = np.nonzero(np.abs(np.frombuffer(samples, dtype=np.int16)) > LOUD)[0]
    return loud[0] / rate if loud.size else 0.0


@contextlib.contextmanager
def virtual_speaker() -> Iterator[dict[str, str] | None]:
    """The environment of a private PulseAudio server, or None when PulseAudio is not installed."""
    if not all(shutil.which(tool) for tool in ("pulseaudio", "pactl", "parec")):
        yield None
        return
    from pulse import start_virtual_audio

    with start_virtual_audio() as audio:
        yield audio.env


def main() -> None:
    """Run every benchmark and print the figures."""
    tts = TextToSpeech(Voice(voice="en-us"))
    if not tts.available:
        print(f"No speech engine: {tts.reason}")
        return
    tts.render("warm up")
    bench_render(tts, rate=None)
    bench_render(tts, rate=16000)
    with virtual_speaker() as env:
        if env is None:
            print("Speaker latency: skipped (pulseaudio, pactl and parec are needed for a virtual speaker)")
        else:
            bench_speaker(tts, env)


if __name__ == "__main__":
    main()
