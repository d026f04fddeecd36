"""A conversation with the journal around it: persistence before, trends after the summary, saving at the end."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

from twitch_coach.dialogue.content import Content, Node
from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.events import Event, Notice, Say, Summary
from twitch_coach.dialogue.history import HistoryRules, carried_over, persistence, trends
from twitch_coach.dialogue.scoring import Answer
from twitch_coach.skill.journal import Journal, JournalError

_LOGGER = logging.getLogger(__name__)
# Printed when a stop signal ends a session whose check-in is in the journal, perhaps before its summary was
# shown or said in full: the person learns that nothing was lost, and where to find it.
KEPT_ON_STOP = "Stopped. Your check-in is saved in your journal; twitch-coach journal list shows it."


def local_now() -> datetime:
    """Now, in this machine's time zone (days are counted in the user's calendar)."""
    return datetime.now().astimezone()


def open_session(
    content: Content,
    mode: str,
    journal: Journal | None,
    clock: Callable[[], datetime] = local_now,
    rules: HistoryRules | None = None,
    known: Mapping[str, Answer] | None = None,
) -> Session:
    """A session for `mode` that skips `known` answers. With a journal, past check-ins can raise `persistent`
    first, and a cooldown check-in carries on from a quick check just before it (see journal.yaml)."""
    known = dict(known or {})
    if journal is None:
        return Session(Conversation(content, mode, known=known), None, clock)
    rules = rules or content.journal
    policy = content.policy(mode)
    try:
        entries = journal.entries()
    except JournalError as error:
        _LOGGER.warning("journal not read: %s", error)
        entries = []
    now = clock()
    source = policy.carries_over_from
    carried = carried_over(entries, now, rules, source) if source else None
    if carried is not None:
        # Safety questions are always asked again: a red flag may have appeared since.
        safety = content.domain.safety_topics
        earlier = {t: Answer.from_dict(t, a) for t, a in carried.answers.items() if t not in safety}
        known = earlier | known
        _LOGGER.info("carrying on from the quick check at %s: %s", carried.at, sorted(earlier))
    finding = persistence([e.at for e in entries], now, rules)
    said = (finding.said, content.safety.professional) if finding else ()
    flags, opening = ((content.domain.journal_flag,), said) if finding else ((), ())
    conversation = Conversation(content, mode, known=known, known_flags=flags, opening=opening)
    return Session(conversation, journal, clock, rules, replaces=carried.id if carried else None)


class Session:
    """Drives a Conversation like the loops expect (start, hear, current), keeping the journal."""

    def __init__(
        self,
        conversation: Conversation,
        journal: Journal | None,
        clock: Callable[[], datetime] = local_now,
        rules: HistoryRules | None = None,
        replaces: int | None = None,
    ) -> None:
        self.conversation = conversation
        self.journal = journal
        self.clock = clock
        self.rules = rules or conversation.content.journal
        self.replaces = replaces  # the journal entry this check-in takes the place of when saved
        self._trends_said = False
        self._saved_summary: Summary | None = None  # the summary last saved, so "repeat" does not save again
        self._saved: tuple[int, int] | None = None  # (round, journal id) of this session's saved check-in

    def start(self) -> list[Event]:
        """Open the conversation."""
        return self._kept(self.conversation.start())

    def hear(self, utterance: str, confidence: float = 1.0, calibrated: bool = False) -> list[Event]:
        """Pass an answer on; add trend lines after the first summary and save the check-in at each summary."""
        return self._kept(self.conversation.hear(utterance, confidence, calibrated))

    def resume(self) -> list[Event]:
        """Ask again what is waiting, answers kept (see Conversation.resume)."""
        return self._kept(self.conversation.resume())

    def _kept(self, events: list[Event]) -> list[Event]:
        """`events` with the journal's part: a check-in is finished, and saved, when its summary is given.

        Whatever comes after (Ctrl-D, Ctrl-C, "start over", "stop", a lost device) keeps it. A later
        summary of the same check-in ("go back" and a changed answer) takes the earlier one's place.
        """
        if self.journal is None:
            return events
        out: list[Event] = []
        for event in events:
            out.append(event)
            if isinstance(event, Summary) and event is not self._saved_summary:
                trend = [] if self._trends_said else self._trend_lines()  # read before this one is saved
                self._trends_said = True
                problem = self._save(event)
                if problem:
                    out.append(Notice(f"not saved: {problem}"))
                out += [Say(line) for line in trend]
        return out

    def current(self) -> Node | None:
        """The question now open, if any."""
        return self.conversation.current()

    @property
    def confirming(self) -> bool:
        """True while "Did you say ...?" waits for a yes or no."""
        return self.conversation.confirming

    def _trend_lines(self) -> list[str]:
        assert self.journal is not None and self.rules is not None
        try:
            # The quick check this one carries on from is the same workout: counted once, as this check-in.
            past = [e for e in self.journal.entries() if e.id != self.replaces]
            return trends(past, self.conversation.answers, self.clock(), self.rules)
        except JournalError as error:
            _LOGGER.warning("journal not read: %s", error)
            return []

    def _save(self, summary: Summary) -> str:
        """Record the check-in `summary` ends; "" when saved, else what went wrong."""
        assert self.journal is not None
        conversation = self.conversation
        replaces = self.replaces
        if self._saved is not None:
            # The same check-in summarised again replaces itself; after "start over" a new one is added.
            replaces = self._saved[1] if self._saved[0] == conversation.rounds else None
        flags = list(summary.red_flags) + (["urgent"] if summary.urgent else [])
        with _signals_held():  # saved and known to be saved, or neither: a stop signal waits the few ms
            try:
                entry = self.journal.record(
                    conversation.mode, conversation.answers, summary.causes, flags, replaces=replaces
                )
            except JournalError as error:
                _LOGGER.warning("check-in not saved: %s", error)
                return str(error)
            self._saved_summary, self._saved = summary, (conversation.rounds, entry.id)
        return ""

    @property
    def saved(self) -> bool:
        """True once this session's check-in is in the journal."""
        return self._saved is not None


@contextlib.contextmanager
def telling_what_is_kept(session: Session, tell: Callable[[str], object]) -> Iterator[None]:
    """Around a conversation loop: when a stop signal (SIGINT, or SIGTERM raised as SystemExit) ends it after
    the check-in was saved, perhaps before its summary was shown, `tell` the person it is kept."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit):
        if session.saved:
            with contextlib.suppress(OSError, ValueError):  # a closed terminal must not hide the exit
                tell(KEPT_ON_STOP)
        raise


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM that arrive inside are acted on as the block ends (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    previous = {signum: signal.signal(signum, lambda got, _frame: came.append(got))
                for signum in (signal.SIGINT, signal.SIGTERM)}  # fmt: skip
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
        for got in dict.fromkeys(came):
            signal.raise_signal(got)
