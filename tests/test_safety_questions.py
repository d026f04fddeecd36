"""Safety questions never guess: hedged and mixed replies are unsure, near matches are asked once more,
and the safe branch, the stop line and help say plainly what they mean."""

from __future__ import annotations

import re

import pytest

from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.events import Prompt, Say
from twitch_coach.dialogue.loader import load
from twitch_coach.dialogue.understand import conversation_at, understand
from twitch_coach.intents.matcher import Expectation, Matcher
from twitch_coach.intents.normalize import normalise

CONTENT = load()
SAFETY_TOPICS = CONTENT.domain.safety_topics
FLAG_OF = {"pain": "painful", "weakness": "weakness", "numbness": "numbness", "vision": "vision",
           "spreading": "spreading", "medication": "medication", "duration": "persistent"}  # fmt: skip
WHOLE_SENTENCE = re.compile(r"^[A-Z][^.]*, so to be safe I'll (take it that [a-z ]+|ask about each one)\.")


def _safe_line(topic: str, why: str) -> str:
    """The sentence the safe branch must open with at `topic`, for a reply that `why` describes."""
    if topic == "red_flags":
        return f"{why}, so to be safe I'll ask about each one."
    reason = CONTENT.safety.red_flags[FLAG_OF[topic]].reason
    return f"{why}, so to be safe I'll take it that {reason}."


HEDGES = [
    "possibly, I can't really tell", "hard to tell", "not really sure", "could be, I dunno",
    "maybe a little, not sure", "might be, hard to say", "I'm not really sure", "erm, difficult to say",
]  # fmt: skip


@pytest.mark.parametrize("topic", sorted(SAFETY_TOPICS))
@pytest.mark.parametrize("reply", HEDGES)
def test_a_hedged_reply_is_unsure_and_takes_the_safe_branch_saying_why(topic: str, reply: str) -> None:
    heard = understand(CONTENT, topic, reply)
    assert heard["intent"] == "unsure"
    assert heard["says"][0].startswith(_safe_line(topic, "You weren't sure"))
    if topic == "red_flags":
        assert heard["next"] == "pain"  # every follow-up is asked
    else:
        assert heard["red_flags"] == [FLAG_OF[topic]]


@pytest.mark.parametrize(
    ("topic", "reply", "flags"),
    [
        ("spreading", "more than one place yeah", ["spreading"]),
        ("spreading", "no, it's everywhere", ["spreading"]),
        ("weakness", "no, but it's weak", ["weakness"]),
        ("weakness", "nope. well, yeah a bit", ["weakness"]),
        ("vision", "nah, actually yes", ["vision"]),
        ("medication", "no, I did start new pills though", ["medication"]),
        ("numbness", "not really, but it is tingly", ["numbness"]),
        ("duration", "a few days, maybe weeks", ["persistent"]),
        ("duration", "since yesterday or for weeks", ["persistent"]),
        ("pain", "no, well, it hurts", ["painful"]),
    ],
)
def test_a_mixed_reply_at_a_safety_question_raises_the_flag_it_names(topic: str, reply: str, flags: list[str]) -> None:
    heard = understand(CONTENT, topic, reply)
    assert heard["red_flags"] == flags


@pytest.mark.parametrize("reply", ["yeah, nope", "no... yes", "yes, no, hang on"])
def test_a_mixed_reply_at_the_screen_asks_every_follow_up_and_says_why(reply: str) -> None:
    heard = understand(CONTENT, "red_flags", reply)
    assert heard["intent"] == "unsure"
    assert heard["says"] == [_safe_line("red_flags", "I heard more than one answer there")]
    assert heard["next"] == "pain"


@pytest.mark.parametrize(
    ("topic", "reply"),
    [("medication", "it's just the one spot"), ("red_flags", "one"), ("red_flags", "now"),
     ("weakness", "weed"), ("vision", "noun"), ("spreading", "nay"), ("duration", "weaks")],
)  # fmt: skip
def test_below_a_clear_match_a_safety_question_asks_once_more_then_takes_the_safe_branch(
    topic: str, reply: str
) -> None:
    conversation = conversation_at(CONTENT, topic)
    node = conversation.current()
    first = conversation.hear(reply)
    assert first[0].intent == "none"  # type: ignore[attr-defined]
    again = [e for e in first if isinstance(e, Prompt)]
    assert len(again) == 1 and again[0].node == node.id and node.rephrase in again[0].text
    second = conversation.hear(reply)
    said = [e.text for e in second if isinstance(e, Say)]
    assert said[0].startswith(_safe_line(topic, "I couldn't make out your answer"))
    if topic != "red_flags":
        assert conversation.red_flags == [FLAG_OF[topic]]


@pytest.mark.parametrize(
    ("topic", "reply", "intent"),
    [
        ("red_flags", "nope, all good", "no"), ("red_flags", "not that I've noticed", "no"),
        ("red_flags", "yeah, I think so", "yes"), ("pain", "no, it doesn't hurt", "no"),
        ("pain", "a little bit", "a_bit"), ("weakness", "no, it feels normal", "no"),
        ("weakness", "not weak at all", "no"), ("numbness", "no tingling at all", "no"),
        ("vision", "no, my eyes are fine", "no"), ("spreading", "only in my calf", "no"),
        ("medication", "not on anything", "no"), ("medication", "yes, new pills", "yes"),
        ("duration", "since yesterday", "days"), ("duration", "a couple of weeks", "weeks"),
    ],
)  # fmt: skip
def test_a_clear_answer_at_a_safety_question_is_taken_at_once(topic: str, reply: str, intent: str) -> None:
    heard = understand(CONTENT, topic, reply)
    assert heard["intent"] == intent
    assert heard["next"] != heard["node"]
    assert not any(s.startswith(("You weren't sure", "I heard more", "I couldn't")) for s in heard["says"])


@pytest.mark.parametrize(
    ("topic", "reply", "intent"),
    [
        ("pain", "no, but my dad's back hurts after gardening", "no"),  # someone else's pain
        ("weakness", "nah, just my coffee's weak", "no"),  # a word meaning something else
        ("pain", "no... well, actually it does hurt", "yes"),  # the same "no, but" with one's own pain
        ("pain", "no, but it hurts a little when it jumps", "yes"),
        ("weakness", "no, but my grip is going", "yes"),
    ],
)  # fmt: skip
def test_a_no_beside_someone_elses_sign_stands_and_beside_ones_own_does_not(topic: str, reply: str, intent: str) -> None:
    assert understand(CONTENT, topic, reply)["intent"] == intent


@pytest.mark.parametrize("topic", sorted(SAFETY_TOPICS))
@pytest.mark.parametrize("how", ["skip", "not sure", "purple, purple"])
def test_every_safe_branch_line_is_a_whole_sentence(topic: str, how: str) -> None:
    conversation = conversation_at(CONTENT, topic)
    events = [e for reply in how.split(", ") for e in conversation.hear(reply)]
    said = [e.text for e in events if isinstance(e, Say)]
    assert said and WHOLE_SENTENCE.match(said[0]), said
    assert "I couldn't tell, so to be safe." not in " ".join(said)


def test_the_quick_screen_takes_its_safe_branch_with_a_whole_sentence() -> None:
    conversation = Conversation(CONTENT, "quick")
    conversation.start()
    said = [e.text for e in conversation.hear("hmm, hard to tell") if isinstance(e, Say)]
    assert said[0].startswith("You weren't sure, so to be safe I'll take it that it hurts. ")
    assert conversation.red_flags == ["painful"]


def test_after_stop_the_professional_advice_says_what_it_is_about() -> None:
    conversation = conversation_at(CONTENT, "numbness")
    conversation.hear("yes, pins and needles")
    said = [e.text for e in conversation.hear("stop") if isinstance(e, Say)]
    assert said[0] == "Please see a healthcare professional, because there is numbness or tingling."
    assert not any("Because of this" in line for line in said)


def test_help_lists_the_answers_the_question_offers() -> None:
    conversation = conversation_at(CONTENT, "hydration")
    said = [e.text for e in conversation.hear("what can I say") if isinstance(e, Say)]
    assert said[0].startswith("You can say a lot, some, a little, nothing, or not sure.")


@pytest.mark.parametrize("mode", ["checkin", "quick"])
def test_every_offered_answer_is_in_the_question_and_means_that_answer(mode: str) -> None:
    """Help offers each answer in the question's own words when it names them, and saying it gives that answer."""
    matcher = Matcher(CONTENT.vocab.commands, CONTENT.vocab.unsure)
    for node in CONTENT.trees[mode].nodes.values():
        if node.expects != "choice":
            continue
        conversation = Conversation(CONTENT, mode)
        conversation.start()
        conversation.node = node.id  # straight to the question: help does not depend on earlier answers
        help_line = next(e.text for e in conversation.hear("help") if isinstance(e, Say))
        offered = help_line.removeprefix("You can say ").split(". ")[0].replace(", or ", ", ").split(", ")[:-1]
        assert len(offered) == len(node.choices), help_line
        expectation = Expectation(node.expects, node.choices, node.words, node.tags)
        asked = f" {normalise(node.ask)} "
        for label, (answer, phrases) in zip(offered, node.choices.items(), strict=True):
            assert matcher.match(label, expectation).intent == answer, f"{mode}.{node.id}: {label!r}"
            if any(f" {normalise(p)} " in asked for p in phrases):  # the question names this answer
                assert f" {normalise(label)} " in asked, (
                    f"{mode}.{node.id}: offers {label!r}; the question says {node.ask!r}"
                )


def test_a_hedge_at_the_quick_screen_keeps_the_flags_it_names() -> None:
    conversation = Conversation(CONTENT, "quick")
    conversation.start()
    said = [e.text for e in conversation.hear("maybe some weakness, not sure") if isinstance(e, Say)]
    assert conversation.red_flags == ["painful", "weakness"]
    assert said[0].startswith("You weren't sure, so to be safe I'll take it that it hurts. ")
    assert said[1] == CONTENT.safety.red_flags["weakness"].said  # why is said once
