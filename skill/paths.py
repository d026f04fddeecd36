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
