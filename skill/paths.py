"""Where user data lives: TWITCH_COACH_HOME, else the platform's user data folder (see userdata/)."""

from __future__ import annotations

from pathlib import Path

from twitch_coach.models.userdata import data_dir


def home() -> Path:
    """The folder for the journal and downloaded models (not created here)."""
    return data_dir()

