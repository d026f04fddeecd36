"""`twitch-coach wyoming`: the check-in as a Wyoming handle service, for Home Assistant's voice assistant."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from typing import Any, TypeVar
from urllib.parse import urlparse

from wyoming.asr import Transcript
from wyoming.error import Error
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import Attribution, Describe, HandleModel, HandleProgram, Info
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler, AsyncServer

from twitch_coach.skill.conversations import Conversations, Reply, ServiceText

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
LANGUAGES = ["en"]
# An event line can be at most the stream's own limit (asyncio's 64 KiB); its extra data and payload
# are capped the same, so a client cannot make the server hold more than this per connection.
MAX_DATA = 64 * 1024
MAX_PAYLOAD = 64 * 1024
MAX_ID = 200  # characters of a conversation id; Home Assistant's are 26
MOST_CONNECTIONS = 256  # open at once; Home Assistant uses one per turn, and a closed one counts until it is read
IDLE_TIMEOUT = 30.0  # seconds a connection may stay silent; Home Assistant writes its transcript at once
WRITE_TIMEOUT = 10.0  # seconds to hand a reply to a client that does not read
SWEEP_SECONDS = 30.0  # how often idle conversations are expired when no turn comes to do it


class BadEvent(Exception):
    """What a client sent cannot be read as an event; its framing is lost, so the connection is dropped."""


def _length(header: dict[str, Any], key: str, most: int) -> int:
    value = header.get(key)
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadEvent(f"{key} must be a whole number of bytes")
    if value > most:
        raise BadEvent(f"{key} {value} is over the limit of {most} bytes")
    return value


def _json(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise BadEvent(f"{what} is not valid JSON") from error


async def read_event(reader: asyncio.StreamReader, idle: float = IDLE_TIMEOUT) -> Event | None:
    """The next event, None when the client has gone; BadEvent for what cannot be read or takes too long."""
    try:
        line = await asyncio.wait_for(reader.readline(), idle)
        if not line.endswith(b"\n"):
            return None  # end of stream, possibly mid-line: the client went away
        header = _json(line, "the event line")
        if not isinstance(header, dict) or not isinstance(header.get("type"), str):
            raise BadEvent('an event line must be a JSON object with a "type"')
        data = header.get("data") or {}
        data_length = _length(header, "data_length", MAX_DATA)
        payload_length = _length(header, "payload_length", MAX_PAYLOAD)
        if data_length:
            extra = _json(await asyncio.wait_for(reader.readexactly(data_length), idle), "the event data")
            if not isinstance(extra, dict) or not isinstance(data, dict):
                raise BadEvent("event data must be a JSON object")
            data = {**data, **extra}
        if not isinstance(data, dict):
            raise BadEvent("event data must be a JSON object")
        payload = await asyncio.wait_for(reader.readexactly(payload_length), idle) if payload_length else None
    except TimeoutError as error:
        raise BadEvent(f"nothing received for {idle:g} seconds") from error
    except ValueError as error:  # the stream's limit: a line longer than it
        raise BadEvent("an event line over the 64 KiB limit") from error
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    return Event(type=header["type"], data=data, payload=payload)


def version() -> str | None:
    """This package's version, as installed."""
    try:
        return metadata.version("twitch-coach")
    except metadata.PackageNotFoundError:
        return None


def info(text: ServiceText) -> Info:
    """The answer to `describe`: one handle program, in English."""
    attribution = Attribution(name=text.attribution, url="")
    model = HandleModel(
        name=text.name, attribution=attribution, installed=True, description=text.description,
        version=version(), languages=LANGUAGES,
    )  # fmt: skip
    program = HandleProgram(
        name=text.name, attribution=attribution, installed=True, description=text.description,
        version=version(), models=[model],
    )  # fmt: skip
    return Info(handle=[program])


def conversation_key(context: Any) -> str:
    """Which conversation a transcript belongs to: Home Assistant's conversation id, else the device's."""
    if isinstance(context, dict):
        for name in ("conversation_id", "satellite_id", "device_id"):
            value = context.get(name)
            if isinstance(value, str) and 0 < len(value) <= MAX_ID:
                return value
    return ""  # no id: the turns of clients that send none share one conversation


@dataclass
class Service:
    """What every connection shares: the conversations and the `info` reply."""

    conversations: Conversations
    info: Info
    idle: float = IDLE_TIMEOUT
    most_connections: int = MOST_CONNECTIONS
    connections: int = 0  # open now
    # Turns run here, one at a time and in order, off the event loop: a turn may write the journal (a check-in
    # is saved when its summary is given), and a slow disk must not stall every other connection meanwhile.
    worker: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="coach-turn"))

    async def off_loop(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` on the worker thread. Cancelling the wait leaves the work to finish there, so a turn
        that gives a summary still saves it however the connection ends."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, work, *args)

    def turn(self, data: dict[str, Any]) -> Event:
        """The reply to one transcript's data."""
        text = data.get("text")
        if not isinstance(text, str):
            return Error('a transcript needs "text", a string', code="no-text").event()
        language = data.get("language")
        if isinstance(language, str) and language and not language.lower().startswith("en"):
            return NotHandled(self.conversations.text.not_english).event()
        key = conversation_key(data.get("context"))
        reply: Reply = self.conversations.reply(key, text)
        # Home Assistant ignores context keys it does not know; a front end can listen again on expects_answer.
        context: dict[str, Any] = {"expects_answer": reply.expects_answer}
        if key:
            context["conversation_id"] = key
        event = Handled(reply.text, context) if reply.handled else NotHandled(reply.text, context)
        return event.event()


class CoachHandler(AsyncEventHandler):
    """One client connection: `describe` -> `info`, `transcript` -> `handled` or `not-handled`."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, service: Service) -> None:
        super().__init__(reader, writer)
        self.service = service

    async def run(self) -> None:
        """The base loop, reading with the size caps and the idle timeout above; never raises."""
        service = self.service
        service.connections += 1
        try:
            if service.connections > service.most_connections:
                _LOGGER.warning("refusing a connection: %d are open", service.connections - 1)
                await self._send(Error("too many connections; try again", code="busy").event())
                return
            while True:
                try:
                    event = await read_event(self.reader, self.service.idle)
                except BadEvent as error:
                    _LOGGER.info("dropping a connection: %s", error)
                    await self._send(Error(str(error), code="bad-event").event())
                    break
                if event is None or not await self.handle_event(event):
                    break
        finally:
            service.connections -= 1
            await self.disconnect()
            self.writer.close()

    async def handle_event(self, event: Event) -> bool:
        """Answer one event; False closes the connection."""
        if Describe.is_type(event.type):
            return await self._send(self.service.info.event())
        if Transcript.is_type(event.type):
            try:
                reply = await self.service.off_loop(self.service.turn, event.data)
            except Exception:  # noqa: BLE001 - a fault in one turn must not end the service for everyone
                _LOGGER.exception("a turn failed")
                reply = Error("the skill failed on this turn", code="internal").event()
            return await self._send(reply)
        if Ping.is_type(event.type):
            text = event.data.get("text")
            return await self._send(Pong(text if isinstance(text, str) else None).event())
        return await self._send(Error(f"{event.type!r} is not taken here", code="unsupported").event())

    async def _send(self, event: Event) -> bool:
        try:
            await asyncio.wait_for(self.write_event(event), WRITE_TIMEOUT)
        except (ConnectionError, TimeoutError, RuntimeError) as error:  # the client went away mid-turn
            _LOGGER.info("reply not delivered: %s", error or type(error).__name__)
            return False
        return True


def is_loopback(uri: str) -> bool:
    """True when `uri` listens only on this machine (a loopback address, a Unix socket, or stdio)."""
    parsed = urlparse(uri)
    if parsed.scheme != "tcp":
        return True
    if parsed.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parsed.hostname or "").is_loopback
    except ValueError:
        return False


async def serve(uri: str, service: Service, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
    """Serve on `uri` until `stop` is set; then close the connections and the conversations."""
    if urlparse(uri).scheme not in ("tcp", "unix"):
        raise ValueError("use tcp://HOST:PORT or unix:///PATH")  # stdio would serve one client, then stop
    server = AsyncServer.from_uri(uri)
    await server.start(partial(CoachHandler, service=service))
    if ready is not None:
        ready.set()
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SWEEP_SECONDS)
            try:
                await service.off_loop(service.conversations.expire)
            except Exception:  # noqa: BLE001 - a fault in one conversation must not stop the service
                _LOGGER.exception("expiring conversations failed")
    finally:
        await server.stop()
        # After every turn already handed to the worker (a summary it is saving finishes first).
        await service.off_loop(service.conversations.close)
        service.worker.shutdown(wait=True)
