"""safety.yaml's `spotting` and `groups`: the word groups signs are made of, and what cancels them."""

from __future__ import annotations

import re
from typing import Any

from twitch_coach.dialogue.content import Patterns, Spotting
from twitch_coach.dialogue.fields import Reader, kind
from twitch_coach.dialogue.yamlfile import KeyPath
from twitch_coach.intents.normalize import normalise

_REFERENCE = re.compile(r"\{(\w+)\}")  # "{many} places": each phrase of the group `many`, then "places"
Phrases = tuple[tuple[str, ...], ...]
Pairs = tuple[tuple[str, str, int], ...]
MAX_EXPANDED = 2000  # phrases one group may write out to, so a content slip cannot blow up compile time

_FIELDS = ("breaks", "negations", "negation_stops", "all_clear", "as_usual", "pseudo", "others", "long_ago",
           "lookalikes", "sounds_like", "not_slips", "lookalike_stops", "idioms", "hypothetical", "me",
           "belongs", "answers", "fresh_starts", "denials", "only_mine", "informing", "asked",
           "happening_now", "sayings_at", "ellipsis", "ellipsis_tail", "their_place", "general_questions",
           "general_if_asked", "hearsay", "own", "curious", "heard_at", "told_mine", "dialect", "no_alikes",
           "claims", "for_whom", "glue", "own_long_ago", "recent", "started_from", "answer_tails",
           "typed_joins", "supposed", "taken_back", "auxiliaries", "the_twitch", "not_long_ago", "tended",
           "asked_by", "own_record", "not_now")  # fmt: skip
# Fields a content pack may leave out (they came later).
_OPTIONAL = ("others", "long_ago", "lookalike_stops", "hypothetical", "me", "answers", "fresh_starts", "denials",
             "only_mine", "informing", "asked", "happening_now", "sayings_at", "ellipsis", "ellipsis_tail",
             "their_place", "general_questions", "general_if_asked", "hearsay", "own", "curious", "heard_at",
             "told_mine", "dialect", "no_alikes", "claims", "for_whom", "glue", "own_long_ago", "recent",
             "started_from", "answer_tails", "typed_joins", "supposed", "taken_back", "auxiliaries", "the_twitch",
             "not_long_ago", "tended", "asked_by", "own_record", "not_now")  # fmt: skip
_PHRASE_LISTS = ("others", "long_ago", "hypothetical", "fresh_starts", "denials", "only_mine", "informing",
                 "happening_now", "their_place", "general_questions", "general_if_asked", "hearsay", "curious",
                 "told_mine", "claims", "for_whom", "own_long_ago", "recent", "started_from", "supposed",
                 "taken_back", "not_long_ago", "asked_by", "own_record", "not_now")  # fmt: skip
_ONE_WORD = ("negations", "negation_stops", "lookalike_stops", "me", "answers", "ellipsis", "ellipsis_tail", "own",
             "no_alikes", "glue", "answer_tails", "typed_joins", "auxiliaries", "tended")  # fmt: skip
# Lists that cancel or end what came before: a filler word lost from one of their phrases widens what it cancels.
_CANCELLING = ("breaks", "negations", "denials", "all_clear", "as_usual", "pseudo", "hypothetical")
LOOKALIKE_GAP = 2  # words that may come between the two halves of a look-alike unless it says ("one side of my calf")


def _words(
    reader: Reader, phrases: tuple[str, ...], where: KeyPath, cancelling: bool = False
) -> tuple[tuple[str, ...], ...]:
    """Phrases as the normalised words the spotter compares; one that normalises to nothing is a problem, and so is
    one of a `cancelling` list that loses a filler word ("like always" read as "always" silenced every clause before
    an "always")."""
    out = []
    for index, phrase in enumerate(phrases):
        words = tuple(normalise(phrase).split())
        dropped = [w for w in phrase.split() if not normalise(w)] if cancelling else []
        if not words:
            reader.problem((*where, str(index)), f"'{phrase}' is only filler words, so it can never be heard")
        elif dropped:
            reader.problem((*where, str(index)), f"'{phrase}' is read without its filler {dropped[0]!r}, so it "
                           f"cancels more than it says; write it without the filler, or leave it out")  # fmt: skip
        else:
            out.append(words)
    return tuple(out)


def read_groups(reader: Reader, data: dict[str, Any], root: KeyPath) -> tuple[dict[str, Phrases], set[str]]:
    """(`groups`: group name -> phrases, a `{group}` in a phrase standing for each phrase of that group;
    the names used that way)."""
    raw = reader.get(data, "groups", root, "mapping") or {}
    listed = {}
    for name, phrases in raw.items():
        where = (*root, "groups", name)
        if not name.isidentifier():
            reader.problem(where, f"a group name should be lower_case_words, not {name!r}")
        listed[name] = reader.phrases(phrases, where)
    expanded: dict[str, tuple[str, ...]] = {}
    for name in listed:
        _expand(reader, name, listed, expanded, (), (*root, "groups"))
    groups = {name: _words(reader, expanded[name], (*root, "groups", name)) for name in listed}
    return groups, {ref for phrases in listed.values() for p in phrases for ref in _REFERENCE.findall(p)}


def _expand(reader: Reader, name: str, listed: dict[str, tuple[str, ...]], done: dict[str, tuple[str, ...]],
            inside: tuple[str, ...], where: KeyPath) -> tuple[str, ...]:  # fmt: skip
    """`name`'s phrases with every `{group}` written out ("{many} places": "lots of places", ...)."""
    if name in done:
        return done[name]
    if name in inside:
        reader.problem((*where, inside[-1]), f"groups name each other in a circle: {' -> '.join((*inside, name))}")
        return ()
    out: list[str] = []
    for index, phrase in enumerate(listed[name]):
        pieces = _REFERENCE.split(phrase)  # text, group, text, group, ..., text
        options = [[pieces[0]]]
        for ref, text in zip(pieces[1::2], pieces[2::2], strict=True):
            if ref not in listed:
                at = (*where, name, str(index))
                reader.problem(at, f"unknown group '{ref}' in '{phrase}'; groups: {', '.join(sorted(listed))}")
                options = []
                break
            subs = _expand(reader, ref, listed, done, (*inside, name), where)
            options = [[*o, sub, text] for o in options for sub in subs]
            if len(options) > MAX_EXPANDED:
                break
        out += ["".join(o) for o in options]
    if len(out) > MAX_EXPANDED:
        reader.problem((*where, name), f"writes out to more than {MAX_EXPANDED} phrases; split it into smaller groups")
        out = out[:MAX_EXPANDED]
    done[name] = tuple(dict.fromkeys(out))
    return done[name]


def read_spotting(
    reader: Reader, data: dict[str, Any], root: KeyPath, groups: dict[str, Any], named: set[str] | None = None
) -> Spotting | None:
    """`spotting`: clause breaks, negations, all-clears, look-alikes and slips; the groups its phrases name in braces
    ("{source} {tells}") are added to `named`."""
    raw = reader.get(data, "spotting", root, "mapping") or {}
    path = (*root, "spotting")
    reader.unknown_keys(raw, _FIELDS, path)
    lists = {}
    for k in dict.fromkeys((*_FIELDS[:8], *_PHRASE_LISTS, *_ONE_WORD)):  # "others" and "long_ago" are in both
        phrases = reader.get(raw, k, path, "phrases", required=k not in _OPTIONAL) or ()
        if k in _PHRASE_LISTS:
            phrases = _written_out(reader, phrases, groups, (*path, k), set() if named is None else named)
        lists[k] = _words(reader, phrases, (*path, k), cancelling=k in _CANCELLING)
    for key in _ONE_WORD:
        for index, words in enumerate(lists[key]):
            if len(words) > 1:
                reader.problem((*path, key, str(index)), f"should be one word, not '{' '.join(words)}'")
    idioms, the_twitch = (_group_names(reader, raw, path, key, groups) for key in ("idioms", "the_twitch"))
    lookalikes, belongs = (_pairs(reader, raw, path, key, groups) for key in ("lookalikes", "belongs"))
    sounds_raw = reader.get(raw, "sounds_like", path, "mapping") or {}
    sounds = {}
    for slip, word in sounds_raw.items():
        if not isinstance(word, str) or not word.strip() or " " in word.strip():
            reader.problem((*path, "sounds_like", slip), f"should be the one word it stands for, not {kind(word)}")
        else:
            sounds[normalise(slip)] = normalise(word)
    not_slips = reader.get(raw, "not_slips", path, "phrases") or ()
    dialect: dict[tuple[str, ...], tuple[str, ...]] = {}  # "cannae" -> "can not", "no fit" -> "can not"
    for said, meant in (reader.get(raw, "dialect", path, "mapping", required=False) or {}).items():
        heard_as = tuple(normalise(str(said)).split())
        stands_for = tuple(normalise(meant).split()) if isinstance(meant, str) else ()
        if not heard_as or not stands_for:
            where = (*path, "dialect", str(said))
            reader.problem(where, f"should map words to the words they stand for, not {kind(meant)}")
        else:
            dialect[heard_as] = stands_for
    asked, sayings_at, heard_at = (
        _by_topic(reader, raw, path, key, groups) for key in ("asked", "sayings_at", "heard_at")
    )
    if reader.file.problems:
        return None
    return Spotting(
        groups,
        lists["breaks"],
        frozenset(w[0] for w in lists["negations"]),
        frozenset(w[0] for w in lists["negation_stops"]),
        lists["all_clear"],
        lists["as_usual"],
        lists["pseudo"],
        lookalikes,
        sounds,
        frozenset(normalise(w) for w in not_slips),
        frozenset(w[0] for w in lists["lookalike_stops"]),
        idioms,
        lists["hypothetical"],
        lists["others"],
        frozenset(w[0] for w in lists["me"]),
        lists["long_ago"],
        frozenset(w[0] for w in lists["answers"]),
        lists["fresh_starts"],
        belongs,
        denials=lists["denials"],
        only_mine=lists["only_mine"],
        happening_now=lists["happening_now"],
        their_place=lists["their_place"],
        informing=lists["informing"],
        general_questions=lists["general_questions"],
        general_if_asked=lists["general_if_asked"],
        hearsay=lists["hearsay"],
        curious=lists["curious"],
        told_mine=lists["told_mine"],
        own=frozenset(w[0] for w in lists["own"]),
        asked=asked,
        sayings_at=sayings_at,
        heard_at=heard_at,
        ellipsis=frozenset(w[0] for w in lists["ellipsis"]),
        ellipsis_tail=frozenset(w[0] for w in lists["ellipsis_tail"]),
        dialect=dialect,
        no_alikes=frozenset(w[0] for w in lists["no_alikes"]),
        claims=lists["claims"],
        for_whom=lists["for_whom"],
        own_long_ago=lists["own_long_ago"],
        recent=lists["recent"],
        started_from=lists["started_from"],
        supposed=lists["supposed"],
        taken_back=lists["taken_back"],
        glue=frozenset(w[0] for w in lists["glue"]),
        answer_tails=frozenset(w[0] for w in lists["answer_tails"]),
        typed_joins=frozenset(w[0] for w in lists["typed_joins"]),
        auxiliaries=frozenset(w[0] for w in lists["auxiliaries"]),
        tended=frozenset(w[0] for w in lists["tended"]),
        the_twitch=the_twitch,
        not_long_ago=lists["not_long_ago"],
        asked_by=lists["asked_by"],
        own_record=lists["own_record"],
        not_now=lists["not_now"],
    )


def _by_topic(
    reader: Reader, raw: dict[str, Any], path: KeyPath, key: str, groups: dict[str, Any]
) -> dict[str, tuple[str, ...]]:
    """`asked`, `sayings_at` or `heard_at`: topic -> a list of group names."""
    out = {}
    for topic, names in (reader.get(raw, key, path, "mapping", required=False) or {}).items():
        at = (*path, key, str(topic))
        if not isinstance(names, list) or not names or not all(isinstance(g, str) for g in names):
            reader.problem(at, f"should be a list of group names, like [weak_numb], not {kind(names)}")
        elif all([check_group(reader, at, g, groups) for g in names]):  # noqa: C419 (report every unknown one)
            out[str(topic)] = tuple(names)
    return out


def _written_out(
    reader: Reader, phrases: tuple[str, ...], groups: dict[str, Any], where: KeyPath, named: set[str]
) -> tuple[str, ...]:
    """Phrases of a spotting list with each `{group}` written out as that group's phrases ("{source} {tells}")."""
    out: list[str] = []
    for index, phrase in enumerate(phrases):
        pieces = _REFERENCE.split(phrase)  # text, group, text, group, ..., text
        options = [pieces[0]]
        for ref, text in zip(pieces[1::2], pieces[2::2], strict=True):
            if not check_group(reader, (*where, str(index)), ref, groups):
                options = []
                break
            named.add(ref)
            options = [f"{o}{' '.join(sub)}{text}" for o in options for sub in groups[ref]][: MAX_EXPANDED + 1]
        if len(options) > MAX_EXPANDED:
            reader.problem((*where, str(index)), f"'{phrase}' writes out to more than {MAX_EXPANDED} phrases")
        out += options[:MAX_EXPANDED]
    return tuple(dict.fromkeys(out))


def _group_names(
    reader: Reader, raw: dict[str, Any], path: KeyPath, key: str, groups: dict[str, Any]
) -> frozenset[str]:
    """`key`'s list of group names (`idioms`, `the_twitch`), each a known group."""
    names = reader.get(raw, key, path, "phrases", required=False) or ()
    return frozenset(g for i, g in enumerate(names) if check_group(reader, (*path, key, str(i)), g, groups))


def check_group(reader: Reader, where: KeyPath, name: str, groups: dict[str, Any]) -> bool:
    """True when `name` is a group under `groups`; else a problem that lists them."""
    if name in groups:
        return True
    reader.problem(where, f"unknown group '{name}'; groups: {', '.join(sorted(groups))}")
    return False


def read_patterns(reader: Reader, raw: Any, where: KeyPath, groups: dict[str, Any]) -> Patterns:
    """A sign's patterns: a non-empty list of non-empty lists of known group names."""
    if not isinstance(raw, list) or not raw:
        reader.problem(where, f"should be a list of patterns, like [[fluid, colour]], not {kind(raw)}")
        return ()
    patterns = []
    for index, pattern in enumerate(raw):
        at = (*where, str(index))
        if not isinstance(pattern, list) or not pattern or not all(isinstance(g, str) for g in pattern):
            reader.problem(at, f"should be a list of group names, like [fluid, colour], not {kind(pattern)}")
            continue
        if all([check_group(reader, at, g, groups) for g in pattern]):  # noqa: C419 (report every unknown one)
            patterns.append(tuple(pattern))
    return tuple(patterns)


def check_used(reader: Reader, root: KeyPath, groups: dict[str, Any], used: set[str]) -> None:
    """A group no sign or look-alike uses is a problem: most likely a misspelt name."""
    for name in groups:
        if name not in used:
            reader.problem((*root, "groups", name), f"group '{name}' is used by no sign or look-alike")


def _pairs(reader: Reader, raw: dict[str, Any], path: KeyPath, key: str, groups: dict[str, Any]) -> Pairs:
    """`lookalikes` or `belongs`: [group, group] or [group, group, words that may come between]."""
    out = []
    pairs = raw.get(key) or []
    if not isinstance(pairs, list):
        reader.problem((*path, key), f"should be a list of pairs of group names, not {kind(pairs)}")
        pairs = []
    for index, pair in enumerate(pairs):
        where = (*path, key, str(index))
        gap = pair[2] if isinstance(pair, list) and len(pair) == 3 else LOOKALIKE_GAP
        if not (isinstance(pair, list) and len(pair) in (2, 3) and all(isinstance(g, str) for g in pair[:2])):
            reader.problem(where, f"should be a pair of group names, like [weak, drink], not {kind(pair)}")
            continue
        if isinstance(gap, bool) or not isinstance(gap, int) or not 0 <= gap <= 9:
            reader.problem(where, f"the third item is how many words may come between, 0 to 9, not {gap!r}")
            continue
        if all([check_group(reader, where, g, groups) for g in pair[:2]]):  # noqa: C419 (report both)
            out.append((pair[0], pair[1], gap))
    return tuple(out)
