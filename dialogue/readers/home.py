"""home.yaml: the home device's wake phrase, and what each request does after it."""

from __future__ import annotations

from twitch_coach.dialogue.content import Domain, Home
from twitch_coach.dialogue.fields import Reader
from twitch_coach.dialogue.ids import HOME_ACTIONS
from twitch_coach.dialogue.yamlfile import KeyPath


def read_home(reader: Reader, root: KeyPath, domain: Domain | None) -> Home | None:
    """The home content; routes are the domain's modes plus ask and stop, {part} expanded."""
    data = reader.mapping(reader.file.data, root)
    reader.unknown_keys(data, ("wake", "woken", "routes", "parts", "not_understood", "goodbye"), root)
    wake = reader.get(data, "wake", root, "phrases") or ()
    parts = reader.get(data, "parts", root, "phrases") or ()
    lines = {k: reader.get(data, k, root, "str") for k in ("woken", "not_understood", "goodbye")}
    routes_raw = reader.get(data, "routes", root, "mapping") or {}
    names = (*(domain.modes if domain else ()), *HOME_ACTIONS)
    routes = {}
    for name, phrases in routes_raw.items():
        where = (*root, "routes", name)
        if domain is not None and name not in names:
            reader.problem(where, f"unknown route '{name}'; routes are: {', '.join(names)}")
            continue
        expanded = []
        for phrase in reader.phrases(phrases, where):
            expanded += [phrase.replace("{part}", part) for part in parts] if "{part}" in phrase else [phrase]
        routes[name] = tuple(expanded)
    for name in names:
        if name not in routes_raw:
            reader.problem((*root, "routes"), f"missing route '{name}'")
    if not (wake and all(lines.values())):
        return None
    return Home(wake, routes=routes, **lines)
