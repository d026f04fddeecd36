"""What one question hears in a typed reply: intent, value, confidence and the flags it raises.

For `twitch-coach understand` and the safety set: a real check-in is brought to the question about a
topic (the questions before it answered plainly), then hears the reply, so the answer is read exactly
as in a conversation, safety rules included.
"""

from __future__ import annotations

from collections.abc import Mapping

from twitch_coach.dialogue.content import Content, Node
from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.events import Heard, Prompt, Say
from twitch_coach.dialogue.ids import END, NUMBER, Expects
from twitch_coach.dialogue.scoring import Answer


def topics(content: Content, mode: str = "checkin") -> list[str]:
    """The topics of the questions in `mode`, in the order they are asked."""
    return list(dict.fromkeys(n.topic for n in content.trees[mode].nodes.values()))


def conversation_at(content: Content, topic: str, mode: str = "checkin") -> Conversation:
    """A conversation whose open question is the one about `topic`; ValueError when no question is."""
    tree = content.trees[mode]
    target = next((n for n in tree.nodes.values() if n.topic == topic), None)
    if target is None:
        raise ValueError(f"no {mode} question has topic {topic!r}; topics: {', '.join(topics(content, mode))}")
    known: dict[str, Answer] = {}
    nid = tree.start
    for _ in range(len(tree.nodes)):  # the questions on the way, each answered plainly
        node = tree.nodes[nid]
        if node.id == target.id:
            break
        intent = _plain(node, _on_the_way(tree.nodes, node, target.id))
        known[node.topic] = Answer(node.topic, intent, 1.0 if intent == NUMBER else None)
        nid = node.next_node(intent)
        if nid == END:
            break
    conversation = Conversation(content, mode, known=known)
    conversation.start()
    if conversation.current() is not target:
        raise ValueError(f"the {topic} question cannot be reached in {mode}")
    return conversation


def _plain(node: Node, towards: str | None) -> str:
    """The answer that leads on towards the target: the branch to it, else "no", else the first answer."""
    if towards is not None:
        return towards
    if node.expects == Expects.NUMBER:
        return NUMBER
    return "no" if "no" in node.choices else next(iter(node.choices), NUMBER)


def _on_the_way(nodes: Mapping[str, Node], node: Node, target: str) -> str | None:
    """The answer of `node` whose branch reaches `target` when its default branch does not."""

    def reaches(start: str) -> bool:
        seen, nid = set[str](), start
        while nid != END and nid not in seen:
            if nid == target:
                return True
            seen.add(nid)
            nid = nodes[nid].next_node(None)
        return False

    if reaches(node.next_node(None)):
        return None
    return next((answer for answer, nxt in node.next.items() if answer != "default" and reaches(nxt)), None)


def understand(content: Content, topic: str, text: str, mode: str = "checkin") -> dict[str, object]:
    """What the question about `topic` hears in `text`, and what it raises and says in reply."""
    conversation = conversation_at(content, topic, mode)
    node = conversation.current()
    assert node is not None
    events = conversation.hear(text)
    heard = next(e for e in events if isinstance(e, Heard))
    prompt = next((e for e in events if isinstance(e, Prompt)), None)
    recorded = conversation.answers.get(topic)
    return {
        "text": text,
        "topic": topic,
        "node": node.id,
        "intent": heard.intent,
        "value": heard.value,
        "confidence": heard.confidence,
        "tags": list(recorded.tags) if recorded is not None else [],
        "red_flags": list(conversation.red_flags),
        "urgent": conversation.urgent,
        "says": [e.text for e in events if isinstance(e, Say)],
        "next": prompt.node if prompt is not None else END,
    }
