"""`twitch-coach wyoming [--uri URI] [--log FILE] [--no-journal]`: start the Wyoming handle service."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a command runs, so `--help` stays quick
    from dialogue.scoring import Answer
    from skill.session import Session

_LOGGER = logging.getLogger(__name__)
DEFAULT_URI = "tcp://127.0.0.1:10700"  # loopback: Wyoming has no authentication, so nobody else can reach it


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register `wyoming` on the top-level subparsers."""
    from skill.journal_cli import add_no_journal

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


def _open_log(path: Path) -> None:
    """Log to `path`, a file only its owner can read, in a folder only its owner can enter when made here."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    logging.basicConfig(filename=path, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def cmd_wyoming(args: argparse.Namespace) -> int:
    """Run the service until SIGTERM or SIGINT."""
    import yaml

    from dialogue.loader import load
    from skill.cli import _content_folder
    from skill.conversations import Conversations, load_text
    from skill.journal_cli import journal_for
    from skill.paths import home
    from skill.session import open_session
    from skill.wyoming_server import Service, info, is_loopback, serve

    log = Path(args.log) if args.log else home() / "wyoming.log"
    try:
        _open_log(log)
    except OSError as error:
        print(f"twitch-coach wyoming: cannot write the log {log}: {error.strerror or error}", file=sys.stderr)
        return 1
    folder = _content_folder(args)  # --content DIR or $TWITCH_COACH_CONTENT; its own wyoming/ lines if it has them
    own_text = folder / "wyoming" / "service.yaml" if folder else None
    try:
        text = load_text(own_text if own_text and own_text.exists() else None)
    except (OSError, ValueError, yaml.YAMLError) as error:
        print(f"twitch-coach wyoming: the service's lines could not be read: {error}", file=sys.stderr)
        return 1
    content = load(folder=folder)
    journal = journal_for(args)

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
