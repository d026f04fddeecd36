"""The loaded content: frozen dataclasses built from the YAML files in content/."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CauseInfo:
    """One cause factor and what the skill says about it."""

    id: str
    name: str  # how the summary names it: "short sleep"
    why: str  # why it causes twitching, spoken
    advice: str  # what to do, spoken
    now: str  # one thing to do right now, mid-workout
    prior: float  # how common it is after exercise when nothing else is known; breaks ties
    keywords: tuple[str, ...]  # words in a free question that point to it


@dataclass(frozen=True)
class RedFlagInfo:
    """One red flag and the advice spoken when it is raised."""

    id: str
    reason: str  # how the summary names it: "it hurts"
    said: str  # plain advice spoken as soon as it is raised
    keywords: tuple[str, ...]  # words in a free question or answer that raise it


@dataclass(frozen=True)
class Urgent:
    """Signs that need help now, and the wording for them."""

    said: str
    reason: str
    signs: dict[str, tuple[str, ...]]  # sign id -> phrases that mention it
    negations: tuple[str, ...]  # words just before a phrase that cancel it ("no chest pain")


@dataclass(frozen=True)
class Safety:
    """Red flags, urgent signs and the lines that keep people safe."""

    red_flags: dict[str, RedFlagInfo]
    urgent: Urgent
    professional: str
    safe_prefix: str
    emergency_intro: str
    reassurance: str
    reassurance_with_flags: str


@dataclass(frozen=True)
class Vocab:
    """What people say: answer sets, the universal "not sure", and the global commands."""

    unsure: tuple[str, ...]
    answer_sets: dict[str, dict[str, tuple[str, ...]]]  # set name -> answer id -> phrases
    commands: dict[str, tuple[str, ...]]  # command name -> phrases
    pronunciations: dict[str, str] = field(default_factory=dict)  # word -> ARPAbet phones, for the recogniser


@dataclass(frozen=True)
class Node:
    """One question of a dialogue tree."""

    id: str
    topic: str
    ask: str
    rephrase: str
    expects: str  # yes_no | choice | number | free
    choices: dict[str, tuple[str, ...]]  # answer id -> phrases, for yes_no and choice
    next: dict[str, str]  # answer id or "default" -> node id or "end"
    raises: dict[str, str] = field(default_factory=dict)  # answer id -> red flag id
    safe: str | None = None  # the answer an unclear reply counts as (red-flag questions)
    words: dict[str, float] = field(default_factory=dict)  # number questions: phrase -> value
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)  # tag -> phrases noticed in answers
    units: tuple[str, ...] = ()  # number questions: words said after the number ("hours"), for speech grammars

    def next_node(self, answer: str | None) -> str:
        """The node that follows `answer` (None when skipped)."""
        if answer is not None and answer in self.next:
            return self.next[answer]
        return self.next["default"]


@dataclass(frozen=True)
class DialogueTree:
    """One mode's questions, from `start` to "end"."""

    mode: str
    start: str
    intro: str
    nodes: dict[str, Node]


@dataclass(frozen=True)
class Rule:
    """An answer that meets every given condition adds `weight` to `cause`."""

    cause: str
    topic: str
    weight: float
    why: str  # spoken reason; {value} is the number given
    is_: tuple[str, ...] = ()  # the answer is one of these ids
    below: float | None = None  # the number given is less than this
    at_least: float | None = None  # the number given is at least this
    tag: str | None = None  # the answer carried this tag (for example "pre_workout")


@dataclass(frozen=True)
class Home:
    """The home device: the wake phrase, and what each request does after it."""

    wake: tuple[str, ...]  # phrases that wake the device ("hey coach")
    woken: str  # said when woken
    routes: dict[str, tuple[str, ...]]  # checkin | quick | ask | stop -> phrases, {part} expanded
    not_understood: str
    goodbye: str


@dataclass(frozen=True)
class Content:
    """Everything the skill says and understands, loaded and checked at start-up."""

    causes: dict[str, CauseInfo]
    safety: Safety
    vocab: Vocab
    messages: dict[str, object]
    trees: dict[str, DialogueTree]
    rules: tuple[Rule, ...]
    home: Home | None = None  # None when no home.yaml is loaded

    def message(self, key: str) -> str:
        """A spoken line from messages.yaml; a missing key raises instead of speaking the key."""
        value = self.messages[key]
        if not isinstance(value, str):
            raise KeyError(f"message {key!r} is not a single line")
        return value
