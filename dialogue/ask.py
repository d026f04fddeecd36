"""A one-shot answer to a free question: "why is my calf twitching after squats?"."""

from __future__ import annotations

from twitch_coach.dialogue.content import Content
from twitch_coach.dialogue.events import Summary
from twitch_coach.dialogue.safety import spot
from twitch_coach.dialogue.scoring import CauseScore, ordered
from twitch_coach.dialogue.summary import (
    QUICK_CAUSES,
    most_common,
    one_thing_now,
    quick_answer,
    safety_lines,
    spoken_list,
)
from twitch_coach.dialogue.words import forms
from twitch_coach.intents.normalize import normalise

KEYWORD_WEIGHT = 2.0  # each cause keyword in the question adds this to the cause's score, each word against takes it


def answer(content: Content, question: str) -> Summary:
    """Red flags and urgent signs first, then the likely causes (or the common ones) and one thing to do now."""
    text = f" {normalise(question)} "
    spotted = spot(question, content.safety)  # the same spotting as every answer in a check-in
    urgent, flags = bool(spotted.urgent), list(spotted.red_flags)
    ranking = []
    for cid, info in content.causes.items():
        hits, against = _said(info.keywords, text), _said(info.against, text)  # "drank loads": not low fluids
        why = content.message("mentioned").format(words=spoken_list(hits)) if hits else ""
        ranking.append(CauseScore(cid, KEYWORD_WEIGHT * (len(hits) - len(against)), why, info.advice))
    ranking = ordered(ranking, content.causes)
    lines = safety_lines(content, flags, urgent)
    likely = [c for c in ranking if c.score > 0][:QUICK_CAUSES]
    if not urgent and not (likely or flags or _about(content, text)):
        lines.append(content.message("off_topic"))  # "hello": say what the skill does, name no cause
    elif not urgent:
        if not flags:  # "it's common" would undercut the advice to see someone
            lines.append(content.message("ask_intro"))
        if likely:  # likely only for what the question itself points to
            lines.append(quick_answer(content, likely))
        else:  # nothing known about this person: what is most common, not what is likely for them
            common = spoken_list(most_common(content, ranking, QUICK_CAUSES))
            lines.append(content.message("common_answer").format(names=common, now=one_thing_now(content, ranking)))
        lines.append(content.message("quick_offer"))
    return Summary(list(ranking), flags, urgent, " ".join(lines))


def _said(phrases: tuple[str, ...], text: str) -> list[str]:
    """The phrases said as whole words in `text` (normalised, padded with a space each side)."""
    return [p for p in phrases if f" {normalise(p)} " in text]


def _about(content: Content, text: str) -> bool:
    """True when the question uses a word (or a form of one) that shows it is about twitching or exercise."""
    words = set(text.split())
    return any(words & forms(word) for word in content.vocab.about)
