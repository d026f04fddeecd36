"""twitch-coach home as a real process on the virtual devices: wake, request, JSON events, clean shutdown."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

import pytest

from synth import dithered, require_espeak, speak

if TYPE_CHECKING:
    from pulse import VirtualAudio

pytest_plugins = ("pulse",)  # the virtual_audio fixture
pytestmark = [pytest.mark.devices, pytest.mark.audio]


class Home:
    """The home command in --json mode, its events read on a thread so waits can time out."""

    def __init__(self, audio: VirtualAudio, tmp: str) -> None:
        command = [sys.executable, "-m", "twitch_coach.skill", "home", "--json", "--engine", "pocketsphinx", "--voice", "en-us",
                   "--no-journal", "--log", f"{tmp}/home.log"]  # fmt: skip
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=audio.env)  # fmt: skip
        self.events: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.events.put(json.loads(line))

    def wait_for(self, kind: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            if event["type"] == kind:
                return event
        raise AssertionError(f"no {kind!r} event within {timeout} s; stderr: {self.proc.stderr}")


def test_home_wakes_answers_and_stops_on_command(virtual_audio: VirtualAudio, tmp_path) -> None:
    require_espeak()
    home = Home(virtual_audio, str(tmp_path))
    try:
        home.wait_for("listening")
        time.sleep(0.5)
        virtual_audio.play_into_mic(virtual_audio.write_wav(dithered(speak("hey coach", voice="en-us")), "wake.wav"))
        assert home.wait_for("wake")["text"] == "hey coach"
        assert home.wait_for("say")["text"] == "Yes?"
        home.wait_for("listening")
        time.sleep(0.3)
        request = dithered(speak("why is my calf twitching", voice="en-us"))
        virtual_audio.play_into_mic(virtual_audio.write_wav(request, "request.wav"))
        summary = home.wait_for("summary")
        assert summary["text"].startswith("Twitching after a workout is common.")
        assert home.proc.stdin is not None
        home.proc.stdin.write(json.dumps({"command": "stop"}) + "\n")
        home.proc.stdin.flush()
        assert home.proc.wait(timeout=20) == 0
    finally:
        if home.proc.poll() is None:
            home.proc.kill()
    log = (tmp_path / "home.log").read_text()
    assert "home device started" in log and "woken: hey coach" in log and "home device stopped" in log


def test_home_exits_cleanly_on_sigterm(virtual_audio: VirtualAudio, tmp_path) -> None:
    home = Home(virtual_audio, str(tmp_path))
    try:
        home.wait_for("listening")
        home.proc.send_signal(signal.SIGTERM)
        assert home.proc.wait(timeout=20) == 0
    finally:
        if home.proc.poll() is None:
            home.proc.kill()
    assert "home device stopped" in (tmp_path / "home.log").read_text()


def _wait_for_log(path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not logged within {timeout} s:\n{path.read_text() if path.exists() else ''}")


def test_home_survives_its_sound_device_going_away_and_coming_back(virtual_audio: VirtualAudio, tmp_path) -> None:
    require_espeak()
    home = Home(virtual_audio, str(tmp_path))
    log = tmp_path / "home.log"
    try:
        home.wait_for("listening")
        virtual_audio.stop_server()  # every stream on it dies: the microphone is gone
        try:
            _wait_for_log(log, "audio device lost", timeout=20)
            time.sleep(2.0)  # a retry or two fails while it is away
            assert home.proc.poll() is None, "home exited instead of waiting for its device"
        finally:
            virtual_audio.start_server()
        _wait_for_log(log, "audio device is back", timeout=30)
        home.wait_for("listening")
        time.sleep(0.5)
        virtual_audio.play_into_mic(virtual_audio.write_wav(dithered(speak("hey coach", voice="en-us")), "wake.wav"))
        assert home.wait_for("wake")["text"] == "hey coach"
        home.proc.send_signal(signal.SIGTERM)
        assert home.proc.wait(timeout=20) == 0
    finally:
        if home.proc.poll() is None:
            home.proc.kill()
