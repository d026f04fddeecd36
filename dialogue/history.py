"""Rules over past check-ins: twitching that persists, and trends worth saying. Pure; the clock is passed in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeVar

from twitch_coach.dialogue.content import HistoryRules, Persistence, Trend
from twitch_coach.dialogue.scoring import holds

__all__ = ["Finding", "HistoryRules", "Persistence", "Trend", "carried_over", "persistence", "persistent", "trends"]


@dataclass(frozen=True)
class Finding:
    """Why past check-ins raise `persistent`, and the line that says so."""

    rule: str  # "span" (a run longer than span_days) or "days" (min_days within window_days)
    span: int  # days from the first check-in of the current run to today
    days: int  # distinct days with twitching within window_days
    said: str


class PastCheckIn(Protocol):
    """What the rules need of a stored check-in (skill.journal.Entry has it)."""

    @property
    def at(self) -> datetime: ...

    @property
    def mode(self) -> str: ...

    @property
    def answers(self) -> Mapping[str, Mapping[str, Any]]: ...


CheckIn = TypeVar("CheckIn", bound=PastCheckIn)


# ----- persistence -----


def _day(at: datetime, now: datetime) -> date:
    """The calendar day of `at` where the user is (in the timezone of `now`)."""
    return at.astimezone(now.tzinfo).date()


def persistence(dates: Iterable[datetime], now: datetime, rules: HistoryRules) -> Finding | None:
    """Whether check-ins at `dates` plus one now make the twitching persistent, and why; None when not.

    `now` must be timezone-aware, in the user's timezone: days are the user's calendar days.
    Check-ins after `now` are ignored.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (datetime.now().astimezone())")
    rule = rules.persistence
    today = now.date()
    days = sorted({_day(at, now) for at in dates if at <= now} | {today}, reverse=True)
    start = today
    for day in days[1:]:
        if (start - day).days > rule.max_gap_days:
            break
        start = day
    span = (today - start).days
    recent = sum(1 for day in days if (today - day).days < rule.window_days)
    if span > rule.span_days:
        return Finding("span", span, recent, rule.said_span.format(span=span, days=recent))
    if recent >= rule.min_days:
        return Finding("days", span, recent, rule.said_days.format(span=span, days=recent))
    return None


def persistent(dates: Iterable[datetime], now: datetime, rules: HistoryRules) -> bool:
    """True when past check-ins alone should raise the `persistent` red flag."""
    return persistence(dates, now, rules) is not None


# ----- carrying on from a quick check -----


def carried_over(entries: Iterable[CheckIn], now: datetime, rules: HistoryRules, source: str) -> CheckIn | None:
    """The check-in a new one starting `now` carries on from: the latest check-in, when it is of mode `source`
    (the mode's carries_over_from in domain.yaml) and finished at most carry_over_minutes ago; else None."""
    past = [e for e in entries if e.at <= now]
    if not past:
        return None
    latest = max(past, key=lambda e: e.at)
    recent = now - latest.at <= timedelta(minutes=rules.carry_over_minutes)
    return latest if latest.mode == source and recent else None


# ----- trends -----


def _as_dict(answer: Any) -> Mapping[str, Any]:
    return answer.to_dict() if hasattr(answer, "to_dict") else answer


def matches(trend: Trend, answer: Mapping[str, Any] | None) -> bool:
    """True when `answer` ({"intent", "value", "tags"}) meets every condition of `trend`."""
    if answer is None:
        return False
    value = answer.get("value")
    number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    return holds(trend, answer.get("intent"), number, answer.get("tags") or ())


def trends(entries: Iterable[PastCheckIn], current: Mapping[str, Any], now: datetime, rules: HistoryRules) -> list[str]:
    """The trend lines worth saying after this check-in, at most rules.max_spoken.

    entries: past check-ins, NOT including this one; current: this check-in's answers, topic -> Answer
    (or {"intent", "value", "tags"}); now: timezone-aware, in the user's timezone.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (datetime.now().astimezone())")
    past = [e for e in entries if e.at <= now]
    lines = []
    for trend in rules.trends:
        if not matches(trend, _as_dict(current[trend.topic]) if trend.topic in current else None):
            continue
        count = 1 + sum(
            1
            for e in past
            if (now.date() - _day(e.at, now)).days < trend.within_days and matches(trend, e.answers.get(trend.topic))
        )
        if count < trend.times:
            continue
        if count <= len(rules.ordinals):
            lines.append(trend.say.format(nth=rules.ordinals[count - 1], count=count))
        else:
            lines.append(trend.say_many.format(count=count))
    return lines[: rules.max_spoken]
