"""How a safety question reads a reply: never a guess, and a red flag named in the reply asks after it."""

from __future__ import annotations

from dataclasses import replace

from twitch_coach.dialogue.content import Node
from twitch_coach.dialogue.ids import COMMANDS, NONE, UNSURE
from twitch_coach.dialogue.safety import Spotted
from twitch_coach.intents.matcher import Match


def read_safely(node: Node, match: Match) -> Match:
    """A safety question never guesses: a mixed or hedged reply is unsure, a near match is not understood.

    A mixed reply that names answers raising red flags ("no, but it's weak") keeps the first of them; the
    others are raised too (see `Match.stated`). A hedge anywhere ("maybe a little") makes the reply unsure.
    """
    if match.intent in COMMANDS:
        return match
    if len(match.stated) > 1:
        raising = [a for a in match.stated if a in node.raises]
        if raising and UNSURE not in match.stated:
            return replace(match, intent=raising[0], value=None, exact=True)
        return replace(match, intent=UNSURE, value=None)
    if match.intent not in (NONE, UNSURE) and not match.exact:
        return replace(match, intent=NONE, value=None, confidence=0.0)  # "one" is not "none" at a safety question
    return match


def named_flags(node: Node, match: Match, spotted: Spotted) -> Match:
    """A reply to a safety question that reads as another answer but names a red flag asks after it ("fine except my
    arm is numb" at the screen asks every follow-up; "nah, my leg keeps giving out" is the weakness question's yes). One
    whose flag the speaker only denied ("numb? no.", "nowhere near two weeks") is its no, or the other answer said."""
    other = (a for a in match.stated if a in node.choices and a not in node.raises)
    quiet = "no" if "no" in node.choices else next(other, "")
    flag = node.raises.get(match.intent)
    # "no, but my brother's knee hurts": the "no" stands when the flag's words are only someone else's or mean
    # something else, and said beside it
    elsewhere = flag in spotted.elsewhere and quiet in match.stated
    if (flag in spotted.denied or elsewhere) and quiet:
        return replace(match, intent=quiet, value=None, exact=True, stated=(quiet,))
    if node.safe is None or not spotted.red_flags or match.intent in COMMANDS or match.intent == UNSURE:
        return match
    raising = [answer for answer, raised in node.raises.items() if raised in spotted.red_flags]
    if raising:
        chosen = raising[0]
    elif not node.raises:  # the screen: its safe answer asks every follow-up
        chosen = node.safe
    else:
        return match  # another question's flag: raised, and this question's answer stands
    return match if match.intent == chosen else replace(match, intent=chosen, value=None, exact=True)
