"""What the conversation says and does, one event at a time; each serialises to one JSON line."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    """Base of every event; `type` names it on the wire."""

    type: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **asdict(self)}


@dataclass(frozen=True)
class Prompt(Event):
    """A question for the user."""

    type: ClassVar[str] = "prompt"
    mode: str
    node: str
    topic: str
    text: str
    expects: str  # yes_no | number | choice | free
    choices: list[str] = field(default_factory=list)  # answer ids the question accepts


@dataclass(frozen=True)
class Heard(Event):
    """How an answer was understood."""

    type: ClassVar[str] = "heard"
    text: str
    intent: str  # answer id, "number", "unsure", a command, or "none"
    value: float | str | None
    confidence: float


@dataclass(frozen=True)
class Say(Event):
    """A spoken line that is not a question."""

    type: ClassVar[str] = "say"
    text: str


@dataclass(frozen=True)
class Summary(Event):
    """The likely causes, the red flags and the advice, spoken and as data."""

    type: ClassVar[str] = "summary"
    causes: list[dict[str, Any]]  # every cause, best first: {"id","score","why","advice"}
    red_flags: list[str]
    urgent: bool
    text: str


@dataclass(frozen=True)
class End(Event):
    """The conversation is over."""

    type: ClassVar[str] = "end"
    reason: str  # done | stopped | urgent | input_closed


@dataclass(frozen=True)
class Error(Event):
    """An input line that could not be used; the conversation carries on where it was."""

    type: ClassVar[str] = "error"
    message: str


@dataclass(frozen=True)
class Notice(Event):
    """A line shown, not spoken: for example that a check-in could not be saved, and why."""

    type: ClassVar[str] = "notice"
    text: str


@dataclass(frozen=True)
class Listening(Event):
    """The device is listening (for the wake phrase, or for an answer)."""

    type: ClassVar[str] = "listening"


@dataclass(frozen=True)
class Wake(Event):
    """The wake phrase was heard."""

    type: ClassVar[str] = "wake"
    text: str  # what was heard, wake phrase included
