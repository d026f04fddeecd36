"""The SQLite journal: private file, WAL, survives kill -9, exports round-trip, forget removes it; the CLI."""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from twitch_coach.dialogue.scoring import Answer, CauseScore
from twitch_coach.skill import journal_cli
from twitch_coach.skill.journal import SCHEMA_VERSION, Journal, JournalError, default_path, dumps, loads

T0 = datetime(2024, 5, 20, 18, 0, tzinfo=UTC)
ANSWERS = {
    "sleep": Answer("sleep", "number", 5.0),
    "caffeine": Answer("caffeine", "number", 2.0, ("pre_workout",)),
    "hydration": Answer("hydration", "little"),
    "pain": {"intent": "no", "value": None, "tags": []},  # plain mappings work too
}
CAUSES = [
    CauseScore("stimulants", 3.0, "You took a pre-workout.", "Cut down."),
    CauseScore("sleep", 2.0, "You slept about 5 hours.", "Sleep more."),
    CauseScore("fatigue", 0.0, "", "Rest."),
]


def clock(start: datetime = T0, step: timedelta = timedelta(hours=1)):
    now = [start - step]

    def tick() -> datetime:
        now[0] += step
        return now[0]

    return tick


def filled(path: Path, count: int = 3) -> Journal:
    journal = Journal(path, clock=clock())
    for index in range(count):
        journal.record("checkin" if index % 2 == 0 else "quick", ANSWERS, CAUSES, ["painful"] if index == 1 else [])
    return journal


def test_a_check_in_is_stored_as_plain_data(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3", clock=clock())
    entry = journal.record("checkin", ANSWERS, CAUSES, ["painful", "persistent"])
    assert entry.at == T0
    assert entry.answers["sleep"] == {"intent": "number", "value": 5.0, "tags": []}
    assert entry.answers["caffeine"]["tags"] == ["pre_workout"]
    assert entry.answers["pain"] == {"intent": "no", "value": None, "tags": []}
    assert entry.causes == [
        {"id": "stimulants", "score": 3.0},
        {"id": "sleep", "score": 2.0},
        {"id": "fatigue", "score": 0.0},
    ]
    journal.close()
    assert Journal(tmp_path / "journal.sqlite3").entries() == [entry]


def test_entries_are_oldest_first_and_since_filters(tmp_path: Path) -> None:
    journal = filled(tmp_path / "j.sqlite3", 5)
    entries = journal.entries()
    assert [e.at for e in entries] == [T0 + timedelta(hours=h) for h in range(5)]
    assert [e.id for e in journal.entries(since=T0 + timedelta(hours=3))] == [entries[3].id, entries[4].id]
    other_zone = (T0 + timedelta(hours=3)).astimezone(timezone(timedelta(hours=5)))
    assert len(journal.entries(since=other_zone)) == 2


def test_the_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        journal = filled(tmp_path / "home" / "journal.sqlite3", 2)
    finally:
        os.umask(old)
    for name in ("journal.sqlite3", "journal.sqlite3-wal", "journal.sqlite3-shm"):
        assert stat.S_IMODE((tmp_path / "home" / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700
    db = sqlite3.connect(tmp_path / "home" / "journal.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()
    journal.close()


def test_an_existing_file_with_a_loose_mode_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    filled(path, 1).close()
    path.chmod(0o644)
    Journal(path).entries()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_it_lives_under_twitch_coach_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWITCH_COACH_HOME", str(tmp_path))
    assert default_path() == tmp_path / "journal.sqlite3"


def test_reading_a_missing_journal_does_not_create_it(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    assert journal.entries() == []
    assert journal.export("json") == json.dumps({"version": SCHEMA_VERSION, "entries": []}, indent=2) + "\n"
    assert not (tmp_path / "journal.sqlite3").exists()


def test_a_file_that_is_not_a_journal_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(JournalError, match="not a usable journal"):
        Journal(path).entries()


def test_a_journal_from_a_newer_version_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(JournalError, match="newer twitch-coach"):
        Journal(path).record("checkin", {}, [], [])


# ----- crash safety -----

WRITER = textwrap.dedent(
    """
    import sys
    from twitch_coach.dialogue.scoring import CauseScore
    from twitch_coach.skill.journal import Journal

    journal = Journal(sys.argv[1])
    answers = {"sleep": {"intent": "number", "value": 5.0, "tags": []}}
    causes = [CauseScore("sleep", 2.0, "", "")] * 8
    while True:
        entry = journal.record("checkin", answers, causes, ["painful"])
        print(entry.id, flush=True)  # said only after the commit returned
    """
)


def test_kill_9_during_writes_loses_no_committed_entry(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    filled(path, 3).close()  # entries from before the writer started
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    committed = []
    try:
        assert writer.stdout is not None
        while len(committed) < 200:
            line = writer.stdout.readline()
            assert line, "the writer stopped early"
            committed.append(int(line))
    finally:
        os.kill(writer.pid, signal.SIGKILL)  # in the middle of its next write, most likely
        writer.wait(timeout=10)
    assert writer.returncode == -signal.SIGKILL
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    ids = {e.id for e in Journal(path).entries()}
    assert {1, 2, 3} <= ids
    assert set(committed) <= ids


# ----- export and forget -----


@pytest.mark.parametrize("format", ["csv", "json"])
def test_export_round_trips(tmp_path: Path, format: str) -> None:
    journal = filled(tmp_path / "journal.sqlite3", 3)
    text = journal.export(format)
    assert loads(text, format) == journal.entries()
    assert dumps(loads(text, format), format) == text


def test_the_csv_export_has_one_row_per_check_in(tmp_path: Path) -> None:
    text = filled(tmp_path / "journal.sqlite3", 2).export("csv")
    lines = text.splitlines()
    assert lines[0] == "id,at,mode,red_flags,causes,answers"
    assert lines[2].startswith("2,2024-05-20T19:00:00+00:00,quick,painful,")
    assert len(lines) == 3


def test_forget_removes_the_file_and_its_wal(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = filled(path, 4)
    assert Path(f"{path}-wal").exists()
    assert journal.forget() == 4
    assert [p.name for p in tmp_path.iterdir()] == []
    assert journal.entries() == []
    journal.record("checkin", ANSWERS, CAUSES, [])  # a fresh journal starts when the next check-in is saved
    assert len(journal.entries()) == 1


def test_forget_leaves_no_trace_of_the_answers_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path)
    journal.record("checkin", {"stress": {"intent": "high", "value": None, "tags": ["UNIQUE-MARKER"]}}, [], [])
    other = Journal(path)  # a second connection keeps the file open, as another run would
    other.entries()
    journal.forget()
    for file in tmp_path.iterdir():
        assert b"UNIQUE-MARKER" not in file.read_bytes(), file
    other.close()
    assert list(tmp_path.iterdir()) == []  # closing the other connection does not bring the file back


# ----- the journal subcommand -----


def run(path: Path, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    top = argparse.ArgumentParser(prog="twitch-coach")
    journal_cli.add_parser(top.add_subparsers(dest="command"))
    args = top.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    status = args.func(args, path=path, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_journal_lists_the_check_ins(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    status, out, _ = run(path, ["journal"])
    assert (status, out) == (0, f"The journal is empty ({path}).\n")
    filled(path, 2).close()
    status, out, _ = run(path, ["journal", "list"])
    lines = out.splitlines()
    assert lines[0] == f"2 check-in(s) in {path}:"
    assert "checkin  likely: stimulants (3), sleep (2)" in lines[1]
    assert lines[2].endswith("quick    likely: stimulants (3), sleep (2)  red flags: painful")


def test_describe_shows_the_time_where_the_user_is(tmp_path: Path) -> None:
    entry = filled(tmp_path / "journal.sqlite3", 1).entries()[0]
    line = journal_cli.describe(entry, timezone(timedelta(hours=-7)))
    assert line.startswith("2024-05-20 11:00  checkin")


@pytest.mark.parametrize("format", ["csv", "json"])
def test_journal_export_prints_or_writes_a_private_file(tmp_path: Path, format: str) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = filled(path, 2)
    status, out, _ = run(path, ["journal", "export", "--format", format])
    assert status == 0 and out == journal.export(format)
    target = tmp_path / f"out.{format}"
    status, out, _ = run(path, ["journal", "export", "--format", format, "--out", str(target)])
    assert out == f"wrote 2 check-in(s) to {target}\n"
    assert loads(target.read_text(encoding="utf-8"), format) == journal.entries()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_journal_forget_asks_first(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    filled(path, 3).close()
    status, out, _ = run(path, ["journal", "forget"], stdin="no\n")
    assert status == 1
    assert out == f"Delete all 3 check-in(s) in {path}? This cannot be undone. Type yes to confirm: Nothing deleted.\n"
    assert len(Journal(path).entries()) == 3
    status, out, _ = run(path, ["journal", "forget"], stdin="")  # end of input is not a yes
    assert status == 1 and path.exists()
    status, out, _ = run(path, ["journal", "forget"], stdin="Yes\n")
    assert status == 0
    assert out.endswith("Forgotten: 3 check-in(s) deleted, and the journal file removed.\n")
    assert not path.exists()


def test_journal_forget_yes_skips_the_question(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    filled(path, 2).close()
    status, out, _ = run(path, ["journal", "forget", "--yes"])
    assert (status, out) == (0, "Forgotten: 2 check-in(s) deleted, and the journal file removed.\n")
    assert list(tmp_path.iterdir()) == []
    status, out, _ = run(path, ["journal", "forget", "--yes"])
    assert (status, out) == (0, f"There is no journal to forget ({path}).\n")


def test_a_broken_journal_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    path.write_text("not a database\n" * 100)
    status, out, err = run(path, ["journal"])
    assert status == 1 and "not a usable journal" in err


def test_no_journal_turns_recording_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from twitch_coach.skill.app import App
    from twitch_coach.skill.cli import settings

    monkeypatch.setenv("TWITCH_COACH_HOME", str(tmp_path))
    top = argparse.ArgumentParser()
    journal_cli.add_no_journal(top)
    assert App(settings(top.parse_args(["--no-journal"]))).journal() is None
    kept = App(settings(top.parse_args([]))).journal()
    assert kept is not None and kept.path == tmp_path / "journal.sqlite3"
    assert not kept.path.exists()  # nothing is written until a check-in is recorded
