"""Set-up: `make run` fetches Whisper when it can and carries on when not; `make test` downloads nothing;
apt waits (and says so) while another apt or dpkg run holds the lock."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOLD = textwrap.dedent("""
    import fcntl, os, sys, time
    for path in sys.argv[2:]:
        fcntl.lockf(os.open(path, os.O_RDWR | os.O_CREAT, 0o640), fcntl.LOCK_EX)  # the kind of lock apt takes
    print("held", flush=True)
    time.sleep(float(sys.argv[1]))
""")


def fake_checkout(tmp_path: Path, download_exit: int) -> Path:
    """The real Makefile beside a set-up that does nothing and a twitch-coach that logs its calls."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "scripts" / "setup.sh").write_text("exit 0\n")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("twitch-coach", "python"):
        (bin_dir / tool).write_text(
            "#!/bin/sh\n"
            f'echo "{tool} $*" >> "{tmp_path}/calls"\n'
            f'case "$*" in *"models download"*) exit {download_exit};; esac\n'
        )
        (bin_dir / tool).chmod(0o755)
    return tmp_path


def make(checkout: Path, target: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    result = subprocess.run(["make", "-s", target], cwd=checkout, capture_output=True, text=True, timeout=60)
    calls = (checkout / "calls").read_text().splitlines() if (checkout / "calls").exists() else []
    return result, calls


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_fetches_whisper_first_then_starts(tmp_path: Path) -> None:
    result, calls = make(fake_checkout(tmp_path, 0), "run")
    assert result.returncode == 0, result.stderr
    assert calls == ["twitch-coach models download whisper-tiny-en --if-missing", "twitch-coach "]
    assert "carrying on" not in result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_without_a_connection_says_so_and_carries_on(tmp_path: Path) -> None:
    result, calls = make(fake_checkout(tmp_path, 1), "run")
    assert result.returncode == 0, result.stderr
    assert calls[-1] == "twitch-coach "  # the skill still starts
    assert (
        "make run: carrying on without the Whisper model, so speech is recognised by the fallback engine "
        "(PocketSphinx). Once there is a connection, run: .venv/bin/twitch-coach models download whisper-tiny-en"
    ) in result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_test_downloads_nothing(tmp_path: Path) -> None:
    result, calls = make(fake_checkout(tmp_path, 1), "test")
    assert result.returncode == 0, result.stderr
    assert calls == ["python -m pytest"]
    assert "models download" not in (ROOT / ".ci" / "run").read_text() + (ROOT / "scripts" / "setup.sh").read_text()


def apt_lock_test_can_run() -> str:
    """Why the lock test cannot run here, or '' when it can."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return "holding apt's lock needs root on Linux"
    if shutil.which("apt-get") is None or not Path("/var/lib/dpkg/lock-frontend").exists():
        return "no apt/dpkg on this machine"
    state = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "sox"], capture_output=True, text=True)
    if "install ok installed" not in state.stdout:
        return "sox is not installed, so the test would need the network"
    return ""


def hold_locks(seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(seconds), "/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock"],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.mark.skipif(bool(apt_lock_test_can_run()), reason=apt_lock_test_can_run() or "runs")
def test_apt_install_waits_for_a_held_dpkg_lock_and_says_for_what() -> None:
    holder = hold_locks(6)
    try:
        started = time.monotonic()
        # sox is installed already: apt still takes the dpkg lock, but needs no network.
        result = subprocess.run(["bash", "scripts/apt-install.sh", "sox"], cwd=ROOT, capture_output=True, text=True,
                                timeout=300)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 0, result.stdout + result.stderr
    assert waited >= 4.5
    assert "setup: another package manager run is busy, waiting up to 600s for it to finish:" in result.stdout
    assert f"process {holder.pid} (python" in result.stdout and "holds /var/lib/dpkg/lock-frontend" in result.stdout
    assert "setup: the apt/dpkg lock is free after" in result.stdout


@pytest.mark.skipif(bool(apt_lock_test_can_run()), reason=apt_lock_test_can_run() or "runs")
def test_apt_install_gives_up_after_the_wait_with_a_clear_line() -> None:
    holder = hold_locks(30)
    try:
        result = subprocess.run(["bash", "scripts/apt-install.sh", "sox"], cwd=ROOT, capture_output=True, text=True,
                                timeout=60, env=dict(os.environ, APT_LOCK_WAIT="2"))
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert "setup: gave up after 2s waiting for the apt/dpkg lock" in result.stderr
