"""Compose the spoken summary: safety first, then the likely causes with reasons and advice."""

from __future__ import annotations

from collections.abc import Sequence

from twitch_coach.dialogue.content import Content
from twitch_coach.dialogue.scoring import CauseScore

MAX_CAUSES = 3  # causes spoken when no limit is given; the JSON summary carries the full ranking
QUICK_CAUSES = 2  # the same for a short answer (the one-shot `ask`)


def spoken_list(items: Sequence[str], or_word: str = "and") -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {or_word} {items[-1]}"


def safety_lines(content: Content, red_flags: Sequence[str], urgent: bool) -> list[str]:
    """What must be said first: urgent care, then the professional advice with its reasons."""
    lines = []
    if urgent:
        lines.append(content.safety.urgent.said)
    if red_flags:
        reasons = [content.safety.red_flags[f].reason for f in red_flags]
        lines.append(content.message("flags_summary").format(reasons=spoken_list(reasons)))
    return lines


def most_common(content: Content, ranking: Sequence[CauseScore], limit: int) -> list[str]:
    """The names of the `limit` causes most common after exercise, less those the answers speak against.

    When the answers speak against all of them, the most common cause they leave open; none if there is none.
    """
    by_prior = sorted(ranking, key=lambda c: -content.causes[c.id].prior)
    open_ = [c for c in by_prior if c.score >= 0]
    common = [c for c in by_prior[:limit] if c.score >= 0] or open_[:1]
    return [content.causes[c.id].name for c in common]


def nothing_stands_out(content: Content, ranking: Sequence[CauseScore], limit: int) -> str:
    """Said when no cause is above zero: the common causes the answers leave open, or that none is left."""
    common = most_common(content, ranking, limit)
    if not common:
        return content.message("nothing_points_anywhere")
    return content.message("nothing_stands_out").format(names=spoken_list(common))


def compose(
    content: Content,
    ranking: Sequence[CauseScore],
    red_flags: Sequence[str],
    urgent: bool,
    quick: bool = False,
    limit: int | None = None,
) -> str:
    """The summary as one spoken text, naming at most `limit` causes (the mode's summary_causes)."""
    lines = safety_lines(content, red_flags, urgent)
    likely = [c for c in ranking if c.score > 0]
    nothing = nothing_stands_out(content, ranking, limit or (QUICK_CAUSES if quick else MAX_CAUSES))
    if quick:
        top = likely[: limit or QUICK_CAUSES]
        if top:  # likely only when the answers point to it
            lines.append(quick_answer(content, top))
        else:
            lines.append(nothing)
            lines.append(content.message("right_now").format(now=one_thing_now(content, ranking)))
        lines.append(content.message("quick_offer"))
        return " ".join(lines)
    if not urgent:
        lines.append(content.message("summary_intro"))
    if not likely:
        lines.append(nothing)
    for index, cause in enumerate(likely[: limit or MAX_CAUSES]):
        info = content.causes[cause.id]
        template = content.message("top_cause" if index == 0 else "other_cause")
        lines.append(template.format(name=info.name, why=cause.why).strip())
        lines.append(info.advice)
    if red_flags or urgent:
        lines.append(content.safety.reassurance_with_flags)
    else:
        lines.append(content.safety.reassurance)
    return " ".join(lines)


def quick_answer(content: Content, likely: Sequence[CauseScore]) -> str:
    """The short answer naming the `likely` causes (at least one) and what to do now for the first."""
    names = spoken_list([content.causes[c.id].name for c in likely])
    return content.message("quick_answer").format(names=names, now=content.causes[likely[0].id].now)


def one_thing_now(content: Content, ranking: Sequence[CauseScore]) -> str:
    """One thing to do now, for the most common cause the answers do not speak against."""
    open_ = sorted((c for c in ranking if c.score >= 0), key=lambda c: -content.causes[c.id].prior) or list(ranking)
    return content.causes[open_[0].id].now
