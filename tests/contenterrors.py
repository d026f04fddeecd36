"""A content error, made on purpose in a copy of the shipped content, must be reported with its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from twitch_coach.dialogue.errors import ContentError
from twitch_coach.dialogue.loader import content_dir, load


def assert_reported(tmp_path: Path, file: str, old: str, new: str, expected: str) -> None:
    """Replace `old` by `new` in a copy of content/`file`: loading the copy must fail with a problem that names the
    file, the line of `new`'s last line, and says `expected`."""
    folder = tmp_path / "pack"
    shutil.copytree(content_dir(), folder, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    path = folder / file
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ContentError) as caught:
        load(folder=folder)
    problems = [str(p) for p in caught.value.problems]
    line = next(i for i, row in enumerate(path.read_text().splitlines(), 1) if new.splitlines()[-1] in row)
    assert any(p.startswith(f"{path}:{line}: ") and expected in p for p in problems), problems
