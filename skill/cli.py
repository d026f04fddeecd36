"""The command line: twitch-coach [checkin|chat|ask|converse|validate|...]."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from twitch_coach.dialogue.errors import ContentError
from twitch_coach.skill.app import CONTENT_ENV, App, Settings, SettingsError, content_folder, hints
from twitch_coach.skill.journal import JournalError
from twitch_coach.voice.recognizer import RecognizerError


def settings(args: argparse.Namespace) -> Settings:
    """The run's settings from the parsed command line (each command has only some of the options)."""
    return Settings(
        content=Path(args.content) if getattr(args, "content", None) else None,
        mode=getattr(args, "mode", None),
        engine=getattr(args, "engine", "auto"),
        model=getattr(args, "model", None),
        rate=getattr(args, "rate", 165),
        voice=getattr(args, "voice", ""),
        barge_in=getattr(args, "barge_in", True),
        journal=not getattr(args, "no_journal", False),
        wake=tuple(getattr(args, "wake", None) or ()),
    )


def cmd_chat(args: argparse.Namespace) -> int:
    from twitch_coach.skill.app import stop_on_sigterm
    from twitch_coach.skill.session import telling_what_is_kept
    from twitch_coach.skill.textio import chat, utf8_streams

    utf8_streams(json_lines=False)
    conversation = App(settings(args)).session()
    stop_on_sigterm()
    with telling_what_is_kept(conversation, print):
        chat(conversation, input, print)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    import json

    from twitch_coach.dialogue.ask import answer

    summary = answer(App(settings(args)).content, " ".join(args.question))
    print(json.dumps(summary.to_dict()) if args.json else summary.text)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from twitch_coach.dialogue.loader import load

    # A folder is checked as the whole content, exactly as `--content DIR` would run it; files take the
    # place of their kind's file in the content that would run (--content, $TWITCH_COACH_CONTENT or shipped).
    folders = [Path(p) for p in args.paths if Path(p).is_dir()]
    if len(folders) > 1:
        print("twitch-coach validate: give one content folder at a time", file=sys.stderr)
        return 2
    files = [Path(p) for p in args.paths if not Path(p).is_dir()]
    try:
        content = load(files, folder=folders[0] if folders else content_folder(getattr(args, "content", None)))
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) found", file=sys.stderr)
        return 1
    nodes = sum(len(t.nodes) for t in content.trees.values())
    print(f"content OK: {len(content.trees)} dialogue trees, {nodes} questions, {len(content.rules)} scoring rules")
    if args.no_speech:
        return 0
    from twitch_coach.skill.vocabcheck import check
    from twitch_coach.voice.engines import create_recognizer

    choice = App(settings(args)).engine_choice()
    findings = check(create_recognizer(choice, hints()), content)
    for finding in findings:
        print(finding, file=sys.stderr)
    errors = sum(f.error for f in findings)
    print(f"vocabulary against {choice.name}: {errors} error(s), {len(findings) - errors} warning(s)")
    return 1 if errors else 0


def cmd_converse(args: argparse.Namespace) -> int:
    from twitch_coach.dialogue.events import Notice
    from twitch_coach.skill.app import stop_on_sigterm
    from twitch_coach.skill.session import telling_what_is_kept
    from twitch_coach.skill.speech import transcriber
    from twitch_coach.skill.textio import converse_json, emit_json, read_lines, utf8_streams

    if not args.json:
        print(
            "twitch-coach converse: only --json is supported; use `twitch-coach chat` to type",
            file=sys.stderr,
        )
        return 2
    utf8_streams(json_lines=True)
    app = App(settings(args))
    conversation = app.session()
    transcribe = transcriber(conversation, app.ears)
    stop_on_sigterm()
    with telling_what_is_kept(conversation, lambda line: emit_json([Notice(line)], sys.stdout)):
        converse_json(conversation, read_lines(sys.stdin), sys.stdout, transcribe)
    return 0


def cmd_hear(args: argparse.Namespace) -> int:
    import json

    from twitch_coach.intents.matcher import Matcher
    from twitch_coach.voice.wavfile import WavError, read_wav

    app = App(settings(args))
    content = app.content
    node = next((n for t in content.trees.values() for n in t.nodes.values() if n.topic == args.topic), None)
    if node is None:
        topics = sorted({n.topic for t in content.trees.values() for n in t.nodes.values()})
        print(f"no question has topic {args.topic!r}; topics: {', '.join(topics)}", file=sys.stderr)
        return 2
    ears = app.ears()
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

    from twitch_coach.dialogue.understand import conversation_at, understand

    content = App(settings(args)).content
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
    from twitch_coach.voice.tts import TextToSpeech, Voice

    text = " ".join(args.text)
    if args.out and not Path(args.out).parent.is_dir():
        print(f"cannot write {args.out}: the folder {Path(args.out).parent} does not exist", file=sys.stderr)
        return 1
    tts = TextToSpeech(Voice(rate=args.rate, voice=args.voice))
    speech = tts.render(text, rate=None)  # the engine's own rate: resampling costs more than rendering
    if speech is None:
        return 1
    if args.out:
        from twitch_coach.voice.wavfile import write_wav

        try:  # written here, not by the engine, so a bad path is one clear line, not a traceback and a wait
            write_wav(args.out, speech.samples, speech.rate)
        except OSError as error:
            print(f"cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
            return 1
        return 0
    from twitch_coach.voice.devices import AudioDeviceError
    from twitch_coach.voice.speaker import Speaker

    try:
        speaker = Speaker()
        speaker.play(speech.samples, speech.rate)
        speaker.wait()
    except AudioDeviceError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from twitch_coach.voice.devices import AudioDeviceError, format_devices, list_devices

    try:
        print(format_devices(list_devices(), hints()))
    except AudioDeviceError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def cmd_checkin(args: argparse.Namespace) -> int:
    """The spoken check-in on the default devices; typed when there is no microphone."""
    from twitch_coach.skill.app import checkin

    return checkin(App(settings(args)), args.typed)


def cmd_home(args: argparse.Namespace) -> int:
    """The home device: wait for the wake phrase until SIGTERM, SIGINT or {"command": "stop"}."""
    from twitch_coach.skill.app import home
    from twitch_coach.skill.paths import home as data_folder

    return home(App(settings(args)), args.json, Path(args.log) if args.log else data_folder() / "home.log")


def parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    from twitch_coach.skill.journal_cli import add_no_journal
    from twitch_coach.skill.journal_cli import add_parser as add_journal_parser
    from twitch_coach.skill.models_cli import add_parser as add_models_parser
    from twitch_coach.skill.wyoming_cli import add_parser as add_wyoming_parser

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
    except SettingsError as error:
        print(f"twitch-coach: {error}", file=sys.stderr)
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
