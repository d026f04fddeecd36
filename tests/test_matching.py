"""Text to intent on everyday phrasing: one case per labelled utterance in tests/utterances.yaml."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml

from twitch_coach.dialogue.content import Content
from twitch_coach.dialogue.loader import load
from twitch_coach.intents.matcher import Expectation, Match, Matcher

TABLE = Path(__file__).with_name("utterances.yaml")


@dataclass(frozen=True)
class Case:
    """One labelled utterance."""

    node: str  # tree.node, as in "checkin.sleep"
    say: str  # what was said
    intent: str  # an answer id, "number", "unsure", a command name, or "none"
    value: float | None = None  # the number, for intent "number"
    tags: tuple[str, ...] = ()  # tags the match must carry, exactly
    reason: str = ""  # known failures only: why it cannot pass yet

    @property
    def id(self) -> str:
        return f"{self.node}:{self.say}->{self.intent}" + ("" if self.value is None else f"={self.value:g}")


def _case(raw: dict, where: str) -> Case:
    """A case from one YAML entry; a bare yes/no (read by YAML as a boolean) is an error, not a guess."""
    unknown = set(raw) - {"node", "say", "intent", "value", "tags", "reason"}
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("node", "say", "intent"):
        if not isinstance(raw.get(key), str):
            raise ValueError(f"{where}: '{key}' should be quoted text, not {raw.get(key)!r}")
    value = raw.get("value")
    if (raw["intent"] == "number") != (value is not None):
        raise ValueError(f"{where}: give a value exactly when the intent is 'number'")
    return Case(raw["node"], raw["say"], raw["intent"], value, tuple(raw.get("tags") or ()), raw.get("reason", ""))


@cache
def table() -> tuple[tuple[Case, ...], tuple[Case, ...]]:
    """(cases, known failures) from utterances.yaml."""
    data = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    cases = tuple(_case(raw, f"cases[{i}]") for i, raw in enumerate(data["cases"]))
    known = tuple(_case(raw, f"known_failures[{i}]") for i, raw in enumerate(data.get("known_failures") or ()))
    for case in known:
        if not case.reason:
            raise ValueError(f"known failure {case.id} needs a reason")
    return cases, known


@cache
def content() -> Content:
    return load()


@cache
def matcher() -> Matcher:
    return Matcher(content().vocab.commands, content().vocab.unsure)


@cache
def expectation(ref: str) -> Expectation:
    """The Expectation of node `ref` ("checkin.sleep"), compiled with the content."""
    tree, nid = ref.split(".")
    node = content().trees[tree].nodes[nid]
    return node.expectation


def recognise(case: Case) -> Match:
    return matcher().match(case.say, expectation(case.node))


def problems(case: Case, match: Match) -> list[str]:
    """What is wrong with `match` as the meaning of `case`; empty when right."""
    found = []
    if match.intent != case.intent:
        found.append(f"intent {match.intent!r}, want {case.intent!r}")
    if case.value is not None and not (isinstance(match.value, float) and math.isclose(match.value, case.value)):
        found.append(f"value {match.value!r}, want {case.value!r}")
    if sorted(match.tags) != sorted(case.tags):
        found.append(f"tags {list(match.tags)}, want {list(case.tags)}")
    return found


CASES, KNOWN_FAILURES = table()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_utterance(case: Case) -> None:
    match = recognise(case)
    assert not problems(case, match), f"{case.say!r} at {case.node} heard as {match.text!r}, matched {match.phrase!r}"


@pytest.mark.parametrize("case", KNOWN_FAILURES, ids=[c.id for c in KNOWN_FAILURES])
def test_known_failure(case: Case) -> None:
    if problems(case, recognise(case)):
        pytest.xfail(case.reason)
    pytest.fail(f"{case.id} passes now: move it from known_failures to cases")


def test_table_accuracy() -> None:
    """Print the accuracy over the whole table; every labelled case must pass."""
    failed = [case for case in CASES if problems(case, recognise(case))]
    total = len(CASES) + len(KNOWN_FAILURES)
    right = len(CASES) - len(failed)
    print(
        f"\ntext-to-intent accuracy: {right}/{len(CASES)} labelled cases = {right / len(CASES):.1%};",
        f"with the {len(KNOWN_FAILURES)} known failures, {right}/{total} = {right / total:.1%}",
    )
    assert not failed, [c.id for c in failed]


def test_table_covers_every_question_and_command() -> None:
    nodes = {f"{tree.mode}.{nid}" for tree in content().trees.values() for nid in tree.nodes}
    said_at = {case.node for case in CASES}
    assert said_at <= nodes, f"unknown nodes in the table: {sorted(said_at - nodes)}"
    assert nodes <= said_at, f"questions with no labelled utterance: {sorted(nodes - said_at)}"
    intents = {case.intent for case in CASES}
    missing = set(content().vocab.commands) - intents
    assert not missing, f"commands never said in the table: {sorted(missing)}"
    for ref in sorted(nodes):
        node = content().trees[ref.split(".")[0]].nodes[ref.split(".")[1]]
        at_node = {case.intent for case in CASES if case.node == ref}
        assert set(node.choices) <= at_node, f"{ref}: answers never said: {sorted(set(node.choices) - at_node)}"
        assert {"unsure", "none"} <= at_node, f"{ref}: needs a 'not sure' case and a case that must be rejected"


def test_table_has_enough_cases() -> None:
    assert len(CASES) >= 320


def test_labels_are_possible_at_their_question() -> None:
    """Every expected intent is something the question can say back (catches typos in the table)."""
    commands = set(content().vocab.commands)
    for case in CASES:
        exp = expectation(case.node)
        allowed = set(exp.choices) | commands | {"unsure", "none"} | ({"number"} if exp.expects == "number" else set())
        assert case.intent in allowed, case.id


if __name__ == "__main__":
    for case in CASES + KNOWN_FAILURES:
        match = recognise(case)
        if problems(case, match):
            wrong = "; ".join(problems(case, match))
            print(f"FAIL {case.id}: {wrong} (heard {match.text!r}, phrase {match.phrase!r})")
    test_table_accuracy()
