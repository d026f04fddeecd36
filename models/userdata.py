"""Where user data lives (TWITCH_COACH_HOME, else the platform's user data folder), kept private.

One place computes the data folder so the journal, the home log and the model store agree on it.
Everything created here is readable by its owner only: folders 0700, files 0600, whatever the umask.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping
from pathlib import Path

HOME_ENV = "TWITCH_COACH_HOME"  # environment variable overriding where twitch-coach keeps its data
APP_NAME = "twitch-coach"


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The folder for the journal, the home log and downloaded models (not created here)."""
    env = os.environ if env is None else env
    if env.get(HOME_ENV):
        return Path(env[HOME_ENV]).expanduser()
    import platformdirs

    # appauthor=False: no vendor folder on Windows; the same answer on every platform's caller.
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def private_dir(path: str | Path) -> Path:
    """Create folder `path` and any missing parents as 0700; an existing folder is left as it is."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            continue  # made by another process meanwhile
        os.chmod(folder, 0o700)  # mkdir's mode is cut by the umask; say exactly what we mean
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    return path


def private_file(path: str | Path) -> Path:
    """Make sure file `path` exists and is 0600 (creating its folder as 0700); its content is kept."""
    path = Path(path)
    private_dir(path.parent)
    # O_NOFOLLOW: a link planted at `path` must not get its target chmod-ed; O_NONBLOCK: a FIFO there
    # fails at once instead of hanging until something reads it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, f"{path} is not a regular file")
        os.fchmod(fd, 0o600)  # an existing file keeps its old mode through os.open; tighten it
    finally:
        os.close(fd)
    return path


def open_private(path: str | Path, flags: int = os.O_WRONLY | os.O_CREAT | os.O_EXCL) -> int:
    """os.open `path` with mode 0600 whatever the umask; returns the descriptor."""
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
    except OSError:
        os.close(fd)
        raise
    return fd
