"""What the conversation says and does, one event at a time; each is one JSON line, written and read back."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from enum import StrEnum
from typing import Any, ClassVar

from twitch_coach.dialogue.ids import EndReason, Expects
from twitch_coach.dialogue.scoring import CauseScore


def _one_of(values: type[StrEnum]) -> Any:
    """A field whose text must be one of `values` (checked when an event is read back)."""
    return field(metadata={"one_of": values})


@dataclass(frozen=True)
class Event:
    """Base of every event; `type` names it on the wire."""

    type: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        """The event as its JSON object."""
        return {"type": self.type, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        """The event a JSON object describes (of this class, or of any class when called on Event);
        ValueError says what is wrong: an unknown type, a missing, unknown or mistyped field."""
        if not isinstance(data, Mapping):
            raise ValueError(f"an event is a JSON object, not {type(data).__name__}")
        kind = data.get("type")
        target = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
        if target is None or (cls is not Event and target is not cls):
            wanted = ", ".join(EVENT_TYPES) if cls is Event else cls.type
            raise ValueError(f"unknown event type {kind!r}; expected {wanted}")
        hints = typing.get_type_hints(target)
        names = [f.name for f in fields(target)]
        unknown = sorted(set(data) - {"type", *names})
        if unknown:
            raise ValueError(f"{kind}: unknown field {unknown[0]!r}; fields: {', '.join(names) or 'none'}")
        values = {}
        for spec in fields(target):
            if spec.name not in data:  # to_dict writes every field, defaults included
                raise ValueError(f"{kind}: missing field {spec.name!r}")
            values[spec.name] = _read(data[spec.name], hints[spec.name], f"{kind}.{spec.name}")
            allowed = spec.metadata.get("one_of")
            if allowed is not None and values[spec.name] not in set(allowed):
                raise ValueError(f"{kind}.{spec.name}: {values[spec.name]!r} is not one of: {', '.join(allowed)}")
        return target._checked(target(**values))

    def _checked(self) -> Event:
        """Checks an event type adds to its fields' types; the event itself when it passes."""
        return self


def _read(value: Any, hint: Any, where: str) -> Any:
    """`value` from JSON as the annotated type `hint` (ints become floats); ValueError when it is not one."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        for option in args:
            try:
                return _read(value, option, where)
            except ValueError:
                continue
    elif hint is Any:
        return value
    elif hint is type(None):
        if value is None:
            return None
    elif hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif hint in (str, bool):
        if isinstance(value, hint):
            return value
    elif origin is list and isinstance(value, list):
        return [_read(item, args[0], f"{where}[{i}]") for i, item in enumerate(value)]
    elif origin is dict and isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _read(v, args[1], f"{where}.{k}") for k, v in value.items()}
    elif isinstance(hint, type) and is_dataclass(hint) and isinstance(value, dict):
        # A record inside an event (a summary's CauseScore): every field, read as its own type.
        hints = typing.get_type_hints(hint)
        if set(value) != set(hints):
            raise ValueError(f"{where}: expected the fields {', '.join(hints)}, not {', '.join(value) or 'none'}")
        return hint(**{name: _read(value[name], kind, f"{where}.{name}") for name, kind in hints.items()})
    raise ValueError(f"{where}: expected {_name(hint)}, not {type(value).__name__} {value!r}"[:200])


def _name(hint: Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_name(a) for a in args)
    if origin is not None:
        return f"{origin.__name__} of {_name(args[-1])}"
    return "null" if hint is type(None) else getattr(hint, "__name__", str(hint))


@dataclass(frozen=True)
class Prompt(Event):
    """A question for the user."""

    type: ClassVar[str] = "prompt"
    mode: str
    node: str
    topic: str
    text: str
    expects: str = _one_of(Expects)  # yes_no | number | choice | free
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
    causes: list[CauseScore]  # every cause, best first; on the wire {"id", "score", "why", "advice"} each
    red_flags: list[str]
    urgent: bool
    text: str


@dataclass(frozen=True)
class End(Event):
    """The conversation is over."""

    type: ClassVar[str] = "end"
    reason: str = _one_of(EndReason)  # done | stopped | urgent | input_closed


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


# Every event by its wire type; tests/test_events.py finds every Event subclass and checks each is here.
EVENT_TYPES: dict[str, type[Event]] = {
    e.type: e for e in (Prompt, Heard, Say, Summary, End, Error, Notice, Listening, Wake)
}
