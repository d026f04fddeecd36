"""The labelled safety set (tests/safety_set.yaml): read it, run it through the skill, and score it.

Used by tests/test_safety_set.py (the labels themselves) and bench/bench_safety.py (the figures). A case
runs through what a person would meet: `ask` through the one-shot answer, a topic through a real
check-in standing at that question.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from twitch_coach.dialogue.ask import answer
from twitch_coach.dialogue.content import Content
from twitch_coach.dialogue.understand import understand

TABLE = Path(__file__).with_name("safety_set.yaml")
ASK = "ask"
KINDS = ("plain", "slip", "mixed", "negated", "lookalike")
QUIET_KINDS = ("negated", "lookalike")  # where a false alarm is counted
_KEYS = {"say", "at", "urgent", "flags", "kind", "held_out", "round"}


@dataclass(frozen=True)
class Case:
    """One labelled question or answer."""

    say: str
    at: str  # "ask" or a check-in topic
    kind: str
    urgent: str | None = None  # the urgent sign it names
    flags: tuple[str, ...] = ()  # red flags it must raise (not scored when `urgent` is set)
    held_out: bool = False
    line: int = 0  # 1-based line in the YAML file, for messages
    round: int = 1  # which held-out part: 1 (written first) or 2 (written after the spotting was tuned)

    def __str__(self) -> str:
        return f"line {self.line} [{self.at}] {self.say!r}"


@dataclass(frozen=True)
class Result:
    """What the skill did with one case."""

    urgent: bool
    flags: tuple[str, ...]


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that records the line of every mapping, so a bad label names its line."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def load_set(path: Path = TABLE) -> tuple[dict[str, str], tuple[Case, ...]]:
    """(sign id -> description, cases); a malformed entry raises ValueError naming its line."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (a SafeLoader)
    signs = {k: v for k, v in data["signs"].items() if k != "__line__"}
    cases = []
    for raw in data["cases"]:
        line = raw.pop("__line__")
        unknown = set(raw) - _KEYS
        if unknown:
            raise ValueError(f"{path.name}:{line}: unknown keys {sorted(unknown)}")
        for key in ("say", "at", "kind"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise ValueError(f"{path.name}:{line}: '{key}' should be quoted text, not {raw.get(key)!r}")
        flags = raw.get("flags") or []
        if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
            raise ValueError(f"{path.name}:{line}: 'flags' should be a list of red-flag ids")
        held = raw.get("held_out", False)
        if not isinstance(held, bool):
            raise ValueError(f"{path.name}:{line}: 'held_out' should be true or left out")
        rnd = raw.get("round", 1)
        if isinstance(rnd, bool) or not isinstance(rnd, int) or rnd < 1 or (rnd > 1 and not held):
            raise ValueError(f"{path.name}:{line}: 'round' should be a whole number from 1, and only on held-out cases")
        cases.append(Case(raw["say"], raw["at"], raw["kind"], raw.get("urgent"), tuple(flags), held, line, rnd))
    return signs, tuple(cases)


def run(content: Content, case: Case) -> Result:
    """What today's skill does with the case: urgent or not, and the red flags it raises."""
    if case.at == ASK:
        summary = answer(content, case.say)
        return Result(summary.urgent, tuple(summary.red_flags))
    heard = understand(content, case.at, case.say)
    return Result(bool(heard["urgent"]), tuple(heard["red_flags"]))  # type: ignore[arg-type]


@dataclass
class Figures:
    """Scores over a part of the set, with what went wrong."""

    urgent_total: int = 0
    urgent_missed: list[Case] = field(default_factory=list)
    flags_total: int = 0
    flags_missed: list[tuple[Case, str, Result]] = field(default_factory=list)
    quiet_total: int = 0
    false_alarms: list[tuple[Case, Result]] = field(default_factory=list)

    @staticmethod
    def percent(part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f}%" if whole else "n/a"


def score(content: Content, cases: Iterable[Case]) -> Figures:
    """Urgent signs caught, red flags caught, and false alarms on negated and look-alike cases."""
    figures = Figures()
    for case in cases:
        result = run(content, case)
        if case.urgent:
            figures.urgent_total += 1
            if not result.urgent:
                figures.urgent_missed.append(case)
            continue  # the urgent advice comes first; flags are not scored
        for flag in case.flags:
            figures.flags_total += 1
            if flag not in result.flags:
                figures.flags_missed.append((case, flag, result))
        if case.kind in QUIET_KINDS:
            figures.quiet_total += 1
            if result.urgent or set(result.flags) - set(case.flags):
                figures.false_alarms.append((case, result))
    return figures
