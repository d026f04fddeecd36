"""safety.yaml: red flags, urgent signs and the lines that keep people safe."""

from __future__ import annotations

from dialogue.content import Domain, RedFlagInfo, Safety, Urgent
from dialogue.domain import check_ids
from dialogue.fields import Reader
from dialogue.yamlfile import KeyPath

_LINES = ("professional", "safe_prefix", "emergency_intro", "reassurance", "reassurance_with_flags")


def read_safety(reader: Reader, root: KeyPath, domain: Domain | None) -> Safety | None:
    """The safety content; None when a part of it is missing or wrong."""
    data = reader.mapping(reader.file.data, root)
    flags_map = reader.get(data, "red_flags", root, "mapping") or {}
    path = (*root, "red_flags")
    if domain is not None:
        check_ids(reader, path, flags_map, domain.red_flags, "red flag")
    flags = {}
    for fid, raw in flags_map.items():
        where = (*path, fid)
        entry = reader.mapping(raw, where)
        reader.unknown_keys(entry, ("reason", "said", "keywords"), where)
        reason, said = reader.get(entry, "reason", where, "str"), reader.get(entry, "said", where, "str")
        keywords = reader.get(entry, "keywords", where, "phrases") or ()
        if reason and said:
            flags[fid] = RedFlagInfo(fid, reason, said, keywords)
    urgent_raw = reader.get(data, "urgent", root, "mapping") or {}
    upath = (*root, "urgent")
    reader.unknown_keys(urgent_raw, ("signs", "said", "reason", "negations"), upath)
    signs_raw = reader.get(urgent_raw, "signs", upath, "mapping") or {}
    signs = {sid: reader.phrases(phrases, (*upath, "signs", sid)) for sid, phrases in signs_raw.items()}
    urgent_said = reader.get(urgent_raw, "said", upath, "str")
    urgent_reason = reader.get(urgent_raw, "reason", upath, "str")
    negations = reader.get(urgent_raw, "negations", upath, "phrases") or ()
    lines = {k: reader.get(data, k, root, "str") for k in _LINES}
    reader.unknown_keys(data, ("red_flags", "urgent", *lines), root)
    if not (urgent_said and urgent_reason and all(lines.values())):
        return None
    return Safety(flags, Urgent(urgent_said, urgent_reason, signs, negations), **lines)  # type: ignore[arg-type]
