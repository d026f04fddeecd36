"""A throwaway PulseAudio server with a virtual speaker and microphone, as a session-scoped pytest fixture.

Use: `pytest_plugins = ("pulse",)` in a test module (or `from pulse import virtual_audio`; tests/ is
on sys.path in pytest's default import mode), then take `virtual_audio` as an argument. It sets PULSE_SERVER
in os.environ and re-scans PortAudio's devices if sounddevice was already imported, so in-process
tests see the ALSA "pulse"/"default" devices; `virtual_audio.env` is the environment for subprocesses.

- vspk: a null sink (16 kHz mono s16le), the default sink: what the skill plays lands here;
  `record_speaker()` captures it from vspk.monitor with parec.
- vmic: a null sink whose monitor is remapped as the source vmic_src, the default source:
  `play_into_mic(wav)` plays a file into it with paplay, and the skill's microphone hears it.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

RATE = 16000  # samples per second of both virtual devices
SINK_OPTIONS = f"rate={RATE} channels=1 format=s16le norewinds=1"  # without norewinds playback ran 30% long


@dataclass(frozen=True)
class VirtualAudio:
    """A running virtual PulseAudio server."""

    server: str
    """PULSE_SERVER value: "unix:" and the socket path."""
    env: dict[str, str]
    """The environment to run audio subprocesses with (os.environ plus PULSE_SERVER)."""
    directory: Path
    """Scratch folder holding the socket, the daemon's runtime files and its log."""
    daemon: _Daemon
    """The server process, which a test may stop and start again (as if the sound card went and came back)."""

    def stop_server(self) -> None:
        """Stop the sound server: every open stream on it dies, as when a USB sound card is pulled out."""
        self.daemon.stop()

    def start_server(self) -> None:
        """Start the sound server again on the same socket, with the same virtual devices."""
        self.daemon.start()

    def play_into_mic(self, wav: str | Path, wait: bool = True) -> subprocess.Popen[bytes]:
        """Play a WAV file into the virtual microphone with paplay; waits for the end unless not `wait`."""
        process = subprocess.Popen(["paplay", "-d", "vmic", str(wav)], env=self.env)
        if wait:
            process.wait(timeout=60)
        return process

    @contextlib.contextmanager
    def record_speaker(self) -> Iterator[Recording]:
        """Capture what is played on the virtual speaker (16 kHz mono int16) until the block ends."""
        recording = Recording()
        # parec writes to a file, not a pipe: an unread pipe fills after 2 s of audio and parec then stalls.
        capture = tempfile.NamedTemporaryFile(dir=self.directory, suffix=".raw")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(
            [
                "parec",
                "-d",
                "vspk.monitor",
                "--raw",
                "--format=s16le",
                f"--rate={RATE}",
                "--channels=1",
                "--latency-msec=20",
            ],
            env=self.env,
            stdout=capture,
        )
        time.sleep(0.3)  # parec needs a moment to connect; sound before that would be lost
        try:
            yield recording
        finally:
            time.sleep(0.2)
            process.terminate()
            process.wait(timeout=10)
            recording.samples = Path(capture.name).read_bytes()
            capture.close()

    def write_wav(self, samples: bytes, name: str, rate: int = RATE) -> Path:
        """Write mono int16 `samples` as a WAV file in the scratch folder; its path."""
        path = self.directory / name
        with wave.open(str(path), "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(rate)
            writer.writeframes(samples)
        return path

    def run_python(self, code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run `code` in a fresh Python that sees the virtual devices (PortAudio scans them at import)."""
        return subprocess.run(
            [sys.executable, "-c", code], env=self.env, capture_output=True, text=True, timeout=timeout
        )


@dataclass
class Recording:
    """Audio captured by `VirtualAudio.record_speaker`, filled in when its block ends."""

    samples: bytes = b""
    """16 kHz mono int16 bytes."""


class _Daemon:
    """The pulseaudio process behind a VirtualAudio (root, no systemd, no autospawn), startable again."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = directory / "native"
        self.env = dict(os.environ, PULSE_SERVER=f"unix:{self.socket}")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the daemon with vspk and vmic_src as the defaults; RuntimeError with its log if it fails."""
        daemon_env = dict(
            os.environ,
            XDG_RUNTIME_DIR=str(self.directory),
            PULSE_RUNTIME_PATH=str(self.directory),
            PULSE_STATE_PATH=str(self.directory / "state"),
        )
        daemon_env.pop("PULSE_SERVER", None)
        with open(self.directory / "pulseaudio.log", "ab") as log:
            self.process = subprocess.Popen(
                [
                    "pulseaudio",
                    "-n",
                    "--daemonize=no",
                    "--exit-idle-time=-1",
                    "--disallow-exit",
                    "--system=false",
                    "--use-pid-file=no",
                    "--disable-shm=yes",
                    "--log-target=stderr",
                    f"--load=module-native-protocol-unix socket={self.socket} auth-anonymous=1",
                    f"--load=module-null-sink sink_name=vspk {SINK_OPTIONS}",
                    f"--load=module-null-sink sink_name=vmic {SINK_OPTIONS}",
                    "--load=module-remap-source master=vmic.monitor source_name=vmic_src",
                ],
                env=daemon_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_ready(self.process, self.env, self.directory)
        for command in (["pactl", "set-default-sink", "vspk"], ["pactl", "set-default-source", "vmic_src"]):
            subprocess.run(command, env=self.env, check=True, capture_output=True, timeout=10)

    def stop(self) -> None:
        """Stop the daemon (killed if it does not go within 5 s)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None


@contextlib.contextmanager
def start_virtual_audio() -> Iterator[VirtualAudio]:
    """Start the daemon, default to vspk and vmic_src, point this process at it; stop it after."""
    directory = Path(tempfile.mkdtemp(prefix="tc-pulse-"))  # short: socket paths are limited to 107 bytes
    daemon = _Daemon(directory)
    saved = os.environ.get("PULSE_SERVER")
    try:
        daemon.start()
        os.environ["PULSE_SERVER"] = daemon.env["PULSE_SERVER"]
        _rescan_portaudio()
        yield VirtualAudio(server=daemon.env["PULSE_SERVER"], env=daemon.env, directory=directory, daemon=daemon)
    finally:
        if saved is None:
            os.environ.pop("PULSE_SERVER", None)
        else:
            os.environ["PULSE_SERVER"] = saved
        daemon.stop()
        _rescan_portaudio()
        shutil.rmtree(directory, ignore_errors=True)


def _wait_ready(daemon: subprocess.Popen[bytes], env: dict[str, str], directory: Path) -> None:
    """Block until `pactl info` answers; fail with the daemon's log if it died or took over 10 s."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            break
        if subprocess.run(["pactl", "info"], env=env, capture_output=True, timeout=10).returncode == 0:
            return
        time.sleep(0.05)
    log = (directory / "pulseaudio.log").read_text(errors="replace")[-2000:]
    raise RuntimeError(f"virtual PulseAudio did not start:\n{log}")


def _rescan_portaudio() -> None:
    """Make an already-imported sounddevice see the current PULSE_SERVER's devices."""
    sd = sys.modules.get("sounddevice")
    if sd is not None:
        # sounddevice enumerates devices once at import; re-initialising PortAudio is the only re-scan.
        with contextlib.redirect_stderr(io.StringIO()):
            sd._terminate()
            sd._initialize()


@pytest.fixture(scope="session")
def virtual_audio() -> Iterator[VirtualAudio]:
    """A virtual speaker (vspk) and microphone (vmic_src) on a private PulseAudio server."""
    missing = [tool for tool in ("pulseaudio", "pactl", "paplay", "parec") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (apt-get install pulseaudio pulseaudio-utils)")
    try:
        with start_virtual_audio() as audio:
            yield audio
    except RuntimeError as exc:
        if "did not start" in str(exc):
            pytest.skip(str(exc))
        raise
