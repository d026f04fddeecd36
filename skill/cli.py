"""The command line: twitch-coach [checkin|chat|ask|converse|validate|...]."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from dialogue.errors import ContentError
from skill.journal import JournalError
from voice.recognizer import RecognizerError

if TYPE_CHECKING:  # the commands import these when they run, so `--help` stays quick
    from dialogue.content import Content
    from dialogue.events import Event
    from dialogue.scoring import Answer
    from skill.session import Session
    from skill.speech import Ears, Mouth
    from voice.mic import Microphone

CONTENT_ENV = "TWITCH_COACH_CONTENT"  # a content folder to run instead of the shipped one


def _content_folder(args: argparse.Namespace) -> Path | None:
    """--content DIR, else $TWITCH_COACH_CONTENT, else None (the shipped content)."""
    folder = getattr(args, "content", None) or os.environ.get(CONTENT_ENV)
    return Path(folder) if folder else None


def _content(args: argparse.Namespace) -> Content:
    from dialogue.loader import load

    content = load(folder=_content_folder(args))
    if getattr(args, "mode", None) is None:
        args.mode = content.domain.default_mode
    elif args.mode not in content.trees:
        raise SystemExit(f"twitch-coach: unknown mode {args.mode!r}; this content has: {', '.join(content.trees)}")
    return content


def _session(args: argparse.Namespace, content: Content) -> Session:
    """The conversation for this run, with the journal unless --no-journal."""
    from skill.journal_cli import journal_for
    from skill.session import open_session

    journal = journal_for(args)
    return open_session(content, args.mode, journal)


def cmd_chat(args: argparse.Namespace) -> int:
    from skill.textio import chat, utf8_streams

    utf8_streams(json_lines=False)
    chat(_session(args, _content(args)), input, print)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    import json

    from dialogue.ask import answer

    summary = answer(_content(args), " ".join(args.question))
    print(json.dumps(summary.to_dict()) if args.json else summary.text)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from dialogue.loader import load

    # A folder is checked as the whole content, exactly as `--content DIR` would run it; files take the
    # place of their kind's file in the content that would run (--content, $TWITCH_COACH_CONTENT or shipped).
    folders = [Path(p) for p in args.paths if Path(p).is_dir()]
    if len(folders) > 1:
        print("twitch-coach validate: give one content folder at a time", file=sys.stderr)
        return 2
    files = [Path(p) for p in args.paths if not Path(p).is_dir()]
    try:
        content = load(files, folder=folders[0] if folders else _content_folder(args))
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) found", file=sys.stderr)
        return 1
    nodes = sum(len(t.nodes) for t in content.trees.values())
    print(f"content OK: {len(content.trees)} dialogue trees, {nodes} questions, {len(content.rules)} scoring rules")
    if args.no_speech:
        return 0
    from models.store import store_dir
    from skill.vocabcheck import check
    from voice.engines import create_recognizer, detect_engine

    choice = detect_engine(args.engine, args.model, store_dir())
    findings = check(create_recognizer(choice), content)
    for finding in findings:
        print(finding, file=sys.stderr)
    errors = sum(f.error for f in findings)
    print(f"vocabulary against {choice.name}: {errors} error(s), {len(findings) - errors} warning(s)")
    return 1 if errors else 0


def _ears(args: argparse.Namespace, content: Content, say: Callable[[str], None] | None = None) -> Ears:
    """The chosen recogniser wrapped for the content; says which engine and why on stderr."""
    from models.store import store_dir
    from skill.speech import Ears
    from voice.engines import create_recognizer, detect_engine

    choice = detect_engine(args.engine, args.model, store_dir())
    (say or (lambda text: print(text, file=sys.stderr)))(choice.reason)
    return Ears(content, create_recognizer(choice))


def cmd_converse(args: argparse.Namespace) -> int:
    from skill.speech import transcriber
    from skill.textio import converse_json, read_lines, utf8_streams

    if not args.json:
        print(
            "twitch-coach converse: only --json is supported; use `twitch-coach chat` to type",
            file=sys.stderr,
        )
        return 2
    utf8_streams(json_lines=True)
    content = _content(args)
    conversation = _session(args, content)
    transcribe = transcriber(conversation, lambda: _ears(args, content))
    converse_json(conversation, read_lines(sys.stdin), sys.stdout, transcribe)
    return 0


def cmd_hear(args: argparse.Namespace) -> int:
    import json

    from intents.matcher import Matcher
    from voice.wavfile import WavError, read_wav

    content = _content(args)
    node = next((n for t in content.trees.values() for n in t.nodes.values() if n.topic == args.topic), None)
    if node is None:
        topics = sorted({n.topic for t in content.trees.values() for n in t.nodes.values()})
        print(f"no question has topic {args.topic!r}; topics: {', '.join(topics)}", file=sys.stderr)
        return 2
    ears = _ears(args, content)
    matcher = Matcher(content.vocab.commands, content.vocab.unsure)
    expectation = node.expectation
    status = 0
    for path in args.files:
        try:
            audio = read_wav(path)
        except (WavError, OSError) as error:
            print(f"{path}: {error}", file=sys.stderr)
            status = 1
            continue
        heard = ears.hear(audio, node)
        match = matcher.match(heard.text, expectation)
        print(json.dumps({
            "file": path, "text": heard.text, "intent": match.intent, "value": match.value,
            "confidence": round(min(match.confidence, heard.transcript.confidence), 3),
            "engine": heard.transcript.engine, "elapsed_ms": round(heard.elapsed_ms, 1),
        }), flush=True)  # fmt: skip
    return status


def cmd_understand(args: argparse.Namespace) -> int:
    import json

    from dialogue.understand import conversation_at, understand

    content = _content(args)
    try:
        conversation_at(content, args.topic)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    status, longest = 0, 1000  # characters: a reply is a sentence or two, not a document
    for text in args.texts:
        if len(text) > longest:
            print(f"a reply of {len(text)} characters is too long; keep it under {longest}", file=sys.stderr)
            status = 1
            continue
        print(json.dumps(understand(content, args.topic, text)), flush=True)
    return status


def cmd_say(args: argparse.Namespace) -> int:
    from voice.tts import TextToSpeech, Voice

    text = " ".join(args.text)
    if args.out and not Path(args.out).parent.is_dir():
        print(f"cannot write {args.out}: the folder {Path(args.out).parent} does not exist", file=sys.stderr)
        return 1
    tts = TextToSpeech(Voice(rate=args.rate, voice=args.voice))
    speech = tts.render(text, rate=None)  # the engine's own rate: resampling costs more than rendering
    if speech is None:
        return 1
    if args.out:
        from voice.wavfile import write_wav

        try:  # written here, not by the engine, so a bad path is one clear line, not a traceback and a wait
            write_wav(args.out, speech.samples, speech.rate)
        except OSError as error:
            print(f"cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
            return 1
        return 0
    from voice.devices import AudioDeviceError
    from voice.speaker import Speaker

    try:
        speaker = Speaker()
        speaker.play(speech.samples, speech.rate)
        speaker.wait()
    except AudioDeviceError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from voice.devices import AudioDeviceError, format_devices, list_devices

    try:
        print(format_devices(list_devices()))
    except AudioDeviceError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def cmd_checkin(args: argparse.Namespace) -> int:
    """The spoken check-in on the default devices; typed when there is no microphone."""

    from skill.speech import hear_next, run_spoken
    from skill.textio import chat, utf8_streams
    from voice.devices import AudioDeviceError, default_input_available

    utf8_streams(json_lines=False)
    content = _content(args)
    conversation = _session(args, content)
    if args.typed or not _has_microphone(default_input_available):
        if not args.typed:
            print(
                "No microphone found, so let's type instead. (Plug one in and run `twitch-coach` again "
                "to talk; `twitch-coach devices` lists what this machine has.)"
            )
        chat(conversation, input, print)
        return 0
    from dialogue.ids import Endpoint
    from skill.speech import Mouth
    from voice.endpoint import DEFAULT, WORKOUT
    from voice.mic import Microphone

    mouth = Mouth(args.rate, args.voice)
    ears = _ears(args, content, print)
    config = {Endpoint.DEFAULT: DEFAULT, Endpoint.WORKOUT: WORKOUT}[Endpoint(content.policy(args.mode).endpoint)]
    _stop_on_sigterm()
    try:
        with Microphone(speaking=None if args.barge_in else mouth.speaking) as mic:
            _listen_while_speaking(args, content, ears, mouth, mic)
            run_spoken(conversation, ears, lambda recognise: hear_next(mic, config, recognise), mouth.say, _show)
    except AudioDeviceError as error:
        print(f"{error}\nSwitching to typing; your answers so far are kept.")
        chat(conversation, input, print, resume=True)
    finally:
        mouth.close()
    return 0


def _stop_on_sigterm() -> None:
    """SIGTERM ends a spoken check-in as Ctrl-C does: at once (speech and microphone closed on the way out),
    saving only a check-in that reached its summary; the exit status is the usual 143."""
    import signal

    def interrupt(*_: object) -> None:
        raise SystemExit(128 + signal.SIGTERM)

    signal.signal(signal.SIGTERM, interrupt)


def _listener(content: Content, ears: Ears) -> Ears:
    """The always-on listener for the wake phrase: PocketSphinx, cheap enough to decode every sound in a
    kitchen, whichever engine hears the answers (Whisper takes ~100 ms of CPU a segment). Barge-in listens
    only while the skill speaks, so it keeps the answer engine: real "stop"s are heard far better there."""
    from skill.speech import Ears
    from voice.pocketsphinx_engine import PocketSphinxRecognizer

    return ears if ears.recognizer.name == "pocketsphinx" else Ears(content, PocketSphinxRecognizer())


def _listen_while_speaking(
    args: argparse.Namespace, content: Content, ears: Ears, mouth: Mouth, mic: Microphone
) -> None:
    """With --barge-in (the default), "stop", "skip", "repeat" and the wake phrase cut the speech short."""
    if args.barge_in:
        from skill.bargein import BargeIn

        mouth.barge_in = BargeIn(content, ears, mic)
        mouth.after = mic.drain  # what the microphone caught of the skill's own voice is not an answer


def cmd_home(args: argparse.Namespace) -> int:
    """The home device: wait for the wake phrase until SIGTERM, SIGINT or {"command": "stop"}."""
    import dataclasses
    import json
    import logging
    import signal
    import threading

    from models.userdata import private_file
    from skill.home import HomeDevice, serve_commands
    from skill.journal_cli import journal_for
    from skill.paths import home
    from skill.session import open_session
    from skill.speech import Mouth
    from skill.textio import utf8_streams
    from voice.devices import default_input_available
    from voice.mic import Microphone

    log = Path(args.log) if args.log else home() / "home.log"
    try:
        private_file(log)  # what was asked and heard: readable only by the user
    except OSError as error:
        print(f"cannot write the log {log}: {error.strerror or error}", file=sys.stderr)
        return 1
    logging.basicConfig(filename=log, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not _has_microphone(default_input_available):
        print(
            "No microphone found: the home device will start listening when one is plugged in. "
            "(`twitch-coach devices` lists what this machine has.)",
            file=sys.stderr,
            flush=True,
        )
    content = _content(args)
    if args.wake:
        assert content.home is not None
        content = dataclasses.replace(content, home=dataclasses.replace(content.home, wake=tuple(args.wake)))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    if args.json:
        utf8_streams(json_lines=True)
        printing = threading.Lock()  # the command thread and the device both write lines

        def emit(event: Event) -> None:
            with printing:
                print(json.dumps(event.to_dict()), flush=True)

        threading.Thread(target=serve_commands, args=(sys.stdin, stop, emit), daemon=True).start()
    else:
        emit = _show

    def new_session(mode: str, known: Mapping[str, Answer]) -> Session:
        journal = journal_for(args)
        return open_session(content, mode, journal, known=known)

    mouth = Mouth(args.rate, args.voice)
    ears = _ears(args, content, lambda text: logging.getLogger("skill.home").info(text))
    listener = _listener(content, ears)
    # A stop cuts the sentence being spoken: the conversation then ends within moments, not minutes.
    def hush_on_stop() -> None:
        stop.wait()
        mouth.hush()

    threading.Thread(target=hush_on_stop, daemon=True).start()

    def open_microphone() -> Microphone:
        mic = Microphone(speaking=None if args.barge_in else mouth.speaking)
        _listen_while_speaking(args, content, ears, mouth, mic)
        return mic

    device = HomeDevice(content, ears, open_microphone, mouth.say, emit, new_session, stop, listener=listener)
    logging.getLogger("skill.home").info("home device started; wake phrases: %s", ", ".join(device.home.wake))
    try:
        device.run()
    finally:
        mouth.close()
        logging.getLogger("skill.home").info("home device stopped")
    return 0


def _show(event: Event) -> None:
    from skill.speech import spoken_line

    line = spoken_line(event)
    if line is not None:
        print(line, flush=True)


def _has_microphone(check: Callable[[], object]) -> bool:
    try:
        return bool(check())
    except Exception:  # noqa: BLE001 - any failure to look means there is no usable microphone
        return False


def parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    from skill.journal_cli import add_no_journal
    from skill.journal_cli import add_parser as add_journal_parser
    from skill.models_cli import add_parser as add_models_parser
    from skill.wyoming_cli import add_parser as add_wyoming_parser

    top = argparse.ArgumentParser(
        prog="twitch-coach",
        description="Offline voice coach: why is my muscle twitching after exercise? "
        "With no command, runs the spoken check-in (typed if there is no microphone).",
    )
    speech = argparse.ArgumentParser(add_help=False)
    speech.add_argument(
        "--engine",
        choices=("auto", "whisper", "vosk", "pocketsphinx"),
        default="auto",
        help="speech recogniser (auto: Whisper when its model is installed, else Vosk, else PocketSphinx)",
    )
    speech.add_argument(
        "--model", help="Whisper or Vosk model folder (or set TWITCH_COACH_WHISPER_MODEL / TWITCH_COACH_VOSK_MODEL)"
    )
    voice = argparse.ArgumentParser(add_help=False)
    voice.add_argument("--rate", type=int, default=165, help="speaking rate in words per minute")
    voice.add_argument("--voice", default="", help="speech voice (for example en-us, en-gb)")
    # Only where the skill both speaks and listens (not `say`).
    listening = argparse.ArgumentParser(add_help=False)
    listening.add_argument(
        "--no-barge-in",
        dest="barge_in",
        action="store_false",
        help="do not listen while speaking (for loud speakers right beside the microphone)",
    )
    top.add_argument(
        "--content", metavar="DIR", help=f"run this content folder instead of the shipped one (or set {CONTENT_ENV})"
    )
    sub = top.add_subparsers(dest="command")
    p = sub.add_parser("checkin", parents=[speech, voice, listening], help="the spoken check-in (the default)")
    p.add_argument("--mode", help="a mode of the content (default: its default_mode, checkin)")
    p.add_argument("--typed", action="store_true", help="type instead of talking")
    add_no_journal(p)
    p.set_defaults(func=cmd_checkin)
    p = sub.add_parser("home", parents=[speech, voice, listening], help="the home device: waits for the wake phrase")
    p.add_argument("--wake", action="append", help='wake phrase (default from content/home.yaml: "hey coach")')
    p.add_argument("--json", action="store_true", help='events as JSON lines; reads {"command": "stop"}')
    p.add_argument("--log", help="log file (default: home.log in TWITCH_COACH_HOME)")
    add_no_journal(p)
    p.set_defaults(func=cmd_home)
    p = sub.add_parser("chat", help="hold the conversation by typing")
    p.add_argument("--mode", help="a mode of the content (default: its default_mode, checkin)")
    add_no_journal(p)
    p.set_defaults(func=cmd_chat)
    p = sub.add_parser("converse", parents=[speech], help="the JSON-lines interface for other programs")
    p.add_argument("--json", action="store_true", help="one JSON object per line in and out")
    p.add_argument("--mode", help="a mode of the content (default: its default_mode, checkin)")
    add_no_journal(p)
    p.set_defaults(func=cmd_converse)
    p = sub.add_parser("ask", help="a one-shot answer to a question")
    p.add_argument("question", nargs="+")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("validate", parents=[speech], help="check content files; exit 1 with file:line messages")
    p.add_argument("--no-speech", action="store_true", help="skip checking the vocabulary against the recogniser")
    p.add_argument("paths", nargs="*", help="content files or folders (default: the shipped content)")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("hear", parents=[speech], help="recognise WAV files as answers to a topic's question")
    p.add_argument("--topic", required=True, help="question topic, for example sleep or red_flags")
    p.add_argument("files", nargs="+", metavar="FILE.wav")
    p.set_defaults(func=cmd_hear)
    p = sub.add_parser("understand", help="what a topic's question hears in typed replies, one JSON object each")
    p.add_argument("--topic", required=True, help="question topic, for example sleep or red_flags")
    p.add_argument("texts", nargs="+", metavar="TEXT")
    p.set_defaults(func=cmd_understand)
    p = sub.add_parser("say", parents=[voice], help="speak text, or write it to a WAV file")
    p.add_argument("text", nargs="+")
    p.add_argument("--out", help="write a WAV file instead of playing")
    p.set_defaults(func=cmd_say)
    p = sub.add_parser("devices", help="list audio input and output devices")
    p.set_defaults(func=cmd_devices)
    add_models_parser(sub)
    add_journal_parser(sub)
    add_wyoming_parser(sub)
    for command in sub.choices.values():  # also after the command name; SUPPRESS keeps one given before it
        command.add_argument("--content", metavar="DIR", default=argparse.SUPPRESS, help="run this content folder")
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the twitch-coach command."""
    args = parser().parse_args(argv)
    if args.command is None:
        args = parser().parse_args([*(["--content", args.content] if args.content else []), "checkin"])
    try:
        return int(args.func(args) or 0)
    except JournalError as error:
        print(f"The journal could not be used: {error} (run with --no-journal to go on without it)", file=sys.stderr)
        return 1
    except ContentError as error:
        print("The content files have problems:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except RecognizerError as error:
        print(f"The speech recogniser could not be used: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
