"""Text to speech: real pyttsx3 renders, stdout kept clean, and the fallback that says once why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from twitch_coach.voice.tts import RATE, TextToSpeech, Voice

SENTENCE = "Why does my calf muscle keep twitching after a long run"  # 11 words


@pytest.fixture(scope="module")
def tts() -> TextToSpeech:
    """A working text-to-speech, or skip when this machine has no speech engine."""
    engine = TextToSpeech(on_notice=lambda _: None)
    if not engine.available:
        pytest.skip(f"no speech engine: {engine.reason}")
    return engine


def _voiced_seconds(samples: bytes, rate: int) -> float:
    """Seconds from the first to the last clearly audible sample."""
    audio = np.abs(np.frombuffer(samples, dtype=np.int16).astype(np.int32))
    loud = np.nonzero(audio > 300)[0]
    return 0.0 if loud.size == 0 else (loud[-1] - loud[0]) / rate


def test_renders_audible_speech_of_plausible_duration(tts: TextToSpeech) -> None:
    speech = tts.render(SENTENCE)
    assert speech is not None
    assert speech.rate == RATE
    words_per_second = tts.voice.rate / 60
    expected = 11 / words_per_second
    assert 0.5 * expected < _voiced_seconds(speech.samples, speech.rate) < 1.6 * expected
    assert np.abs(np.frombuffer(speech.samples, dtype=np.int16)).max() > 3000


def test_faster_rate_gives_shorter_speech_every_time() -> None:
    slow = TextToSpeech(Voice(rate=120), on_notice=lambda _: None)
    fast = TextToSpeech(Voice(rate=260), on_notice=lambda _: None)
    if not slow.available:
        pytest.skip(f"no speech engine: {slow.reason}")
    # Alternating is what used to lose the rate change now and then, so do it several times.
    for _ in range(8):
        slow_speech, fast_speech = slow.render(SENTENCE), fast.render(SENTENCE)
        assert slow_speech is not None and fast_speech is not None
        assert slow_speech.duration > 1.6 * fast_speech.duration


def test_stdout_stays_clean(tts: TextToSpeech, capfd: pytest.CaptureFixture[str], tmp_path) -> None:
    for i in range(5):
        assert tts.render(f"{SENTENCE} number {i}") is not None
    assert tts.render_to_wav(SENTENCE, tmp_path / "out.wav")
    out, _ = capfd.readouterr()
    assert out == ""


def test_render_to_wav_writes_a_readable_file(tts: TextToSpeech, tmp_path) -> None:
    path = tmp_path / "sentence.wav"
    assert tts.render_to_wav(SENTENCE, path)
    with wave.open(str(path)) as reader:
        assert reader.getnchannels() == 1 and reader.getsampwidth() == 2
        assert reader.getnframes() / reader.getframerate() > 1.0


def test_empty_text_renders_to_nothing(tts: TextToSpeech) -> None:
    speech = tts.render("   ")
    assert speech is not None and speech.samples == b""


def test_missing_engine_shows_text_and_says_why_once() -> None:
    shown: list[str] = []
    notices: list[str] = []
    tts = TextToSpeech(Voice(driver="no-such-driver"), on_text=shown.append, on_notice=notices.append)
    assert tts.render("first answer") is None
    assert tts.render("second answer") is None
    assert not tts.render_to_wav("third answer", "/nonexistent/never.wav")
    assert shown == ["first answer", "second answer"]
    assert len(notices) == 1
    assert notices[0].startswith("Speech output is off:") and "no-such-driver" in notices[0]
    assert not tts.available


def test_fallback_goes_to_stderr_not_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    tts = TextToSpeech(Voice(driver="no-such-driver"))
    tts.render("rest and drink water")
    tts.render("see a doctor if it lasts")
    out, err = capfd.readouterr()
    assert out == ""
    assert err.count("Speech output is off") == 1
    assert "rest and drink water" in err and "see a doctor if it lasts" in err


def test_unknown_voice_says_so_once_and_uses_the_default(tts: TextToSpeech) -> None:
    notices: list[str] = []
    odd = TextToSpeech(Voice(voice="klingon-imperial"), on_notice=notices.append)
    assert odd.render(SENTENCE) is not None
    assert odd.render(SENTENCE) is not None
    assert notices == ["Voice 'klingon-imperial' not found; using the default voice"]


def test_named_voice_is_accepted(tts: TextToSpeech) -> None:
    notices: list[str] = []
    american = TextToSpeech(Voice(voice="en-us"), on_notice=notices.append)
    assert american.render(SENTENCE) is not None
    assert notices == []


def test_slow_render_falls_back_instead_of_hanging(tts: TextToSpeech) -> None:
    shown: list[str] = []
    notices: list[str] = []
    hurried = TextToSpeech(Voice(timeout=0.001), on_text=shown.append, on_notice=notices.append)
    started = time.monotonic()
    assert hurried.render(SENTENCE) is None
    assert time.monotonic() - started < 0.5
    assert shown == [SENTENCE]
    assert notices and "took over" in notices[0]
    if hurried._worker is not None:  # let the abandoned render finish before the next test
        hurried._worker.join(5)


def test_engine_rate_skips_resampling_and_keeps_the_duration(tts: TextToSpeech) -> None:
    native = tts.render(SENTENCE, rate=None)
    resampled = tts.render(SENTENCE)
    assert native is not None and resampled is not None
    assert native.rate > 0 and resampled.rate == RATE
    assert abs(native.duration - resampled.duration) < 0.2


# Hides the system espeak-ng from the fallback's lookup, renders argv[1] to the WAV argv[2], then
# prints whether that worked and every espeak library file this process has mapped.
_HIDDEN_SYSTEM_ESPEAK = """
import ctypes.util, json, sys
real_find_library = ctypes.util.find_library
ctypes.util.find_library = lambda name: None if "espeak" in name else real_find_library(name)
from twitch_coach.voice.tts import TextToSpeech
ok = TextToSpeech(on_notice=lambda message: print(message, file=sys.stderr)).render_to_wav(sys.argv[1], sys.argv[2])
with open("/proc/self/maps") as maps:
    libraries = sorted({line.split()[-1] for line in maps if "libespeak" in line})
print(json.dumps({"ok": ok, "libraries": libraries}))
"""


def test_without_system_espeak_the_bundled_library_speaks(tmp_path) -> None:
    espeakng_loader = pytest.importorskip(
        "espeakng_loader", reason="espeakng-loader is not installed (pip install espeakng-loader)"
    )
    path = tmp_path / "bundled.wav"
    result = subprocess.run(
        [sys.executable, "-c", _HIDDEN_SYSTEM_ESPEAK, SENTENCE, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report == {"ok": True, "libraries": [os.path.realpath(espeakng_loader.get_library_path())]}
    with wave.open(str(path)) as reader:
        seconds = reader.getnframes() / reader.getframerate()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
    assert seconds > 1.0
    assert np.abs(samples.astype(np.int32)).max() > 3000


# Neither a system espeak-ng nor the wheel: the driver's load fails, as on a bare machine.
_NO_ESPEAK_AT_ALL = """
import ctypes, ctypes.util, sys
real_find_library, real_load = ctypes.util.find_library, ctypes.cdll.LoadLibrary
ctypes.util.find_library = lambda name: None if "espeak" in name else real_find_library(name)
def load(name):
    if "espeak" in name:
        raise OSError(f"{name}: cannot open shared object file")
    return real_load(name)
ctypes.cdll.LoadLibrary = load
sys.modules["espeakng_loader"] = None  # import fails
from twitch_coach.voice.tts import TextToSpeech
shown, notices = [], []
tts = TextToSpeech(on_text=shown.append, on_notice=notices.append)
print(tts.render("drink some water"), tts.render("and rest"), shown, notices, sep="\\n")
"""


def test_without_any_espeak_the_text_is_shown_with_both_fixes() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _NO_ESPEAK_AT_ALL],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "None",
        "None",
        "['drink some water', 'and rest']",
        "['Speech output is off: espeak-ng is not installed (apt-get install espeak-ng, or pip install espeakng-loader)']",
    ]
