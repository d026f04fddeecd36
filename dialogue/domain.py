"""Read content/domain.yaml into a Domain, and check other files' ids against it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from twitch_coach.dialogue.content import Domain, ModePolicy
from twitch_coach.dialogue.fields import Reader
from twitch_coach.dialogue.ids import Endpoint, SummaryStyle
from twitch_coach.dialogue.yamlfile import KeyPath

_ID_KINDS = ("causes", "red_flags", "urgent", "topics")
_MODE_FIELDS = ("summary", "summary_causes", "endpoint", "carries_over_from")


def read_domain(reader: Reader, root: KeyPath) -> Domain | None:
    """The Domain in `reader`'s file; None (with problems recorded) when any part is wrong."""
    data = reader.mapping(reader.file.data, root)
    reader.unknown_keys(data, ("ids", "safety_topics", "journal_flag", "default_mode", "modes"), root)
    ids_raw = reader.get(data, "ids", root, "mapping") or {}
    ids_path = (*root, "ids")
    reader.unknown_keys(ids_raw, _ID_KINDS, ids_path)
    ids = {k: _id_list(reader, ids_raw, k, ids_path) for k in _ID_KINDS}
    safety = _id_list(reader, data, "safety_topics", root)
    for index, topic in enumerate(safety):
        if topic not in ids["topics"]:
            reader.problem((*root, "safety_topics", str(index)), f"'{topic}' is not one of the topics under ids")
    flag = reader.get(data, "journal_flag", root, "str")
    if flag is not None and flag not in ids["red_flags"]:
        reader.problem((*root, "journal_flag"), f"'{flag}' is not one of the red_flags under ids")
    modes = _modes(reader, data, root)
    default = reader.get(data, "default_mode", root, "str")
    if default is not None and default not in modes:
        reader.problem((*root, "default_mode"), f"'{default}' is not one of the modes: {', '.join(modes)}")
    if reader.file.problems or flag is None or default is None:
        return None
    return Domain(
        ids["causes"], ids["red_flags"], ids["topics"], frozenset(safety), modes, default, flag, ids["urgent"]
    )


def _id_list(reader: Reader, data: dict[str, Any], key: str, path: KeyPath) -> tuple[str, ...]:
    """A list of distinct lower-case ids."""
    raw = data.get(key)
    if not isinstance(raw, list) or not raw:
        reader.problem((*path, key) if key in data else path, f"'{key}' should be a non-empty list of ids")
        return ()
    found: list[str] = []
    for index, item in enumerate(raw):
        where = (*path, key, str(index))
        if not isinstance(item, str) or not item.isidentifier() or item != item.lower():
            reader.problem(where, f"should be an id (lower_case_words), not {item!r}")
        elif item in found:
            reader.problem(where, f"'{item}' is listed twice")
        else:
            found.append(item)
    return tuple(found)


def _modes(reader: Reader, data: dict[str, Any], root: KeyPath) -> dict[str, ModePolicy]:
    raw = reader.get(data, "modes", root, "mapping") or {}
    modes = {}
    for name, entry_raw in raw.items():
        where = (*root, "modes", name)
        entry = reader.mapping(entry_raw, where)
        reader.unknown_keys(entry, _MODE_FIELDS, where)
        summary = _one_of(reader, entry, "summary", where, SummaryStyle)
        causes = reader.count(entry, "summary_causes", where)
        endpoint = _one_of(reader, entry, "endpoint", where, Endpoint)
        source = reader.get(entry, "carries_over_from", where, "str", required=False)
        if source is not None and source not in raw:
            reader.problem((*where, "carries_over_from"), f"'{source}' is not one of the modes: {', '.join(raw)}")
        if summary and causes and endpoint:
            modes[name] = ModePolicy(name, summary, causes, endpoint, source)
    return modes


def _one_of(reader: Reader, entry: dict[str, Any], key: str, where: KeyPath, allowed: Iterable[str]) -> str | None:
    value = reader.get(entry, key, where, "str")
    if value is not None and value not in set(allowed):
        reader.problem((*where, key), f"unknown {key} '{value}'; use one of: {', '.join(allowed)}")
        return None
    return value


def check_ids(reader: Reader, path: KeyPath, got: Iterable[str], declared: tuple[str, ...], what: str) -> None:
    """Report ids that domain.yaml does not declare, and declared ids that have no entry."""
    got = list(got)
    for key in got:
        if key not in declared:
            reader.problem((*path, key), f"unknown {what} id '{key}'; domain.yaml has: {', '.join(declared)}")
    for key in declared:
        if key not in got:
            reader.problem(path, f"missing {what} '{key}' (every {what} in domain.yaml needs an entry)")


def check_id(reader: Reader, where: KeyPath, value: str, declared: tuple[str, ...], what: str) -> bool:
    """True when `value` is a declared id; else a problem at `where`."""
    if value in declared:
        return True
    reader.problem(where, f"unknown {what} '{value}'; domain.yaml has: {', '.join(declared)}")
    return False


def read_topic(reader: Reader, entry: dict[str, Any], where: KeyPath, domain: Domain | None) -> str | None:
    """The required `topic` of a question, rule or trend, checked against the domain (None if wrong)."""
    topic = reader.get(entry, "topic", where, "str")
    if (
        topic is not None
        and domain is not None
        and not check_id(reader, (*where, "topic"), topic, domain.topics, "topic")
    ):
        return None
    return topic
