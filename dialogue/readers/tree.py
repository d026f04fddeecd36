"""A dialogue tree (checkin.yaml, quick.yaml, ...): one mode's questions, from `start` to "end"."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from twitch_coach.dialogue.content import DialogueTree, Domain, Node, Vocab
from twitch_coach.dialogue.domain import check_id, read_topic
from twitch_coach.dialogue.fields import Reader, kind
from twitch_coach.dialogue.graph import check_graph
from twitch_coach.dialogue.ids import DEFAULT, UNSURE, Expects
from twitch_coach.dialogue.yamlfile import KeyPath

_NODE_FIELDS = (
    "topic",
    "ask",
    "rephrase",
    "expects",
    "answers",
    "also",
    "next",
    "raises",
    "safe",
    "words",
    "tags",
    "units",
)


def read_tree(reader: Reader, root: KeyPath, vocab: Vocab | None, domain: Domain | None) -> DialogueTree | None:
    """The tree in the reader's file; None when any node or link is wrong."""
    data = reader.mapping(reader.file.data, root)
    reader.unknown_keys(data, ("mode", "intro", "start", "nodes"), root)
    mode = reader.get(data, "mode", root, "str")
    if mode is not None and domain is not None and mode not in domain.modes:
        reader.problem((*root, "mode"), f"unknown mode '{mode}'; domain.yaml declares: {', '.join(domain.modes)}")
    start = reader.get(data, "start", root, "str")
    intro = reader.get(data, "intro", root, "str", required=False) or ""
    nodes_raw = reader.get(data, "nodes", root, "mapping") or {}
    nodes = {}
    for nid, raw in nodes_raw.items():
        node = _node(reader, nid, raw, (*root, "nodes", nid), vocab, domain)
        if node is not None:
            nodes[nid] = node
    if start is not None and start not in nodes_raw:
        reader.problem((*root, "start"), f"start node '{start}' is not defined under 'nodes'")
    check_graph(reader, root, start, nodes_raw, nodes)
    if mode is None or start is None or len(nodes) != len(nodes_raw):
        return None
    units = {u for n in nodes.values() for u in n.units}
    counted = vocab.counted if vocab is not None else frozenset()
    nodes = {
        nid: replace(n, foreign=tuple(sorted(units - set(n.units))), counted=counted) for nid, n in nodes.items()
    }
    return DialogueTree(mode, start, intro, nodes)


def _choices(
    reader: Reader, entry: dict[str, Any], where: KeyPath, expects: str | None, vocab: Vocab | None
) -> dict[str, tuple[str, ...]]:
    """Answer id -> phrases: yes_no's set, or the named answer set, plus this node's `also` phrases."""
    choices: dict[str, tuple[str, ...]] = {}
    if vocab is not None and expects == Expects.YES_NO:
        choices = dict(vocab.answer_sets.get("yes_no", {}))
    elif vocab is not None and expects == Expects.CHOICE:
        set_name = reader.get(entry, "answers", where, "str")
        if set_name is not None and set_name not in vocab.answer_sets:
            reader.problem(
                (*where, "answers"),
                f"no answer set '{set_name}' in vocab.yaml; have: {', '.join(sorted(vocab.answer_sets))}",
            )
        choices = dict(vocab.answer_sets.get(set_name or "", {}))
    also = reader.get(entry, "also", where, "mapping", required=False) or {}
    for aid, phrases in also.items():
        if aid not in choices:
            reader.problem(
                (*where, "also", aid),
                f"'{aid}' is not an answer of this question; answers: {', '.join(choices) or 'none'}",
            )
            continue
        choices[aid] = choices[aid] + reader.phrases(phrases, (*where, "also", aid))
    return choices


def _nexts(reader: Reader, entry: dict[str, Any], where: KeyPath, answers: set[str]) -> dict[str, str]:
    next_raw = entry.get("next")
    if isinstance(next_raw, str):
        return {DEFAULT: next_raw}
    if not isinstance(next_raw, dict):
        reader.problem(
            where, "missing required field 'next' (a node id, 'end', or a map of answer -> node with a default)"
        )
        return {}
    nexts = {str(k): v for k, v in next_raw.items()}
    for key, target in nexts.items():
        if not isinstance(target, str):
            reader.problem((*where, "next", key), f"should be a node id, not {kind(target)}")
        if key != DEFAULT and key not in answers:
            reader.problem(
                (*where, "next", key),
                f"'{key}' is not an answer of this question; answers: {', '.join(sorted(answers))}",
            )
    if DEFAULT not in nexts:
        reader.problem((*where, "next"), "a branching 'next' needs a 'default' for the other answers")
    return nexts


def _raises(
    reader: Reader, entry: dict[str, Any], where: KeyPath, answers: set[str], domain: Domain | None
) -> dict[str, str]:
    """Answer id -> the red flag it raises."""
    raises_raw = reader.get(entry, "raises", where, "mapping", required=False) or {}
    raises = {}
    for aid, flag in raises_raw.items():
        if aid not in answers:
            reader.problem(
                (*where, "raises", aid),
                f"'{aid}' is not an answer of this question; answers: {', '.join(sorted(answers))}",
            )
        elif domain is None or check_id(reader, (*where, "raises", aid), str(flag), domain.red_flags, "red flag id"):
            raises[aid] = str(flag)
    return raises


def _node(
    reader: Reader, nid: str, raw: Any, where: KeyPath, vocab: Vocab | None, domain: Domain | None
) -> Node | None:
    entry = reader.mapping(raw, where)
    reader.unknown_keys(entry, _NODE_FIELDS, where)
    topic = read_topic(reader, entry, where, domain)
    ask, rephrase = reader.get(entry, "ask", where, "str"), reader.get(entry, "rephrase", where, "str")
    expects = reader.get(entry, "expects", where, "str")
    if expects is not None and expects not in set(Expects):
        reader.problem((*where, "expects"), f"unknown answer kind '{expects}'; use one of: {', '.join(Expects)}")
        expects = None
    choices = _choices(reader, entry, where, expects, vocab)
    answers = set(choices) | {UNSURE}
    nexts = _nexts(reader, entry, where, answers)
    raises = _raises(reader, entry, where, answers, domain)
    safe = reader.get(entry, "safe", where, "str", required=False)
    if safe is not None and safe not in choices:
        reader.problem(
            (*where, "safe"),
            f"'{safe}' is not an answer of this question; answers: {', '.join(sorted(choices)) or 'none'}",
        )
    if raises and safe is None:
        reader.problem(where, "a question that raises a red flag needs 'safe': the answer an unclear reply counts as")
    words_raw = reader.get(entry, "words", where, "mapping", required=False) or {}
    words = {}
    for phrase, value in words_raw.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            words[str(phrase).lower()] = float(value)
        else:
            reader.problem((*where, "words", phrase), f"should be a number, not {kind(value)}")
    if words and expects != Expects.NUMBER:
        reader.problem((*where, "words"), "'words' only applies to number questions")
    tags_raw = reader.get(entry, "tags", where, "mapping", required=False) or {}
    tags = {tag: reader.phrases(p, (*where, "tags", tag)) for tag, p in tags_raw.items()}
    units = reader.get(entry, "units", where, "phrases", required=False) or ()
    if units and expects != Expects.NUMBER:
        reader.problem((*where, "units"), "'units' only applies to number questions")
    if None in (topic, ask, rephrase, expects) or not nexts:
        return None
    return Node(nid, topic, ask, rephrase, expects, choices, nexts, raises, safe, words, tags, units)  # type: ignore[arg-type]
