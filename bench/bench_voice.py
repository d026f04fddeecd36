"""The spoken check-in as a user meets it: start-up, reply latency, speed, memory, home idle CPU, accuracy.

Prints figures next to their targets; asserts nothing. Run: .venv/bin/python bench/bench_voice.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from twitch_coach.dialogue.engine import Conversation  # noqa: E402
from twitch_coach.dialogue.events import Prompt, Say, Summary  # noqa: E402
from twitch_coach.dialogue.loader import load  # noqa: E402
from twitch_coach.skill.speech import Ears, Heard, hear_next, sentences_of  # noqa: E402
from twitch_coach.voice.endpoint import DEFAULT  # noqa: E402
from twitch_coach.voice.wavfile import WavSource  # noqa: E402

import synth  # noqa: E402

FSDD = ROOT.parent / "shared" / "speech" / "fsdd"
ANSWERS = {
    "red_flags": "no", "duration": "just today", "intensity": "very hard", "training_load": "five",
    "hydration": "nothing", "electrolytes": "no", "sleep": "four hours", "caffeine": "no coffee",
    "stress": "low", "nerve": "no",
}  # fmt: skip
WHISPER = ROOT.parent / "shared" / "models" / "faster-whisper-tiny.en"
ENGINES = {
    "pocketsphinx": "from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer as Engine; args = ()",
    "whisper": f"from twitch_coach.voice.whisper_engine import WhisperRecognizer as Engine; args = ({str(WHISPER)!r},)",
}
STARTUP = """
import time, threading
t = time.perf_counter()
from twitch_coach.dialogue.loader import load
from twitch_coach.skill.speech import Ears, Mouth
from twitch_coach.voice.endpoint import DEFAULT, Endpointer
{engine}
content = load()
ears = Ears(content, Engine(*args))
ears.vocabulary_for(content.trees["checkin"].nodes["screen"])
ears.recognizer.start(ears.vocabulary_for(content.trees["checkin"].nodes["screen"]))
Endpointer(DEFAULT)
print(time.perf_counter() - t)
"""


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p))


def startup(engine: str) -> None:
    runs = []
    script = STARTUP.replace("{engine}", ENGINES[engine])
    for _ in range(5):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
        runs.append((time.perf_counter() - start, float(out.stdout)))
    wall = [r[0] for r in runs]
    print(f"start to listening (process start, content, engine, first grammar, endpointer): "
          f"median {np.median(wall):.2f} s, max {max(wall):.2f} s (target < 1.5 s)")  # fmt: skip


class Paced:
    """A WAV source read at the speed of real time, like a microphone."""

    def __init__(self, pcm: bytes) -> None:
        self.source, self.start, self.read_bytes = WavSource.from_pcm(pcm), time.monotonic(), 0

    def read(self, frames: int) -> bytes:
        self.read_bytes += frames * 2
        delay = self.start + self.read_bytes / 32000 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return self.source.read(frames)


def latency(content, ears: Ears) -> None:
    """From the end of speech to the first sample of the reply, in real time, through the skill's own path:
    answers arrive at the speed of speech, recognition starts at the pause (hear_next), the first sentence
    of the reply is rendered (Mouth starts playing it while rendering the rest)."""
    from twitch_coach.voice.tts import TextToSpeech, Voice

    tts = TextToSpeech(Voice(voice="en-us"), on_notice=lambda _: None)
    tts.render("warm up", rate=None)
    after_endpoint, after_true_end, rtf, early = [], [], [], 0
    for voice in synth.VOICES:
        conversation = Conversation(content, "checkin")
        conversation.start()
        for _ in range(40):
            node = conversation.current()
            if node is None:
                break
            spoken = "yes" if conversation.confirming else ANSWERS[node.topic]
            clean = synth.speak(spoken, voice=voice, pad=0.3)
            true_end = np.flatnonzero(np.abs(np.frombuffer(clean, dtype=np.int16)) > 300)[-1] / 16000
            source = Paced(synth.with_noise(clean + b"\0\0" * 16000, 40.0))
            started: list[float] = []
            handed: list[int] = []

            def recognise(audio: bytes, started=started, handed=handed, conversation=conversation) -> Heard:
                started.append(time.monotonic())
                handed.append(len(audio))
                return ears.hear_turn(audio, conversation)

            heard = hear_next(source, DEFAULT, recognise)
            assert heard is not None, spoken
            decided = source.start + source.read_bytes / 32000  # when the endpoint's audio had been spoken
            early += started[-1] < decided
            rtf.append(heard.elapsed_ms / 1000 / (handed[-1] / 32000))  # of the audio it was given
            events = conversation.hear(heard.text, heard.transcript.confidence)
            first = next(e for e in events if isinstance(e, Prompt | Say | Summary))
            tts.render(sentences_of(first.text)[0], rate=None)  # what Mouth renders before playing
            ready = time.monotonic()
            after_endpoint.append((ready - decided) * 1000)
            after_true_end.append((ready - source.start - true_end) * 1000)
    print(
        f"endpoint to first reply sample (recognise, understand, render): p50 {pct(after_endpoint, 50):.0f} ms, "
        f"p95 {pct(after_endpoint, 95):.0f} ms (target p95 < 100 ms; playback start adds ~10 ms, bench_audio); "
        f"recognised during the pause in {early} of {len(rtf)} turns"
    )
    print(
        f"true end of speech to first reply sample: p50 {pct(after_true_end, 50):.0f} ms, "
        f"p95 {pct(after_true_end, 95):.0f} ms (target < 450 ms)"
    )
    print(f"recognition real-time factor: p50 {pct(rtf, 50):.3f}, p95 {pct(rtf, 95):.3f} (target < 0.1)")


def memory() -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"resident memory (peak, engine + content + TTS, after a whole check-in): {peak:.0f} MB (target < 200 MB)")


def home_idle(content, ears: Ears) -> None:
    """CPU while the home device waits, fed 60 s of room noise and other talk in real time."""
    from twitch_coach.skill.home import HomeDevice

    talk = b"".join(synth.speak(t) for t in ("the weather is nice today", "what time is dinner", "the coach was late"))
    stretch = synth.noise(20.0, 300.0) + talk + synth.noise(20.0, 300.0) + talk + synth.noise(10.0, 300.0)

    class Once:
        def __init__(self) -> None:
            self.used = False

        def __call__(self):
            import contextlib

            @contextlib.contextmanager
            def opened():
                yield Paced(stretch)

            return opened()

    stop = threading.Event()
    wakes = []

    def emit(event) -> None:
        if event.type == "wake":
            wakes.append(event)

    device = HomeDevice(content, ears, Once(), lambda text: None, emit, lambda mode, known: None, stop)
    thread = threading.Thread(target=device.run, daemon=True)
    cpu, wall = time.process_time(), time.monotonic()
    thread.start()
    thread.join(len(stretch) / 32000)
    stop.set()
    thread.join(5)
    used = (time.process_time() - cpu) / (time.monotonic() - wall)
    print(
        f"home device idle CPU over {len(stretch) / 32000:.0f} s of noise and other talk: {used:.1%} of one core "
        f"(target < 15%); false wakes: {len(wakes)}"
    )


def digits(ears: Ears, content) -> None:
    if not FSDD.is_dir():
        print(f"real spoken digits: skipped, {FSDD} is absent")
        return
    from twitch_coach.intents.matcher import Matcher
    from twitch_coach.voice.wavfile import read_wav

    node = content.trees["checkin"].nodes["sleep"]
    matcher = Matcher(content.vocab.commands, content.vocab.unsure)
    files = sorted(FSDD.glob("*.wav"))[::5]
    right = 0
    for path in files:
        audio = b"\0\0" * 4800 + read_wav(path) + b"\0\0" * 4800
        match = matcher.match(ears.hear(audio, node).text, node.expectation)  # what the skill itself matches against
        right += match.intent == "number" and match.value == float(path.name.split("_")[0])
    print(
        f"real spoken digits as answers to 'how many hours did you sleep' (the question's whole vocabulary, "
        f"{len(files)} FSDD files): {right / len(files):.1%} (target 90%)"
    )


def main() -> None:
    from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer
    from twitch_coach.voice.whisper_engine import WhisperRecognizer, check_model_folder

    content = load()
    print("PocketSphinx (the zero-download fallback, and the home device's wake word):")
    startup("pocketsphinx")
    ears = Ears(content, PocketSphinxRecognizer())
    latency(content, ears)
    memory()  # before Whisper is loaded into this process
    home_idle(content, ears)
    digits(ears, content)
    if check_model_folder(WHISPER):
        print(f"Whisper tiny.en: skipped, no model at {WHISPER}")
    else:
        print("Whisper tiny.en (the recommended engine; synthesised answers, so speed figures only; its memory is")
        print("bench_real_speech.py's):")
        startup("whisper")
        latency(content, Ears(content, WhisperRecognizer(WHISPER)))
    from twitch_coach.models.store import store_dir
    from twitch_coach.voice.engines import detect_engine

    choice = detect_engine("auto", None, store_dir())
    print(f"Vosk: {'model found, run with --engine vosk' if choice.name == 'vosk' else 'no model installed, skipped'}")


if __name__ == "__main__":
    main()
