"""A one-shot answer to a free question: "why is my calf twitching after squats?"."""

from __future__ import annotations

from dialogue.content import Content
from dialogue.events import Summary
from dialogue.safety import spot
from dialogue.scoring import CauseScore
from dialogue.summary import QUICK_CAUSES, most_common, safety_lines, spoken_list
from dialogue.words import forms
from intents.normalize import normalise

KEYWORD_WEIGHT = 2.0  # each cause keyword in the question adds this to the cause's score


def answer(content: Content, question: str) -> Summary:
    """Red flags and urgent signs first, then the likely causes (or the common ones) and one thing to do now."""
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
    likely = [c for c in ranking if c.score > 0][:QUICK_CAUSES]
    if not urgent and not (likely or flags or _about(content, text)):
        lines.append(content.message("off_topic"))  # "hello": say what the skill does, name no cause
    elif not urgent:
        if not flags:  # "it's common" would undercut the advice to see someone
            lines.append(content.message("ask_intro"))
        if likely:  # likely only for what the question itself points to
            names = spoken_list([content.causes[c.id].name for c in likely])
            lines.append(content.message("quick_answer").format(names=names, now=content.causes[likely[0].id].now))
        else:  # nothing known about this person: what is most common, not what is likely for them
            common = most_common(content, ranking, QUICK_CAUSES)
            now = next(c.now for c in sorted(content.causes.values(), key=lambda c: -c.prior))
            lines.append(content.message("common_answer").format(names=spoken_list(common), now=now))
        lines.append(content.message("quick_offer"))
    return Summary([c.to_dict() for c in ranking], flags, urgent, " ".join(lines))


def _about(content: Content, text: str) -> bool:
    """True when the question uses a word (or a form of one) that shows it is about twitching or exercise."""
    words = set(text.split())
    return any(words & forms(word) for word in content.vocab.about)
