"""Test harness for the Wyoming service: the real server on a free loopback port, driven by the wyoming
package's own client, one connection per turn as Home Assistant does."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.event import Event, async_read_event
from wyoming.handle import Handled, NotHandled

from twitch_coach.dialogue.loader import load
from twitch_coach.skill.conversations import Conversations, load_text
from twitch_coach.skill.journal import Journal
from twitch_coach.skill.session import open_session
from twitch_coach.skill.wyoming_server import Service, info, serve

CONTENT = load()
TEXT = load_text()
SAFETY = CONTENT.safety
# Answers that take the cooldown check-in from its first question to its summary.
CHECKIN = ["no", "a few days", "hard", "three", "a little", "no", "five", "two cups", "a lot", "no"]


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Running:
    port: int
    conversations: Conversations
    journal: Journal | None

    async def turn(self, text: str, conversation_id: str | None = "one", language: str = "en") -> Event:
        """One Home Assistant turn: a new connection, a transcript, the reply."""
        context = {"conversation_id": conversation_id} if conversation_id else None
        async with AsyncTcpClient("127.0.0.1", self.port, read_timeout=5) as client:
            await client.write_event(Transcript(text, context=context, language=language).event())
            event = await client.read_event()
        assert event is not None, f"no reply to {text!r}"
        return event

    async def raw(self, data: bytes, idle: float = 5) -> tuple[list[Event], bool]:
        """Send raw bytes; the events the server answers with, and whether it then closed the connection."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        with contextlib.suppress(ConnectionError):
            writer.write(data)
            await writer.drain()
        events, closed = [], False
        try:
            while True:
                event = await asyncio.wait_for(async_read_event(reader), idle)
                if event is None:
                    closed = True
                    break
                events.append(event)
        except ConnectionError:  # reset: the server closed with our data unread
            closed = True
        except TimeoutError:
            closed = reader.at_eof()
        writer.close()
        return events, closed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def running(tmp_path: Path, clock=time.monotonic, journal: bool = True, idle: float = 5.0, connections=256):
    """The service on a free loopback port, for the length of the block."""
    book = Journal(tmp_path / "journal.sqlite3") if journal else None
    conversations = Conversations(
        CONTENT, lambda mode, known: open_session(CONTENT, mode, book, known=known), TEXT, clock=clock
    )
    port = free_port()
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(f"tcp://127.0.0.1:{port}", Service(conversations, info(TEXT), idle, connections), stop, ready))
    await asyncio.wait_for(ready.wait(), 5)
    try:
        yield Running(port, conversations, book)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        if book is not None:
            book.close()


def run(scenario):
    """Run an async test body to its end."""
    return asyncio.run(scenario)


def reply_text(event: Event) -> str:
    assert Handled.is_type(event.type) or NotHandled.is_type(event.type), event
    return event.data.get("text", "")


def expects(event: Event) -> bool:
    return event.data["context"]["expects_answer"]


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [r.getMessage() for r in bad]


@contextlib.contextmanager
def command(tmp_path: Path, *options: str):
    """`twitch-coach wyoming` as its own process on a free loopback port; yields the port, then SIGTERM."""
    port = free_port()
    env = {**os.environ, "TWITCH_COACH_HOME": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "twitch_coach.skill", "wyoming", "--uri", f"tcp://127.0.0.1:{port}", *options],
        env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert "listening on" in process.stderr.readline()
        yield port
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
