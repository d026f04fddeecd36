"""Rules over past check-ins: persistence on tables of dated check-ins (clock injected), trends, journal.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from twitch_coach.dialogue.errors import ContentError
from twitch_coach.dialogue.history import HistoryRules, carried_over, persistence, persistent, trends
from twitch_coach.dialogue.loader import load_rules
from twitch_coach.dialogue.scoring import Answer

NOW = datetime(2024, 5, 20, 18, 0, tzinfo=UTC)  # a Monday evening


@pytest.fixture(scope="module")
def rules() -> HistoryRules:
    return load_rules()


def days_ago(*days: float) -> list[datetime]:
    return [NOW - timedelta(days=d) for d in days]


# ----- persistence: the shipped numbers are 14 days of span (gaps up to 7), or 3 days within 14 -----

PERSISTENCE_TABLE = [
    # (days ago of past twitching check-ins, persistent?, rule that fires)
    ((), False, None),  # the first check-in ever
    ((1,), False, None),  # yesterday and today: two days
    ((0.1, 0.2, 0.3), False, None),  # four check-ins, all today: one day
    ((2, 5), True, "days"),  # three different days within two weeks
    ((13,), False, None),  # two days, thirteen days apart
    ((12, 13), True, "days"),  # the oldest day is still inside the 14-day window
    ((13, 14), False, None),  # 14 days ago is outside the window, and a run of 14 days is not more than 14
    ((7, 14), False, None),  # span exactly 14 days: not more than 14; only 2 days in the window
    ((8, 15), False, None),  # 8 days since the last check-in is more than max_gap_days: a new run today
    ((7, 14, 21), True, "span"),  # weekly for three weeks: a run of 21 days, but only 2 days within 14
    ((1, 8, 15), True, "span"),  # both rules hold; the run is the one said
    ((20, 40), False, None),  # old check-ins with long gaps: a new episode today
    ((30,), False, None),  # one check-in a month ago
    ((1, 30, 31, 32), False, None),  # an old run, then a gap of 29 days: only yesterday and today count
    ((-1, -2),  False, None),  # check-ins "in the future" (clock changed) are ignored
]  # fmt: skip


@pytest.mark.parametrize(("ago", "expected", "rule"), PERSISTENCE_TABLE)
def test_persistence_on_a_table_of_dated_check_ins(
    rules: HistoryRules, ago: tuple[float, ...], expected: bool, rule: str | None
) -> None:
    found = persistence(days_ago(*ago), NOW, rules)
    assert persistent(days_ago(*ago), NOW, rules) is expected
    assert (found.rule if found else None) == rule


def test_a_gap_longer_than_max_gap_days_breaks_the_run(rules: HistoryRules) -> None:
    # 15 -> 7 days ago is a gap of 8 days (max 7), so the run starts 7 days ago: span 7, and 2 days in 14
    assert not persistent(days_ago(7, 15), NOW, rules)
    assert persistent(days_ago(7, 14), NOW, rules) is False  # span 14, not more than 14
    assert persistent(days_ago(1, 8, 15), NOW, rules)  # gaps 7 and 7: a run of 15 days


def test_days_are_the_users_calendar_days() -> None:
    rules = load_rules()
    tz = timezone(timedelta(hours=-7))
    evening = datetime(2024, 5, 20, 21, 0, tzinfo=tz)  # 04:00 UTC on the 21st
    # With the one now, these are three days in UTC (19th, 20th, 21st) but two where the user lives.
    past = [datetime(2024, 5, 19, 10, 0, tzinfo=tz), datetime(2024, 5, 20, 10, 0, tzinfo=tz)]
    found = persistence(past, evening, rules)
    assert found is None
    assert persistent([*past, datetime(2024, 5, 18, 12, 0, tzinfo=tz)], evening, rules)


def test_the_finding_says_why_with_the_numbers(rules: HistoryRules) -> None:
    found = persistence(days_ago(2, 5), NOW, rules)
    assert found is not None
    assert found.days == 3
    assert found.said.startswith("Your journal shows twitching on 3 different days in the last two weeks.")
    found = persistence(days_ago(7, 14, 21), NOW, rules)
    assert found is not None and (found.span, found.days) == (21, 2)
    assert found.said.startswith("Your journal shows this twitching has been coming back for 21 days.")


def test_now_must_carry_a_timezone(rules: HistoryRules) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        persistent([], datetime(2024, 5, 20), rules)


# ----- trends -----


@dataclass(frozen=True)
class Past:
    at: datetime
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    mode: str = "checkin"


def slept(hours: float, ago: float) -> Past:
    return Past(NOW - timedelta(days=ago), {"sleep": {"intent": "number", "value": hours, "tags": []}})


def test_the_third_short_night_this_week_is_said(rules: HistoryRules) -> None:
    past = [slept(5, 1), slept(4, 3)]
    lines = trends(past, {"sleep": Answer("sleep", "number", 5.5)}, NOW, rules)
    assert lines == [
        "This is the third check-in this week with under six hours of sleep. Short sleep makes twitching more likely."
    ]


def test_a_trend_is_said_only_when_this_check_in_is_part_of_it(rules: HistoryRules) -> None:
    past = [slept(5, 1), slept(4, 3), slept(3, 4)]
    assert trends(past, {"sleep": Answer("sleep", "number", 8)}, NOW, rules) == []
    assert trends(past, {}, NOW, rules) == []


def test_only_matching_check_ins_inside_the_window_count(rules: HistoryRules) -> None:
    past = [slept(5, 7), slept(4, 10), slept(8, 1), slept(6, 2)]  # too old, too old, enough, exactly six
    assert trends(past, {"sleep": Answer("sleep", "number", 5)}, NOW, rules) == []
    assert trends([slept(5, 6.5), slept(5, 2)], {"sleep": Answer("sleep", "number", 5)}, NOW, rules)


def test_past_the_ordinals_the_count_is_said_as_a_number(rules: HistoryRules) -> None:
    past = [slept(4, i / 10) for i in range(1, 13)]  # twelve earlier today, so this is the thirteenth
    lines = trends(past, {"sleep": Answer("sleep", "number", 4)}, NOW, rules)
    assert lines[0].startswith("That makes 13 check-ins this week with under six hours of sleep.")


def test_tags_and_answer_ids_match_and_at_most_max_spoken_lines_are_said(rules: HistoryRules) -> None:
    answers = {
        "sleep": {"intent": "number", "value": 4, "tags": []},
        "caffeine": {"intent": "number", "value": 4, "tags": ["pre_workout"]},
        "hydration": {"intent": "little", "value": None, "tags": []},
    }
    past = [Past(NOW - timedelta(days=d), answers) for d in (1, 2)]
    lines = trends(past, answers, NOW, rules)
    assert len(lines) == rules.max_spoken == 2
    assert "sleep" in lines[0] and "caffeinated" in lines[1]
    one = {"caffeine": answers["caffeine"]}
    assert trends(past, one, NOW, rules) == [
        "This is the third check-in this week with three or more caffeinated drinks.",
        "This is the third check-in this week after a pre-workout or energy drink.",
    ]


# ----- content/journal.yaml -----


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "journal.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
persistence:
  span_days: 14
  max_gap_days: 7
  min_days: 3
  window_days: 14
  said_span: Going on {span} days.
  said_days: "{days} days."
trends:
  - {topic: sleep, below: 6, within_days: 7, times: 3, say: "The {nth}.", say_many: "{count} times."}
max_spoken: 1
ordinals: [first, second, third]
carry_over_minutes: 90
"""


def test_a_small_file_loads(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, GOOD))
    assert rules.persistence.min_days == 3
    assert rules.trends[0].below == 6.0
    assert rules.ordinals == ("first", "second", "third")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("min_days: 3", "min_days: three", "journal.yaml:4: journal.persistence.min_days: should be a whole number of at least 1, not 'three'"),
        ("window_days: 14", "window_days: 0", "journal.yaml:5: journal.persistence.window_days: should be a whole number of at least 1, not 0"),
        ("Going on {span} days.", "Going on {weeks} weeks.", "journal.yaml:6: journal.persistence.said_span: unknown field {weeks}; this line can use: {days}, {span}"),
        ("topic: sleep", "topic: naps", "journal.yaml:9: journal.trends.0.topic: unknown topic 'naps'"),
        ("below: 6, ", "", "journal.yaml:9: journal.trends.0: a trend needs a condition: is, below, at_least or tag"),
        ('say_many: "{count} times."', 'say_many: "The {nth}."', "journal.yaml:9: journal.trends.0.say_many: unknown field {nth}; this line can use: {count}"),
        ("times: 3, ", "", "journal.yaml:9: journal.trends.0: missing required field 'times'"),
        ("max_spoken: 1", "max_spoken: 1\nextra: 2", "journal.yaml:11: journal.extra: unknown field 'extra'"),
        ("carry_over_minutes: 90", "carry_over_minutes: soon", "journal.yaml:12: journal.carry_over_minutes: should be a whole number of at least 1, not 'soon'"),
        ("ordinals: [first, second, third]", "ordinals: [first", "journal.yaml:12: not valid YAML"),  # the end of the file, where the ] was due
    ],
)  # fmt: skip
def test_problems_name_the_file_line_and_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    with pytest.raises(ContentError) as caught:
        load_rules(write(tmp_path, GOOD.replace(old, new)))
    assert message in str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("min_days: 3", "min_days: -1").replace("topic: sleep", "topic: naps")
    with pytest.raises(ContentError) as caught:
        load_rules(write(tmp_path, text))
    assert [p.line for p in caught.value.problems] == [4, 9]


def test_a_missing_file_is_a_content_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="cannot read the file"):
        load_rules(tmp_path / "nowhere.yml")


@pytest.mark.parametrize(
    ("past", "carried"),
    [
        ([("quick", 30)], 0),  # a quick check half an hour ago
        ([("quick", 120)], 0),  # exactly at the limit
        ([("quick", 121)], None),  # too long ago
        ([("quick", 60), ("checkin", 30)], None),  # already followed up by a check-in
        ([("checkin", 60), ("quick", 30)], 1),  # the latest is a quick check
        ([("quick", 90), ("quick", 30)], 1),  # two quick checks: the latest
        ([("quick", -5)], None),  # after now: ignored
        ([], None),
    ],
)
def test_a_check_in_carries_on_from_the_latest_check_in_only_if_it_is_a_recent_quick_one(
    rules: HistoryRules, past: list[tuple[str, int]], carried: int | None
) -> None:
    now = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    entries = [Past(now - timedelta(minutes=minutes), mode=mode) for mode, minutes in past]
    assert rules.carry_over_minutes == 120
    assert carried_over(entries, now, rules, "quick") is (entries[carried] if carried is not None else None)
