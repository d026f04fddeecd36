"""causes.yaml: what the skill says about each cause."""

from __future__ import annotations

from twitch_coach.dialogue.content import CauseInfo, Domain
from twitch_coach.dialogue.domain import check_ids
from twitch_coach.dialogue.fields import Reader
from twitch_coach.dialogue.yamlfile import KeyPath


def read_causes(reader: Reader, root: KeyPath, domain: Domain | None) -> dict[str, CauseInfo]:
    """Every cause entry that is complete; each declared cause needs one."""
    data = reader.mapping(reader.file.data, root)
    reader.unknown_keys(data, ("causes",), root)
    causes_map = reader.get(data, "causes", root, "mapping") or {}
    path = (*root, "causes")
    if domain is not None:
        check_ids(reader, path, causes_map, domain.causes, "cause")
    causes = {}
    for cid, raw in causes_map.items():
        where = (*path, cid)
        entry = reader.mapping(raw, where)
        reader.unknown_keys(entry, ("name", "why", "advice", "now", "prior", "keywords", "against"), where)
        fields = {k: reader.get(entry, k, where, "str") for k in ("name", "why", "advice", "now")}
        prior = reader.get(entry, "prior", where, "number")
        keywords = reader.get(entry, "keywords", where, "phrases", required=False) or ()
        against = reader.get(entry, "against", where, "phrases", required=False) or ()
        if all(fields.values()) and prior is not None:
            causes[cid] = CauseInfo(cid, prior=prior, keywords=keywords, against=against, **fields)
    return causes
