"""The Wyoming service writes the journal off its event loop: a slow disk stalls no other connection, and a
check-in whose summary is being saved when the service stops is still saved."""

from __future__ import annotations

import asyncio
import threading
import time

from wyoming.client import AsyncTcpClient
from wyoming.ping import Ping, Pong

from twitch_coach.skill.conversations import Conversations
from twitch_coach.skill.journal import Journal
from twitch_coach.skill.session import open_session
from twitch_coach.skill.wyoming_server import Service, info, serve

from wyoming_harness import CHECKIN, CONTENT, TEXT, Running, free_port, reply_text, run

SAVE_SECONDS = 1.5  # a disk this slow to write the summary's check-in


class SlowJournal(Journal):
    """A journal whose every write takes SAVE_SECONDS, as on a busy SD card; says when one is under way."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.saving = threading.Event()
        self.started = 0.0  # time.perf_counter() when the last write began
        self.threads: set[str] = set()

    def record(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        self.started = time.perf_counter()
        self.saving.set()
        self.threads.add(threading.current_thread().name)
        time.sleep(SAVE_SECONDS)
        return super().record(*args, **kwargs)


def _service(book: Journal) -> Service:
    conversations = Conversations(CONTENT, lambda mode, known: open_session(CONTENT, mode, book, known=known), TEXT)
    return Service(conversations, info(TEXT))


async def _saving(book: SlowJournal) -> tuple[asyncio.Task, asyncio.Event, asyncio.Task, int]:
    """A running service with a check-in answered up to its last reply, whose summary is now being saved:
    the serving task, its stop event, the last turn still under way, and the port."""
    port = free_port()
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(f"tcp://127.0.0.1:{port}", _service(book), stop, ready))
    await asyncio.wait_for(ready.wait(), 5)
    server = Running(port, None, book)  # type: ignore[arg-type]
    for text in ["check in", *CHECKIN[:-1]]:
        await server.turn(text)
    last = asyncio.create_task(server.turn(CHECKIN[-1]))  # its reply is the summary: the save starts
    await asyncio.to_thread(book.saving.wait, 5)  # on a blocked loop this returns only once the save is done
    return task, stop, last, port


async def _ping(port: int) -> float:
    """When (time.perf_counter()) a ping on a connection of its own was answered."""
    async with AsyncTcpClient("127.0.0.1", port, read_timeout=5) as client:
        await client.write_event(Ping("still there?").event())
        event = await client.read_event()
    assert event is not None and Pong.is_type(event.type)
    return time.perf_counter()


def test_others_are_answered_while_a_summary_is_being_saved(tmp_path):
    book = SlowJournal(tmp_path / "journal.sqlite3")

    async def scenario():
        task, stop, last, port = await _saving(book)
        waited = await _ping(port) - book.started
        summary = await last
        stop.set()
        await asyncio.wait_for(task, 10)
        return waited, summary

    waited, summary = run(scenario())
    assert waited < SAVE_SECONDS / 3, f"a ping was answered {waited:.2f} s after the save began"
    assert CONTENT.message("summary_intro") in reply_text(summary)
    assert "MainThread" not in book.threads
    book.close()
    with Journal(tmp_path / "journal.sqlite3") as journal:
        [entry] = journal.entries()
    assert entry.mode == "checkin"


def test_stopping_while_a_summary_is_being_saved_keeps_it(tmp_path):
    book = SlowJournal(tmp_path / "journal.sqlite3")

    async def scenario():
        task, stop, last, _ = await _saving(book)
        stop.set()  # SIGTERM, as the command sets it, in the middle of the save
        await asyncio.wait_for(task, 10)
        last.cancel()

    run(scenario())
    book.close()
    with Journal(tmp_path / "journal.sqlite3") as journal:
        [entry] = journal.entries()
    assert entry.mode == "checkin" and entry.causes
