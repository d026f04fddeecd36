"""Rank the causes from the answers given, by the rules in scoring.yaml."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from twitch_coach.dialogue.content import CauseInfo, Rule


@dataclass(frozen=True)
class Answer:
    """An understood answer to one topic."""

    topic: str
    intent: str  # the answer id ("yes", "hard"), "number" or "unsure"
    value: float | None = None  # the number given, for number questions
    tags: tuple[str, ...] = ()  # tags noticed in the answer ("pre_workout")

    def to_dict(self) -> dict[str, object]:
        return {"topic": self.topic, "intent": self.intent, "value": self.value, "tags": list(self.tags)}

    @classmethod
    def from_dict(cls, topic: str, data: Mapping[str, Any]) -> Answer:
        """The answer to `topic` from its {"intent", "value", "tags"} (to_dict's, or the journal's without a topic)."""
        return cls(topic, str(data["intent"]), data.get("value"), tuple(data.get("tags") or ()))


@dataclass(frozen=True)
class CauseScore:
    """How well one cause fits, and why."""

    id: str
    score: float  # sum of the weights of the rules that fired: above 0 the answers point here, below 0 away
    why: str  # the reasons from this person's answers that the score leans on, strongest first ("" when none)
    advice: str  # on the wire (a summary event) the four fields in this order: {"id", "score", "why", "advice"}


def spoken_number(value: float) -> str:
    """5.0 -> "5", 5.5 -> "5 and a half", 6.25 -> "6.25": numbers as they read aloud."""
    if value == int(value):
        return str(int(value))
    if value * 2 == int(value * 2):
        return f"{int(value)} and a half" if value > 1 else "half an"
    return f"{value:g}"


def holds(condition: Rule | Any, intent: str | None, value: float | None, tags: Iterable[str]) -> bool:
    """True when an answer meets every condition (is, below, at_least, tag) of a rule or trend."""
    if condition.is_ and intent not in condition.is_:
        return False
    if condition.below is not None and (value is None or value >= condition.below):
        return False
    if condition.at_least is not None and (value is None or value < condition.at_least):
        return False
    return condition.tag is None or condition.tag in tags


def fires(rule: Rule, answer: Answer) -> bool:
    """True when `answer` is on the rule's topic and meets every condition of `rule`."""
    return answer.topic == rule.topic and holds(rule, answer.intent, answer.value, answer.tags)


def rank(answers: Mapping[str, Answer], rules: tuple[Rule, ...], causes: Mapping[str, CauseInfo]) -> list[CauseScore]:
    """Every cause, best first: by total weight (evidence against counts below zero), then by how common it is."""
    totals = {cid: 0.0 for cid in causes}
    reasons: dict[str, list[tuple[float, str]]] = {cid: [] for cid in causes}
    for rule in rules:
        answer = answers.get(rule.topic)
        if answer is None or rule.cause not in totals or not fires(rule, answer):
            continue
        totals[rule.cause] += rule.weight
        value = spoken_number(answer.value) if answer.value is not None else ""
        reasons[rule.cause].append((rule.weight, rule.why.replace("{value}", value)))
    ranked = []
    for cid, info in causes.items():
        sign = (totals[cid] > 0) - (totals[cid] < 0)  # the reasons said are those the total leans on
        whys = []
        for weight, why in sorted(reasons[cid], key=lambda r: -abs(r[0])):
            if why not in whys and weight * sign > 0:
                whys.append(why)
        ranked.append(CauseScore(cid, totals[cid], " ".join(whys[:2]), info.advice))
    return ordered(ranked, causes)


def ordered(scores: Iterable[CauseScore], causes: Mapping[str, CauseInfo]) -> list[CauseScore]:
    """`scores` best first: by score, then by how common the cause is (the one order of every ranking)."""
    return sorted(scores, key=lambda c: (-c.score, -causes[c.id].prior))
