"""Load content/*.yaml into Content, checking every file and reporting all problems at once."""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from dialogue.content import (
    CauseInfo,
    Content,
    DialogueTree,
    Home,
    Node,
    RedFlagInfo,
    Rule,
    Safety,
    Urgent,
    Vocab,
)
from dialogue.errors import ContentError, Problem
from dialogue.ids import DEFAULT, END, UNSURE, Cause, Command, Expects, RedFlag, Topic
from dialogue.yamlfile import KeyPath, YamlFile, read

# Which kind of file a top-level key marks, so `validate` can take files in any order.
_KIND_BY_KEY = {
    "causes": "causes",
    "red_flags": "safety",
    "answer_sets": "vocab",
    "rules": "scoring",
    "nodes": "tree",
    "reprompt": "messages",
    "persistence": "journal",
    "wake": "home",
}
HOME_ROUTES = ("checkin", "quick", "ask", "stop")
_REQUIRED_MESSAGES = (
    "reprompt", "safe_followups", "move_on", "confirm", "help", "number_options", "or_word",
    "skipped", "first_question",
    "starting_over", "stopped", "summary_intro", "top_cause", "other_cause", "flags_summary",
    "nothing_stands_out", "offer_repeat", "quick_answer", "quick_offer", "ask_intro", "mentioned",
)  # fmt: skip


def content_dir() -> Path:
    """The folder of the content shipped with the package."""
    return Path(str(resources.files("content")))


class _Reader:
    """Typed access to one file's data that records a problem instead of raising."""

    def __init__(self, file: YamlFile) -> None:
        self.file = file

    def problem(self, path: KeyPath, message: str) -> None:
        self.file.problem(path, message)

    def mapping(self, value: Any, path: KeyPath) -> dict[str, Any]:
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}
        self.problem(path, f"should be a mapping of keys to values, not {_kind(value)}")
        return {}

    def get(self, data: dict[str, Any], key: str, path: KeyPath, kind: str, required: bool = True) -> Any:
        """data[key] checked against `kind` (str, number, phrases, mapping); None when wrong or absent."""
        if key not in data or data[key] is None:
            if required:
                self.problem(path, f"missing required field '{key}'")
            return None
        value = data[key]
        where = (*path, key)
        if kind == "str":
            if isinstance(value, str) and value.strip():
                return value.strip()
            self.problem(where, f"should be text, not {_kind(value)}")
        elif kind == "number":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            self.problem(where, f"should be a number, not {_kind(value)}")
        elif kind == "phrases":
            return self.phrases(value, where)
        elif kind == "mapping":
            return self.mapping(value, where)
        return None

    def phrases(self, value: Any, path: KeyPath) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            self.problem(path, f"should be a non-empty list of phrases, not {_kind(value)}")
            return ()
        out = []
        for index, item in enumerate(value):
            if isinstance(item, bool):  # "true" and "false" are words people say too
                out.append(str(item).lower())
            elif isinstance(item, str | int | float) and str(item).strip():
                out.append(str(item).strip().lower())
            else:
                self.problem((*path, str(index)), f"should be a phrase (text), not {_kind(item)}")
        return tuple(out)

    def unknown_keys(self, data: dict[str, Any], allowed: Iterable[str], path: KeyPath) -> None:
        allowed = set(allowed)
        for key in data:
            if key not in allowed:
                self.problem((*path, key), f"unknown field '{key}'; expected one of: {', '.join(sorted(allowed))}")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def _ids(path: KeyPath, got: Iterable[str], expected: type, what: str, reader: _Reader) -> None:
    """Report ids that are not in domain.md and required ids that are missing."""
    valid = {member.value for member in expected}  # type: ignore[attr-defined]
    got = list(got)
    for key in got:
        if key not in valid:
            reader.problem((*path, key), f"unknown {what} id '{key}'; domain.md has: {', '.join(sorted(valid))}")
    for key in sorted(valid - set(got)):
        reader.problem(path, f"missing {what} '{key}' (every {what} in domain.md needs an entry)")


def _causes(reader: _Reader, root: KeyPath) -> dict[str, CauseInfo]:
    data = reader.mapping(reader.file.data, root)
    causes_map = reader.get(data, "causes", root, "mapping") or {}
    path = (*root, "causes")
    _ids(path, causes_map, Cause, "cause", reader)
    causes = {}
    for cid, raw in causes_map.items():
        where = (*path, cid)
        entry = reader.mapping(raw, where)
        reader.unknown_keys(entry, ("name", "why", "advice", "now", "prior", "keywords"), where)
        fields = {k: reader.get(entry, k, where, "str") for k in ("name", "why", "advice", "now")}
        prior = reader.get(entry, "prior", where, "number")
        keywords = reader.get(entry, "keywords", where, "phrases", required=False) or ()
        if all(fields.values()) and prior is not None:
            causes[cid] = CauseInfo(cid, prior=prior, keywords=keywords, **fields)
    return causes


def _safety(reader: _Reader, root: KeyPath) -> Safety | None:
    data = reader.mapping(reader.file.data, root)
    flags_map = reader.get(data, "red_flags", root, "mapping") or {}
    path = (*root, "red_flags")
    _ids(path, flags_map, RedFlag, "red flag", reader)
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
    signs_raw = reader.get(urgent_raw, "signs", upath, "mapping") or {}
    signs = {sid: reader.phrases(phrases, (*upath, "signs", sid)) for sid, phrases in signs_raw.items()}
    urgent_said = reader.get(urgent_raw, "said", upath, "str")
    urgent_reason = reader.get(urgent_raw, "reason", upath, "str")
    negations = reader.get(urgent_raw, "negations", upath, "phrases") or ()
    lines = {
        k: reader.get(data, k, root, "str")
        for k in ("professional", "safe_prefix", "emergency_intro", "reassurance", "reassurance_with_flags")
    }
    reader.unknown_keys(data, ("red_flags", "urgent", *lines), root)
    if not (urgent_said and urgent_reason and all(lines.values())):
        return None
    return Safety(flags, Urgent(urgent_said, urgent_reason, signs, negations), **lines)  # type: ignore[arg-type]


def _vocab(reader: _Reader, root: KeyPath) -> Vocab:
    data = reader.mapping(reader.file.data, root)
    reader.unknown_keys(data, ("unsure", "answer_sets", "commands", "pronunciations"), root)
    unsure = reader.get(data, "unsure", root, "phrases") or ()
    sets_raw = reader.get(data, "answer_sets", root, "mapping") or {}
    answer_sets: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, raw in sets_raw.items():
        where = (*root, "answer_sets", name)
        answers = reader.mapping(raw, where)
        if len(answers) < 2:
            reader.problem(where, "an answer set needs at least two answers")
        answer_sets[name] = {aid: reader.phrases(p, (*where, aid)) for aid, p in answers.items()}
        if UNSURE in answers:
            reader.problem(
                (*where, UNSURE),
                "'unsure' is shared by every question; add phrases to the top-level 'unsure' list",
            )
    commands_raw = reader.get(data, "commands", root, "mapping") or {}
    _ids((*root, "commands"), commands_raw, Command, "command", reader)
    commands = {name: reader.phrases(p, (*root, "commands", name)) for name, p in commands_raw.items()}
    return Vocab(unsure, answer_sets, commands, _pronunciations(reader, data, root))


# The 39 phones of the CMU US English dictionary (ARPAbet, no stress marks), as recognisers spell them.
ARPABET = frozenset(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH".split()
)


def _pronunciations(reader: _Reader, data: dict[str, Any], root: KeyPath) -> dict[str, str]:
    """vocab.yaml's pronunciations: a lower-case word -> its ARPAbet phones, space-separated."""
    raw = reader.get(data, "pronunciations", root, "mapping", required=False) or {}
    found = {}
    for word, phones in raw.items():  # mapping() has made every key a string
        where = (*root, "pronunciations", word)
        spelt = phones.split() if isinstance(phones, str) else []
        if not re.fullmatch(r"[a-z][a-z']*", word):
            reader.problem(where, "should be one lower-case word")
        elif not spelt:
            reader.problem(where, "should be the word's phones, such as 'N AE K ER D'")
        elif unknown := [p for p in spelt if p not in ARPABET]:
            reader.problem(where, f"unknown phone {unknown[0]!r}; use the 39 ARPAbet phones, such as AH, IY, NG")
        else:
            found[word] = " ".join(spelt)
    return found


def _messages(reader: _Reader, root: KeyPath) -> dict[str, object]:
    data = reader.mapping(reader.file.data, root)
    for key in _REQUIRED_MESSAGES:
        if key not in data:
            reader.problem(root, f"missing message '{key}'")
    reprompt = data.get("reprompt")
    if not (isinstance(reprompt, list) and reprompt and all(isinstance(x, str) for x in reprompt)):
        reader.problem((*root, "reprompt"), "should be a list of reprompt lines (one per retry)")
    for key, value in data.items():
        if key != "reprompt" and not isinstance(value, str):
            reader.problem((*root, key), f"should be text, not {_kind(value)}")
    return data


_NODE_FIELDS = (
    "topic",
    "ask",
    "rephrase",
    "expects",
    "answers",
    "also",
    "next",
    "raises",
    "safe",
    "words",
    "tags",
    "units",
)


def _node(reader: _Reader, nid: str, raw: Any, where: KeyPath, vocab: Vocab | None) -> Node | None:
    entry = reader.mapping(raw, where)
    reader.unknown_keys(entry, _NODE_FIELDS, where)
    topic = read_topic(reader, entry, where)
    ask, rephrase = reader.get(entry, "ask", where, "str"), reader.get(entry, "rephrase", where, "str")
    expects = reader.get(entry, "expects", where, "str")
    if expects is not None and expects not in {e.value for e in Expects}:
        reader.problem(
            (*where, "expects"), f"unknown answer kind '{expects}'; use one of: yes_no, choice, number, free"
        )
        expects = None
    choices: dict[str, tuple[str, ...]] = {}
    if vocab is not None and expects == Expects.YES_NO:
        choices = dict(vocab.answer_sets.get("yes_no", {}))
    elif vocab is not None and expects == Expects.CHOICE:
        set_name = reader.get(entry, "answers", where, "str")
        if set_name is not None and set_name not in vocab.answer_sets:
            reader.problem(
                (*where, "answers"),
                f"no answer set '{set_name}' in vocab.yaml; have: {', '.join(sorted(vocab.answer_sets))}",
            )
        choices = dict(vocab.answer_sets.get(set_name or "", {}))
    also = reader.get(entry, "also", where, "mapping", required=False) or {}
    for aid, phrases in also.items():
        if aid not in choices:
            reader.problem(
                (*where, "also", aid),
                f"'{aid}' is not an answer of this question; answers: {', '.join(choices) or 'none'}",
            )
            continue
        choices[aid] = choices[aid] + reader.phrases(phrases, (*where, "also", aid))
    answers = set(choices) | {UNSURE}
    next_raw = entry.get("next")
    nexts: dict[str, str] = {}
    if isinstance(next_raw, str):
        nexts = {DEFAULT: next_raw}
    elif isinstance(next_raw, dict):
        nexts = {str(k): v for k, v in next_raw.items()}
        for key, target in nexts.items():
            if not isinstance(target, str):
                reader.problem((*where, "next", key), f"should be a node id, not {_kind(target)}")
            if key != DEFAULT and key not in answers:
                reader.problem(
                    (*where, "next", key),
                    f"'{key}' is not an answer of this question; answers: {', '.join(sorted(answers))}",
                )
        if DEFAULT not in nexts:
            reader.problem((*where, "next"), "a branching 'next' needs a 'default' for the other answers")
    else:
        reader.problem(
            where,
            "missing required field 'next' (a node id, 'end', or a map of answer -> node with a default)",
        )
    raises_raw = reader.get(entry, "raises", where, "mapping", required=False) or {}
    raises = {}
    for aid, flag in raises_raw.items():
        if aid not in answers:
            reader.problem(
                (*where, "raises", aid),
                f"'{aid}' is not an answer of this question; answers: {', '.join(sorted(answers))}",
            )
        elif flag not in {f.value for f in RedFlag}:
            reader.problem(
                (*where, "raises", aid),
                f"unknown red flag id '{flag}'; domain.md has: {', '.join(f.value for f in RedFlag)}",
            )
        else:
            raises[aid] = flag
    safe = reader.get(entry, "safe", where, "str", required=False)
    if safe is not None and safe not in choices:
        reader.problem(
            (*where, "safe"),
            f"'{safe}' is not an answer of this question; answers: {', '.join(sorted(choices)) or 'none'}",
        )
    if raises and safe is None:
        reader.problem(where, "a question that raises a red flag needs 'safe': the answer an unclear reply counts as")
    words_raw = reader.get(entry, "words", where, "mapping", required=False) or {}
    words = {}
    for phrase, value in words_raw.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            words[str(phrase).lower()] = float(value)
        else:
            reader.problem((*where, "words", phrase), f"should be a number, not {_kind(value)}")
    if words and expects != Expects.NUMBER:
        reader.problem((*where, "words"), "'words' only applies to number questions")
    tags_raw = reader.get(entry, "tags", where, "mapping", required=False) or {}
    tags = {tag: reader.phrases(p, (*where, "tags", tag)) for tag, p in tags_raw.items()}
    units = reader.get(entry, "units", where, "phrases", required=False) or ()
    if units and expects != Expects.NUMBER:
        reader.problem((*where, "units"), "'units' only applies to number questions")
    if None in (topic, ask, rephrase, expects) or not nexts:
        return None
    return Node(nid, topic, ask, rephrase, expects, choices, nexts, raises, safe, words, tags, units)  # type: ignore[arg-type]


def _tree(reader: _Reader, root: KeyPath, vocab: Vocab | None) -> DialogueTree | None:
    data = reader.mapping(reader.file.data, root)
    reader.unknown_keys(data, ("mode", "intro", "start", "nodes"), root)
    mode = reader.get(data, "mode", root, "str")
    start = reader.get(data, "start", root, "str")
    intro = reader.get(data, "intro", root, "str", required=False) or ""
    nodes_raw = reader.get(data, "nodes", root, "mapping") or {}
    nodes = {}
    for nid, raw in nodes_raw.items():
        node = _node(reader, nid, raw, (*root, "nodes", nid), vocab)
        if node is not None:
            nodes[nid] = node
    if start is not None and start not in nodes_raw:
        reader.problem((*root, "start"), f"start node '{start}' is not defined under 'nodes'")
    _check_graph(reader, root, start, nodes_raw, nodes)
    if mode is None or start is None or len(nodes) != len(nodes_raw):
        return None
    return DialogueTree(mode, start, intro, nodes)


def _raw_next(raw: Any) -> dict[str, str]:
    """The `next` of a node as written, as {answer or "default": target}, keeping only text targets."""
    nxt = raw.get("next") if isinstance(raw, dict) else None
    if isinstance(nxt, str):
        return {DEFAULT: nxt}
    if isinstance(nxt, dict):
        return {str(k): v for k, v in nxt.items() if isinstance(v, str)}
    return {}


def _check_graph(
    reader: _Reader, root: KeyPath, start: str | None, raw: dict[str, Any], nodes: dict[str, Node]
) -> None:
    """Unknown targets, unreachable nodes, nodes with no way to the end, a topic asked twice."""
    edges = {nid: _raw_next(node) for nid, node in raw.items()}
    for nid, nexts in edges.items():
        for key, target in nexts.items():
            if target != END and target not in raw:
                path = (*root, "nodes", nid, "next") + ((key,) if isinstance(raw[nid].get("next"), dict) else ())
                reader.problem(path, f"unknown target node '{target}'; define it under 'nodes' or use 'end'")
    seen_topics: dict[str, str] = {}
    for nid, node in nodes.items():
        if node.topic in seen_topics:
            reader.problem(
                (*root, "nodes", nid, "topic"),
                f"topic '{node.topic}' is already asked by node '{seen_topics[node.topic]}'",
            )
        seen_topics.setdefault(node.topic, nid)
    if start not in raw:
        return
    reachable, todo = set(), [start]
    while todo:
        nid = todo.pop()
        if nid in reachable or nid not in edges:
            continue
        reachable.add(nid)
        todo.extend(edges[nid].values())
    for nid in raw:
        if nid not in reachable:
            reader.problem((*root, "nodes", nid), f"node '{nid}' cannot be reached from the start node '{start}'")
    finishing = {END}
    changed = True
    while changed:
        changed = False
        for nid, nexts in edges.items():
            if nid not in finishing and set(nexts.values()) & finishing:
                finishing.add(nid)
                changed = True
    for nid, nexts in edges.items():
        known_targets = all(t in raw for t in nexts.values() if t != END)
        if nid in reachable and nid not in finishing and nexts and known_targets:
            reader.problem(
                (*root, "nodes", nid, "next"), f"node '{nid}' has no way to the end: every path from it loops"
            )


def read_topic(reader: _Reader, entry: dict[str, Any], where: KeyPath) -> str | None:
    """The required `topic` of a question, rule or trend, checked against domain.md (None if wrong)."""
    topic = reader.get(entry, "topic", where, "str")
    if topic is not None and topic not in {t.value for t in Topic}:
        valid = ", ".join(t.value for t in Topic)
        reader.problem((*where, "topic"), f"unknown topic '{topic}'; domain.md has: {valid}")
        return None
    return topic


def read_condition(
    reader: _Reader, entry: dict[str, Any], where: KeyPath, what: str
) -> tuple[tuple[str, ...], float | None, float | None, str | None]:
    """The condition of a scoring rule or a journal trend: (is, below, at_least, tag), at least one given."""
    is_ = reader.get(entry, "is", where, "phrases", required=False) or ()
    below = reader.get(entry, "below", where, "number", required=False)
    at_least = reader.get(entry, "at_least", where, "number", required=False)
    tag = reader.get(entry, "tag", where, "str", required=False)
    if not (is_ or below is not None or at_least is not None or tag):
        reader.problem(where, f"a {what} needs a condition: is, below, at_least or tag")
    return is_, below, at_least, tag


def _rules(reader: _Reader, root: KeyPath, trees: list[DialogueTree]) -> tuple[Rule, ...]:
    data = reader.mapping(reader.file.data, root)
    reader.unknown_keys(data, ("rules",), root)
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list):
        reader.problem((*root, "rules"), f"should be a list of rules, not {_kind(raw_rules)}")
        return ()
    answers_by_topic: dict[str, set[str]] = {}
    for tree in trees:
        for node in tree.nodes.values():
            answers_by_topic.setdefault(node.topic, set()).update(node.choices, {UNSURE})
    rules = []
    for index, raw in enumerate(raw_rules):
        where = (*root, "rules", str(index))
        entry = reader.mapping(raw, where)
        reader.unknown_keys(entry, ("cause", "topic", "weight", "why", "is", "below", "at_least", "tag"), where)
        cause, topic = reader.get(entry, "cause", where, "str"), read_topic(reader, entry, where)
        if cause is not None and cause not in {c.value for c in Cause}:
            reader.problem(
                (*where, "cause"),
                f"unknown cause id '{cause}'; domain.md has: {', '.join(c.value for c in Cause)}",
            )
        weight = reader.get(entry, "weight", where, "number")
        why = reader.get(entry, "why", where, "str")
        is_, below, at_least, tag = read_condition(reader, entry, where, "rule")
        known = answers_by_topic.get(topic or "")
        for answer in is_:
            if known and answer not in known:
                reader.problem(
                    (*where, "is"),
                    f"'{answer}' is not an answer of topic '{topic}'; answers: {', '.join(sorted(known))}",
                )
        if cause and topic and weight is not None and why:
            rules.append(Rule(cause, topic, weight, why, is_, below, at_least, tag))
    return tuple(rules)


def _home(reader: _Reader, root: KeyPath) -> Home | None:
    data = reader.mapping(reader.file.data, root)
    reader.unknown_keys(data, ("wake", "woken", "routes", "parts", "not_understood", "goodbye"), root)
    wake = reader.get(data, "wake", root, "phrases") or ()
    parts = reader.get(data, "parts", root, "phrases") or ()
    lines = {k: reader.get(data, k, root, "str") for k in ("woken", "not_understood", "goodbye")}
    routes_raw = reader.get(data, "routes", root, "mapping") or {}
    routes = {}
    for name, phrases in routes_raw.items():
        where = (*root, "routes", name)
        if name not in HOME_ROUTES:
            reader.problem(where, f"unknown route '{name}'; routes are: {', '.join(HOME_ROUTES)}")
            continue
        expanded = []
        for phrase in reader.phrases(phrases, where):
            expanded += [phrase.replace("{part}", part) for part in parts] if "{part}" in phrase else [phrase]
        routes[name] = tuple(expanded)
    for name in HOME_ROUTES:
        if name not in routes_raw:
            reader.problem((*root, "routes"), f"missing route '{name}'")
    if not (wake and all(lines.values())):
        return None
    return Home(wake, routes=routes, **lines)  # type: ignore[arg-type]


def _classify(file: YamlFile) -> str | None:
    if not isinstance(file.data, dict):
        return None
    for key, kind in _KIND_BY_KEY.items():
        if key in file.data:
            return kind
    return None


def load(paths: Iterable[Path] = ()) -> Content:
    """Load the shipped content, with any of `paths` (files or folders) taking the place of its files."""
    files: dict[str, YamlFile] = {}
    trees: dict[str, YamlFile] = {}
    problems: list[Problem] = []
    given = [p for path in paths for p in (sorted(path.glob("*.yaml")) if path.is_dir() else [path])]
    shipped = sorted(content_dir().glob("*.yaml"))
    for origin, path in [("given", p) for p in given] + [("shipped", p) for p in shipped]:
        file = read(path, (path.stem,))
        kind = _classify(file)
        if file.problems:
            problems.extend(file.problems)
            kind = kind or f"broken:{path}"
        if kind is None:
            file.problem(
                (path.stem,),
                "not a content file: expected top-level "
                "'causes', 'red_flags', 'answer_sets', 'rules', 'nodes', 'reprompt', 'persistence' or 'wake'",
            )
            problems.extend(file.problems)
            continue
        # A given file takes the place of the shipped file of its kind (of its mode, for a tree).
        target, key = files, kind
        if kind == "tree":
            mode = file.data.get("mode") if isinstance(file.data, dict) else None
            target, key = trees, str(mode or path.stem)
        if origin == "given" or key not in target:
            target[key] = file
    for kind in ("causes", "safety", "vocab", "messages", "scoring", "home"):
        if kind not in files and not problems:
            problems.append(Problem(str(content_dir()), 0, "", f"no {kind} file found"))
    if problems:
        raise ContentError(problems)

    if "journal" in files:
        from dialogue.history import load_rules  # imported here: history builds on this module

        try:
            load_rules(Path(files.pop("journal").name))
        except ContentError as error:
            problems.extend(error.problems)
    readers = {kind: _Reader(file) for kind, file in files.items()}
    causes = _causes(readers["causes"], (Path(files["causes"].name).stem,))
    safety = _safety(readers["safety"], (Path(files["safety"].name).stem,))
    vocab = _vocab(readers["vocab"], (Path(files["vocab"].name).stem,))
    messages = _messages(readers["messages"], (Path(files["messages"].name).stem,))
    loaded_trees = {}
    for file in trees.values():
        tree = _tree(_Reader(file), (Path(file.name).stem,), vocab)
        if tree is not None:
            loaded_trees[tree.mode] = tree
    rules = _rules(readers["scoring"], (Path(files["scoring"].name).stem,), list(loaded_trees.values()))
    home = _home(readers["home"], (Path(files["home"].name).stem,))
    for file in [*files.values(), *trees.values()]:
        problems.extend(file.problems)
    if problems or safety is None:
        raise ContentError(problems or [Problem(files["safety"].name, 0, "", "safety content is incomplete")])
    return Content(causes, safety, vocab, messages, loaded_trees, rules, home)
