"""Rules over past check-ins: twitching that persists, and trends worth saying. Pure; the clock is passed in."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from dialogue.errors import ContentError
from dialogue.loader import _Reader, content_dir, read_condition, read_topic
from dialogue.scoring import holds
from dialogue.yamlfile import KeyPath, YamlFile, read

RULES_FILE = "journal.yaml"


@dataclass(frozen=True)
class Persistence:
    """When past check-ins alone raise the `persistent` red flag; either rule is enough."""

    span_days: int  # days; a run of check-ins longer than this persists ...
    max_gap_days: int  # days; ... when no two check-ins in a row are further apart than this
    min_days: int  # distinct days with twitching ...
    window_days: int  # days, today included, in which min_days must fall
    said_span: str  # spoken when the run rule fires; {span} days, {days} distinct days
    said_days: str  # spoken when the days rule fires; same fields


@dataclass(frozen=True)
class Trend:
    """A pattern across check-ins: this topic's answer meets the condition `times` times in `within_days`."""

    topic: str
    is_: tuple[str, ...]  # answer ids, any of which matches (empty: any answer)
    below: float | None  # the number answered is below this
    at_least: float | None  # the number answered is at least this
    tag: str | None  # the answer carries this tag
    within_days: int  # days, today included
    times: int  # matching check-ins, this one included, before it is said
    say: str  # {nth}: "third"; {count}: 3
    say_many: str  # used when the count runs past the ordinals; {count}


@dataclass(frozen=True)
class HistoryRules:
    """Everything content/journal.yaml says about past check-ins."""

    persistence: Persistence
    trends: tuple[Trend, ...]
    max_spoken: int  # trend lines spoken after one check-in at most
    ordinals: tuple[str, ...]  # "first", "second", ...: ordinals[n - 1] is the word for n
    carry_over_minutes: int  # a check-in this soon after a quick check carries on from it


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


def carried_over(entries: Iterable[CheckIn], now: datetime, rules: HistoryRules) -> CheckIn | None:
    """The quick check that a cooldown check-in starting `now` carries on from: the latest check-in, when it is
    a quick one that finished at most carry_over_minutes ago; None otherwise."""
    past = [e for e in entries if e.at <= now]
    if not past:
        return None
    latest = max(past, key=lambda e: e.at)
    recent = now - latest.at <= timedelta(minutes=rules.carry_over_minutes)
    return latest if latest.mode == "quick" and recent else None


# ----- trends -----


def _as_dict(answer: Any) -> Mapping[str, Any]:
    return answer.to_dict() if hasattr(answer, "to_dict") else answer  # type: ignore[no-any-return]


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


# ----- loading content/journal.yaml -----


def rules_path() -> Path:
    """The shipped content/journal.yaml."""
    return content_dir() / RULES_FILE


def load_rules(path: Path | None = None) -> HistoryRules:
    """Read and check content/journal.yaml (or `path`); ContentError lists every problem with file:line."""
    path = path or rules_path()
    file = read(path, (path.stem,))
    rules = from_yaml(file, (path.stem,)) if not file.problems else None
    if file.problems or rules is None:
        raise ContentError(file.problems)
    return rules


def from_yaml(file: YamlFile, root: KeyPath = ()) -> HistoryRules | None:
    """HistoryRules from a parsed file read at key path `root`; problems go on `file`; None when any."""
    reader = _Reader(file)
    data = reader.mapping(file.data, root)
    reader.unknown_keys(data, ("persistence", "trends", "max_spoken", "ordinals", "carry_over_minutes"), root)
    persistence = _persistence(reader, data, root)
    trend_list = _trends(reader, data, root)
    max_spoken = _count(reader, data, "max_spoken", root)
    ordinals = reader.get(data, "ordinals", root, "phrases") or ()
    carry_over = _count(reader, data, "carry_over_minutes", root)
    if file.problems or persistence is None or max_spoken is None or carry_over is None:
        return None
    return HistoryRules(persistence, trend_list, max_spoken, ordinals, carry_over)


def _count(reader: _Reader, data: dict[str, Any], key: str, path: KeyPath) -> int | None:
    """data[key] as a whole number of at least 1."""
    if key not in data:
        reader.problem(path, f"missing required field '{key}'")
        return None
    value = data[key]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    reader.problem((*path, key), f"should be a whole number of at least 1, not {value!r}")
    return None


def _template(reader: _Reader, data: dict[str, Any], key: str, path: KeyPath, fields: set[str]) -> str | None:
    """A spoken line whose {fields} are all among `fields`."""
    text = reader.get(data, key, path, "str")
    if text is None:
        return None
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        reader.problem((*path, key), f"broken {{field}} in the line: {error}")
        return None
    unknown = used - fields
    if unknown:
        reader.problem(
            (*path, key),
            f"unknown field {{{sorted(unknown)[0]}}}; this line can use: "
            + ", ".join(f"{{{f}}}" for f in sorted(fields)),
        )
        return None
    return text


def _persistence(reader: _Reader, data: dict[str, Any], root: KeyPath) -> Persistence | None:
    raw = reader.get(data, "persistence", root, "mapping")
    if raw is None:
        return None
    path = (*root, "persistence")
    keys = ("span_days", "max_gap_days", "min_days", "window_days")
    reader.unknown_keys(raw, (*keys, "said_span", "said_days"), path)
    numbers = [_count(reader, raw, key, path) for key in keys]
    said = [_template(reader, raw, key, path, {"span", "days"}) for key in ("said_span", "said_days")]
    if None in numbers or None in said:
        return None
    return Persistence(*numbers, *said)  # type: ignore[arg-type]


_TREND_FIELDS = ("topic", "is", "below", "at_least", "tag", "within_days", "times", "say", "say_many")


def _trends(reader: _Reader, data: dict[str, Any], root: KeyPath) -> tuple[Trend, ...]:
    raw_list = data.get("trends", [])
    if not isinstance(raw_list, list):
        reader.problem((*root, "trends"), "should be a list of trends")
        return ()
    found = []
    for index, raw in enumerate(raw_list):
        where = (*root, "trends", str(index))
        entry = reader.mapping(raw, where)
        reader.unknown_keys(entry, _TREND_FIELDS, where)
        topic = read_topic(reader, entry, where)
        is_, below, at_least, tag = read_condition(reader, entry, where, "trend") if entry else ((), None, None, None)
        within_days = _count(reader, entry, "within_days", where)
        times = _count(reader, entry, "times", where)
        say = _template(reader, entry, "say", where, {"nth", "count"})
        say_many = _template(reader, entry, "say_many", where, {"count"})
        if topic and within_days and times and say and say_many:
            found.append(Trend(topic, is_, below, at_least, tag, within_days, times, say, say_many))
    return tuple(found)
