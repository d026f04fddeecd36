"""The typed conversation and the JSON-lines interface, over any text streams."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from twitch_coach.dialogue.events import End, Error, Event, Notice, Prompt, Say, Summary
from twitch_coach.skill.session import Session

Transcribe = Callable[[str], tuple[str, float]]  # a WAV path -> (text heard, confidence); ValueError if unusable

MAX_LINE = 16_384  # characters in one input line: a JSON answer is a few dozen; more is a mistake or an attack
MAX_ANSWER = 1_000  # characters in one answer: matching time grows with length, and nobody says more at once
_SURROGATE = re.compile("[\ud800-\udfff]")  # undecodable bytes (surrogateescape) or a lone \ud800 escape


class BadLine(str):
    """An input line that could not be read as text; the string is what is wrong with it."""


def read_lines(stream: TextIO, limit: int = MAX_LINE) -> Iterator[str]:
    """The lines of `stream`, each at most `limit` characters; a longer one, or one that is not UTF-8,
    comes as a BadLine saying so (the rest of an overlong line is skipped without being kept)."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith("\n"):
            while (rest := stream.readline(limit)) and not rest.endswith("\n"):
                pass
            yield BadLine(f"line longer than {limit} characters; send one short JSON object per line")
        elif _SURROGATE.search(line):
            yield BadLine("line is not valid UTF-8 text; send UTF-8")
        else:
            yield line


def utf8_streams(json_lines: bool) -> None:
    """Undecodable input bytes become lone surrogates, which the readers reject with a clear message
    (not a UnicodeDecodeError); JSON output is UTF-8 whatever the locale, never echoing invalid bytes."""
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(encoding="utf-8", errors="surrogateescape")
    if json_lines and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8", errors="replace")


def usable_answer(text: str) -> str:
    """`text` if it can be taken as an answer; ValueError saying why not."""
    if _SURROGATE.search(text):
        raise ValueError("the answer is not valid UTF-8 text (it holds a lone surrogate)")
    if len(text) > MAX_ANSWER:
        raise ValueError(f"the answer is longer than {MAX_ANSWER} characters; say it in a few words")
    return text


# json.dumps leaves these raw inside strings, and many line readers (Python's splitlines, JavaScript's) end a
# line at them: escaped, each event is still one line to every reader, and reads back as the same text.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def emit_json(events: Iterable[Event], out: TextIO) -> str | None:
    """Write events as JSON lines; return the reason of an End among them, else None."""
    reason = None
    for event in events:
        line = json.dumps(event.to_dict(), ensure_ascii=False).translate(_LINE_BREAKS)
        # Only valid UTF-8 goes out, whatever came in: a client may fail on a lone surrogate.
        out.write(line.encode("utf-8", "replace").decode("utf-8") + "\n")
        if isinstance(event, End):
            reason = event.reason
    out.flush()
    return reason


def parse_line(line: str) -> dict[str, object] | str:
    """The JSON object on an input line, or a message saying what is wrong with it."""
    if isinstance(line, BadLine):
        return str(line)
    try:
        message = json.loads(line)
    except json.JSONDecodeError as error:
        return f'not valid JSON ({error.msg} at column {error.colno}); send {{"text": "your answer"}}'
    except RecursionError:
        return 'JSON nested too deeply; send {"text": "your answer"}'
    except ValueError as error:  # an integer with thousands of digits, and the like
        return f'not usable JSON ({error}); send {{"text": "your answer"}}'
    if not isinstance(message, dict):
        return 'expected a JSON object such as {"text": "yes"}'
    return message


def answer_text(message: dict[str, object], transcribe: Transcribe | None) -> tuple[str, float]:
    """The answer an input object carries, with a confidence: its "text", or its "audio" file recognised."""
    text = message.get("text")
    if isinstance(text, str):
        return usable_answer(text), 1.0
    audio = message.get("audio")
    if isinstance(audio, str) and transcribe is not None:
        if _SURROGATE.search(audio) or "\0" in audio:
            raise ValueError('"audio" is not a usable file name; send {"audio": "file.wav"}')
        text, confidence = transcribe(audio)
        return usable_answer(text), confidence
    raise ValueError(
        'missing "text": send {"text": "your answer"}' + (' or {"audio": "file.wav"}' if transcribe else "")
    )


def converse_json(
    conversation: Session, lines: Iterable[str], out: TextIO, transcribe: Transcribe | None = None
) -> str:
    """Drive a conversation line by line; returns the end reason. Every line that cannot be used gets an
    `error` event and the conversation carries on where it was (see read_lines for capping a stream)."""
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
    if isinstance(event, Prompt | Say | Notice):
        return event.text
    if isinstance(event, Summary):
        return "\n" + event.text + "\n"
    return None


def chat(conversation: Session, read: Callable[[str], str], write: Callable[[str], None], resume: bool = False) -> str:
    """The typed conversation: print what the skill says, read what the user types.

    With `resume`, carries on where a spoken conversation left off instead of starting again."""
    events = conversation.resume() if resume else conversation.start()
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
        try:
            events = conversation.hear(usable_answer(typed[:MAX_LINE]))
        except ValueError as error:
            events = [Say(f"Sorry, I couldn't use that: {error}.")]
