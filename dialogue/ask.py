"""A one-shot answer to a free question: "why is my calf twitching after squats?"."""

from __future__ import annotations

from dialogue.content import Content
from dialogue.events import Summary
from dialogue.safety import spot
from dialogue.scoring import CauseScore
from dialogue.summary import QUICK_CAUSES, safety_lines, spoken_list
from intents.normalize import normalise

KEYWORD_WEIGHT = 2.0  # each cause keyword in the question adds this to the cause's score


def answer(content: Content, question: str) -> Summary:
    """Red flags and urgent signs first, then the likely causes and one thing to do now."""
    text = f" {normalise(question)} "
    spotted = spot(question, content.safety)  # the same spotting as every answer in a check-in
    urgent, flags = bool(spotted.urgent), list(spotted.red_flags)
    ranking = []
    for cid, info in content.causes.items():
        hits = [k for k in info.keywords if f" {normalise(k)} " in text]
        why = content.message("mentioned").format(words=spoken_list(hits)) if hits else ""
        ranking.append(CauseScore(cid, KEYWORD_WEIGHT * len(hits), why, info.advice))
    ranking.sort(key=lambda c: (-c.score, -content.causes[c.id].prior))
    lines = safety_lines(content, flags, urgent)
    if not urgent:
        top = ranking[:QUICK_CAUSES]
        names = spoken_list([content.causes[c.id].name for c in top])
        if not flags:  # "it's common" would undercut the advice to see someone
            lines.append(content.message("ask_intro"))
        lines.append(content.message("quick_answer").format(names=names, now=content.causes[top[0].id].now))
        lines.append(content.message("quick_offer"))
    return Summary([c.to_dict() for c in ranking], flags, urgent, " ".join(lines))
