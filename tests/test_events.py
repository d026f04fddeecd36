"""The JSON-lines contract: every event type is found by walking the project's packages, and each one
round-trips (from_dict of to_dict is the same event); bad objects get a clear error; the README's
examples parse into their event types and back to the same objects, so the README cannot drift."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
import types
import typing
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from twitch_coach import dialogue, intents, skill
from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.events import EVENT_TYPES, Event, Summary
from twitch_coach.dialogue.loader import load
from twitch_coach.dialogue.scoring import CauseScore

README = Path(__file__).resolve().parents[1] / "README.md"
PACK = Path(__file__).resolve().parent / "packs" / "cramp"


def all_event_types() -> list[type[Event]]:
    """Every Event subclass defined anywhere in the project's packages (voice imports nothing of ours)."""
    found: set[type[Event]] = set()
    for package in (dialogue, intents, skill):
        for _finder, name, _ispkg in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if name.endswith(".__main__"):  # runs the command when imported
                continue
            module = importlib.import_module(name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, Event) and cls is not Event:
                    found.add(cls)
    return sorted(found, key=lambda cls: cls.type)


EVENTS = all_event_types()


def _sample(hint: Any, metadata: typing.Mapping[str, Any]) -> Any:
    """A value of the annotated type, not a default: the round trip must carry it."""
    if "one_of" in metadata:
        return list(metadata["one_of"])[-1].value
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is str:
        return 'some text, with "quotes" and é'
    if hint is float:
        return 2.5
    if hint is bool:
        return True
    if origin is list and args[0] is str:
        return ["first", "second"]
    if origin is list:  # the summary's causes
        return [CauseScore("a_cause", 3.0, "a reason", "some advice")]
    if origin in (typing.Union, types.UnionType):  # Heard.value: its first type
        return _sample(args[0], {})
    raise AssertionError(f"no sample value for {hint}: teach _sample (and dialogue.events._read) this type")


def sample(cls: type[Event]) -> Event:
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: _sample(hints[f.name], f.metadata) for f in fields(cls)})


def test_every_event_type_found_is_on_the_wire_under_its_own_name() -> None:
    assert EVENTS, "no event types found"
    assert {cls.type for cls in EVENTS} == set(EVENT_TYPES)
    assert all(EVENT_TYPES[cls.type] is cls for cls in EVENTS)
    assert len({cls.type for cls in EVENTS}) == len(EVENTS)  # no two share a type


@pytest.mark.parametrize("cls", EVENTS, ids=lambda cls: cls.type)
def test_each_event_type_round_trips_through_a_json_line(cls: type[Event]) -> None:
    event = sample(cls)
    data = json.loads(json.dumps(event.to_dict()))
    assert data["type"] == cls.type
    for reader in (Event, cls):  # read as "any event" and as exactly this one
        back = reader.from_dict(data)
        assert type(back) is cls and back == event
        assert back.to_dict() == data


@pytest.mark.parametrize("value", [None, 5.0, "five"])
def test_heard_keeps_each_kind_of_value(value: Any) -> None:
    data = {"type": "heard", "text": "five", "intent": "number", "value": value, "confidence": 0.5}
    assert Event.from_dict(data).to_dict() == data


def test_numbers_written_without_a_point_read_back_as_floats() -> None:
    heard = Event.from_dict({"type": "heard", "text": "1", "intent": "number", "value": 1, "confidence": 1})
    assert heard.to_dict()["value"] == 1.0 and isinstance(heard.to_dict()["confidence"], float)
    cause = {"id": "x", "score": 2, "why": "", "advice": "rest"}
    summary = Event.from_dict({"type": "summary", "causes": [cause], "red_flags": [], "urgent": False, "text": ""})
    assert isinstance(summary, Summary) and summary.causes == [CauseScore("x", 2.0, "", "rest")]
    assert isinstance(summary.causes[0].score, float)


BAD = [
    ([], "an event is a JSON object, not list"),
    ({"text": "hi"}, "unknown event type None; expected prompt, heard, say, summary, end, error, notice, listening, wake"),
    ({"type": "shout", "text": "hi"}, "unknown event type 'shout'"),
    ({"type": "say"}, "say: missing field 'text'"),
    ({"type": "say", "text": "hi", "loud": True}, "say: unknown field 'loud'; fields: text"),
    ({"type": "listening", "text": "hi"}, "listening: unknown field 'text'; fields: none"),
    ({"type": "say", "text": 5}, "say.text: expected str, not int 5"),
    ({"type": "end", "reason": "bored"}, "end.reason: 'bored' is not one of: done, stopped, urgent, input_closed"),
    ({"type": "heard", "text": "x", "intent": "yes", "value": [1], "confidence": 1.0},
     "heard.value: expected float or str or null, not list [1]"),
    ({"type": "heard", "text": "x", "intent": "yes", "value": None, "confidence": True},
     "heard.confidence: expected float, not bool True"),
    ({"type": "prompt", "mode": "m", "node": "n", "topic": "t", "text": "?", "expects": "essay", "choices": []},
     "prompt.expects: 'essay' is not one of: yes_no, choice, number, free"),
    ({"type": "prompt", "mode": "m", "node": "n", "topic": "t", "text": "?", "expects": "choice", "choices": [1]},
     "prompt.choices[0]: expected str, not int 1"),
    ({"type": "summary", "causes": [{"id": "x"}], "red_flags": [], "urgent": False, "text": ""},
     "summary.causes[0]: expected the fields id, score, why, advice, not id"),
    ({"type": "summary", "causes": [{"id": "x", "score": "high", "why": "", "advice": ""}], "red_flags": [],
      "urgent": False, "text": ""}, "summary.causes[0].score: expected float, not str 'high'"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "message"), BAD, ids=[m for _, m in BAD])
def test_a_bad_object_gets_a_clear_error(data: Any, message: str) -> None:
    with pytest.raises(ValueError) as error:
        Event.from_dict(data)
    assert str(error.value).startswith(message)


def test_an_event_type_reads_only_its_own_kind() -> None:
    with pytest.raises(ValueError, match="unknown event type 'end'; expected say"):
        EVENT_TYPES["say"].from_dict({"type": "end", "reason": "done"})


@pytest.mark.parametrize("folder", [None, PACK], ids=["shipped", "cramp"])
def test_what_a_real_conversation_says_round_trips(folder: Path | None) -> None:
    content = load(folder=folder)
    for mode in content.trees:
        conversation = Conversation(content, mode)
        events = conversation.start()
        for _ in range(40):  # "not sure" to everything reaches the summary by the safe branches and move-ons
            if conversation.finished or conversation.reviewing:
                break
            events += conversation.hear("not sure")
        events += conversation.hear("repeat") + conversation.hear("stop")
        kinds = {type(e) for e in events}
        assert {EVENT_TYPES["summary"], EVENT_TYPES["prompt"], EVENT_TYPES["heard"], EVENT_TYPES["end"]} <= kinds
        for event in events:
            data = json.loads(json.dumps(event.to_dict()))
            assert Event.from_dict(data) == event and Event.from_dict(data).to_dict() == data


def _json_lines_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## The JSON-lines interface")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def readme_examples() -> list[dict[str, Any]]:
    """The event objects the README shows: the ```json block, and inline `{"type": ...}` mentions."""
    section = _json_lines_section()
    block = re.search(r"```json\n(.*?)```", section, re.S)
    assert block, "no ```json block under 'The JSON-lines interface'"
    lines = [json.loads(line) for line in block.group(1).splitlines() if line.strip()]
    inline = [json.loads(m) for m in re.findall(r"`(\{\"type\".*?\})`", section)]
    return lines + inline


EXAMPLES = readme_examples()


@pytest.mark.parametrize("data", EXAMPLES, ids=[d.get("type", "?") for d in EXAMPLES])
def test_each_readme_example_parses_into_its_event_type_and_back(data: dict[str, Any]) -> None:
    event = Event.from_dict(data)
    assert type(event) is EVENT_TYPES[data["type"]]
    assert event.to_dict() == data


def test_the_readme_shows_every_event_type() -> None:
    assert {d["type"] for d in EXAMPLES} == set(EVENT_TYPES)
