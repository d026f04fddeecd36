"""A stop signal between the journal's save and the summary's print loses nothing and says so."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from stopsignals import hearing_interrupts

from twitch_coach.skill.journal import Journal
from twitch_coach.skill.session import KEPT_ON_STOP

ROOT = Path(__file__).resolve().parents[1]
CHECKIN = ["no", "just today", "hard", "3", "a little", "no", "5", "2", "low", "no"]
# The command, with a journal that says when the check-in is written and then takes a while to return: the
# signal lands after the save and before the summary is printed.
SCRIPT = textwrap.dedent("""
    import sys, time
    from twitch_coach.skill.journal import Journal
    real = Journal.record
    def record(self, *args, **kwargs):
        entry = real(self, *args, **kwargs)
        print("SAVED", file=sys.stderr, flush=True)
        time.sleep(2)
        return entry
    Journal.record = record
    from twitch_coach.skill.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def _run_and_stop(tmp_path: Path, command: list[str], answers: list[str], signum: int) -> tuple[int, str, str]:
    env = {**os.environ, "TWITCH_COACH_HOME": str(tmp_path / "data")}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, *command], cwd=ROOT, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=hearing_interrupts)  # fmt: skip
    assert proc.stdin is not None and proc.stderr is not None
    try:
        proc.stdin.write("".join(f"{a}\n" for a in answers))
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        assert proc.stderr.readline().strip() == "SAVED" and time.monotonic() < deadline
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    return proc.returncode, out, err


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_a_typed_check_in_stopped_after_its_save_keeps_it_and_says_so(tmp_path: Path, signum: int, code: int) -> None:
    returncode, out, err = _run_and_stop(tmp_path, ["chat"], CHECKIN, signum)
    assert returncode == code, err
    assert "Traceback" not in err
    assert "Here's what I think" not in out  # stopped before the summary was printed
    assert out.rstrip().endswith(KEPT_ON_STOP)
    with Journal(tmp_path / "data" / "journal.sqlite3") as journal:
        [entry] = journal.entries()
    assert entry.answers["sleep"]["value"] == 5.0


def test_json_lines_stopped_after_the_save_end_with_a_notice(tmp_path: Path) -> None:
    answers = [f'{{"text": "{a}"}}' for a in CHECKIN]
    returncode, out, err = _run_and_stop(tmp_path, ["converse", "--json"], answers, signal.SIGTERM)
    assert returncode == 143 and "Traceback" not in err
    assert out.splitlines()[-1] == f'{{"type": "notice", "text": "{KEPT_ON_STOP}"}}'
    with Journal(tmp_path / "data" / "journal.sqlite3") as journal:
        assert len(journal.entries()) == 1


def test_a_stop_before_the_summary_says_nothing_of_a_journal(tmp_path: Path) -> None:
    env = {**os.environ, "TWITCH_COACH_HOME": str(tmp_path / "data")}
    proc = subprocess.Popen([sys.executable, "-m", "twitch_coach.skill", "chat"], cwd=ROOT, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write("no\n")
        proc.stdin.flush()
        while (line := proc.stdout.readline()) and "How long" not in line:
            pass
        assert line, "the chat ended before its second question"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 143 and "Traceback" not in err
    assert KEPT_ON_STOP not in out
    assert not (tmp_path / "data" / "journal.sqlite3").exists() or not Journal(
        tmp_path / "data" / "journal.sqlite3"
    ).entries()
