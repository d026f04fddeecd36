"""Text to speech with pyttsx3: a sentence to mono int16 audio, never hanging, stdout kept clean (never swapped)."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twitch_coach.voice.wavfile import read_samples, resample_int16, wav_seconds

_LOGGER = logging.getLogger(__name__)

RATE = 16000  # samples per second of rendered speech
MIN_SECONDS = 0.05  # a render shorter than this is treated as the empty-file glitch and retried

# pyttsx3 keeps one driver per process (espeak-ng can only be initialised once and a second
# engine's clean-up unhooks the first one's callback), so every TextToSpeech shares these.
_ENGINE_LOCK = threading.Lock()
_ENGINES: dict[str, Any] = {}
# Dropped before interpreter shutdown: pyttsx3's finaliser fails noisily once its imports are gone.
atexit.register(_ENGINES.clear)


@dataclass(frozen=True)
class Voice:
    """How the skill sounds."""

    rate: int = 165
    """Speaking rate in words per minute."""
    voice: str = ""
    """Engine voice: id, name or language ("en-us", "English (America)"); empty for the default."""
    driver: str = ""
    """pyttsx3 driver ("espeak", "sapi5", "nsss"); empty for the platform's default."""
    volume: float = 1.0
    """0.0 (silent) to 1.0 (full)."""
    timeout: float = 5.0
    """Seconds a render may take before the text is shown instead."""


@dataclass(frozen=True)
class Speech:
    """One rendered utterance."""

    text: str
    """What was said."""
    samples: bytes
    """Mono signed 16-bit little-endian audio."""
    rate: int = RATE
    """Samples per second of `samples`."""

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / 2 / self.rate


def _print_to_stderr(text: str) -> None:
    """Default fallback: show the text the skill could not say."""
    print(text, file=sys.stderr, flush=True)


class TextToSpeech:
    """Renders text to audio with pyttsx3; when it cannot, shows the text and says once why."""

    def __init__(
        self,
        voice: Voice | None = None,
        on_text: Callable[[str], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.voice = voice or Voice()
        self._on_text = on_text or _print_to_stderr
        self._on_notice = on_notice or _print_to_stderr
        self._reason = ""  # why speech is off for good; empty while it works
        self._told: set[str] = set()
        self._worker: threading.Thread | None = None
        self._voice_id = ""  # the engine voice `voice.voice` resolved to
        self._started = False  # engine made and voice resolved
        self._abandoned: set[Path] = set()  # temporary files no longer wanted

    @property
    def available(self) -> bool:
        """True unless the speech engine has been found unusable (starts it if need be)."""
        if not self._reason and not self._started:
            self._bounded(self._start)
        return not self._reason

    @property
    def reason(self) -> str:
        """Why speech output is off ("" while it works)."""
        return self._reason

    def render(self, text: str, rate: int | None = RATE) -> Speech | None:
        """`text` as mono int16 audio at `rate` (None: the engine's own), or None once shown as text."""
        text = " ".join(text.split())
        if not text:
            return Speech(text="", samples=b"", rate=rate or RATE)
        handle, name = tempfile.mkstemp(prefix="twitch-coach-tts-", suffix=".wav")
        os.close(handle)
        path = Path(name)
        try:
            if not self.render_to_wav(text, path, show_text=True):
                return None
            samples, own_rate = read_samples(path)
            # Resampling costs several times the render itself, so it is skipped when the player
            # can take the engine's rate.
            if rate is not None and rate != own_rate:
                samples, own_rate = resample_int16(samples, own_rate, rate), rate
            return Speech(text=text, samples=samples.tobytes(), rate=own_rate)
        finally:
            if self._worker is not None and self._worker.is_alive():
                self._abandoned.add(path)  # the overrunning render may still write it: it deletes it then
            with contextlib.suppress(OSError):
                path.unlink()

    def render_to_wav(self, text: str, path: str | Path, show_text: bool = False) -> bool:
        """Write `text` spoken to the WAV `path` at the engine's rate; False (text shown) if it could not."""
        path = Path(path)
        for attempt in range(2):
            # The empty-file glitch is rare and random, so one retry is enough.
            if self._reason:
                return self._fall_back(text, show_text, self._reason)
            if self._worker is not None and self._worker.is_alive():
                why = "speech output is slow: an earlier sentence is still rendering"
                return self._fall_back(text, show_text, why)
            finished, error = self._bounded(lambda: self._render_once(text, path))
            if not finished:
                return self._fall_back(
                    text, show_text, f"speech output took over {self.voice.timeout:g} s and was skipped"
                )
            if self._reason:
                return self._fall_back(text, show_text, self._reason)
            if error is not None:
                return self._fall_back(text, show_text, f"speech engine failed: {error}")
            if wav_seconds(path) >= MIN_SECONDS:
                return True
            _LOGGER.debug("render attempt %d of %r came out empty", attempt + 1, text)
        return self._fall_back(text, show_text, "speech engine produced no audio")

    def _bounded(self, work: Callable[[], None]) -> tuple[bool, BaseException | None]:
        """Run `work` on a worker thread for at most `voice.timeout` s: (finished, exception raised)."""
        errors: list[BaseException] = []

        def body() -> None:
            try:
                work()
            except Exception as exc:  # handed to the caller, which falls back to text
                errors.append(exc)

        worker = threading.Thread(target=body, daemon=True, name="tts-render")
        self._worker = worker
        worker.start()
        worker.join(self.voice.timeout)
        return not worker.is_alive(), (errors[0] if errors else None)

    def _render_once(self, text: str, path: Path) -> None:
        """Worker body: one save_to_file per runAndWait, with the engine to ourselves."""
        with _ENGINE_LOCK:
            engine = self._start_locked()
            if engine is None:
                return
            with contextlib.suppress(OSError):
                path.unlink()
            self._apply_settings(engine)
            engine.save_to_file(text, str(path))
            engine.runAndWait()
            _settle(engine)
            if path in self._abandoned:
                self._abandoned.discard(path)
                with contextlib.suppress(OSError):
                    path.unlink()

    def _apply_settings(self, engine: Any) -> None:
        """Set voice, rate and volume before every render, since a change can be dropped silently."""
        for _ in range(3):
            if self._voice_id:
                engine.setProperty("voice", self._voice_id)
            engine.setProperty("rate", self.voice.rate)
            engine.setProperty("volume", self.voice.volume)
            _settle(engine)
            if engine.getProperty("rate") == self.voice.rate:
                return
        _LOGGER.debug("speech rate did not take: wanted %s", self.voice.rate)

    def _start(self) -> None:
        """Make (or find) the engine, taking the shared lock."""
        with _ENGINE_LOCK:
            self._start_locked()

    def _start_locked(self) -> Any | None:
        """The shared pyttsx3 engine for the configured driver, or None with `_reason` set; lock held."""
        if self._reason:
            return None
        driver = self.voice.driver or _default_driver()
        engine = _ENGINES.get(driver)
        if engine is None:
            try:
                engine = _make_engine(driver)
            except _EngineUnavailable as exc:
                self._reason = str(exc)
                return None
            _ENGINES[driver] = engine
        if not self._started and self.voice.voice:
            self._voice_id = _resolve_voice(engine, self.voice.voice)
            if not self._voice_id:
                self._notice_once(f"Voice {self.voice.voice!r} not found; using the default voice")
        self._started = True
        return engine

    def _fall_back(self, text: str, show_text: bool, why: str) -> bool:
        """Say once why speech is off (or skipped), then show the text; always False."""
        self._notice_once(f"Speech output is off: {why}" if why == self._reason else f"Note: {why}")
        if show_text:
            self._on_text(text)
        return False

    def _notice_once(self, message: str) -> None:
        """Tell the user `message` the first time only."""
        if message not in self._told:
            self._told.add(message)
            _LOGGER.info("%s", message)
            self._on_notice(message)


class _EngineUnavailable(Exception):
    """No pyttsx3 engine can be made; the message says why and what to install."""


def _default_driver() -> str:
    """pyttsx3's default driver name for this platform."""
    return {"darwin": "nsss", "win32": "sapi5"}.get(sys.platform, "espeak")


def _make_engine(driver: str) -> Any:
    """A new pyttsx3 engine, or _EngineUnavailable saying what to install."""
    try:
        import pyttsx3
    except ImportError as exc:
        raise _EngineUnavailable("pyttsx3 is not installed (pip install pyttsx3)") from exc
    if driver == "espeak":
        _use_bundled_espeak()
    try:
        engine = pyttsx3.init(driver)
        _silence_driver(driver)
        return engine
    except ModuleNotFoundError as exc:
        if "pyttsx3.drivers" in str(exc.name or ""):
            raise _EngineUnavailable(f"pyttsx3 has no speech driver named {driver!r}") from exc
        raise _EngineUnavailable(f"{driver} speech driver needs a missing module: {exc.name}") from exc
    except Exception as exc:  # drivers fail with OSError, RuntimeError, COM errors...
        if driver == "espeak":
            raise _EngineUnavailable(
                "espeak-ng is not installed (apt-get install espeak-ng, or pip install espeakng-loader)"
            ) from exc
        raise _EngineUnavailable(f"the {driver} speech engine could not start: {exc}") from exc


def _use_bundled_espeak() -> None:
    """On Linux without a system espeak-ng, load the one in the espeakng-loader wheel (pip-only set-up).

    pyttsx3's espeak driver opens "libespeak-ng.so.1" by name, and glibc hands back an already
    loaded library with that soname, so loading the wheel's copy first makes the driver use it.
    That copy looks for its data where it was built and, not finding it, exits the process with
    status 1 (no exception), so ESPEAK_DATA_PATH points at the wheel's own data, overriding any
    other setting because the data must match the library's version.
    """
    if sys.platform != "linux" or ctypes.util.find_library("espeak-ng"):
        return
    try:
        import espeakng_loader

        data = espeakng_loader.get_data_path()  # first: the library without its data ends the process
        ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
        os.environ["ESPEAK_DATA_PATH"] = data
    except (ImportError, OSError, RuntimeError) as exc:  # absent, unloadable, or its data missing
        _LOGGER.debug("no bundled espeak-ng: %s", exc)


def _resolve_voice(engine: Any, wanted: str) -> str:
    """The engine voice id matching `wanted` by id, id tail, language or name; "" if none does."""
    key = wanted.strip().lower()
    voices = [v for v in engine.getProperty("voices") if not str(v.id).lower().startswith("mb/")]
    # mb/ voices need MBROLA, which is rarely installed and prints errors when missing.
    for match in (
        lambda v: str(v.id).lower() == key,
        lambda v: str(v.id).lower().rsplit("/", 1)[-1].rsplit("\\", 1)[-1] == key,
        lambda v: key in [str(lang).lower() for lang in (v.languages or [])],
        lambda v: str(v.name).lower() == key,
        lambda v: key in str(v.name).lower(),
    ):
        for v in voices:
            if match(v):
                return str(v.id)
    return ""


def _settle(engine: Any) -> None:
    """Wait (up to 0.2 s) until espeak-ng's command queue is idle.

    pyttsx3 cancels espeak-ng when runAndWait starts while the queue is busy, which drops a
    queued rate change and now and then ends the render before any audio is written.
    """
    if getattr(engine, "driver_name", "") != "espeak":
        return
    from pyttsx3.drivers import _espeak

    deadline = time.monotonic() + 0.2
    while _espeak.IsPlaying() and time.monotonic() < deadline:
        time.sleep(0.001)


def _silence_driver(driver: str) -> None:
    """Send the driver's own print() calls ("Audio saved to ...") to the log instead of stdout.

    The app writes JSON lines on stdout from other threads, so stdout itself is never swapped: the
    driver module gets a `print` of its own, which Python finds before the built-in one.
    """
    module = sys.modules.get(f"pyttsx3.drivers.{driver}")
    if module is not None:
        module.print = _driver_print  # type: ignore[attr-defined]


def _driver_print(*args: object, **_: object) -> None:
    _LOGGER.debug("speech driver: %s", " ".join(str(a) for a in args))


