"""Run mypy on the packages under their import name, twitch_coach.*, which has no folder of its own.

The folders sit at the top of the repository and install as twitch_coach.voice and so on (pyproject.toml's
package-dir); mypy does not follow setuptools' editable import hooks, so this links them into
build/typecheck/twitch_coach/ and mypy reads them there (mypy_path in pyproject.toml). Any arguments are
passed to mypy; with none, it checks the packages [tool.mypy] lists.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / "build" / "typecheck" / "twitch_coach"
PACKAGES = ("voice", "intents", "dialogue", "skill", "content", "models")


def link_tree() -> Path:
    """build/typecheck/twitch_coach/<package> -> the repository's <package> folder; the tree's root."""
    TREE.mkdir(parents=True, exist_ok=True)
    for name in PACKAGES:
        link, target = TREE / name, os.path.relpath(ROOT / name, TREE)
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target, target_is_directory=True)
    return TREE.parent


def main(argv: list[str]) -> int:
    link_tree()
    return subprocess.run([sys.executable, "-m", "mypy", *argv], cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
