"""The Wyoming handle service, as Home Assistant drives it: the real server on a loopback port, the wyoming
package's own client, one connection per turn."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event, async_read_event
from wyoming.handle import Handled, NotHandled
from wyoming.info import Describe, Info

from dialogue.engine import Conversation
from dialogue.loader import load
from dialogue.summary import safety_lines
from skill.conversations import MAX_TEXT, Conversations, load_text
from skill.journal import Journal
from skill.session import open_session
from skill.wyoming_server import Service, info, serve

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def running(tmp_path: Path, clock=time.monotonic, journal: bool = True, idle: float = 5.0, connections=100):
    """The service on a free loopback port, for the length of the block."""
    book = Journal(tmp_path / "journal.sqlite3") if journal else None
    conversations = Conversations(
        CONTENT, lambda mode, known: open_session(CONTENT, mode, book, known=known), TEXT, clock=clock
    )
    port = _free_port()
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


def _text(event: Event) -> str:
    assert Handled.is_type(event.type) or NotHandled.is_type(event.type), event
    return event.data.get("text", "")


def _expects(event: Event) -> bool:
    return event.data["context"]["expects_answer"]


def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [r.getMessage() for r in bad]


# ----- describe and a whole check-in -----


def test_describe_lists_one_english_handle_program(tmp_path):
    async def scenario():
        async with running(tmp_path) as server:
            async with AsyncTcpClient("127.0.0.1", server.port, read_timeout=5) as client:
                await client.write_event(Describe().event())
                event = await client.read_event()
            assert event is not None and Info.is_type(event.type)
            described = Info.from_event(event)
            assert described.asr == [] and described.tts == [] and len(described.handle) == 1
            program = described.handle[0]
            assert program.name == TEXT.name and program.description == TEXT.description
            assert program.attribution.name == TEXT.attribution and program.installed
            assert program.version == metadata.version("twitch-coach")
            assert [m.languages for m in program.models] == [["en"]] and program.models[0].installed

    run(scenario())


def test_a_whole_checkin_one_connection_per_turn_ends_in_the_summary_and_the_journal(tmp_path, caplog):
    direct = Conversation(CONTENT, "checkin")  # the same answers straight to the dialogue, for comparison
    direct.start()
    for answer in CHECKIN:
        direct.hear(answer)
    assert direct.last_summary is not None

    async def scenario():
        async with running(tmp_path) as server:
            first = await server.turn("Let's check in.")
            replies = [first] + [await server.turn(answer) for answer in CHECKIN]
            for event in replies[:-1]:
                assert Handled.is_type(event.type) and _expects(event)
                assert _text(event).endswith("?"), _text(event)  # each reply carries the next question
                assert event.data["context"]["conversation_id"] == "one"
            assert CONTENT.trees["checkin"].intro in _text(first)
            last = replies[-1]
            assert Handled.is_type(last.type) and direct.last_summary.text in _text(last) and not _expects(last)
            assert server.journal.entries() == []  # "repeat" may still come
            again = await server.turn("repeat")
            assert direct.last_summary.text in _text(again)
            bye = await server.turn("stop")
            assert _text(bye) == CONTENT.home.goodbye
            [entry] = server.journal.entries()
            assert entry.mode == "checkin" and entry.answers["sleep"]["value"] == 5.0
            assert [c["id"] for c in entry.causes[:3]] == [c["id"] for c in direct.last_summary.causes[:3]]
            assert len(server.conversations) == 0

    run(scenario())
    _no_tracebacks(caplog)


def test_two_conversation_ids_at_once_are_kept_apart(tmp_path):
    quick = ["pain", "hard", "no"]

    async def alone(script_a, script_b):
        async with running(tmp_path / "alone") as server:
            a = [_text(await server.turn(t, "a")) for t in script_a]
            b = [_text(await server.turn(t, "b")) for t in script_b]
        return a, b

    async def interleaved(script_a, script_b):
        async with running(tmp_path / "together") as server:
            a, b = [], []
            for ta, tb in zip(script_a, script_b, strict=False):
                ra, rb = await asyncio.gather(server.turn(ta, "a"), server.turn(tb, "b"))
                a.append(_text(ra))
                b.append(_text(rb))
            return a, b

    script_a, script_b = ["check in"] + CHECKIN[:3], ["quick check"] + quick
    expected = run(alone(script_a, script_b))
    got = run(interleaved(script_a, script_b))
    assert got == expected
    assert got[0][1] != got[1][1]  # a check-in and a quick check: different questions


def test_quick_check_answers_carry_into_a_checkin_on_the_same_id_only(tmp_path):
    async def scenario():
        async with running(tmp_path, journal=False) as server:
            for text in ["quick check", "no", "hard", "no"]:
                last = await server.turn(text, "a")
            assert not _expects(last)  # the quick check is over
            intensity = next(n.ask for n in CONTENT.trees["checkin"].nodes.values() if n.topic == "intensity")
            asked = {}
            for cid in ("a", "b"):
                asked[cid] = [_text(await server.turn(t, cid)) for t in ["check in", "no", "a few days"]]
            assert asked["a"][:2] == asked["b"][:2]  # the safety questions are asked again all the same
            assert asked["b"][2] == intensity and asked["a"][2] != intensity  # "a" said "hard" in its quick check


    run(scenario())


# ----- expiry, routing, not handled -----


def test_a_silent_conversation_expires_after_five_minutes(tmp_path):
    clock = Clock()

    async def scenario():
        async with running(tmp_path, clock=clock) as server:
            await server.turn("check in", "a")
            await server.turn("check in", "b")
            clock.now += 299
            kept = await server.turn("no", "b")
            assert Handled.is_type(kept.type) and _expects(kept)  # within five minutes: still going
            clock.now += 2  # "a" has been silent for 301 s, "b" for 2
            gone = await server.turn("no", "a")
            assert NotHandled.is_type(gone.type) and _text(gone) == TEXT.not_handled
            assert Handled.is_type((await server.turn("a few days", "b")).type)

    run(scenario())


def test_an_expired_checkin_whose_summary_was_given_is_saved(tmp_path):
    clock = Clock()

    async def scenario():
        async with running(tmp_path, clock=clock) as server:
            for text in ["check in", *CHECKIN]:
                await server.turn(text, "a")
            await server.turn("check in", "half")  # never finished: must not be saved
            await server.turn("no", "half")
            clock.now += 301
            assert server.conversations.expire() == 2
            [entry] = server.journal.entries()
            assert entry.mode == "checkin"

    run(scenario())


def test_what_the_skill_cannot_take_is_not_handled(tmp_path):
    async def scenario():
        async with running(tmp_path) as server:
            for text in ["turn on the kitchen lights", "what is the weather", "", "stop", "yes"]:
                event = await server.turn(text, "new")
                assert NotHandled.is_type(event.type), text
                assert _text(event) == TEXT.not_handled
            long = await server.turn("check in " + "x" * MAX_TEXT, "new")
            assert NotHandled.is_type(long.type) and _text(long) == TEXT.too_long
            french = await server.turn("pourquoi mon mollet tremble", "new", language="fr")
            assert NotHandled.is_type(french.type) and _text(french) == TEXT.not_english
            helped = await server.turn("what can I say", "new")
            assert Handled.is_type(helped.type) and _text(helped) == TEXT.help and _expects(helped)
            assert len(server.conversations) == 0  # nothing was started

    run(scenario())


def test_a_question_gets_the_quick_answer_then_the_offer_and_yes_starts_the_checkin(tmp_path):
    async def scenario():
        async with running(tmp_path) as server:
            event = await server.turn("Why is my calf twitching after squats?")
            assert Handled.is_type(event.type) and _expects(event)
            assert _text(event).startswith(CONTENT.message("ask_intro"))
            assert _text(event).endswith(TEXT.offer_checkin)
            started = await server.turn("yes please")
            assert _text(started).startswith(CONTENT.trees["checkin"].intro)
            declined = await server.turn("why does my eyelid twitch", "other")
            assert Handled.is_type(declined.type)
            assert _text(await server.turn("no", "other")) == CONTENT.home.goodbye

    run(scenario())


# ----- safety -----


def test_a_red_flag_question_gets_the_professional_advice_first(tmp_path):
    async def scenario():
        async with running(tmp_path) as server:
            event = await server.turn("Why is my calf twitching? It hurts and my leg feels weak.")
            text = _text(event)
            assert text.startswith(safety_lines(CONTENT, ["painful", "weakness"], False)[0])
            assert CONTENT.safety.red_flags["weakness"].reason in text
            assert CONTENT.message("ask_intro") not in text  # no "it's common" after the advice

    run(scenario())


def test_urgent_signs_are_answered_whatever_was_asked(tmp_path):
    async def scenario():
        async with running(tmp_path) as server:
            for text in ["my calf keeps twitching and I have dark pee", "check in, I have chest pain", "I fainted"]:
                event = await server.turn(text, "new")
                assert Handled.is_type(event.type), text
                assert _text(event).startswith(SAFETY.urgent.said) and not _expects(event)
            assert len(server.conversations) == 0

    run(scenario())


def test_red_flags_and_urgent_signs_inside_a_checkin_take_the_checkins_path(tmp_path):
    direct = Conversation(CONTENT, "checkin")
    direct.start()
    expected = [" ".join(e.text for e in direct.hear(t) if hasattr(e, "text") and e.type != "heard")
                for t in ["no", "a few days", "hard and now it hurts"]]  # fmt: skip

    async def scenario():
        async with running(tmp_path) as server:
            await server.turn("check in")
            got = [_text(await server.turn(t)) for t in ["no", "a few days", "hard and now it hurts"]]
            assert got == expected and SAFETY.red_flags["painful"].said in got[-1]
            urgent = await server.turn("I can't breathe")
            assert _text(urgent).startswith(SAFETY.urgent.said) and not _expects(urgent)
            [entry] = server.journal.entries()
            assert "urgent" in entry.red_flags and "painful" in entry.red_flags

    run(scenario())


# ----- bad input -----


def test_bad_input_is_answered_or_dropped_and_others_are_still_served(tmp_path, caplog):
    caplog.set_level(logging.INFO)

    async def scenario():
        async with running(tmp_path) as server:
            await server.turn("check in", "keep")
            cases = {
                b"this is not json\n": "bad-event",
                b"[1, 2, 3]\n": "bad-event",
                b'{"data": {"text": "no"}}\n': "bad-event",
                b'{"type": "transcript", "data_length": 99999999}\n': "bad-event",
                b'{"type": "transcript", "payload_length": -1}\n': "bad-event",
                b'{"type": "transcript", "data_length": 5}\n[1,2]': "bad-event",
                b"[" * 50000 + b"\n": "bad-event",
            }
            for data, code in cases.items():
                events, closed = await server.raw(data)
                assert [e.data.get("code") for e in events] == [code] and closed, data[:40]
            # Not framing errors: the connection stays open for the next event.
            events, closed = await server.raw(
                b'{"type": "transcript", "data": {"context": {"conversation_id": "keep"}}}\n'
                b'{"type": "audio-chunk"}\n'
                + json.dumps({"type": "transcript", "data": {"text": "no", "context": {"conversation_id": "keep"}}}).encode()
                + b"\n",
                idle=1,
            )
            assert [e.type for e in events] == ["error", "error", "handled"] and not closed
            assert events[0].data["code"] == "no-text" and events[1].data["code"] == "unsupported"
            assert _text(events[2]).endswith("?")  # the check-in moved on: the bad events changed nothing
            after = await server.turn("a few days", "keep")
            assert Handled.is_type(after.type) and _expects(after)

    run(scenario())
    _no_tracebacks(caplog)


def test_a_ten_megabyte_line_drops_that_connection_only(tmp_path, caplog):
    async def scenario():
        async with running(tmp_path) as server:
            events, closed = await server.raw(b'{"type": "transcript", "data": {"text": "' + b"a" * 10_000_000)
            assert closed and all(e.data.get("code") == "bad-event" for e in events)
            assert Handled.is_type((await server.turn("check in")).type)

    run(scenario())
    _no_tracebacks(caplog)


def test_a_silent_client_is_dropped_after_the_idle_time_and_others_are_served_meanwhile(tmp_path, caplog):
    async def scenario():
        async with running(tmp_path, idle=1.0) as server:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            started = time.monotonic()
            assert Handled.is_type((await server.turn("check in")).type)  # while the silent one waits
            event = await asyncio.wait_for(async_read_event(reader), 5)
            assert event is not None and Error.is_type(event.type) and "nothing received" in event.data["text"]
            assert await asyncio.wait_for(async_read_event(reader), 5) is None  # then closed
            assert 0.9 <= time.monotonic() - started < 4
            writer.close()

    run(scenario())
    _no_tracebacks(caplog)


def test_a_client_leaving_mid_turn_changes_nothing_for_others(tmp_path, caplog):
    async def scenario():
        async with running(tmp_path) as server:
            await server.turn("check in", "other")
            for _ in range(5):  # the transcript, then gone before the reply
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                writer.write(json.dumps({"type": "transcript", "data": {"text": "quick check"}}).encode() + b"\n")
                writer.transport.abort()
                # and one gone in the middle of an event's data
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                writer.write(b'{"type": "transcript", "data_length": 100}\n{"text"')
                await writer.drain()
                writer.transport.abort()
            await asyncio.sleep(0.2)
            event = await server.turn("no", "other")
            assert Handled.is_type(event.type) and _expects(event)

    run(scenario())
    _no_tracebacks(caplog)


# ----- the command -----


@contextlib.contextmanager
def command(tmp_path: Path, *options: str):
    """`twitch-coach wyoming` as its own process on a free loopback port; yields the port, then SIGTERM."""
    port = _free_port()
    env = {**os.environ, "TWITCH_COACH_HOME": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "skill", "wyoming", "--uri", f"tcp://127.0.0.1:{port}", *options],
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


def test_the_command_logs_privately_and_leaves_the_journal_alone_with_no_journal(tmp_path):
    log = tmp_path / "elsewhere" / "coach.log"
    with command(tmp_path, "--log", str(log), "--no-journal") as port:

        async def scenario():
            server = Running(port, None, None)  # type: ignore[arg-type]
            for text in ["quick check", "no", "hard", "no"]:
                event = await server.turn(text)
            assert Handled.is_type(event.type) and not _expects(event)  # finished

        run(scenario())
    assert "listening on" in log.read_text() and "stopped" in log.read_text()
    assert log.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "data" / "journal.sqlite3").exists()


def test_sigterm_saves_a_checkin_whose_summary_was_given(tmp_path):
    with command(tmp_path) as port:

        async def scenario():
            server = Running(port, None, None)  # type: ignore[arg-type]
            for text in ["check in", *CHECKIN]:
                event = await server.turn(text)
            assert CONTENT.message("summary_intro") in _text(event)

        run(scenario())
    with Journal(tmp_path / "data" / "journal.sqlite3") as journal:
        [entry] = journal.entries()
    assert entry.mode == "checkin"
    assert (tmp_path / "data" / "wyoming.log").stat().st_mode & 0o777 == 0o600


def test_only_loopback_addresses_and_sockets_count_as_private():
    from skill.wyoming_server import is_loopback

    assert is_loopback("tcp://127.0.0.1:10700") and is_loopback("tcp://localhost:10700")
    assert is_loopback("tcp://[::1]:10700") and is_loopback("unix:///run/coach.sock")
    assert not is_loopback("tcp://0.0.0.0:10700") and not is_loopback("tcp://192.168.1.20:10700")


def test_a_lan_address_is_warned_about_and_an_unusable_one_is_a_clear_error(tmp_path):
    env = {**os.environ, "TWITCH_COACH_HOME": str(tmp_path / "data")}
    # 192.0.2.1 is a documentation address no machine has: the warning comes, then listening fails.
    done = subprocess.run(
        [sys.executable, "-m", "skill", "wyoming", "--uri", "tcp://192.0.2.1:10700"],
        env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Wyoming has no authentication" in done.stderr
    assert "cannot listen on tcp://192.0.2.1:10700" in done.stderr and "Traceback" not in done.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "skill", "wyoming", "--uri", "http://127.0.0.1:10700"],
        env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert bad.returncode == 1 and "cannot listen" in bad.stderr and "Traceback" not in bad.stderr


def test_connections_past_the_limit_are_refused_and_served_again_once_others_close(tmp_path, caplog):
    async def scenario():
        async with running(tmp_path, connections=2) as server:
            held = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(2)]
            await asyncio.sleep(0.1)
            events, closed = await server.raw(b"")
            assert [e.data.get("code") for e in events] == ["busy"] and closed
            for _, writer in held:
                writer.close()
            await asyncio.sleep(0.1)
            assert Handled.is_type((await server.turn("check in")).type)

    run(scenario())
    _no_tracebacks(caplog)


def test_past_the_most_conversations_the_longest_silent_goes_first():
    clock = Clock()
    conversations = Conversations(
        CONTENT, lambda mode, known: open_session(CONTENT, mode, None, known=known), TEXT, clock=clock, most=3
    )
    for cid in "abcd":
        clock.now += 1
        assert conversations.reply(cid, "check in").expects_answer
        if cid == "b":
            clock.now += 1
            conversations.reply("a", "no")  # "a" spoke again: "b" is now the longest silent
    assert len(conversations) == 3
    assert not conversations.reply("b", "no").handled  # forgotten
    assert conversations.reply("a", "a few days").expects_answer
