"""`twitch-coach journal`: list, export, and forget the private journal of check-ins."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import tzinfo
from pathlib import Path
from typing import TextIO

from twitch_coach.skill.journal import FORMATS, Entry, Journal, JournalError, default_path, dumps

CONFIRM = ("yes", "y")  # what `journal forget` accepts as a yes


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register `journal` (list, export, forget) on the top-level subparsers."""
    p = subparsers.add_parser(
        "journal",
        help="your private journal of check-ins: list, export, forget",
        description="The journal keeps every finished check-in on this machine only, never audio. "
        "With no action, lists them.",
    )
    actions = p.add_subparsers(dest="journal_action")
    actions.add_parser("list", help="list the check-ins (the default)")
    export = actions.add_parser("export", help="print every check-in as CSV or JSON")
    export.add_argument("--format", choices=FORMATS, default="json", help="csv or json (default: json)")
    export.add_argument("--out", help="write to this file (readable only by you) instead of printing")
    forget = actions.add_parser("forget", help="delete the whole journal (asks first)")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_journal)
    return p


def add_no_journal(parser: argparse.ArgumentParser) -> None:
    """Add --no-journal to a subcommand that runs a check-in."""
    parser.add_argument("--no-journal", action="store_true", help="do not save this check-in in the journal")


def cmd_journal(
    args: argparse.Namespace,
    path: Path | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run `journal [list|export|forget]`; returns the exit status."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    action = getattr(args, "journal_action", None) or "list"
    # Listing and exporting open the file read-only: a damaged journal is reported as it is, never changed.
    journal = Journal(path or default_path(), read_only=action != "forget")
    try:
        with journal:
            if action == "export":
                status = _export(journal, args.format, args.out, out)
            elif action == "forget":
                return _forget(journal, args.yes, stdin or sys.stdin, out)
            else:
                status = _list(journal, out)
    except JournalError as error:
        print(error, file=err)
        return 1
    except OSError as error:
        print(f"{error.filename}: {error.strerror or error}", file=err)
        return 1
    for problem in journal.unreadable:
        print(f"{journal.path}: {problem} (left out; the file was not changed)", file=err)
    return 1 if journal.unreadable else status


def _list(journal: Journal, out: TextIO) -> int:
    entries = journal.entries()
    if not entries:
        print(f"The journal is empty ({journal.path}).", file=out)
        return 0
    print(f"{len(entries)} check-in(s) in {journal.path}:", file=out)
    for entry in entries:
        print(describe(entry), file=out)
    return 0


def describe(entry: Entry, tz: tzinfo | None = None) -> str:
    """One line per check-in: time (local unless `tz`), mode, the likeliest causes, red flags."""
    when = entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    likely = [c for c in entry.causes if c.get("score", 0) > 0][:3]
    causes = ", ".join(f"{c['id']} ({c['score']:g})" for c in likely) or "nothing stood out"
    flags = f"  red flags: {', '.join(entry.red_flags)}" if entry.red_flags else ""
    return f"{when}  {entry.mode:<7}  likely: {causes}{flags}"


def _export(journal: Journal, format: str, target: str | None, out: TextIO) -> int:
    entries = journal.entries()
    text = dumps(entries, format)
    if target is None:
        out.write(text)
        return 0
    if os.path.islink(target):  # O_NOFOLLOW guards the race; this gives the clear message
        print(f"{target}: is a symbolic link; not writing the journal through it", file=sys.stderr)
        return 1
    # As private as the journal, even when the file was there before; a symlink is never followed.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with open(fd, "w", encoding="utf-8", newline="") as file:
        if os.name == "posix":
            os.fchmod(fd, 0o600)
        file.write(text)
    print(f"wrote {len(entries)} check-in(s) to {target}", file=out)
    return 0


def _forget(journal: Journal, yes: bool, stdin: TextIO, out: TextIO) -> int:
    if not journal.exists():
        print(f"There is no journal to forget ({journal.path}).", file=out)
        return 0
    if not yes:
        count = len(journal.entries())
        out.write(f"Delete all {count} check-in(s) in {journal.path}? This cannot be undone. Type yes to confirm: ")
        out.flush()
        reply = stdin.readline().strip().lower()
        if reply not in CONFIRM:
            print("Nothing deleted.", file=out)
            return 1
    count = journal.forget()
    print(f"Forgotten: {count} check-in(s) deleted, and the journal file removed.", file=out)
    return 0
