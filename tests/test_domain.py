"""content/domain.yaml: the ids and mode policies every other file is checked against; --content runs any folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.errors import ContentError
from twitch_coach.dialogue.loader import content_dir, load

PROGRAM = [sys.executable, "-m", "twitch_coach.skill"]


def _pack(tmp_path: Path) -> Path:
    """A copy of the shipped content to change."""
    folder = tmp_path / "pack"
    shutil.copytree(content_dir(), folder, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _problems(folder: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load(folder=folder)
    return [str(p) for p in caught.value.problems]


def _add_alcohol(folder: Path, safety: bool = False) -> None:
    """A new ordinary topic, asked last in the quick check: a change to content files only."""
    _edit(folder / "domain.yaml", "caffeine, stress, nerve]", "caffeine, stress, nerve, alcohol]")
    if safety:
        _edit(folder / "domain.yaml", "medication, duration]", "medication, duration, alcohol]")
    _edit(folder / "quick.yaml", "    answers: amount\n    next: end\n", "    answers: amount\n    next: alcohol\n")
    with (folder / "quick.yaml").open("a") as tree:
        tree.write(
            "  alcohol:\n    topic: alcohol\n    ask: Any alcohol last night?\n    rephrase: Did you drink alcohol?\n"
            "    expects: yes_no\n    next: end\n"
        )
    with (folder / "scoring.yaml").open("a") as rules:
        rules.write('  - {cause: dehydration, topic: alcohol, is: ["yes"], weight: 1, why: Alcohol dries you out.}\n')


def test_the_shipped_content_is_described_by_its_domain() -> None:
    content = load()
    domain = content.domain
    assert set(content.causes) == set(domain.causes) and set(content.safety.red_flags) == set(domain.red_flags)
    assert {n.topic for t in content.trees.values() for n in t.nodes.values()} <= set(domain.topics)
    assert set(content.trees) == set(domain.modes) and domain.default_mode == "checkin"
    assert domain.journal_flag == "persistent" and domain.safety_topics < set(domain.topics)
    assert content.policy("quick").endpoint == "workout" and content.policy("checkin").carries_over_from == "quick"


def test_a_new_topic_is_a_change_to_content_only(tmp_path: Path) -> None:
    folder = _pack(tmp_path)
    _add_alcohol(folder)
    content = load(folder=folder)
    conversation = Conversation(content, "quick")
    conversation.start()
    for answer in ("no", "easy", "a lot"):
        conversation.hear(answer)
    assert conversation.current().topic == "alcohol"
    assert ("pain",) in content.safety.red_flags["painful"].signs
    events = conversation.hear("yes it hurts")  # an ordinary topic: red-flag words in the answer count
    assert "painful" in conversation.red_flags and events[-1].to_dict()["type"] == "end"


def test_a_new_safety_topic_is_a_change_to_content_only(tmp_path: Path) -> None:
    folder = _pack(tmp_path)
    _add_alcohol(folder, safety=True)
    conversation = Conversation(load(folder=folder), "quick")
    conversation.start()
    for answer in ("no", "easy", "a lot", "yes it hurts"):
        conversation.hear(answer)
    assert conversation.red_flags == ["painful"]  # red-flag words count in every answer, safety questions too


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("domain.yaml", "journal_flag: persistent", "journal_flag: lasting",
         "domain.journal_flag: 'lasting' is not one of the red_flags under ids"),
        ("domain.yaml", "endpoint: workout", "endpoint: sprint",
         "domain.modes.quick.endpoint: unknown endpoint 'sprint'; use one of: default, workout"),
        ("domain.yaml", "medication, duration]", "medication, duration, naps]",
         "domain.safety_topics.8: 'naps' is not one of the topics under ids"),
        ("domain.yaml", "sleep, stimulants]", "sleep]",
         "causes.causes.stimulants: unknown cause id 'stimulants'; domain.yaml has: fatigue"),
        ("quick.yaml", "mode: quick", "mode: quick_check", "quick.mode: unknown mode 'quick_check'"),
        ("home.yaml", "  quick: [quick check", "  quickly: [quick check",
         "home.routes.quickly: unknown route 'quickly'; routes are: checkin, quick, ask, stop"),
    ],
)  # fmt: skip
def test_files_are_checked_against_the_domain(tmp_path: Path, file: str, old: str, new: str, expected: str) -> None:
    folder = _pack(tmp_path)
    _edit(folder / file, old, new)
    problems = _problems(folder)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(str(folder)) for p in problems)


def test_a_declared_mode_needs_a_tree(tmp_path: Path) -> None:
    folder = _pack(tmp_path)
    (folder / "quick.yaml").unlink()
    problems = _problems(folder)
    assert any(f"{folder / 'domain.yaml'}:" in p and "domain.modes.quick: no dialogue tree has mode 'quick'" in p
               for p in problems), problems  # fmt: skip


def _run(args: list[str], stdin: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k != "TWITCH_COACH_CONTENT"}
    environment = {**inherited, "TWITCH_COACH_HOME": str(tmp_path / "home"), **env}
    return subprocess.run(PROGRAM + args, input=stdin, capture_output=True, text=True, timeout=60, env=environment)


ANSWERS = "".join(json.dumps({"text": t}) + "\n" for t in ("no", "easy", "a lot", "yes"))


@pytest.mark.parametrize("how", ["option", "option after the command", "environment"])
def test_any_content_folder_runs(tmp_path: Path, how: str) -> None:
    folder = _pack(tmp_path)
    _add_alcohol(folder)
    _edit(folder / "quick.yaml", "start: screen", "intro: A pack of my own.\nstart: screen")
    args = {
        "option": ["--content", str(folder), "converse", "--json", "--mode", "quick"],
        "option after the command": ["converse", "--json", "--mode", "quick", "--content", str(folder)],
        "environment": ["converse", "--json", "--mode", "quick"],
    }[how]
    env = {"TWITCH_COACH_CONTENT": str(folder)} if how == "environment" else {}
    result = _run(args, ANSWERS, tmp_path, **env)
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0] == {"type": "say", "text": "A pack of my own."}, result.stderr
    assert [e["topic"] for e in events if e["type"] == "prompt"] == ["red_flags", "intensity", "hydration", "alcohol"]
    assert events[-1] == {"type": "end", "reason": "done"}


def test_an_unknown_mode_is_a_clear_error(tmp_path: Path) -> None:
    result = _run(["converse", "--json", "--mode", "nap"], "", tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == "twitch-coach: unknown mode 'nap'; this content has: checkin, quick"


def test_validate_a_folder_checks_exactly_that_folder(tmp_path: Path) -> None:
    folder = _pack(tmp_path)
    _add_alcohol(folder)
    good = _run(["validate", "--no-speech", str(folder)], "", tmp_path)
    assert good.returncode == 0 and good.stdout.startswith("content OK: 2 dialogue trees, 20 questions"), good.stderr
    (folder / "causes.yaml").unlink()  # the shipped causes.yaml must not fill in for it
    missing = _run(["validate", "--no-speech", str(folder)], "", tmp_path)
    assert missing.returncode == 1 and f"{folder}: no causes file found" in missing.stderr
    # A file is checked in place of its kind in the content that would run.
    result = _run(["validate", "--no-speech", str(folder / "quick.yaml")], "", tmp_path)
    assert result.returncode == 1 and "unknown topic 'alcohol'" in result.stderr
    env = {"TWITCH_COACH_CONTENT": str(_pack(tmp_path / "again"))}
    assert _run(["validate", "--no-speech"], "", tmp_path, **env).returncode == 0


def test_a_missing_content_folder_is_one_clear_problem(tmp_path: Path) -> None:
    result = _run(["--content", str(tmp_path / "nowhere"), "converse", "--json"], "", tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{tmp_path / 'nowhere'}: not a content folder (no such folder)" in result.stderr


def test_validate_survives_hostile_yaml_quickly(tmp_path: Path) -> None:
    folder = _pack(tmp_path)
    (folder / "causes.yaml").write_text("loop: &r [*r]\n")
    (folder / "scoring.yaml").write_text("rules: [" + "1" * 10_000 + "]\n")
    result = _run(["validate", "--no-speech", str(folder)], "", tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{folder / 'causes.yaml'}:1: anchors and aliases" in result.stderr
    assert f"{folder / 'scoring.yaml'}:1: a number of 10000 digits" in result.stderr
