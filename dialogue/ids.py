"""Closed sets the code owns: answer kinds, commands, endings, summary styles, endpoints, home actions.

The domain's own ids (causes, red flags, topics, modes) are content: content/domain.yaml declares them."""

from __future__ import annotations

from enum import StrEnum


class Expects(StrEnum):
    """The kind of answer a question wants."""

    YES_NO = "yes_no"
    CHOICE = "choice"
    NUMBER = "number"
    FREE = "free"


class Command(StrEnum):
    """Global commands that work at every question."""

    REPEAT = "repeat"
    HELP = "help"
    BACK = "back"
    SKIP = "skip"
    START_OVER = "start_over"
    STOP = "stop"


UNSURE = "unsure"  # the intent for "I don't know", valid at every question
NUMBER = "number"  # the intent of an answer to a number question
NONE = "none"  # the intent of a no-match
END = "end"  # the node id that ends a dialogue tree
DEFAULT = "default"  # the key of a `next` map taken when no answer-specific branch applies


class EndReason(StrEnum):
    """Why a conversation ended (the `end` event's reason)."""

    DONE = "done"
    STOPPED = "stopped"
    URGENT = "urgent"
    INPUT_CLOSED = "input_closed"


class SummaryStyle(StrEnum):
    """How a mode ends: the full summary with an offer to repeat, or a short answer that ends it."""

    FULL = "full"
    SHORT = "short"


class Endpoint(StrEnum):
    """How long a pause ends a spoken answer (voice.endpoint's settings, by name)."""

    DEFAULT = "default"
    WORKOUT = "workout"


# What a home request can do besides starting a mode: answer a question at once, or go back to waiting.
HOME_ACTIONS = ("ask", "stop")


COMMANDS = frozenset(c.value for c in Command)  # the global commands, as intents
