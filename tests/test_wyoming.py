"""The Wyoming handle service as Home Assistant drives it: describe, a whole check-in one connection per
turn, bad input, and the command itself."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from importlib import metadata

from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import async_read_event
from wyoming.handle import Handled
from wyoming.info import Describe, Info

from twitch_coach.dialogue.engine import Conversation
from twitch_coach.skill.journal import Journal

from wyoming_harness import (
    CHECKIN,
    CONTENT,
    TEXT,
    Running,
    command,
    expects,
    no_tracebacks,
    reply_text,
    run,
    running,
)

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
                assert Handled.is_type(event.type) and expects(event)
                assert reply_text(event).endswith("?"), reply_text(event)  # each reply carries the next question
                assert event.data["context"]["conversation_id"] == "one"
            assert CONTENT.trees["checkin"].intro in reply_text(first)
            last = replies[-1]
            assert Handled.is_type(last.type) and direct.last_summary.text in reply_text(last) and not expects(last)
            [saved] = server.journal.entries()  # finished when its summary is given
            again = await server.turn("repeat")
            assert direct.last_summary.text in reply_text(again)
            bye = await server.turn("stop")
            assert reply_text(bye) == CONTENT.home.goodbye
            [entry] = server.journal.entries()  # "repeat" and "stop" save nothing more
            assert entry.id == saved.id and entry.mode == "checkin" and entry.answers["sleep"]["value"] == 5.0
            assert [c["id"] for c in entry.causes[:3]] == [c.id for c in direct.last_summary.causes[:3]]
            assert len(server.conversations) == 0

    run(scenario())
    no_tracebacks(caplog)


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
            assert reply_text(events[2]).endswith("?")  # the check-in moved on: the bad events changed nothing
            after = await server.turn("a few days", "keep")
            assert Handled.is_type(after.type) and expects(after)

    run(scenario())
    no_tracebacks(caplog)


def test_a_ten_megabyte_line_drops_that_connection_only(tmp_path, caplog):
    async def scenario():
        async with running(tmp_path) as server:
            events, closed = await server.raw(b'{"type": "transcript", "data": {"text": "' + b"a" * 10_000_000)
            assert closed and all(e.data.get("code") == "bad-event" for e in events)
            assert Handled.is_type((await server.turn("check in")).type)

    run(scenario())
    no_tracebacks(caplog)


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
    no_tracebacks(caplog)


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
            assert Handled.is_type(event.type) and expects(event)

    run(scenario())
    no_tracebacks(caplog)


# ----- the command -----


def test_the_command_logs_privately_and_leaves_the_journal_alone_with_no_journal(tmp_path):
    log = tmp_path / "elsewhere" / "coach.log"
    with command(tmp_path, "--log", str(log), "--no-journal") as port:

        async def scenario():
            server = Running(port, None, None)  # type: ignore[arg-type]
            for text in ["quick check", "no", "hard", "no"]:
                event = await server.turn(text)
            assert Handled.is_type(event.type) and not expects(event)  # finished

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
            assert CONTENT.message("summary_intro") in reply_text(event)

        run(scenario())
    with Journal(tmp_path / "data" / "journal.sqlite3") as journal:
        [entry] = journal.entries()
    assert entry.mode == "checkin"
    assert (tmp_path / "data" / "wyoming.log").stat().st_mode & 0o777 == 0o600


def test_only_loopback_addresses_and_sockets_count_as_private():
    from twitch_coach.skill.wyoming_server import is_loopback

    assert is_loopback("tcp://127.0.0.1:10700") and is_loopback("tcp://localhost:10700")
    assert is_loopback("tcp://[::1]:10700") and is_loopback("unix:///run/coach.sock")
    assert not is_loopback("tcp://0.0.0.0:10700") and not is_loopback("tcp://192.168.1.20:10700")


def test_a_lan_address_is_warned_about_and_an_unusable_one_is_a_clear_error(tmp_path):
    env = {**os.environ, "TWITCH_COACH_HOME": str(tmp_path / "data")}
    # 192.0.2.1 is a documentation address no machine has: the warning comes, then listening fails.
    done = subprocess.run(
        [sys.executable, "-m", "twitch_coach.skill", "wyoming", "--uri", "tcp://192.0.2.1:10700"],
        env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Wyoming has no authentication" in done.stderr
    assert "cannot listen on tcp://192.0.2.1:10700" in done.stderr and "Traceback" not in done.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "twitch_coach.skill", "wyoming", "--uri", "http://127.0.0.1:10700"],
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
    no_tracebacks(caplog)
