"""The command line: twitch-coach [checkin|chat|ask|converse|validate|...]."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dialogue.errors import ContentError
from skill.journal import JournalError
from voice.recognizer import RecognizerError

MODES = ("checkin", "quick")


def _content():
    from dialogue.loader import load

    return load()


def _session(args: argparse.Namespace, content):
    """The conversation for this run, with the journal unless --no-journal."""
    from skill.journal_cli import journal_for
    from skill.session import open_session

    journal = journal_for(args)
    return open_session(content, args.mode, journal)


def cmd_chat(args: argparse.Namespace) -> int:
    from skill.textio import chat

    chat(_session(args, _content()), input, print)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    import json

    from dialogue.ask import answer

    summary = answer(_content(), " ".join(args.question))
    print(json.dumps(summary.to_dict()) if args.json else summary.text)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from dialogue.loader import load

    try:
        content = load([Path(p) for p in args.paths])
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) found", file=sys.stderr)
        return 1
    nodes = sum(len(t.nodes) for t in content.trees.values())
    print(f"content OK: {len(content.trees)} dialogue trees, {nodes} questions, {len(content.rules)} scoring rules")
    if args.no_speech:
        return 0
    from skill.vocabcheck import check
    from voice.engines import create_recognizer, detect_engine

    try:
        choice = detect_engine(args.engine, args.model)
        recognizer = create_recognizer(choice)
    except RecognizerError as error:
        # The content is fine; what could not be done is the check against this engine's dictionary.
        print(f"vocabulary not checked against {args.engine}: {error}. Unknown words and answers that sound "
              "alike can only be checked with the engine's own dictionary.", file=sys.stderr)
        return 2
    findings = check(recognizer, content)
    for finding in findings:
        print(finding, file=sys.stderr)
    errors = sum(f.error for f in findings)
    print(f"vocabulary against {choice.name}: {errors} error(s), {len(findings) - errors} warning(s)")
    return 1 if errors else 0


def _ears(args: argparse.Namespace, content, say=None):
    """The chosen recogniser wrapped for the content; says which engine and why on stderr."""
    from skill.speech import Ears
    from voice.engines import create_recognizer, detect_engine

    choice = detect_engine(args.engine, args.model)
    (say or (lambda text: print(text, file=sys.stderr)))(choice.reason)
    return Ears(content, create_recognizer(choice))


def cmd_converse(args: argparse.Namespace) -> int:
    from skill.speech import transcriber
    from skill.textio import converse_json

    if not args.json:
        print(
            "twitch-coach converse: only --json is supported; use `twitch-coach chat` to type",
            file=sys.stderr,
        )
        return 2
    content = _content()
    conversation = _session(args, content)
    transcribe = transcriber(conversation, lambda: _ears(args, content))
    converse_json(conversation, sys.stdin, sys.stdout, transcribe)
    return 0


def cmd_hear(args: argparse.Namespace) -> int:
    import json

    from intents.matcher import Expectation, Matcher
    from voice.wavfile import WavError, read_wav

    content = _content()
    node = next((n for t in content.trees.values() for n in t.nodes.values() if n.topic == args.topic), None)
    if node is None:
        topics = sorted({n.topic for t in content.trees.values() for n in t.nodes.values()})
        print(f"no question has topic {args.topic!r}; topics: {', '.join(topics)}", file=sys.stderr)
        return 2
    ears = _ears(args, content)
    matcher = Matcher(content.vocab.commands, content.vocab.unsure)
    expectation = Expectation(node.expects, node.choices, node.words, node.tags)
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


def cmd_say(args: argparse.Namespace) -> int:
    from voice.tts import TextToSpeech, Voice

    tts = TextToSpeech(Voice(rate=args.rate, voice=args.voice))
    text = " ".join(args.text)
    if args.out:
        return 0 if tts.render_to_wav(text, args.out) else 1
    speech = tts.render(text, rate=None)  # the engine's own rate: resampling costs more than rendering
    if speech is None:
        return 1
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


def cmd_models(args: argparse.Namespace) -> int:
    from models import store
    from voice.engines import detect_engine

    if args.action == "download":
        if not args.name:
            print("twitch-coach models download NAME (see `twitch-coach models` for names)", file=sys.stderr)
            return 2
        try:
            path = store.download(args.name, url=args.url)
        except store.ModelError as error:
            print(f"download failed: {error}", file=sys.stderr)
            return 1
        print(f"installed {args.name} in {path}")
        return 0
    found = {m.name: m for m in store.installed()}
    print(f"models folder: {store.store_dir()}")
    for name, spec in store.load_manifest().models.items():
        model = found.pop(name, None)
        if model is None:
            state = f"not installed (twitch-coach models download {name})"
        else:
            state = f"installed in {model.path}" if model.ok else f"broken: {model.problem}"
        print(f"  {name}: {state} - {spec.description}")
    for model in found.values():
        print(f"  {model.name}: {'installed' if model.ok else 'broken: ' + model.problem} in {model.path}")
    choice = detect_engine("auto", args.model)
    print(f"auto picks: {choice.name} ({choice.reason})")
    return 0


def cmd_checkin(args: argparse.Namespace) -> int:
    """The spoken check-in on the default devices; typed when there is no microphone."""

    from skill.speech import hear_next, run_spoken
    from skill.textio import chat
    from voice.devices import AudioDeviceError, default_input_available

    content = _content()
    conversation = _session(args, content)
    if args.typed or not _has_microphone(default_input_available):
        if not args.typed:
            print(
                "No microphone found, so let's type instead. (Plug one in and run `twitch-coach` again "
                "to talk; `twitch-coach devices` lists what this machine has.)"
            )
        chat(conversation, input, print)
        return 0
    from skill.speech import Mouth
    from voice.endpoint import DEFAULT, WORKOUT
    from voice.mic import Microphone

    mouth = Mouth(args.rate, args.voice)
    ears = _ears(args, content, print)
    config = WORKOUT if args.mode == "quick" else DEFAULT
    try:
        with Microphone(speaking=None if args.barge_in else mouth.speaking) as mic:
            _listen_while_speaking(args, content, ears, mouth, mic)
            run_spoken(conversation, ears, lambda recognise: hear_next(mic, config, recognise), mouth.say, _show)
    except AudioDeviceError as error:
        print(f"{error}\nSwitching to typing.")
        chat(_session(args, content), input, print)
    finally:
        mouth.close()
    return 0


def _listen_while_speaking(args: argparse.Namespace, content, ears, mouth, mic) -> None:
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

    from dialogue.events import Error
    from skill.home import HomeDevice
    from skill.journal_cli import journal_for
    from skill.paths import home
    from skill.session import Session, open_session
    from skill.speech import Mouth
    from voice.mic import Microphone

    log = Path(args.log) if args.log else home() / "home.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=log, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    content = _content()
    if args.wake:
        assert content.home is not None
        content = dataclasses.replace(content, home=dataclasses.replace(content.home, wake=tuple(args.wake)))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    if args.json:

        def emit(event) -> None:
            print(json.dumps(event.to_dict()), flush=True)

        def commands() -> None:
            for line in sys.stdin:
                try:
                    message = json.loads(line)
                except json.JSONDecodeError:
                    message = None
                if isinstance(message, dict) and message.get("command") == "stop":
                    stop.set()
                    return
                emit(Error('unknown input; send {"command": "stop"}'))

        threading.Thread(target=commands, daemon=True).start()
    else:
        emit = _show

    def new_session(mode: str, known) -> Session:
        journal = journal_for(args)
        return open_session(content, mode, journal, known=known)

    mouth = Mouth(args.rate, args.voice)
    ears = _ears(args, content, lambda text: logging.getLogger("skill.home").info(text))

    def open_microphone() -> Microphone:
        mic = Microphone(speaking=None if args.barge_in else mouth.speaking)
        _listen_while_speaking(args, content, ears, mouth, mic)
        return mic

    device = HomeDevice(content, ears, open_microphone, mouth.say, emit, new_session, stop)
    logging.getLogger("skill.home").info("home device started; wake phrases: %s", ", ".join(content.home.wake))
    try:
        device.run()
    finally:
        mouth.close()
        logging.getLogger("skill.home").info("home device stopped")
    return 0


def _show(event) -> None:
    from skill.speech import spoken_line

    line = spoken_line(event)
    if line is not None:
        print(line, flush=True)


def _has_microphone(check) -> bool:
    try:
        return bool(check())
    except Exception:  # noqa: BLE001 - any failure to look means there is no usable microphone
        return False


def parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    from skill.journal_cli import add_no_journal
    from skill.journal_cli import add_parser as add_journal_parser

    top = argparse.ArgumentParser(
        prog="twitch-coach",
        description="Offline voice coach: why is my muscle twitching after exercise? "
        "With no command, runs the spoken check-in (typed if there is no microphone).",
    )
    speech = argparse.ArgumentParser(add_help=False)
    speech.add_argument(
        "--engine",
        choices=("auto", "vosk", "pocketsphinx"),
        default="auto",
        help="speech recogniser (auto: Vosk when a model is installed, else PocketSphinx)",
    )
    speech.add_argument("--model", help="Vosk model folder (or set TWITCH_COACH_VOSK_MODEL)")
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
    sub = top.add_subparsers(dest="command")
    p = sub.add_parser("checkin", parents=[speech, voice, listening], help="the spoken check-in (the default)")
    p.add_argument("--mode", choices=MODES, default="checkin")
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
    p.add_argument("--mode", choices=MODES, default="checkin")
    add_no_journal(p)
    p.set_defaults(func=cmd_chat)
    p = sub.add_parser("converse", parents=[speech], help="the JSON-lines interface for other programs")
    p.add_argument("--json", action="store_true", help="one JSON object per line in and out")
    p.add_argument("--mode", choices=MODES, default="checkin")
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
    p = sub.add_parser("say", parents=[voice], help="speak text, or write it to a WAV file")
    p.add_argument("text", nargs="+")
    p.add_argument("--out", help="write a WAV file instead of playing")
    p.set_defaults(func=cmd_say)
    p = sub.add_parser("devices", help="list audio input and output devices")
    p.set_defaults(func=cmd_devices)
    p = sub.add_parser("models", help="list speech models, or download one")
    p.add_argument("action", nargs="?", choices=("list", "download"), default="list")
    p.add_argument("name", nargs="?")
    p.add_argument("--url", help="download from this address or local file instead of the manifest's")
    p.add_argument("--model", help="a Vosk model folder to consider")
    p.set_defaults(func=cmd_models)
    add_journal_parser(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the twitch-coach command."""
    args = parser().parse_args(argv)
    if args.command is None:
        args = parser().parse_args(["checkin"])
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
        print(f"The speech engine could not be used: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
