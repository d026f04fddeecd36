"""Checks over a dialogue tree's `next` links: unknown targets, unreachable nodes, loops, a topic asked twice."""

from __future__ import annotations

import difflib
from typing import Any

from twitch_coach.dialogue.content import Node
from twitch_coach.dialogue.fields import Reader
from twitch_coach.dialogue.ids import DEFAULT, END
from twitch_coach.dialogue.yamlfile import KeyPath


def raw_next(raw: Any) -> dict[str, str]:
    """The `next` of a node as written, as {answer or "default": target}, keeping only text targets."""
    nxt = raw.get("next") if isinstance(raw, dict) else None
    if isinstance(nxt, str):
        return {DEFAULT: nxt}
    if isinstance(nxt, dict):
        return {str(k): v for k, v in nxt.items() if isinstance(v, str)}
    return {}


def check_graph(reader: Reader, root: KeyPath, start: str | None, raw: dict[str, Any], nodes: dict[str, Node]) -> None:
    """Report every fault of the tree once: one typo in a target is one problem, not one per node it cuts off."""
    edges = {nid: raw_next(node) for nid, node in raw.items()}
    for nid, nexts in edges.items():
        for key, target in nexts.items():
            if target != END and target not in raw:
                path = (*root, "nodes", nid, "next") + ((key,) if isinstance(raw[nid].get("next"), dict) else ())
                guess = difflib.get_close_matches(target, list(raw), n=1)
                hint = f"did you mean '{guess[0]}'? " if guess else ""
                reader.problem(path, f"unknown target node '{target}'; {hint}define it under 'nodes' or use 'end'")
                # Go on as if the typo were fixed (or the link ended the tree): the nodes behind it are
                # neither unreachable nor cut off from the end because of it.
                nexts[key] = guess[0] if guess else END
    _topics_once(reader, root, nodes)
    if start not in raw:
        return
    reachable, todo = set(), [start]
    while todo:
        nid = todo.pop()
        if nid not in reachable and nid in edges:
            reachable.add(nid)
            todo.extend(edges[nid].values())
    for nid in raw:
        if nid not in reachable:
            reader.problem((*root, "nodes", nid), f"node '{nid}' cannot be reached from the start node '{start}'")
    _loops(reader, root, start, edges, raw)


def _topics_once(reader: Reader, root: KeyPath, nodes: dict[str, Node]) -> None:
    seen_topics: dict[str, str] = {}
    for nid, node in nodes.items():
        if node.topic in seen_topics:
            reader.problem(
                (*root, "nodes", nid, "topic"),
                f"topic '{node.topic}' is already asked by node '{seen_topics[node.topic]}'",
            )
        seen_topics.setdefault(node.topic, nid)


def _loops(reader: Reader, root: KeyPath, start: str, edges: dict[str, dict[str, str]], raw: dict[str, Any]) -> None:
    """A `next` that leads back to an earlier question is a problem: once its answers are known, the skill
    would skip round the loop for ever. Each loop is reported once, at the link that closes it."""
    done: set[str] = set()
    path: list[str] = [start]
    stack = [iter(edges[start].items())]  # depth-first without recursion: a long chain cannot overflow
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            done.add(path.pop())
            continue
        key, target = step
        if target == END or target not in edges or target in done:
            continue
        if target in path:
            nid = path[-1]
            loop = " -> ".join([*path[path.index(target) :], target])
            where = (*root, "nodes", nid, "next") + ((key,) if isinstance(raw[nid].get("next"), dict) else ())
            reader.problem(where, f"'next' loops back to an earlier question ({loop}); questions only go forward")
            continue
        path.append(target)
        stack.append(iter(edges[target].items()))
