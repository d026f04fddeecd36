"""The stable ids from domain.md: causes, red flags, question topics, answer kinds."""

from __future__ import annotations

from enum import StrEnum


class Cause(StrEnum):
    """Cause factors the skill can point to."""

    FATIGUE = "fatigue"
    DEHYDRATION = "dehydration"
    ELECTROLYTES = "electrolytes"
    OVERTRAINING = "overtraining"
    NERVE_IRRITATION = "nerve_irritation"
    STRESS = "stress"
    SLEEP = "sleep"
    STIMULANTS = "stimulants"


class RedFlag(StrEnum):
    """Signs that always lead to "see a healthcare professional"."""

    PERSISTENT = "persistent"
    PAINFUL = "painful"
    WEAKNESS = "weakness"
    NUMBNESS = "numbness"
    VISION = "vision"
    SPREADING = "spreading"
    MEDICATION = "medication"


class Topic(StrEnum):
    """What a question asks about; every question node has exactly one."""

    RED_FLAGS = "red_flags"
    PAIN = "pain"
    WEAKNESS = "weakness"
    NUMBNESS = "numbness"
    VISION = "vision"
    SPREADING = "spreading"
    MEDICATION = "medication"
    DURATION = "duration"
    INTENSITY = "intensity"
    TRAINING_LOAD = "training_load"
    HYDRATION = "hydration"
    ELECTROLYTES = "electrolytes"
    SLEEP = "sleep"
    CAFFEINE = "caffeine"
    STRESS = "stress"
    NERVE = "nerve"


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

# Questions about safety: always asked out loud, never filled in from a free question, and never
# where red-flag keywords in the answer are looked for (the answer itself decides).
RED_FLAG_TOPICS = frozenset(
    {"red_flags", "pain", "weakness", "numbness", "vision", "spreading", "medication", "duration"}
)
