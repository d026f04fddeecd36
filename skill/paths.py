"""Where user data lives: TWITCH_COACH_HOME, else the platform's user data folder."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The folder for the journal and downloaded models (not created here)."""
    env = os.environ.get("TWITCH_COACH_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("twitch-coach", appauthor=False))


def private_file(path: Path) -> Path:
    """Create `path` (0600) and any missing folders above it (0700) unless it exists; tighten it to 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        if os.name == "posix":
            os.fchmod(fd, 0o600)  # an existing file keeps its mode through os.open
    finally:
        os.close(fd)
    return path
