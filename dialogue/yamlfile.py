"""Read a YAML file into plain data plus the line of every key, so errors can name the line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dialogue.errors import Problem

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


def _record_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            lines[child] = key.start_mark.line + 1
            _record_lines(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, str(index))
            lines[child] = item.start_mark.line + 1
            _record_lines(item, child, lines)


def parse(text: str, name: str, root: KeyPath = ()) -> YamlFile:
    """Parse YAML `text`; a syntax error becomes a problem with its line, not an exception."""
    result = YamlFile(name)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _record_lines(node, root, result.lines)
                result.lines[root] = node.start_mark.line + 1
                result.data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        what = " ".join(filter(None, [error.context, error.problem]))
        result.problems.append(Problem(name, line, "", f"not valid YAML: {what}"))
    except yaml.YAMLError as error:
        result.problems.append(Problem(name, 0, "", f"not valid YAML: {error}"))
    return result


def read(path: Path, root: KeyPath = ()) -> YamlFile:
    """Read and parse the YAML file at `path`; an unreadable file is a problem, not an exception."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        result = YamlFile(str(path))
        result.problems.append(Problem(str(path), 0, "", f"cannot read the file: {error}"))
        return result
    return parse(text, str(path), root)
