"""The home device under a stop signal mid check-in, and the endpoint its quick check listens with."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from test_home import SILENCE, ScriptedRecognizer

from twitch_coach.dialogue.events import End, Event, Prompt, Summary
from twitch_coach.dialogue.loader import load
from twitch_coach.skill import home as home_module
from twitch_coach.skill.home import Backoff, HomeDevice
from twitch_coach.skill.journal import Journal
from twitch_coach.skill.session import Session, open_session
from twitch_coach.skill.speech import Ears
from twitch_coach.voice.endpoint import DEFAULT, WORKOUT
from twitch_coach.voice.wavfile import WavSource

from synth import speak

CONTENT = load()


def _device(tmp_path: Path, lines: list[str], speak_line=None) -> tuple[HomeDevice, list[Event], threading.Event]:  # noqa: ANN001
    stop = threading.Event()
    events: list[Event] = []
    audio = SILENCE + b"".join(speak("hello there") + SILENCE for _ in lines) + SILENCE * 7

    @contextlib.contextmanager
    def source() -> Iterator[WavSource]:
        yield WavSource.from_pcm(audio)

    def new_session(mode: str, known: dict) -> Session:
        return open_session(CONTENT, mode, Journal(tmp_path / "journal.sqlite3"), known=known)

    ears = Ears(CONTENT, ScriptedRecognizer(lines))
    device = HomeDevice(CONTENT, ears, source, speak_line or (lambda text: None), events.append, new_session, stop,
                        backoff=Backoff(0.01, 0.05))  # fmt: skip
    return device, events, stop


def test_a_stop_signal_mid_check_in_ends_it_at_once_and_saves_nothing(tmp_path: Path) -> None:
    """Before: after the signal every listen was "nothing heard", each safety question took the safe yes,
    and a made-up check-in was saved."""
    duration = CONTENT.trees["checkin"].nodes["duration"].ask
    stopped_at: list[float] = []

    def speak_line(text: str) -> None:
        if text.startswith(duration) and not stopped_at:  # SIGTERM arrives as the second question is asked
            stopped_at.append(time.monotonic())
            stop.set()

    device, events, stop = _device(tmp_path, ["hey coach", "check in", "no", "a few days", "hard"], speak_line)
    thread = threading.Thread(target=device.run, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive() and stopped_at
    assert time.monotonic() - stopped_at[0] < 2
    assert not any(isinstance(e, Summary) for e in events)
    assert End("stopped") in events
    assert Journal(tmp_path / "journal.sqlite3").entries() == []


def test_the_home_quick_check_listens_like_checkin_mode_quick(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """`checkin --mode quick` gives a breathless speaker longer pauses (WORKOUT); the home device did not."""
    configs = []
    real = home_module.hear_next

    def recording(source, config, recognise):  # noqa: ANN001, ANN202
        configs.append(config)
        return real(source, config, recognise)

    monkeypatch.setattr(home_module, "hear_next", recording)
    device, events, stop = _device(tmp_path, ["hey coach", "quick check", "no", "hard", "a little"])
    thread = threading.Thread(target=device.run, daemon=True)
    thread.start()
    for _ in range(600):
        if any(isinstance(e, Summary) for e in events):
            break
        thread.join(0.05)
    stop.set()
    thread.join(10)
    prompts = [e for e in events if isinstance(e, Prompt)]
    assert [p.topic for p in prompts] == ["red_flags", "intensity", "hydration"]
    assert configs[:2] == [DEFAULT, DEFAULT]  # the wake phrase and the request
    assert configs[2:5] == [WORKOUT, WORKOUT, WORKOUT]  # the three answers
