"""Layers point one way: voice imports nothing of the project's; dialogue uses only intents; intents nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NAME = "twitch_coach"  # the one import name the folders install under (pyproject.toml)
PROJECT = ("voice", "intents", "dialogue", "skill", "content", "models")
ALLOWED = {"voice": set(), "intents": set(), "dialogue": {"intents"}, "models": set()}


def _package(module: str) -> str | None:
    """The project package a dotted module name is in ("twitch_coach.voice.mic" -> "voice"), else None."""
    parts = module.split(".")
    if parts[0] == NAME:  # the import name; a bare "voice" is counted too, and tests/test_import_name.py refuses it
        parts = parts[1:]
    return parts[0] if parts and parts[0] in PROJECT else None


def _imports(path: Path) -> set[str]:
    """Project packages that `path` imports, at any depth of the module (lazy imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # "from twitch_coach import voice" imports the package it names
            names = [f"{NAME}.{a.name}" for a in node.names] if node.module == NAME else [node.module]
        found |= {package for package in map(_package, names) if package}
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_lower_layer_imports_no_higher_one(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imports(path) - ALLOWED[package] - {package})
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def _module_imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules `path` imports when it runs (lazy imports too; not those only for type checking)."""
    found = set()
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            node.body = []  # never imported at run time, so it cannot make a cycle
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            base = node.module.removeprefix("twitch_coach.")  # the same rule after the package is renamed
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("twitch_coach.") for a in node.names}
    return found & modules


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def test_no_import_cycle() -> None:
    paths = {_module_name(p): p for package in PROJECT for p in sorted((ROOT / package).rglob("*.py"))}
    graph = {name: _module_imports(path, set(paths)) - {name} for name, path in paths.items()}
    cycles, done = [], set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycles.append(" -> ".join(trail[trail.index(name) :] + [name]))
            return
        if name in done:
            return
        for imported in sorted(graph[name]):
            visit(imported, [*trail, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    assert cycles == []


LONGEST = 400  # lines in one module: past that, a module does more than one thing (the developers' guide)


def test_no_module_is_over_400_lines() -> None:
    folders = (*PROJECT, "tests", "bench")
    long = {
        str(path.relative_to(ROOT)): lines
        for folder in folders
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (lines := len(path.read_text().splitlines())) > LONGEST
    }
    assert long == {}


def test_the_rule_sees_imports_under_the_import_name(tmp_path: Path) -> None:
    # The check above means something only if it reads twitch_coach.* imports, in every form they take.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from twitch_coach.skill.cli import main\nimport twitch_coach.models.store as store\n"
        "from twitch_coach import dialogue\n\n\ndef later():\n    from twitch_coach.voice import mic\n"
    )
    assert _imports(sample) == {"skill", "models", "dialogue", "voice"}
