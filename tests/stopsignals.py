"""Stop signals sent to a child process in the tests reach it as they would from a terminal."""

from __future__ import annotations

import signal


def hearing_interrupts() -> None:
    """Popen's preexec_fn: the child hears Ctrl-C (SIGINT) as Python does by default. A shell's background job
    ignores SIGINT and its children inherit that, so a suite started in the background would interrupt a process
    that cannot hear it, and the test would fail for how it was started, not for what the skill does."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
