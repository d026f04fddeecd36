"""Read a YAML file into plain data plus the line of every key, so errors can name the line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from twitch_coach.dialogue.errors import Problem

KeyPath = tuple[str, ...]


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present: 3x faster start-up


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader where only true/false are booleans: "yes", "no", "on" stay words."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass
class YamlFile:
    """A parsed YAML file: its data, the line of each key path, and problems found so far."""

    name: str
    data: Any = None
    lines: dict[KeyPath, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line(self, path: KeyPath) -> int:
        """Line of `path`, or of its nearest ancestor that has one."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path: KeyPath, message: str) -> None:
        """Record a problem at `path`."""
        self.problems.append(Problem(self.name, self.line(path), ".".join(path), message))


# Caps that keep a hostile or broken file from eating memory or the stack: content is small.
MAX_BYTES = 1_000_000  # a content file is a few kilobytes
MAX_DEPTH = 32  # mappings and lists inside each other; content nests five deep at most
MAX_EVENTS = 200_000  # scalars, mappings and lists in one file
MAX_NUMBER_DIGITS = 30  # a longer number is a mistake (and Python refuses 4,300 digits)
_NUMBER = re.compile(r"[-+]?[0-9_]+(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?")


def _screen(loader: Any, name: str) -> Problem | None:
    """Walk the file's events before building anything: the first alias, too deep a nesting, too many
    values or an overlong number is a problem, so nothing large or recursive is ever constructed."""
    depth = events = 0
    while loader.check_event():
        event = loader.get_event()
        events += 1
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return Problem(name, line, "", "anchors and aliases (&name, *name) are not allowed; write the value out")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return Problem(name, line, "", f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent) and event.implicit[0] and not event.style:
            digits = sum(c.isdigit() for c in event.value)
            if digits > MAX_NUMBER_DIGITS and _NUMBER.fullmatch(event.value):
                return Problem(
                    name, line, "", f"a number of {digits} digits; numbers here have at most {MAX_NUMBER_DIGITS}"
                )
        if events > MAX_EVENTS:
            return Problem(name, line, "", f"more than {MAX_EVENTS} values; a content file is much smaller")
    return None


def _record_lines(node: yaml.Node, path: KeyPath, result: YamlFile) -> None:
    """Note the line of every key and list item; a key given twice in one mapping is a problem."""
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            child = (*path, str(key.value))
            line = key.start_mark.line + 1
            if str(key.value) in first:
                result.problems.append(Problem(
                    result.name, line, ".".join(child),
                    f"duplicate key '{key.value}' (first given on line {first[str(key.value)]}); keep one",
                ))  # fmt: skip
                continue
            first[str(key.value)] = line
            result.lines[child] = line
            _record_lines(value, child, result)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, str(index))
            result.lines[child] = item.start_mark.line + 1
            _record_lines(item, child, result)


def _syntax_problem(name: str, error: yaml.YAMLError) -> Problem:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        what = " ".join(filter(None, [error.context, error.problem]))
        return Problem(name, mark.line + 1 if mark else 0, "", f"not valid YAML: {what}")
    return Problem(name, 0, "", f"not valid YAML: {error}")


def parse(text: str, name: str, root: KeyPath = ()) -> YamlFile:
    """Parse YAML `text`; a syntax error, an alias, a duplicate key or an oversized value becomes a problem
    with its line, never an exception."""
    result = YamlFile(name)
    if len(text) > MAX_BYTES:
        result.problems.append(Problem(name, 0, "", f"larger than {MAX_BYTES} bytes; a content file is much smaller"))
        return result
    try:
        screen = _Loader(text)
        try:
            found = _screen(screen, name)
        finally:
            screen.dispose()
        if found is not None:
            result.problems.append(found)
            return result
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _record_lines(node, root, result)
                result.lines[root] = node.start_mark.line + 1
                if not result.problems:  # a duplicate key would silently keep only the last value
                    result.data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        result.problems.append(_syntax_problem(name, error))
    except (ValueError, RecursionError, MemoryError) as error:  # caps above make these unreachable; kept as a net
        result.problems.append(Problem(name, 0, "", f"cannot be read: {type(error).__name__}"))
    return result


def read(path: Path, root: KeyPath = ()) -> YamlFile:
    """Read and parse the YAML file at `path`; an unreadable file is a problem, not an exception."""
    try:
        if not path.is_file():
            raise OSError(f"not a regular file: {path}" if path.exists() else f"no such file: {path}")
        if path.stat().st_size > MAX_BYTES:
            raise OSError(f"larger than {MAX_BYTES} bytes; a content file is much smaller")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        result = YamlFile(str(path))
        result.problems.append(Problem(str(path), 0, "", f"cannot read the file: {error}"))
        return result
    return parse(text, str(path), root)
