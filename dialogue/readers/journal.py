"""journal.yaml: when past check-ins raise the journal's red flag, the trends worth saying, carrying over."""

from __future__ import annotations

from typing import Any

from twitch_coach.dialogue.content import Domain, HistoryRules, Persistence, Trend
from twitch_coach.dialogue.domain import read_topic
from twitch_coach.dialogue.fields import Reader
from twitch_coach.dialogue.readers.scoring import read_condition
from twitch_coach.dialogue.yamlfile import KeyPath

_TREND_FIELDS = ("topic", "is", "below", "at_least", "tag", "within_days", "times", "say", "say_many")


def read_journal(reader: Reader, root: KeyPath, domain: Domain | None) -> HistoryRules | None:
    """HistoryRules from the reader's file; None when anything is wrong (the problems are on the file)."""
    file = reader.file
    data = reader.mapping(file.data, root)
    reader.unknown_keys(data, ("persistence", "trends", "max_spoken", "ordinals", "carry_over_minutes"), root)
    persistence = _persistence(reader, data, root)
    trend_list = _trends(reader, data, root, domain)
    max_spoken = reader.count(data, "max_spoken", root)
    ordinals = reader.get(data, "ordinals", root, "phrases") or ()
    carry_over = reader.count(data, "carry_over_minutes", root)
    if file.problems or persistence is None or max_spoken is None or carry_over is None:
        return None
    return HistoryRules(persistence, trend_list, max_spoken, ordinals, carry_over)


def _persistence(reader: Reader, data: dict[str, Any], root: KeyPath) -> Persistence | None:
    raw = reader.get(data, "persistence", root, "mapping")
    if raw is None:
        return None
    path = (*root, "persistence")
    keys = ("span_days", "max_gap_days", "min_days", "window_days")
    reader.unknown_keys(raw, (*keys, "said_span", "said_days"), path)
    numbers = [reader.count(raw, key, path) for key in keys]
    said = [reader.template(raw, key, path, {"span", "days"}) for key in ("said_span", "said_days")]
    if None in numbers or None in said:
        return None
    return Persistence(*numbers, *said)  # type: ignore[arg-type]


def _trends(reader: Reader, data: dict[str, Any], root: KeyPath, domain: Domain | None) -> tuple[Trend, ...]:
    raw_list = data.get("trends", [])
    if not isinstance(raw_list, list):
        reader.problem((*root, "trends"), "should be a list of trends")
        return ()
    found = []
    for index, raw in enumerate(raw_list):
        where = (*root, "trends", str(index))
        entry = reader.mapping(raw, where)
        reader.unknown_keys(entry, _TREND_FIELDS, where)
        topic = read_topic(reader, entry, where, domain)
        is_, below, at_least, tag = read_condition(reader, entry, where, "trend") if entry else ((), None, None, None)
        within_days = reader.count(entry, "within_days", where)
        times = reader.count(entry, "times", where)
        say = reader.template(entry, "say", where, {"nth", "count"})
        say_many = reader.template(entry, "say_many", where, {"count"})
        if topic and within_days and times and say and say_many:
            found.append(Trend(topic, is_, below, at_least, tag, within_days, times, say, say_many))
    return tuple(found)
