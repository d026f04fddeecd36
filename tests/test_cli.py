"""The real command run as a subprocess: converse --json, chat, ask, validate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAM = [sys.executable, "-m", "twitch_coach.skill"]


def _run(
    args: list[str], stdin: str = "", cwd: Path | None = None, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TWITCH_COACH_HOME": str(home or cwd or Path.cwd())}
    return subprocess.run(PROGRAM + args, input=stdin, capture_output=True, text=True, timeout=60, cwd=cwd, env=env)


class JsonSession:
    """converse --json driven line by line, like a front end would."""

    def __init__(self, mode: str, cwd: Path) -> None:
        env = {**os.environ, "TWITCH_COACH_HOME": str(cwd)}
        self.proc = subprocess.Popen(
            PROGRAM + ["converse", "--json", "--mode", mode],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env,
        )  # fmt: skip

    def read_until(self, *types: str) -> list[dict]:
        events = []
        while True:
            line = self.proc.stdout.readline()  # type: ignore[union-attr]
            assert line, f"the process ended early: {self.proc.stderr.read()}"  # type: ignore[union-attr]
            events.append(json.loads(line))
            if events[-1]["type"] in types:
                return events

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]

    def close(self) -> int:
        self.proc.stdin.close()  # type: ignore[union-attr]
        return self.proc.wait(timeout=30)


ANSWERS = {
    "red_flags": "yes", "pain": "no", "weakness": "nope", "numbness": "no", "vision": "no",
    "spreading": "no", "medication": "no", "duration": "a couple of weeks", "intensity": "brutal",
    "training_load": "six days", "hydration": "barely any", "electrolytes": "no", "sleep": "like five hours",
    "caffeine": "two coffees and a pre-workout", "stress": "medium", "nerve": "no",
}  # fmt: skip


def test_a_whole_check_in_over_json_lines(tmp_path: Path) -> None:
    session = JsonSession("checkin", tmp_path)
    events = session.read_until("prompt")
    topics = []
    while events[-1]["type"] == "prompt":
        prompt = events[-1]
        assert set(prompt) == {"type", "mode", "node", "topic", "text", "expects", "choices"}
        topics.append(prompt["topic"])
        session.send(json.dumps({"text": ANSWERS[prompt["topic"]]}))
        events = session.read_until("prompt", "summary")
        heard = events[0]
        assert heard["type"] == "heard" and set(heard) == {"type", "text", "intent", "value", "confidence"}
        assert heard["intent"] != "none"
    summary = events[-1]
    assert topics[0] == "red_flags" and topics[-1] == "nerve" and len(topics) == 16
    assert summary["red_flags"] == ["persistent"]
    assert summary["urgent"] is False
    top = [c["id"] for c in summary["causes"][:3]]
    assert {"fatigue", "stimulants", "overtraining"} <= set(top) | {c["id"] for c in summary["causes"][:5]}
    assert all(set(c) == {"id", "score", "why", "advice"} for c in summary["causes"])
    assert summary["text"].startswith(
        "Please see a healthcare professional, because it has gone on for more than two weeks."
    )
    session.send(json.dumps({"text": "stop"}))
    assert session.read_until("end")[-1] == {"type": "end", "reason": "done"}
    assert session.close() == 0


def test_bad_lines_get_an_error_and_the_conversation_carries_on(tmp_path: Path) -> None:
    stdin = "\n".join(["this is not json", '{"txt": "no"}', "[1, 2]", '{"text": "no"}', '{"text": "stop"}']) + "\n"
    result = _run(["converse", "--json"], stdin, cwd=tmp_path)
    events = [json.loads(line) for line in result.stdout.splitlines()]
    errors = [e for e in events if e["type"] == "error"]
    assert len(errors) == 3
    assert "not valid JSON" in errors[0]["message"] and 'missing "text"' in errors[1]["message"]
    prompts = [e["node"] for e in events if e["type"] == "prompt"]
    assert prompts == ["screen", "duration"]  # the errors did not move the conversation
    assert events[-1] == {"type": "end", "reason": "stopped"}
    assert result.returncode == 0 and result.stderr == ""


def test_input_closing_early_ends_the_conversation(tmp_path: Path) -> None:
    result = _run(["converse", "--json", "--mode", "quick"], '{"text": "no"}\n', cwd=tmp_path)
    assert json.loads(result.stdout.splitlines()[-1]) == {"type": "end", "reason": "input_closed"}


def test_quick_mode_over_json(tmp_path: Path) -> None:
    stdin = "".join(json.dumps({"text": t}) + "\n" for t in ["nope", "very hard", "a little"])
    events = [
        json.loads(line)
        for line in _run(["converse", "--json", "--mode", "quick"], stdin, cwd=tmp_path).stdout.splitlines()
    ]
    assert [e["type"] for e in events].count("prompt") == 3
    summary = next(e for e in events if e["type"] == "summary")
    assert summary["causes"][0]["id"] == "fatigue"
    assert events[-1] == {"type": "end", "reason": "done"}


def test_typed_chat(tmp_path: Path) -> None:
    stdin = "\n".join(["no", "today", "easy", "1", "plenty", "yes", "8", "none", "low", "no", "stop"]) + "\n"
    result = _run(["chat"], stdin, cwd=tmp_path)
    assert result.returncode == 0
    assert "First, safety." in result.stdout
    assert "Nothing you told me stands out" in result.stdout


def test_ask_leads_with_professional_advice_for_red_flag_words(tmp_path: Path) -> None:
    plain = _run(["ask", "why is my calf twitching after squats"], cwd=tmp_path).stdout
    assert plain.startswith("Twitching after a workout is common. Likely tired muscles")
    flagged = _run(["ask", "why is my calf twitching after squats and my leg feels numb"], cwd=tmp_path).stdout
    assert flagged.startswith("Please see a healthcare professional, because there is numbness or tingling.")
    data = json.loads(_run(["ask", "--json", "twitching after three coffees"], cwd=tmp_path).stdout)
    assert data["causes"][0]["id"] == "stimulants" and data["red_flags"] == []


def test_validate_shipped_content_passes(tmp_path: Path) -> None:
    result = _run(["validate"], cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("content OK")


def test_validate_names_file_and_line_of_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "checkin.yaml"
    shipped = (Path(__file__).parent.parent / "content" / "checkin.yaml").read_text()
    broken.write_text(shipped.replace("next: training_load", "next: trainng_load"))
    line = next(i for i, text in enumerate(broken.read_text().splitlines(), 1) if "trainng_load" in text)
    result = _run(["validate", str(broken)], cwd=tmp_path)
    assert result.returncode == 1
    assert f"{broken}:{line}: checkin.nodes.intensity.next: unknown target node 'trainng_load'" in result.stderr


@pytest.mark.parametrize("entry", [["twitch-coach"], PROGRAM])
def test_the_console_script_and_module_work_from_any_folder(entry: list[str], tmp_path: Path) -> None:
    command = [str(Path(sys.executable).parent / entry[0])] if entry == ["twitch-coach"] else entry
    result = subprocess.run(command + ["validate"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr


def test_converse_reaches_its_first_prompt_without_loading_numpy(tmp_path: Path) -> None:
    """numpy is a third of the start-up time, and typed answers never need it (bench_text times the start)."""
    code = (
        "import sys\nfrom twitch_coach.skill.cli import main\nmain(['converse', '--json', '--no-journal'])\n"
        "print('numpy' in sys.modules, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], input="", capture_output=True, text=True, cwd=tmp_path)
    assert "prompt" in [json.loads(line)["type"] for line in result.stdout.splitlines()]
    assert result.stderr.strip().splitlines()[-1] == "False", result.stderr


def test_vosk_without_a_model_says_so_plainly(tmp_path: Path) -> None:
    # No English Vosk model can be had here: the commands must say what they could not do, not crash.
    env_free = {k: v for k, v in os.environ.items() if k != "TWITCH_COACH_VOSK_MODEL"}
    for args in (["validate", "--engine", "vosk"], ["hear", "--engine", "vosk", "--topic", "sleep", "x.wav"]):
        result = subprocess.run(PROGRAM + args, capture_output=True, text=True, timeout=60, cwd=tmp_path,
                                env={**env_free, "TWITCH_COACH_HOME": str(tmp_path)})  # fmt: skip
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert "no Vosk model installed" in result.stderr
        assert "error(s)" not in result.stdout + result.stderr  # no dictionary check reported as done
