"""SIGTERM to `home` in the middle of a spoken check-in, on the virtual devices: ends within 2 s, saves nothing."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from test_home_devices import Home

from twitch_coach.skill.journal import Journal

from synth import dithered, require_espeak, speak

if TYPE_CHECKING:
    from pulse import VirtualAudio

pytest_plugins = ("pulse",)
pytestmark = [pytest.mark.devices, pytest.mark.audio]


class JournaledHome(Home):
    """The home command with its journal on, in a data folder of the test's own."""

    def __init__(self, audio: VirtualAudio, tmp: Path) -> None:
        env = {**audio.env, "TWITCH_COACH_HOME": str(tmp)}
        command = [sys.executable, "-m", "twitch_coach.skill", "home", "--json", "--engine", "pocketsphinx", "--voice", "en-us"]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)  # fmt: skip
        self.events: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()


def test_sigterm_mid_spoken_check_in_ends_it_at_once_and_saves_nothing(
    virtual_audio: VirtualAudio, tmp_path: Path
) -> None:
    """Before: ignored for about 8 minutes, then a check-in of made-up "safe yes" answers was saved."""
    require_espeak()
    home = JournaledHome(virtual_audio, tmp_path)
    try:
        home.wait_for("listening")
        time.sleep(0.5)
        virtual_audio.play_into_mic(virtual_audio.write_wav(dithered(speak("hey coach", voice="en-us")), "wake.wav"))
        assert home.wait_for("say")["text"] == "Yes?"
        home.wait_for("listening")
        time.sleep(0.3)
        virtual_audio.play_into_mic(virtual_audio.write_wav(dithered(speak("check in", voice="en-us")), "ask.wav"))
        assert home.wait_for("prompt")["topic"] == "red_flags"  # the check-in has started and is speaking
        start = time.monotonic()
        home.proc.send_signal(signal.SIGTERM)
        assert home.proc.wait(timeout=20) == 0
        assert time.monotonic() - start < 2.0
    finally:
        if home.proc.poll() is None:
            home.proc.kill()
    rest = []
    while not home.events.empty():
        rest.append(home.events.get())
    assert "summary" not in [e["type"] for e in rest]
    path = tmp_path / "journal.sqlite3"
    assert not path.exists() or Journal(path, read_only=True).entries() == []
    assert "Traceback" not in (home.proc.stderr.read() if home.proc.stderr else "")
    assert os.stat(tmp_path / "home.log").st_mode & 0o777 == 0o600


def test_sigterm_mid_spoken_checkin_ends_it_at_once_and_saves_nothing(
    virtual_audio: VirtualAudio, tmp_path: Path
) -> None:
    require_espeak()
    command = [sys.executable, "-m", "twitch_coach.skill", "checkin", "--engine", "pocketsphinx", "--voice", "en-us"]
    env = {**virtual_audio.env, "TWITCH_COACH_HOME": str(tmp_path)}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True, env=env)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    try:
        for _ in range(50):
            line = proc.stdout.readline()
            if not line or line.startswith("(listening)"):
                break
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 143
        assert time.monotonic() - start < 2.0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in proc.stderr.read()
    path = tmp_path / "journal.sqlite3"
    assert not path.exists() or Journal(path, read_only=True).entries() == []
