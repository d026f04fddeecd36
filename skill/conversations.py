"""Conversations kept by id for a front end that sends one turn at a time (the Wyoming service)."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from twitch_coach.dialogue.ask import answer
from twitch_coach.dialogue.content import Content, Home
from twitch_coach.dialogue.events import End, Event
from twitch_coach.dialogue.ids import Command, Expects
from twitch_coach.dialogue.safety import spot
from twitch_coach.dialogue.scoring import Answer
from twitch_coach.intents.matcher import Expectation, Matcher
from twitch_coach.intents.normalize import normalise
from twitch_coach.skill.home import carried_answers, route_of
from twitch_coach.skill.session import Session
from twitch_coach.skill.textio import render

_LOGGER = logging.getLogger(__name__)
IDLE_SECONDS = 300.0  # Home Assistant's own chat session lifetime: an id unheard for this long is forgotten
MOST_CONVERSATIONS = 200  # past this the longest silent one is dropped first: each open one holds about 70 KB
MAX_TEXT = 500  # characters; a spoken turn is a few words, a transcript longer than this is not an answer
NewSession = Callable[[str, Mapping[str, Answer]], Session]  # (mode, answers already known) -> session


@dataclass(frozen=True)
class ServiceText:
    """How the service names itself and the lines it says around the conversation (content/wyoming)."""

    name: str
    description: str
    attribution: str
    offer_checkin: str
    help: str
    not_handled: str
    too_long: str
    not_english: str


def load_text(path: Path | None = None) -> ServiceText:
    """Read content/wyoming/service.yaml; ValueError names a missing or empty line."""
    source = path or Path(str(resources.files("twitch_coach.content"))) / "wyoming" / "service.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    keys = ServiceText.__dataclass_fields__
    missing = [k for k in keys if not isinstance(data, dict) or not isinstance(data.get(k), str) or not data[k]]
    if missing:
        raise ValueError(f"{source}: each of these must be a line of text: {', '.join(missing)}")
    return ServiceText(**{k: data[k].strip() for k in keys})


@dataclass(frozen=True)
class Reply:
    """What to answer one turn with: handled or not, and whether a question is open."""

    text: str
    handled: bool = True
    expects_answer: bool = False


@dataclass
class _Thread:
    """One conversation id: the check-in under way, or what the next request carries on from."""

    seen: float
    session: Session | None = None
    known: dict[str, Answer] = field(default_factory=dict)  # a quick check's answers, for the check-in after it
    offered: bool = False  # a one-shot answer asked whether to check in now
    last: str = ""  # the last reply, for "repeat" between check-ins


class Conversations:
    """Routes each id's turns: a new id starts with a home request, a known one carries on; idle ids expire."""

    def __init__(
        self,
        content: Content,
        new_session: NewSession,
        text: ServiceText,
        clock: Callable[[], float] = time.monotonic,
        idle: float = IDLE_SECONDS,
        most: int = MOST_CONVERSATIONS,
    ) -> None:
        if content.home is None:
            raise ValueError("no home content (content/home.yaml) is loaded: it holds the requests")
        self.home: Home = content.home
        self.content, self.new_session, self.text = content, new_session, text
        self.clock, self.idle, self.most = clock, idle, most
        self._threads: OrderedDict[str, _Thread] = OrderedDict()  # least recently heard first
        self._matcher = Matcher(content.vocab.commands, content.vocab.unsure)
        self._yes_no = Expectation(Expects.YES_NO, content.vocab.answer_sets["yes_no"])

    def __len__(self) -> int:
        return len(self._threads)

    def reply(self, key: str, text: str) -> Reply:
        """The answer to `text` said in conversation `key`."""
        now = self.clock()
        self.expire(now)
        if len(text) > MAX_TEXT:
            return Reply(self.text.too_long, handled=False)  # nothing changes: the question stays open
        thread = self._threads.get(key)
        if thread is not None:
            thread.seen = now
            self._threads.move_to_end(key)
        reply = self._session_turn(thread, text) if thread and thread.session else None
        if reply is None:
            reply = self._request(key, thread, text, now)
        if key in self._threads:
            self._threads[key].last = reply.text
        return reply

    def expire(self, now: float | None = None) -> int:
        """Forget ids unheard for `idle` seconds; returns how many."""
        now = self.clock() if now is None else now
        expired = [k for k, t in self._threads.items() if now - t.seen >= self.idle]
        for key in expired:
            _LOGGER.info("conversation %s expired", key)
            self._drop(key)
        return len(expired)

    def close(self) -> None:
        """Forget every conversation (at shutdown), saving check-ins whose summary was given."""
        for key in list(self._threads):
            self._drop(key)

    # ----- turns -----

    def _session_turn(self, thread: _Thread, text: str) -> Reply | None:
        """Pass `text` to the check-in under way; None when it ended without a word (say, "stop" after the
        summary, or a new request), so the text is taken as a request."""
        session = thread.session
        assert session is not None
        spoken, ended = _spoken(session.hear(text))
        if ended:
            thread.session, thread.known = None, carried_answers(session)
            if not spoken:
                return None
        return Reply(spoken, expects_answer=not ended and session.current() is not None)

    def _request(self, key: str, thread: _Thread | None, text: str, now: float) -> Reply:
        """What a turn outside a check-in asks for: the home device's requests, by the same routing."""
        route = route_of(self.home, normalise(text))
        intent = self._matcher.match(text, self._yes_no).intent if route is None else None
        if intent == Command.HELP:
            return Reply(self.text.help, expects_answer=True)
        if thread is not None and intent is not None:
            if thread.offered and intent in ("yes", "no"):
                route = self.content.domain.default_mode if intent == "yes" else "stop"  # the full check
            elif intent == Command.REPEAT and thread.last:
                return Reply(thread.last, expects_answer=thread.offered)
            elif intent == Command.STOP:
                route = "stop"
        if spot(text, self.content.safety).urgent:
            route = "ask"  # an urgent sign is answered first, whatever else was asked
        if route is None or (route == "stop" and thread is None):
            return Reply(self.text.not_handled, handled=False)
        if route == "stop":
            self._drop(key)
            return Reply(self.home.goodbye)
        thread = thread or self._open(key, now)
        if route == "ask":
            summary = answer(self.content, text)
            if summary.urgent:
                self._drop(key)
                return Reply(summary.text)
            thread.offered = True
            return Reply(f"{summary.text} {self.text.offer_checkin}", expects_answer=True)
        thread.offered = False
        thread.session = self.new_session(route, thread.known)
        _LOGGER.info("conversation %s: %s started", key, route)
        spoken, ended = _spoken(thread.session.start())
        return Reply(spoken, expects_answer=not ended)

    # ----- keeping ids -----

    def _open(self, key: str, now: float) -> _Thread:
        while len(self._threads) >= self.most:
            oldest = next(iter(self._threads))
            _LOGGER.warning("too many conversations: dropping %s, the longest silent", oldest)
            self._drop(oldest)
        thread = self._threads[key] = _Thread(now)
        return thread

    def _drop(self, key: str) -> None:
        # Nothing to save: a check-in is saved when its summary is given (skill.session).
        self._threads.pop(key, None)


def _spoken(events: Iterable[Event]) -> tuple[str, bool]:
    """The text said for `events`, and whether the conversation ended among them."""
    lines, ended = [], False
    for event in events:
        ended = ended or isinstance(event, End)
        line = render(event)
        if line and line.strip():
            lines.append(line.strip())
    return " ".join(lines), ended

