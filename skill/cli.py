"""The command line: twitch-coach [checkin|chat|ask|converse|validate|...]."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dialogue.errors import ContentError

MODES = ("checkin", "quick")


def _content():
    from dialogue.loader import load

    return load()


def cmd_chat(args: argparse.Namespace) -> int:
    from dialogue.engine import Conversation
    from skill.textio import chat

    chat(Conversation(_content(), args.mode), input, print)
    return 0


def cmd_converse(args: argparse.Namespace) -> int:
    from dialogue.engine import Conversation
    from skill.textio import converse_json

    if not args.json:
        print("twitch-coach converse: only --json is supported; use `twitch-coach chat` to type", file=sys.stderr)
        return 2
    converse_json(Conversation(_content(), args.mode), sys.stdin, sys.stdout)
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
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    top = argparse.ArgumentParser(
        prog="twitch-coach",
        description="Offline voice coach: why is my muscle twitching after exercise? "
        "With no command, runs the spoken check-in (typed if there is no microphone).",
    )
    sub = top.add_subparsers(dest="command")
    p = sub.add_parser("chat", help="hold the conversation by typing")
    p.add_argument("--mode", choices=MODES, default="checkin")
    p.set_defaults(func=cmd_chat)
    p = sub.add_parser("converse", help="the JSON-lines interface for other programs")
    p.add_argument("--json", action="store_true", help="one JSON object per line in and out")
    p.add_argument("--mode", choices=MODES, default="checkin")
    p.set_defaults(func=cmd_converse)
    p = sub.add_parser("ask", help="a one-shot answer to a question")
    p.add_argument("question", nargs="+")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("validate", help="check content files; exit 1 with file:line messages")
    p.add_argument("paths", nargs="*", help="content files or folders (default: the shipped content)")
    p.set_defaults(func=cmd_validate)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the twitch-coach command."""
    args = parser().parse_args(argv)
    if args.command is None:
        args = parser().parse_args(["chat"])
    try:
        return int(args.func(args) or 0)
    except ContentError as error:
        print("The content files have problems:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
