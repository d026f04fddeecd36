"""The composition root: what a run needs (content, session, recogniser, voice, microphone, log, signals),
built in one place from typed settings, and the spoken check-in and the home device put together from it.
skill/cli.py only parses the command line into Settings and dispatches."""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # built when a command needs them, so `--help` and `ask` stay quick
    from twitch_coach.dialogue.content import Content
    from twitch_coach.dialogue.events import Event
    from twitch_coach.dialogue.scoring import Answer
    from twitch_coach.skill.journal import Journal
    from twitch_coach.skill.session import Session
    from twitch_coach.skill.speech import Ears, Mouth
    from twitch_coach.voice.endpoint import EndpointConfig
    from twitch_coach.voice.engines import EngineChoice
    from twitch_coach.voice.hints import Hints
    from twitch_coach.voice.mic import Microphone

CONTENT_ENV = "TWITCH_COACH_CONTENT"  # a content folder to run instead of the shipped one


def hints() -> Hints:
    """What voice/ tells a person to do when a model or a device is missing: this program's own commands."""
    from twitch_coach.voice.hints import Hints

    return Hints(
        whisper="twitch-coach models download whisper-tiny-en",
        vosk="twitch-coach models download vosk-small-en-us",
        type_instead="run `twitch-coach chat` to type",
        typing="`twitch-coach chat` works by typing",
        list_devices="run `twitch-coach devices`",
    )


class SettingsError(ValueError):
    """The settings ask for something the content does not have (an unknown mode)."""


@dataclass(frozen=True)
class Settings:
    """What a run was asked for, whoever asked: the command line, a test or a service."""

    content: Path | None = None
    """The content folder to run; None: $TWITCH_COACH_CONTENT, else the shipped content."""
    mode: str | None = None
    """A mode of the content; None: the content's default mode."""
    engine: str = "auto"
    """auto, whisper, vosk or pocketsphinx (voice.engines.ENGINES)."""
    model: str | None = None
    """A Whisper or Vosk model folder (--model)."""
    rate: int = 165
    """Speaking rate in words per minute."""
    voice: str = ""
    """The speech voice ("" for the engine's default)."""
    barge_in: bool = True
    """Listen while speaking, so "stop", "skip", "repeat" and the wake phrase cut the speech short."""
    journal: bool = True
    """Save a finished check-in in the journal (False: --no-journal)."""
    wake: tuple[str, ...] = ()
    """Wake phrases for the home device in place of the content's; empty: the content's own."""


def content_folder(given: str | Path | None, env: Mapping[str, str] | None = None) -> Path | None:
    """`given` (--content DIR), else $TWITCH_COACH_CONTENT, else None (the shipped content)."""
    folder = given or (os.environ if env is None else env).get(CONTENT_ENV)
    return Path(folder) if folder else None


def has_microphone(check: Callable[[], object] | None = None) -> bool:
    """True when a default microphone can be opened; any failure to look means there is none."""
    if check is None:
        from twitch_coach.voice.devices import default_input_available

        check = default_input_available
    try:
        return bool(check())
    except Exception:  # noqa: BLE001 - any failure to look means there is no usable microphone
        return False


class App:
    """The runtime for one run, each part built when first asked for, from `settings`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def content(self) -> Content:
        """The compiled content of the folder that runs, with the wake phrases of the settings."""
        from twitch_coach.dialogue.loader import load

        content = load(folder=content_folder(self.settings.content))
        mode = self.settings.mode
        if mode is not None and mode not in content.trees:
            raise SettingsError(f"unknown mode {mode!r}; this content has: {', '.join(content.trees)}")
        if self.settings.wake:
            assert content.home is not None
            home = dataclasses.replace(content.home, wake=self.settings.wake)
            content = dataclasses.replace(content, home=home)
        return content

    @property
    def mode(self) -> str:
        """The mode that runs: the one asked for, else the content's default."""
        return self.settings.mode or self.content.domain.default_mode

    def journal(self) -> Journal | None:
        """The journal to record this run in, or None without one."""
        from twitch_coach.skill.journal import Journal

        return Journal() if self.settings.journal else None

    def session(self, mode: str | None = None, known: Mapping[str, Answer] | None = None) -> Session:
        """A conversation in `mode` (default: the run's), with the journal unless it is off."""
        from twitch_coach.skill.session import open_session

        content, mode = self.content, mode or self.mode  # content problems are told before the journal's
        journal = self.journal()
        if known is None:
            return open_session(content, mode, journal)
        return open_session(content, mode, journal, known=known)

    def engine_choice(self) -> EngineChoice:
        """The recogniser the settings and this machine's installed models call for, and why."""
        from twitch_coach.models.store import store_dir
        from twitch_coach.voice.engines import detect_engine

        return detect_engine(self.settings.engine, self.settings.model, store_dir(), hints=hints())

    def ears(self, say: Callable[[str], None] | None = None) -> Ears:
        """The chosen recogniser wrapped for the content; says which engine and why (on stderr by default)."""
        from twitch_coach.skill.speech import Ears
        from twitch_coach.voice.engines import create_recognizer

        choice = self.engine_choice()
        (say or (lambda text: print(text, file=sys.stderr)))(choice.reason)
        return Ears(self.content, create_recognizer(choice, hints()))

    def listener(self, ears: Ears) -> Ears:
        """The always-on listener for the wake phrase: PocketSphinx, cheap enough to decode every sound in a
        kitchen, whichever engine hears the answers (Whisper takes ~100 ms of CPU a segment). Barge-in listens
        only while the skill speaks, so it keeps the answer engine: real "stop"s are heard far better there."""
        from twitch_coach.skill.speech import Ears
        from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer

        return ears if ears.recognizer.name == "pocketsphinx" else Ears(self.content, PocketSphinxRecognizer())

    def mouth(self) -> Mouth:
        """The speaking voice of the settings."""
        from twitch_coach.skill import speech

        return speech.Mouth(self.settings.rate, self.settings.voice)

    def microphone(self, mouth: Mouth, ears: Ears) -> Microphone:
        """The default microphone (not yet open). With barge-in, "stop", "skip", "repeat" and the wake phrase
        cut the speech short; without it, the microphone is deaf while the skill speaks."""
        from twitch_coach.voice import mic

        microphone = mic.Microphone(speaking=None if self.settings.barge_in else mouth.speaking, hints=hints())
        if self.settings.barge_in:
            from twitch_coach.skill.bargein import BargeIn

            mouth.barge_in = BargeIn(self.content, ears, microphone)
            mouth.after = microphone.drain  # what the microphone caught of the skill's own voice is not an answer
        return microphone

    def endpoint(self, mode: str | None = None) -> EndpointConfig:
        """How long a pause ends a spoken answer in `mode` (default: the run's), as its policy says."""
        from twitch_coach.skill.speech import endpoint_for

        return endpoint_for(self.content, mode or self.mode)


def stop_on_sigterm() -> None:
    """SIGTERM ends a check-in as Ctrl-C does: at once (speech and microphone closed on the way out), saving
    only a check-in that reached its summary, and saying so when it did; the exit status is the usual 143."""
    import signal

    def interrupt(*_: object) -> None:
        raise SystemExit(128 + signal.SIGTERM)

    signal.signal(signal.SIGTERM, interrupt)


def stop_on_signals() -> threading.Event:
    """An event that SIGTERM or SIGINT sets: a service ends its work at its own pace, not mid-write."""
    import signal

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def open_log(path: Path) -> None:
    """Log to `path`, a file only its owner can read (0600), in a folder only its owner can enter (0700)."""
    import logging

    from twitch_coach.models.userdata import private_file

    private_file(path)  # what was asked and heard: readable only by the user
    logging.basicConfig(filename=path, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def show(event: Event) -> None:
    """Print the line a person reads for `event`, if it has one."""
    from twitch_coach.skill.speech import spoken_line

    line = spoken_line(event)
    if line is not None:
        print(line, flush=True)


def checkin(app: App, typed: bool) -> int:
    """The spoken check-in on the default devices; typed when asked, or when there is no microphone."""
    from twitch_coach.skill.session import telling_what_is_kept
    from twitch_coach.skill.textio import utf8_streams

    utf8_streams(json_lines=False)
    conversation = app.session()
    stop_on_sigterm()
    with telling_what_is_kept(conversation, print):
        return _checkin(app, typed, conversation)


def _checkin(app: App, typed: bool, conversation: Session) -> int:
    """The check-in spoken, or typed when asked or when there is no microphone."""
    from twitch_coach.skill.speech import hear_next, run_spoken
    from twitch_coach.skill.textio import chat
    from twitch_coach.voice.devices import AudioDeviceError

    if typed or not has_microphone():
        if not typed:
            print(
                "No microphone found, so let's type instead. (Plug one in and run `twitch-coach` again "
                "to talk; `twitch-coach devices` lists what this machine has.)"
            )
        chat(conversation, input, print)
        return 0
    mouth = app.mouth()
    ears = app.ears(print)
    config = app.endpoint()
    try:
        with app.microphone(mouth, ears) as mic:
            run_spoken(conversation, ears, lambda recognise: hear_next(mic, config, recognise), mouth.say, show)
    except AudioDeviceError as error:
        print(f"{error}\nSwitching to typing; your answers so far are kept.")
        chat(conversation, input, print, resume=True)
    finally:
        mouth.close()
    return 0


def home(app: App, json_lines: bool, log: Path) -> int:
    """The home device: wait for the wake phrase until SIGTERM, SIGINT or {"command": "stop"}."""
    import json
    import logging

    from twitch_coach.skill.home import HomeDevice, serve_commands
    from twitch_coach.skill.textio import utf8_streams

    try:
        open_log(log)
    except OSError as error:
        print(f"cannot write the log {log}: {error.strerror or error}", file=sys.stderr)
        return 1
    if not has_microphone():
        print(
            "No microphone found: the home device will start listening when one is plugged in. "
            "(`twitch-coach devices` lists what this machine has.)",
            file=sys.stderr,
            flush=True,
        )
    content = app.content
    stop = stop_on_signals()
    emit: Callable[[Event], None] = show
    if json_lines:
        utf8_streams(json_lines=True)
        printing = threading.Lock()  # the command thread and the device both write lines

        def emit_json(event: Event) -> None:
            with printing:
                print(json.dumps(event.to_dict()), flush=True)

        emit = emit_json
        threading.Thread(target=serve_commands, args=(sys.stdin, stop, emit), daemon=True).start()

    logger = logging.getLogger("twitch_coach.skill.home")
    mouth = app.mouth()
    ears = app.ears(logger.info)

    def hush_on_stop() -> None:  # a stop cuts the sentence being spoken: the conversation ends within moments
        stop.wait()
        mouth.hush()

    threading.Thread(target=hush_on_stop, daemon=True).start()
    device = HomeDevice(
        content,
        ears,
        lambda: app.microphone(mouth, ears),
        mouth.say,
        emit,
        lambda mode, known: app.session(mode, known),
        stop,
        listener=app.listener(ears),
    )
    logger.info("home device started; wake phrases: %s", ", ".join(device.home.wake))
    try:
        device.run()
    finally:
        mouth.close()
        logger.info("home device stopped")
    return 0
