"""safety.yaml: red flags, urgent signs, the word groups they are spotted by, and the lines that keep people safe."""

from __future__ import annotations

from dataclasses import replace

from twitch_coach.dialogue.content import Domain, RedFlagInfo, Safety, Urgent
from twitch_coach.dialogue.domain import check_ids
from twitch_coach.dialogue.fields import Reader
from twitch_coach.dialogue.readers.spotting import check_group, check_used, read_groups, read_patterns, read_spotting
from twitch_coach.dialogue.yamlfile import KeyPath

_LINES = ("professional", "safe_prefix", "emergency_intro", "reassurance", "reassurance_with_flags")


def read_safety(reader: Reader, root: KeyPath, domain: Domain | None) -> Safety | None:
    """The safety content; None when a part of it is missing or wrong."""
    data = reader.mapping(reader.file.data, root)
    groups, referenced = read_groups(reader, data, root)
    flags_map = reader.get(data, "red_flags", root, "mapping") or {}
    path = (*root, "red_flags")
    if domain is not None:
        check_ids(reader, path, flags_map, domain.red_flags, "red flag")
    flags = {}
    for fid, raw in flags_map.items():
        where = (*path, fid)
        entry = reader.mapping(raw, where)
        reader.unknown_keys(entry, ("reason", "said", "signs", "unless"), where)
        reason, said = reader.get(entry, "reason", where, "str"), reader.get(entry, "said", where, "str")
        if "signs" not in entry:
            reader.problem(where, "missing required field 'signs'")
        signs = read_patterns(reader, entry.get("signs"), (*where, "signs"), groups) if "signs" in entry else ()
        unless = reader.get(entry, "unless", where, "phrases", required=False) or ()
        unless = tuple(g for i, g in enumerate(unless) if check_group(reader, (*where, "unless", str(i)), g, groups))
        if reason and said and signs:
            flags[fid] = RedFlagInfo(fid, reason, said, signs, unless)
    urgent_raw = reader.get(data, "urgent", root, "mapping") or {}
    upath = (*root, "urgent")
    reader.unknown_keys(urgent_raw, ("signs", "said", "reason"), upath)
    signs_raw = reader.get(urgent_raw, "signs", upath, "mapping") or {}
    if domain is not None:
        check_ids(reader, (*upath, "signs"), signs_raw, domain.urgent, "urgent sign")
    urgent_signs = {sid: read_patterns(reader, raw, (*upath, "signs", sid), groups) for sid, raw in signs_raw.items()}
    spotting = read_spotting(reader, data, root, groups, referenced)
    used = {g for patterns in [*urgent_signs.values(), *(f.signs for f in flags.values())] for p in patterns for g in p}
    used |= {g for pair in (spotting.lookalikes + spotting.belongs if spotting else ()) for g in pair[:2]}
    used |= set(spotting.idioms if spotting else ())
    used |= {g for flag in flags.values() for g in flag.unless}
    used |= {g for names in (spotting.asked.values() if spotting else ()) for g in names}
    used |= {g for names in (spotting.sayings_at.values() if spotting else ()) for g in names}
    used |= {g for names in (spotting.heard_at.values() if spotting else ()) for g in names}
    check_used(reader, root, groups, used | referenced)
    if spotting is not None:  # a group only named inside others' phrases is never heard alone ("{be} my weakness")
        spotting = replace(spotting, heard=frozenset(used))
    urgent_said = reader.get(urgent_raw, "said", upath, "str")
    urgent_reason = reader.get(urgent_raw, "reason", upath, "str")
    lines = {k: reader.get(data, k, root, "str") for k in _LINES}
    reader.unknown_keys(data, ("red_flags", "urgent", "groups", "spotting", *lines), root)
    if not (urgent_said and urgent_reason and all(lines.values())) or spotting is None or reader.file.problems:
        return None
    return Safety(flags, Urgent(urgent_said, urgent_reason, urgent_signs), spotting, **lines)
