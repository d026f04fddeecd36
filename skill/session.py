"""A conversation with the journal around it: persistence before, trends after the summary, saving at the end."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from dialogue.content import Content
from dialogue.engine import Conversation
from dialogue.events import End, Event, Say, Summary
from dialogue.history import HistoryRules, load_rules, persistence, trends
from dialogue.scoring import Answer
from skill.journal import Journal, JournalError

_LOGGER = logging.getLogger(__name__)
_SAVED_ENDINGS = ("done", "urgent")  # a stopped check-in is not saved: it may be half an answer


def local_now() -> datetime:
    """Now, in this machine's time zone (days are counted in the user's calendar)."""
    return datetime.now().astimezone()


def open_conversation(
    content: Content,
    mode: str,
    journal: Journal | None,
    clock: Callable[[], datetime] = local_now,
    rules: HistoryRules | None = None,
    known: Mapping[str, Answer] | None = None,
) -> Conversation:
    """A conversation for `mode` (skipping `known` answers); past check-ins can raise `persistent` first."""
    known = dict(known or {})
    if journal is None:
        return Conversation(content, mode, known=known)
    rules = rules or load_rules()
    try:
        finding = persistence([e.at for e in journal.entries()], clock(), rules)
    except JournalError as error:
        _LOGGER.warning("journal not read: %s", error)
        finding = None
    if finding is None:
        return Conversation(content, mode, known=known)
    opening = (finding.said, content.safety.professional)
    return Conversation(content, mode, known=known, known_flags=("persistent",), opening=opening)


class Session:
    """Drives a Conversation like the loops expect (start, hear, current), keeping the journal."""

    def __init__(
        self,
        conversation: Conversation,
        journal: Journal | None,
        clock: Callable[[], datetime] = local_now,
        rules: HistoryRules | None = None,
    ) -> None:
        self.conversation = conversation
        self.journal = journal
        self.clock = clock
        self.rules = rules or (load_rules() if journal is not None else None)
        self._trends_said = False

    def start(self) -> list[Event]:
        """Open the conversation."""
        return self.conversation.start()

    def hear(self, utterance: str, confidence: float = 1.0) -> list[Event]:
        """Pass an answer on; add trend lines after the first summary and save the check-in at its end."""
        events = self.conversation.hear(utterance, confidence)
        if self.journal is None:
            return events
        out: list[Event] = []
        for event in events:
            out.append(event)
            if isinstance(event, Summary) and not self._trends_said:
                self._trends_said = True
                out += [Say(line) for line in self._trend_lines()]
            if isinstance(event, End) and event.reason in _SAVED_ENDINGS:
                self._save(event.reason)
        return out

    def current(self):  # noqa: ANN201 - the Node type lives in dialogue.content
        """The question now open, if any."""
        return self.conversation.current()

    @property
    def confirming(self) -> bool:
        """True while "Did you say ...?" waits for a yes or no."""
        return self.conversation.confirming

    def _trend_lines(self) -> list[str]:
        assert self.journal is not None and self.rules is not None
        try:
            return trends(self.journal.entries(), self.conversation.answers, self.clock(), self.rules)
        except JournalError as error:
            _LOGGER.warning("journal not read: %s", error)
            return []

    def _save(self, reason: str) -> None:
        assert self.journal is not None
        conversation = self.conversation
        summary = conversation.last_summary or conversation.summary()
        flags = list(conversation.red_flags) + (["urgent"] if reason == "urgent" else [])
        try:
            self.journal.record(conversation.mode, conversation.answers, summary.causes, flags)
        except JournalError as error:
            _LOGGER.warning("check-in not saved: %s", error)
