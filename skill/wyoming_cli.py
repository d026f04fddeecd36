"""`twitch-coach wyoming [--uri URI] [--log FILE] [--no-journal]`: start the Wyoming handle service."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a command runs, so `--help` stays quick
    from twitch_coach.dialogue.scoring import Answer
    from twitch_coach.skill.session import Session

_LOGGER = logging.getLogger(__name__)
DEFAULT_URI = "tcp://127.0.0.1:10700"  # loopback: Wyoming has no authentication, so nobody else can reach it


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register `wyoming` on the top-level subparsers."""
    from twitch_coach.skill.journal_cli import add_no_journal

    p = subparsers.add_parser(
        "wyoming",
        help="serve the check-in to Home Assistant as a Wyoming conversation agent",
        description="A Wyoming handle service: Home Assistant's voice assistant sends what was said, "
        "one turn per connection, and speaks the reply. Runs until SIGTERM or SIGINT.",
    )
    p.add_argument("--uri", default=DEFAULT_URI, help=f"where to listen (default {DEFAULT_URI}; unix:///path works)")
    p.add_argument("--log", help="log file (default: wyoming.log in TWITCH_COACH_HOME)")
    add_no_journal(p)
    p.set_defaults(func=cmd_wyoming)
    return p


def cmd_wyoming(args: argparse.Namespace) -> int:
    """Run the service until SIGTERM or SIGINT."""
    import yaml

    from twitch_coach.skill.app import App, Settings, content_folder, open_log
    from twitch_coach.skill.conversations import Conversations, load_text
    from twitch_coach.skill.paths import home
    from twitch_coach.skill.session import open_session
    from twitch_coach.skill.wyoming_server import Service, info, is_loopback, serve

    log = Path(args.log) if args.log else home() / "wyoming.log"
    try:
        open_log(log)
    except OSError as error:
        print(f"twitch-coach wyoming: cannot write the log {log}: {error.strerror or error}", file=sys.stderr)
        return 1
    # --content DIR or $TWITCH_COACH_CONTENT; its own wyoming/ lines if it has them
    folder = content_folder(getattr(args, "content", None))
    own_text = folder / "wyoming" / "service.yaml" if folder else None
    try:
        text = load_text(own_text if own_text and own_text.exists() else None)
    except (OSError, ValueError, yaml.YAMLError) as error:
        print(f"twitch-coach wyoming: the service's lines could not be read: {error}", file=sys.stderr)
        return 1
    app = App(Settings(content=folder, journal=not getattr(args, "no_journal", False)))
    content = app.content
    journal = app.journal()  # one for the service's life, closed when it stops

    def new_session(mode: str, known: Mapping[str, Answer]) -> Session:  # the same signature as the home device's
        return open_session(content, mode, journal, known=known)

    if not is_loopback(args.uri):
        print(
            f"Listening on {args.uri}: anyone who can reach this address can talk to the coach and hear its "
            "replies. Wyoming has no authentication; keep it on a network you trust.",
            file=sys.stderr,
        )
    service = Service(Conversations(content, new_session, text), info(text))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        ready = asyncio.Event()
        task = asyncio.create_task(serve(args.uri, service, stop, ready))
        await asyncio.wait([task, asyncio.create_task(ready.wait())], return_when=asyncio.FIRST_COMPLETED)
        if ready.is_set():
            _LOGGER.info("wyoming service listening on %s", args.uri)
            print(f"twitch-coach wyoming: listening on {args.uri}", file=sys.stderr, flush=True)
        await task

    try:
        asyncio.run(main())
    except (OSError, ValueError) as error:  # the address is taken or not valid
        print(f"twitch-coach wyoming: cannot listen on {args.uri}: {error}", file=sys.stderr)
        return 1
    finally:
        if journal is not None:
            journal.close()
        _LOGGER.info("wyoming service stopped")
    return 0
