"""A second content pack, "why do my legs cramp after a run?", run from its folder with no change of code.

Everything here goes through the real command as a subprocess with `--content tests/packs/cramp` (or
TWITCH_COACH_CONTENT): validate, a whole check by JSON lines, the journal, the short mode and `ask`.
The spoken version is in tests/test_pack_cramp_spoken.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

PACK = Path(__file__).resolve().parent / "packs" / "cramp"
PROGRAM = [sys.executable, "-m", "twitch_coach.skill"]
DOMAIN = yaml.safe_load((PACK / "domain.yaml").read_text())["ids"]

# A runner who ran further than usual on a hot day, drank little and skipped the stretch.
ANSWERS = {
    "red_flags": "no", "how_often": "the first time", "effort": "much further", "sweat": "yeah really sweaty",
    "drinks": "two glasses", "stretch": "no I skipped it",
}  # fmt: skip


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TWITCH_COACH_CONTENT"}
    return {**env, "TWITCH_COACH_HOME": str(home), **extra}


def _run(args: list[str], home: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        PROGRAM + ["--content", str(PACK), *args], input=stdin, capture_output=True, text=True, timeout=120,
        cwd=home, env=_env(home, **env),
    )  # fmt: skip


def converse(
    home: Path, answer: Callable[[dict], str], args: tuple[str, ...] = (), after: tuple[str, ...] = ("stop",)
) -> list[dict]:
    """Drive `converse --json` over the pack like a front end: answer each prompt as it comes (by its
    event), then send `after` once the summary is given; returns every event, up to the end."""
    proc = subprocess.Popen(
        PROGRAM + ["converse", "--json", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, cwd=home, env=_env(home, TWITCH_COACH_CONTENT=str(PACK)),
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    events: list[dict] = []
    follow = list(after)
    try:
        while not events or events[-1]["type"] != "end":
            line = proc.stdout.readline()
            assert line, f"the process ended early: {proc.stderr.read()}"
            events.append(json.loads(line))
            kind = events[-1]["type"]
            if kind == "prompt" and events[-1]["node"] == "summary":  # after the summary: repeat or stop
                if not follow:
                    break
                reply = json.dumps({"text": follow.pop(0)})
            elif kind == "prompt":
                reply = json.dumps({"text": answer(events[-1])})
            else:
                continue
            proc.stdin.write(reply + "\n")
            proc.stdin.flush()
            assert len(events) < 200, events
    finally:
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
    return events


def _texts(events: list[dict]) -> str:
    return " ".join(e.get("text", "") for e in events)


def test_validate_checks_the_pack_and_its_words_against_the_recogniser(tmp_path: Path) -> None:
    result = subprocess.run(
        PROGRAM + ["validate", str(PACK), "--engine", "pocketsphinx"], capture_output=True, text=True,
        timeout=120, cwd=tmp_path, env=_env(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "content OK: 2 dialogue trees, 11 questions, 6 scoring rules",
        "vocabulary against pocketsphinx: 0 error(s), 0 warning(s)",
    ], result.stderr
    by_env = subprocess.run(
        PROGRAM + ["validate", "--no-speech"], capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env=_env(tmp_path, TWITCH_COACH_CONTENT=str(PACK)),
    )  # fmt: skip
    assert by_env.stdout == "content OK: 2 dialogue trees, 11 questions, 6 scoring rules\n", by_env.stderr


def test_validate_holds_a_copy_of_the_pack_to_its_own_domain(tmp_path: Path) -> None:
    broken = tmp_path / "cramp"
    shutil.copytree(PACK, broken)
    scoring = broken / "scoring.yaml"
    # A cause of the shipped (twitching) content is not a cause of this pack.
    scoring.write_text(scoring.read_text().replace("cause: tight_muscles", "cause: fatigue"))
    line = next(i for i, text in enumerate(scoring.read_text().splitlines(), 1) if "fatigue" in text)
    result = _run(["validate", "--no-speech", str(broken)], tmp_path)
    assert result.returncode == 1
    assert (
        f"{scoring}:{line}: scoring.rules.5.cause: unknown cause id 'fatigue'; "
        "domain.yaml has: overreach, low_fluids, salt_loss, tight_muscles"
    ) in result.stderr, result.stderr


def test_a_whole_check_after_a_run_over_json_lines_is_kept_in_the_journal(tmp_path: Path) -> None:
    events = converse(tmp_path, lambda prompt: ANSWERS[prompt["topic"]])
    prompts = [e for e in events if e["type"] == "prompt" and e["node"] != "summary"]
    assert [p["topic"] for p in prompts] == list(ANSWERS)  # "no" at the screen skips the follow-ups
    assert {p["mode"] for p in prompts} == {"after_run"}  # the pack's default_mode
    assert all(h["intent"] != "none" for h in events if h["type"] == "heard")
    summary = next(e for e in events if e["type"] == "summary")
    assert [c["id"] for c in summary["causes"]] == ["low_fluids", "overreach", "salt_loss", "tight_muscles"]
    assert summary["red_flags"] == [] and summary["urgent"] is False
    assert summary["text"].startswith("Here's what I think. Most likely: low fluids. You've had only 2 glasses")
    assert "Also possible: a harder run than usual." in summary["text"]  # summary_causes: 2
    assert "salt lost in sweat" not in summary["text"]
    assert summary["text"].endswith("They usually pass with rest, a gentle stretch and a drink.")
    assert events[-1] == {"type": "end", "reason": "done"}
    assert "twitch" not in _texts(events).lower()  # nothing of the shipped content leaks in
    listed = _run(["journal", "list"], tmp_path)
    assert "after_run  likely: low_fluids (4), overreach (3), salt_loss (2)" in listed.stdout, listed.stdout


def test_a_check_after_a_quick_one_carries_on_from_it_but_asks_the_safety_question_again(tmp_path: Path) -> None:
    quick = converse(tmp_path, lambda p: {"swelling": "no", "sweat": "yes"}[p["topic"]], ("--mode", "mid_run"))
    summary = next(e for e in quick if e["type"] == "summary")
    assert summary["text"] == (
        "Likely salt lost in sweat. Right now: If you have a sports drink, have some now. "
        "After your run, say check in and we'll go through it properly."
    )
    assert quick[-1] == {"type": "end", "reason": "done"}  # a short summary ends it
    answers = {**ANSWERS, "swelling": "no"}
    later = converse(tmp_path, lambda prompt: answers[prompt["topic"]])
    asked = [e["topic"] for e in later if e["type"] == "prompt"]
    assert "sweat" not in asked  # answered in the quick check (carries_over_from: mid_run)
    assert asked[0] == "red_flags"  # a safety topic: always asked again
    causes = next(e for e in later if e["type"] == "summary")["causes"]
    assert {c["id"]: c["score"] for c in causes}["salt_loss"] == 2.0  # the quick check's "yes, sweaty" counts
    listed = _run(["journal", "list"], tmp_path).stdout
    assert "after_run" in listed and "mid_run" not in listed  # one run counts once


def test_red_flags_come_first_and_an_unclear_answer_takes_the_safe_branch(tmp_path: Path) -> None:
    replies = {"red_flags": "yes", "swelling": "not sure", "weakness": "no", "numbness": "no", "how_often": "often"}
    events = converse(tmp_path, lambda p: replies.get(p["topic"], "stop"), ("--no-journal",))
    said = [e["text"] for e in events if e["type"] == "say"]
    assert (
        "You weren't sure, so to be safe I'll take it that your leg is swollen, warm or red. "
        "A leg that is swollen, warm or red should be checked today."
    ) in " ".join(said)
    assert "Cramps that come often, or at rest, should be checked. Please see a doctor about them." in said
    assert said[-2:] == [
        "Please see a healthcare professional, because your leg is swollen, warm or red and the cramps keep coming back.",
        "Okay, stopping here. Look after those legs.",
    ]
    assert events[-1] == {"type": "end", "reason": "stopped"}


def test_an_urgent_sign_in_any_answer_ends_it_with_urgent_advice(tmp_path: Path) -> None:
    events = converse(tmp_path, lambda p: "my pee is dark brown", ("--no-journal",))
    assert events[-3]["text"].startswith("This could be serious. Stop running and get medical help now.")
    assert events[-2]["type"] == "summary" and events[-2]["urgent"] is True
    assert events[-1] == {"type": "end", "reason": "urgent"}


def test_ask_answers_from_the_packs_causes_and_safety_lines(tmp_path: Path) -> None:
    plain = _run(["ask", "why do my calves cramp after a hot half marathon"], tmp_path).stdout
    assert plain.startswith("Cramps after a run are common. Likely a harder run than usual and salt lost in sweat.")
    flagged = _run(["ask", "my calf cramped and now it is swollen"], tmp_path).stdout
    assert flagged.startswith("Please see a healthcare professional, because your leg is swollen, warm or red.")
    data = json.loads(_run(["ask", "--json", "cramps after a run and dark urine"], tmp_path).stdout)
    assert data["urgent"] is True and data["text"].startswith("This could be serious.")
    assert sorted(c["id"] for c in data["causes"]) == sorted(DOMAIN["causes"])


def test_validate_wants_the_yes_no_answers_the_dialogue_itself_relies_on(tmp_path: Path) -> None:
    # Every yes/no question and every "Did you say ...?" takes its answers from the set named yes_no.
    broken = tmp_path / "cramp"
    shutil.copytree(PACK, broken)
    vocab = broken / "vocab.yaml"
    vocab.write_text(vocab.read_text().replace("  yes_no:", "  yes_or_no:"))
    result = _run(["validate", "--no-speech", str(broken)], tmp_path)
    assert result.returncode == 1
    assert "vocab.answer_sets: needs the answer set 'yes_no' with exactly the answers 'yes' and 'no'" in result.stderr
