"""scoring.yaml: evidence rules from answers to causes; also the condition shared with journal trends."""

from __future__ import annotations

from typing import Any

from twitch_coach.dialogue.content import DialogueTree, Domain, Rule
from twitch_coach.dialogue.domain import check_id, read_topic
from twitch_coach.dialogue.fields import Reader, kind
from twitch_coach.dialogue.ids import UNSURE
from twitch_coach.dialogue.yamlfile import KeyPath

_RULE_FIELDS = ("cause", "topic", "weight", "why", "is", "below", "at_least", "tag")


def read_condition(
    reader: Reader, entry: dict[str, Any], where: KeyPath, what: str
) -> tuple[tuple[str, ...], float | None, float | None, str | None]:
    """The condition of a scoring rule or a journal trend: (is, below, at_least, tag), at least one given."""
    is_ = reader.get(entry, "is", where, "phrases", required=False) or ()
    below = reader.get(entry, "below", where, "number", required=False)
    at_least = reader.get(entry, "at_least", where, "number", required=False)
    tag = reader.get(entry, "tag", where, "str", required=False)
    if not (is_ or below is not None or at_least is not None or tag):
        reader.problem(where, f"a {what} needs a condition: is, below, at_least or tag")
    return is_, below, at_least, tag


def read_rules(reader: Reader, root: KeyPath, trees: list[DialogueTree], domain: Domain | None) -> tuple[Rule, ...]:
    """Every complete rule; answers named in `is` must be answers of the topic's question."""
    data = reader.mapping(reader.file.data, root)
    reader.unknown_keys(data, ("rules",), root)
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list):
        reader.problem((*root, "rules"), f"should be a list of rules, not {kind(raw_rules)}")
        return ()
    answers_by_topic: dict[str, set[str]] = {}
    for tree in trees:
        for node in tree.nodes.values():
            answers_by_topic.setdefault(node.topic, set()).update(node.choices, {UNSURE})
    rules = []
    for index, raw in enumerate(raw_rules):
        where = (*root, "rules", str(index))
        entry = reader.mapping(raw, where)
        reader.unknown_keys(entry, _RULE_FIELDS, where)
        cause, topic = reader.get(entry, "cause", where, "str"), read_topic(reader, entry, where, domain)
        if (
            cause is not None
            and domain is not None
            and not check_id(reader, (*where, "cause"), cause, domain.causes, "cause id")
        ):
            cause = None
        weight = reader.get(entry, "weight", where, "number")
        why = reader.template(entry, "why", where, {"value"})
        is_, below, at_least, tag = read_condition(reader, entry, where, "rule")
        known = answers_by_topic.get(topic or "")
        for answer in is_:
            if known and answer not in known:
                reader.problem(
                    (*where, "is"),
                    f"'{answer}' is not an answer of topic '{topic}'; answers: {', '.join(sorted(known))}",
                )
        if cause and topic and weight is not None and why:
            rules.append(Rule(cause, topic, weight, why, is_, below, at_least, tag))
    return tuple(rules)
