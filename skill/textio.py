"""The typed conversation and the JSON-lines interface, over any text streams."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TextIO

from dialogue.events import End, Error, Event, Prompt, Say, Summary
from skill.session import Session

Transcribe = Callable[[str], tuple[str, float]]  # a WAV path -> (text heard, confidence); ValueError if unusable


def emit_json(events: Iterable[Event], out: TextIO) -> str | None:
    """Write events as JSON lines; return the reason of an End among them, else None."""
    reason = None
    for event in events:
        out.write(json.dumps(event.to_dict(), ensure_ascii=False) + "\n")
        if isinstance(event, End):
            reason = event.reason
    out.flush()
    return reason


def parse_line(line: str) -> dict[str, object] | str:
    """The JSON object on an input line, or a message saying what is wrong with it."""
    try:
        message = json.loads(line)
    except json.JSONDecodeError as error:
        return f'not valid JSON ({error.msg} at column {error.colno}); send {{"text": "your answer"}}'
    if not isinstance(message, dict):
        return 'expected a JSON object such as {"text": "yes"}'
    return message


def answer_text(message: dict[str, object], transcribe: Transcribe | None) -> tuple[str, float]:
    """The answer an input object carries, with a confidence: its "text", or its "audio" file recognised."""
    text = message.get("text")
    if isinstance(text, str):
        return text, 1.0
    audio = message.get("audio")
    if isinstance(audio, str) and transcribe is not None:
        return transcribe(audio)
    raise ValueError(
        'missing "text": send {"text": "your answer"}' + (' or {"audio": "file.wav"}' if transcribe else "")
    )


def converse_json(
    conversation: Session, lines: Iterable[str], out: TextIO, transcribe: Transcribe | None = None
) -> str:
    """Drive a conversation line by line; returns the end reason."""
    reason = emit_json(conversation.start(), out)
    if reason:
        return reason
    for line in lines:
        if not line.strip():
            continue
        message = parse_line(line)
        try:
            if isinstance(message, str):
                raise ValueError(message)
            text, confidence = answer_text(message, transcribe)
        except ValueError as error:
            emit_json([Error(str(error))], out)
            continue
        reason = emit_json(conversation.hear(text, confidence), out)
        if reason:
            return reason
    emit_json([End("input_closed")], out)
    return "input_closed"


def render(event: Event) -> str | None:
    """The line a person reads in the typed chat (None for events that are not shown)."""
    if isinstance(event, Prompt | Say):
        return event.text
    if isinstance(event, Summary):
        return "\n" + event.text + "\n"
    return None


def chat(conversation: Session, read: Callable[[str], str], write: Callable[[str], None]) -> str:
    """The typed conversation: print what the skill says, read what the user types."""
    events = conversation.start()
    while True:
        for event in events:
            shown = render(event)
            if shown is not None:
                write(shown)
            if isinstance(event, End):
                return event.reason
        try:
            typed = read("> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return "input_closed"
        events = conversation.hear(typed)
