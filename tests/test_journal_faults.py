"""A journal that cannot be used: the check-in still runs and says "not saved: ..."; `journal` commands say
what is wrong and never change the file."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from twitch_coach.dialogue.scoring import CauseScore
from twitch_coach.skill.journal import Journal

PROGRAM = [sys.executable, "-m", "twitch_coach.skill"]
QUICK = "".join(json.dumps({"text": t}) + "\n" for t in ["no", "very hard", "a little"])


def _run(args: list[str], home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TWITCH_COACH_HOME": str(home)}
    return subprocess.run(PROGRAM + args, input=stdin, capture_output=True, text=True, timeout=60, env=env)


def _quick_check(home: Path) -> list[dict]:
    result = _run(["converse", "--json", "--mode", "quick"], home, QUICK)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _not_saved(events: list[dict]) -> str:
    assert "summary" in [e["type"] for e in events] and events[-1] == {"type": "end", "reason": "done"}
    (notice,) = [e for e in events if e["type"] == "notice"]
    assert notice["text"].startswith("not saved: ")
    return notice["text"]


def _journal(home: Path, count: int = 3) -> Path:
    journal = Journal(home / "journal.sqlite3")
    for _ in range(count):
        journal.record("quick", {"intensity": {"intent": "hard"}}, [CauseScore("fatigue", 2.0, "", "")], [])
    journal.close()
    return journal.path


def _edit(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        db.execute(statement)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_data_folder_that_is_a_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder")
    assert "cannot create it" in _not_saved(_quick_check(home))
    for command in (["journal", "list"], ["journal", "export", "--format", "json"]):
        result = _run(command, home)
        assert "Traceback" not in result.stderr and result.returncode == 1  # not "the journal is empty"
        assert f"{home} is not a folder" in result.stderr, result.stderr
    assert home.read_text() == "not a folder"


def test_a_folder_at_the_journal_path(tmp_path: Path) -> None:
    (tmp_path / "journal.sqlite3").mkdir()
    assert "not saved" in _not_saved(_quick_check(tmp_path))
    result = _run(["journal", "list"], tmp_path)
    assert result.returncode == 1 and "is a folder, not a journal file" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes to read-only files anyway")
def test_a_read_only_journal(tmp_path: Path) -> None:
    path = _journal(tmp_path)
    path.chmod(0o400)
    tmp_path.chmod(0o500)
    try:
        assert "not saved" in _not_saved(_quick_check(tmp_path))
        assert _run(["journal", "list"], tmp_path).returncode == 0
    finally:
        tmp_path.chmod(0o700)


def test_bad_rows_are_named_and_the_good_ones_still_listed(tmp_path: Path) -> None:
    path = _journal(tmp_path)
    _edit(path, "UPDATE entries SET answers = '{x' WHERE id = 1", "UPDATE entries SET at = 'yesterday' WHERE id = 2")
    before = _digest(path)
    listed = _run(["journal", "list"], tmp_path)
    assert listed.returncode == 1 and "Traceback" not in listed.stderr
    assert "1 check-in(s)" in listed.stdout
    assert "check-in 1: answers is not valid JSON" in listed.stderr and "check-in 2:" in listed.stderr
    exported = _run(["journal", "export"], tmp_path)
    assert exported.returncode == 1 and [e["id"] for e in json.loads(exported.stdout)["entries"]] == [3]
    assert _digest(path) == before
    events = _quick_check(tmp_path)  # the check-in runs and is saved beside the bad rows
    assert "notice" not in [e["type"] for e in events]
    assert len(Journal(path).entries()) == 2


def test_a_missing_table(tmp_path: Path) -> None:
    path = _journal(tmp_path)
    _edit(path, "DROP TABLE entries")
    before = _digest(path)
    for args in (["journal", "list"], ["journal", "export", "--format", "csv"]):
        result = _run(args, tmp_path)
        assert result.returncode == 1 and "its table of check-ins is missing" in result.stderr, result.stderr
    assert _digest(path) == before
    assert "no such table" in _not_saved(_quick_check(tmp_path))


def test_overwritten_pages(tmp_path: Path) -> None:
    path = _journal(tmp_path, count=200)
    data = bytearray(path.read_bytes())
    assert len(data) > 3 * 4096
    data[4096:8192] = b"\xa5" * 4096  # a page of check-ins overwritten
    path.write_bytes(bytes(data))
    listed = _run(["journal", "list"], tmp_path)
    assert listed.returncode == 1 and "Traceback" not in listed.stderr and str(path) in listed.stderr
    assert path.read_bytes() == bytes(data)
    assert "not saved" in _not_saved(_quick_check(tmp_path))


def test_export_does_not_follow_a_symlink_and_writes_0600(tmp_path: Path) -> None:
    _journal(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "export.json"
    link.symlink_to(victim)
    result = _run(["journal", "export", "--out", str(link)], tmp_path)
    assert result.returncode == 1 and "symbolic link" in result.stderr and "Traceback" not in result.stderr
    assert victim.read_text() == "keep me"
    existing = tmp_path / "old.json"
    existing.write_text("old")
    existing.chmod(0o644)
    assert _run(["journal", "export", "--out", str(existing)], tmp_path).returncode == 0
    assert existing.stat().st_mode & 0o777 == 0o600 and json.loads(existing.read_text())["entries"]


def test_a_journal_that_refuses_writes_gives_not_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a read-only mount (root ignores file modes, so the refusal is SQLite's own query_only)."""
    import io

    from twitch_coach.dialogue.loader import load
    from twitch_coach.skill.session import open_session
    from twitch_coach.skill.textio import converse_json

    path = _journal(tmp_path)
    opened = Journal._connect

    def read_only(self: Journal) -> sqlite3.Connection:
        db = opened(self)
        db.execute("PRAGMA query_only = 1")
        return db

    monkeypatch.setattr(Journal, "_connect", read_only)
    out = io.StringIO()
    converse_json(open_session(load(), "quick", Journal(path)), QUICK.splitlines(keepends=True), out)
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert "readonly" in _not_saved(events)
