"""One import name: the top-level folders install and import as twitch_coach.voice, twitch_coach.skill and so
on, never as bare `voice` or `models`, which would shadow (or be shadowed by) another project's packages."""

from __future__ import annotations

import ast
import fnmatch
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "twitch_coach"
OLD = ("voice", "intents", "dialogue", "skill", "content", "models")
SKIP = {".venv", ".git", "build", "dist", "__pycache__"}
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
PACKAGE = "(?:" + "|".join(OLD) + ")"
CODE_IN_TEXT = re.compile(rf"^[ \t]*(?:from {PACKAGE}(?:\.\w+)* import|import {PACKAGE}\b)", re.M)  # code in a string


def _python_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if not set(p.relative_to(ROOT).parts[:-1]) & SKIP)


def _is_module(dotted: str) -> bool:
    """True when `dotted` (voice.mic.Microphone, say) starts with a real module of a bare package name."""
    parts = dotted.split(".")
    if parts[0] not in OLD or len(parts) < 2 or not parts[1].isidentifier():
        return False
    return (ROOT / parts[0] / f"{parts[1]}.py").is_file() or (ROOT / parts[0] / parts[1] / "__init__.py").is_file()


def _bare_names(path: Path) -> list[str]:
    """Every way `path` reaches a package by its bare name: imports, `-m skill`, patch targets, code in strings."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in OLD]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in OLD:
                found.append(f"from {node.module} import")
        elif isinstance(node, ast.List | ast.Tuple):
            words = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
            found += [f"-m {b}" for a, b in zip(words, words[1:], strict=False)
                      if a == "-m" and isinstance(b, str) and b.split(".")[0] in OLD]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _is_module(node.value):
                found.append(repr(node.value))
            found += [m.strip() for m in CODE_IN_TEXT.findall(node.value)]
    return found


def test_no_code_reaches_a_package_by_its_bare_name() -> None:
    # From the repository's root the bare folders are importable too; a module imported both ways would be
    # two modules with two sets of state, so every import, `-m` and patch target must use twitch_coach.
    assert [f"{path.relative_to(ROOT)}: {hit}" for path in _python_files() for hit in _bare_names(path)] == []


def test_the_check_finds_each_form_of_bare_name(tmp_path: Path) -> None:
    # The check above means something only if it sees each way a bare name can be written.
    sample = tmp_path / "sample.py"
    # Written with {braces} so that rename_imports.py, which rewrites the real ones, leaves the sample alone.
    sample.write_text(
        "import {models}.store\nfrom {voice}.mic import Microphone\nfrom twitch_coach.skill import cli\n"
        "RUN = ['python', '-m', '{skill}']\nTARGET = '{voice}.mic.Microphone'\nKEY = '{models}.one.size'\n"
        "CODE = 'import sys\\nfrom {dialogue}.loader import load'\nOK = 'from twitch_coach import {dialogue}'\n"
        .format_map({name: name for name in OLD})
    )
    assert sorted(_bare_names(sample)) == sorted(
        [f"import {OLD[5]}.store", f"from {OLD[0]}.mic import", f"-m {OLD[3]}", f"'{OLD[0]}.mic.Microphone'",
         f"from {OLD[2]}.loader import"]
    )


def test_every_package_folder_is_installed_under_the_name() -> None:
    # An editable install finds a new sub-folder by itself; a wheel carries only the packages listed, so a
    # folder left out of pyproject.toml would work here and be missing once installed.
    folders = {
        ".".join((NAME, *init.parent.relative_to(ROOT).parts))
        for package in OLD for init in (ROOT / package).rglob("__init__.py")
    }
    assert set(SETUPTOOLS["packages"]) == folders
    assert SETUPTOOLS["package-dir"] == {f"{NAME}.{package}": package for package in OLD}


def test_every_data_file_is_installed() -> None:
    # Content YAML, the model manifest and the Whisper calibration are read from the installed package.
    data = SETUPTOOLS["package-data"]
    missing = []
    for package in OLD:
        patterns = data.get(f"{NAME}.{package}", [])
        for path in sorted((ROOT / package).rglob("*.yaml")):
            inside = path.relative_to(ROOT / package).as_posix()
            if not any(fnmatch.fnmatch(inside, pattern) for pattern in patterns):
                missing.append(f"{package}/{inside}")
    assert missing == []


def test_the_installed_skill_runs_from_outside_the_repository(tmp_path: Path) -> None:
    # From another folder only the install is on the path: the new name imports, the bare names do not.
    probe = (
        "import importlib.util, sys\n"
        "from importlib import resources\n"
        "import twitch_coach.skill.cli\n"
        "from twitch_coach.dialogue.loader import load\n"
        "content = load()\n"
        f"print(sorted(n for n in {OLD!r} if importlib.util.find_spec(n) is not None))\n"
        f"print(sorted(n for n in sys.modules if n.split('.')[0] in {OLD!r}))\n"
        "print(sorted(content.trees))\n"
        "print(resources.files('twitch_coach.voice').joinpath('calibration', 'whisper.yaml').is_file())\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "[]", "['checkin', 'quick']", "True"]
    script = Path(sys.executable).with_name("twitch-coach")
    command = subprocess.run([str(script), "ask", "why is my calf twitching after squats", "--json"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120, check=False)
    assert command.returncode == 0, command.stderr
    assert '"type": "summary"' in command.stdout or '"type":"summary"' in command.stdout
