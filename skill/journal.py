"""The private journal: every finished check-in in one SQLite file, readable only by its owner."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from twitch_coach.dialogue.scoring import CauseScore
from twitch_coach.models.userdata import private_dir
from twitch_coach.skill.paths import home

_LOGGER = logging.getLogger(__name__)

FILE_NAME = "journal.sqlite3"
SCHEMA_VERSION = 1  # PRAGMA user_version; bump with a migration in _migrate
FORMATS = ("csv", "json")
_CSV_FIELDS = ("id", "at", "mode", "red_flags", "causes", "answers")
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,          -- UTC, ISO 8601
        mode TEXT NOT NULL,        -- checkin | quick
        answers TEXT NOT NULL,     -- JSON: topic -> {"intent", "value", "tags"}
        causes TEXT NOT NULL,      -- JSON: [{"id", "score"}], best first
        red_flags TEXT NOT NULL    -- JSON: [red flag id]
    )""",
    "CREATE INDEX IF NOT EXISTS entries_at ON entries (at)",
)  # statements run one by one: executescript would commit half-way


class JournalError(Exception):
    """The journal file cannot be used (not a journal, newer schema, no permission)."""


@dataclass(frozen=True)
class Entry:
    """One finished check-in as stored. Never audio, never free text beyond the answers understood."""

    id: int
    at: datetime
    """When the check-in finished, timezone-aware UTC."""
    mode: str
    """The dialogue tree used: checkin or quick."""
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """topic -> {"intent": answer id, "value": number or None, "tags": [tag]}."""
    causes: list[dict[str, Any]] = field(default_factory=list)
    """Every cause ranked, best first: {"id": cause id, "score": summed rule weight}."""
    red_flags: list[str] = field(default_factory=list)
    """Red flag ids raised in the check-in, in the order they were raised."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "mode": self.mode,
            "answers": self.answers,
            "causes": self.causes,
            "red_flags": self.red_flags,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Entry:
        return cls(
            int(data["id"]),
            _parse_time(str(data["at"])),
            str(data["mode"]),
            {str(k): dict(v) for k, v in dict(data["answers"]).items()},
            [dict(c) for c in data["causes"]],
            [str(f) for f in data["red_flags"]],
        )


def default_path() -> Path:
    """The journal file in the user data folder (TWITCH_COACH_HOME when set)."""
    return home() / FILE_NAME


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def _parse_time(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _answer_dict(answer: Any) -> dict[str, Any]:
    """{"intent", "value", "tags"} from an Answer (anything with to_dict()) or a mapping."""
    data = answer.to_dict() if hasattr(answer, "to_dict") else dict(answer)
    value = data.get("value")
    return {
        "intent": str(data["intent"]),
        "value": float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None,
        "tags": [str(t) for t in data.get("tags") or ()],
    }


def _create_private(path: Path) -> None:
    """Create the folder (0700) and an empty file (0600) before SQLite opens it, so it is never readable by others."""
    private_dir(path.parent)  # 0700, and so is any parent it has to create
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    if os.name == "posix":
        os.chmod(path, 0o600)  # os.open keeps the mode of a file that already exists; tighten it anyway


class Journal:
    """The check-in journal in one SQLite file: WAL, synchronous=FULL, one transaction per check-in."""

    def __init__(
        self, path: Path | None = None, clock: Callable[[], datetime] = utc_now, read_only: bool = False
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.clock = clock
        self.read_only = read_only  # list and export: the file is opened read-only and never changed
        self.unreadable: list[str] = []  # check-ins entries() skipped, each with why (a damaged row)
        self._db: sqlite3.Connection | None = None

    # ----- opening -----

    def exists(self) -> bool:
        """True when the journal file is there (listing and export do not create it)."""
        return self.path.exists()

    def _connect(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        if self.read_only:
            return self._connect_read_only()
        try:
            _create_private(self.path)
        except OSError as error:
            raise JournalError(f"{self.path}: cannot create it: {error.strerror or error}") from error
        db = None
        try:
            # Any one thread at a time: the Wyoming service writes from its worker thread and closes at exit.
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a commit is on disk before record() returns
            db.execute("PRAGMA secure_delete=ON")  # deleted check-ins are overwritten, not left in free pages
            self._migrate(db)
        except sqlite3.Error as error:
            if db is not None:
                db.close()
            raise JournalError(f"{self.path}: not a usable journal ({error})") from error
        self._db = db
        return db

    def _connect_read_only(self) -> sqlite3.Connection:
        """Open for reading only: a damaged or newer journal is reported, never repaired or migrated."""
        if self.path.is_dir():
            raise JournalError(f"{self.path}: is a folder, not a journal file")
        try:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        except sqlite3.Error as error:
            raise JournalError(f"{self.path}: cannot open it ({error})") from error
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error as error:
            db.close()
            raise JournalError(f"{self.path}: not a usable journal ({error})") from error
        if version > SCHEMA_VERSION:
            db.close()
            raise JournalError(
                f"{self.path}: made by a newer twitch-coach (journal version {version}, this one reads "
                f"{SCHEMA_VERSION}); update twitch-coach"
            )
        if "entries" not in tables and version > 0:
            db.close()
            raise JournalError(f"{self.path}: damaged: its table of check-ins is missing")
        self._db = db
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            db.close()  # before any write: a newer journal is left exactly as it is
            raise JournalError(
                f"{self.path}: made by a newer twitch-coach (journal version {version}, this one reads "
                f"{SCHEMA_VERSION}); update twitch-coach"
            )
        if version < SCHEMA_VERSION:
            with _transaction(db):
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        """Close the file; the next call opens it again."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- writing -----

    def record(
        self,
        mode: str,
        answers: Mapping[str, Any],
        causes: Iterable[CauseScore],
        red_flags: Iterable[str],
        at: datetime | None = None,
        replaces: int | None = None,
    ) -> Entry:
        """Store one finished check-in in its own transaction and return it as stored.

        answers: topic -> Answer (or a mapping with intent, value, tags); causes: the summary's causes
        (only id and score are kept); at: when it finished (default: the journal's clock); replaces: the id
        of an entry this one takes the place of (a quick check it carried on from), deleted in the same
        transaction.
        """
        when = (at or self.clock()).astimezone(UTC)
        stored_answers = {str(topic): _answer_dict(a) for topic, a in answers.items()}
        stored_causes = [{"id": c.id, "score": float(c.score)} for c in causes]
        flags = [str(f) for f in red_flags]
        db = self._connect()
        try:
            with _transaction(db):
                if replaces is not None:
                    db.execute("DELETE FROM entries WHERE id = ?", (replaces,))
                cursor = db.execute(
                    "INSERT INTO entries (at, mode, answers, causes, red_flags) VALUES (?, ?, ?, ?, ?)",
                    (when.isoformat(), mode, json.dumps(stored_answers), json.dumps(stored_causes), json.dumps(flags)),
                )
        except sqlite3.Error as error:  # read-only file or mount, full disk, damaged pages, a missing table
            raise JournalError(f"{self.path}: could not write ({error})") from error
        assert cursor.lastrowid is not None
        return Entry(cursor.lastrowid, when, mode, stored_answers, stored_causes, flags)

    # ----- reading -----

    def entries(self, since: datetime | None = None) -> list[Entry]:
        """Every check-in, oldest first; only those at or after `since` when given. [] if there is no journal.

        A damaged row is skipped and named in `unreadable`; a damaged file raises JournalError."""
        if self._db is None and not self.exists():
            _check_folder(self.path)  # a journal under a file is not an empty journal
            return []
        db = self._connect()
        query = "SELECT id, at, mode, answers, causes, red_flags FROM entries"
        params: tuple[str, ...] = ()
        if since is not None:
            query += " WHERE at >= ?"
            params = (since.astimezone(UTC).isoformat(),)
        try:
            rows = db.execute(query + " ORDER BY at, id", params).fetchall()
        except sqlite3.Error as error:
            if "no such table" in str(error) and db.execute("PRAGMA user_version").fetchone()[0] == 0:
                return []  # an empty file, as a read-only open leaves it
            raise JournalError(f"{self.path}: could not read ({error})") from error
        self.unreadable = []
        entries = []
        for row in rows:
            try:
                entries.append(Entry.from_dict(dict(zip(_COLUMNS, row[:3] + _json(row[3:]), strict=True))))
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                self.unreadable.append(f"check-in {row[0]}: {error}")
        if self.unreadable:
            _LOGGER.warning("journal rows skipped: %s", "; ".join(self.unreadable))
        return entries

    def export(self, format: str) -> str:
        """Every check-in as CSV (nested fields as JSON cells) or as one JSON document."""
        return dumps(self.entries(), format)

    # ----- forgetting -----

    def forget(self) -> int:
        """Delete every check-in and remove the file with its -wal and -shm; returns how many were deleted."""
        count = 0
        if self._db is not None or self.exists():
            db = self._connect()
            try:
                with _transaction(db):
                    count = db.execute("DELETE FROM entries").rowcount
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the deleted pages leave the WAL too
            except sqlite3.Error as error:
                raise JournalError(f"{self.path}: could not delete ({error})") from error
            finally:
                self.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        _LOGGER.info("journal forgotten: %d check-ins deleted from %s", count, self.path)
        return count


_COLUMNS = ("id", "at", "mode", "answers", "causes", "red_flags")


def _json(cells: tuple[Any, ...]) -> tuple[Any, ...]:
    """The JSON cells of a row decoded; ValueError naming the column that is not JSON."""
    decoded = []
    for name, cell in zip(_COLUMNS[3:], cells, strict=True):
        try:
            decoded.append(json.loads(cell))
        except (ValueError, TypeError, RecursionError) as error:
            raise ValueError(f"{name} is not valid JSON ({error})") from None
    return tuple(decoded)


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.db.execute("COMMIT")
        elif self.db.in_transaction:  # a failed BEGIN or a rollback SQLite already made leaves none
            self.db.execute("ROLLBACK")


def dumps(entries: Iterable[Entry], format: str) -> str:
    """Entries as CSV or JSON text."""
    items = [e.to_dict() for e in entries]
    if format == "json":
        return json.dumps({"version": SCHEMA_VERSION, "entries": items}, indent=2, ensure_ascii=False) + "\n"
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, _CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for item in items:
            writer.writerow({
                "id": item["id"], "at": item["at"], "mode": item["mode"],
                "red_flags": " ".join(item["red_flags"]),
                "causes": json.dumps(item["causes"]), "answers": json.dumps(item["answers"]),
            })  # fmt: skip
        return out.getvalue()
    raise ValueError(f"unknown export format {format!r}; choose one of: {', '.join(FORMATS)}")


def loads(text: str, format: str) -> list[Entry]:
    """Entries back from the text `dumps` wrote."""
    if format == "json":
        return [Entry.from_dict(item) for item in json.loads(text)["entries"]]
    if format == "csv":
        return [
            Entry.from_dict(
                {
                    **row,
                    "red_flags": row["red_flags"].split(),
                    "causes": json.loads(row["causes"]),
                    "answers": json.loads(row["answers"]),
                }
            )  # fmt: skip
            for row in csv.DictReader(io.StringIO(text))
        ]
    raise ValueError(f"unknown export format {format!r}; choose one of: {', '.join(FORMATS)}")


def _check_folder(path: Path) -> None:
    """Raise JournalError when the nearest existing folder above `path` is a file, not a folder."""
    for folder in path.parents:
        if folder.exists():
            if not folder.is_dir():
                raise JournalError(f"{path}: cannot be read: {folder} is not a folder (check TWITCH_COACH_HOME)")
            return
