"""Typed access to a parsed YAML file's data: a wrong or missing field is a problem at its line, never a raise."""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Any

from twitch_coach.dialogue.yamlfile import KeyPath, YamlFile


def kind(value: Any) -> str:
    """How a value reads in a problem: "a list", "text", "nothing"."""
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


def placeholders(text: str) -> set[str]:
    """The {names} in a spoken line; ValueError when a brace is broken."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class Reader:
    """Reads one file's data field by field, recording a problem instead of raising."""

    def __init__(self, file: YamlFile) -> None:
        self.file = file

    def problem(self, path: KeyPath, message: str) -> None:
        """Record a problem at `path`."""
        self.file.problem(path, message)

    def mapping(self, value: Any, path: KeyPath) -> dict[str, Any]:
        """`value` as a mapping with text keys ({} and a problem when it is not one)."""
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}
        self.problem(path, f"should be a mapping of keys to values, not {kind(value)}")
        return {}

    def get(self, data: dict[str, Any], key: str, path: KeyPath, want: str, required: bool = True) -> Any:
        """data[key] checked against `want` (str, number, phrases, mapping); None when wrong or absent."""
        if key not in data or data[key] is None:
            if required:
                self.problem(path, f"missing required field '{key}'")
            return None
        value = data[key]
        where = (*path, key)
        if want == "str":
            if isinstance(value, str) and value.strip():
                return value.strip()
            self.problem(where, f"should be text, not {kind(value)}")
        elif want == "number":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            self.problem(where, f"should be a number, not {kind(value)}")
        elif want == "phrases":
            return self.phrases(value, where)
        elif want == "mapping":
            return self.mapping(value, where)
        return None

    def phrases(self, value: Any, path: KeyPath) -> tuple[str, ...]:
        """A non-empty list of phrases, lower-cased."""
        if not isinstance(value, list) or not value:
            self.problem(path, f"should be a non-empty list of phrases, not {kind(value)}")
            return ()
        out: list[str] = []
        seen: set[str] = set()
        for index, item in enumerate(value):
            if isinstance(item, bool):  # "true" and "false" are words people say too
                phrase = str(item).lower()
            elif isinstance(item, str | int | float) and str(item).strip():
                phrase = str(item).strip().lower()
            else:
                self.problem((*path, str(index)), f"should be a phrase (text), not {kind(item)}")
                continue
            if phrase in seen:
                self.problem((*path, str(index)), f"'{phrase}' is listed twice; keep one")
            seen.add(phrase)
            out.append(phrase)
        return tuple(out)

    def count(self, data: dict[str, Any], key: str, path: KeyPath) -> int | None:
        """data[key] as a whole number of at least 1."""
        if key not in data:
            self.problem(path, f"missing required field '{key}'")
            return None
        value = data[key]
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        self.problem((*path, key), f"should be a whole number of at least 1, not {value!r}")
        return None

    def template(self, data: dict[str, Any], key: str, path: KeyPath, fields: Iterable[str]) -> str | None:
        """A spoken line whose {placeholders} are all among `fields` (the ones the code fills in)."""
        text = self.get(data, key, path, "str")
        return None if text is None else self.check_template(text, (*path, key), fields)

    def check_template(self, text: str, where: KeyPath, fields: Iterable[str]) -> str | None:
        """`text` when every {placeholder} in it is among `fields`; else None and a problem."""
        fields = set(fields)
        try:
            used = placeholders(text)
        except ValueError as error:
            self.problem(where, f"broken {{field}} in the line: {error}")
            return None
        unknown = used - fields
        if unknown:
            can = ", ".join(f"{{{f}}}" for f in sorted(fields)) if fields else "no {fields}"
            self.problem(where, f"unknown field {{{sorted(unknown)[0]}}}; this line can use: {can}")
            return None
        return text

    def unknown_keys(self, data: dict[str, Any], allowed: Iterable[str], path: KeyPath) -> None:
        """A problem for every key of `data` not in `allowed`."""
        allowed = set(allowed)
        for key in data:
            if key not in allowed:
                self.problem((*path, key), f"unknown field '{key}'; expected one of: {', '.join(sorted(allowed))}")
