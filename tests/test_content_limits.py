"""Hostile or broken content gives one clear problem with its line, fast: never a crash, a hang or a spin."""

from __future__ import annotations

import dataclasses
import shutil
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.errors import ContentError
from twitch_coach.dialogue.events import Summary
from twitch_coach.dialogue.loader import content_dir, load
from twitch_coach.dialogue.scoring import Answer
from twitch_coach.dialogue.yamlfile import parse

SHIPPED = Path(__file__).resolve().parents[1] / "content"


def _problems(path: Path, folder: Path | None = None) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load([path] if folder is None else [], folder=folder)
    return [str(p) for p in caught.value.problems]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_duplicate_key_is_a_problem_at_its_line(tmp_path: Path) -> None:
    # A second `mode:` used to swap the tree silently.
    text = (SHIPPED / "quick.yaml").read_text().replace("mode: quick\n", "mode: quick\nmode: checkin\n")
    path = tmp_path / "quick.yaml"
    path.write_text(text)
    assert _problems(path) == [
        f"{path}:{_line_of(text, 'mode: checkin')}: quick.mode: duplicate key 'mode' (first given on line "
        f"{_line_of(text, 'mode: quick')}); keep one"
    ]


def test_a_duplicate_key_deep_in_a_node(tmp_path: Path) -> None:
    text = (SHIPPED / "quick.yaml").read_text().replace("    next: hydration\n", "    next: hydration\n    next: end\n")
    path = tmp_path / "quick.yaml"
    path.write_text(text)
    problems = _problems(path)
    assert len(problems) == 1 and f":{_line_of(text, 'next: end')}: quick.nodes.intensity.next: duplicate key" in problems[0]


BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BILLION_LAUGHS, ":1: anchors and aliases (&name, *name) are not allowed"),
        ("loop: &r [*r]\n", ":1: anchors and aliases (&name, *name) are not allowed"),
        ("causes:\n  x: " + "9" * 10_000 + "\n", ":2: a number of 10000 digits; numbers here have at most 30"),
        ("causes: " + "[" * 100 + "]" * 100 + "\n", ":1: nested more than 32 levels deep"),
        ("causes: {" + ", ".join(f"k{i}: {i}" for i in range(120_000)) + "}\n", "larger than 1000000 bytes"),
    ],
    ids=["billion-laughs", "self-alias", "10000-digits", "100-deep", "too-big"],
)
def test_hostile_yaml_is_one_clear_problem_quickly(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "causes.yaml"
    path.write_text(text)
    began = time.perf_counter()
    problems = _problems(path)
    assert time.perf_counter() - began < 2.0
    assert len(problems) == 1 and problems[0].startswith(str(path)) and expected in problems[0], problems


def test_parse_never_raises_on_hostile_text() -> None:
    for text in (BILLION_LAUGHS, "loop: &r [*r]", "x: " + "1" * 5000, "[" * 100_000, "{a: 1, a: 2}", "\x00"):
        assert parse(text, "f.yaml").problems  # a problem, not an exception


def test_a_message_with_an_unknown_placeholder_is_a_problem(tmp_path: Path) -> None:
    # It used to pass and then raise KeyError the first time someone said "help".
    text = (SHIPPED / "messages.yaml").read_text()
    text = text.replace('help: "You can say {options}.', 'help: "You can say {bogus}.')
    path = tmp_path / "messages.yaml"
    path.write_text(text)
    assert _problems(path) == [
        f"{path}:{_line_of(text, '{bogus}')}: messages.help: unknown field {{bogus}}; this line can use: {{options}}"
    ]


def test_a_next_that_loops_back_is_a_problem(tmp_path: Path) -> None:
    # The reproduction: valid before, and then the engine spun at 100% CPU for ever.
    text = (SHIPPED / "checkin.yaml").read_text()
    marker = "  duration:\n"
    head, tail = text.split(marker)
    tail = tail.replace("    next: intensity\n", "    next: {weeks: screen, default: intensity}\n", 1)
    text = head + marker + tail
    path = tmp_path / "checkin.yaml"
    path.write_text(text)
    problems = _problems(path)
    assert len(problems) == 1, problems
    assert f":{_line_of(text, 'weeks: screen')}: checkin.nodes.duration.next.weeks: 'next' loops back" in problems[0]


def test_a_node_pointing_at_itself_is_a_problem(tmp_path: Path) -> None:
    text = (SHIPPED / "quick.yaml").read_text().replace("    next: hydration\n", "    next: intensity\n")
    path = tmp_path / "quick.yaml"
    path.write_text(text)
    problems = _problems(path)
    assert any("quick.nodes.intensity.next: 'next' loops back to an earlier question (intensity -> intensity)" in p
               for p in problems), problems  # fmt: skip


def test_the_engine_never_spins_even_on_a_looping_tree() -> None:
    """Compiled content cannot loop; a tree built by hand that does still ends instead of spinning."""
    content = load()
    tree = content.trees["quick"]
    looping = dict(tree.nodes)
    looping["hydration"] = dataclasses.replace(tree.nodes["hydration"], next={"default": "intensity"})
    content = dataclasses.replace(content, trees={**content.trees, "quick": dataclasses.replace(tree, nodes=looping)})
    known = {"intensity": Answer("intensity", "hard"), "hydration": Answer("hydration", "some")}
    conversation = Conversation(content, "quick", known=known)
    events: list = []
    worker = threading.Thread(target=lambda: events.extend(conversation.hear("no")), daemon=True)
    conversation.start()
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive(), "the engine spun on a loop"
    assert any(isinstance(e, Summary) for e in events)


def _copy_of_shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(content_dir(), folder, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return folder


def test_a_syntax_error_in_one_file_does_not_hide_the_others(tmp_path: Path) -> None:
    folder = _copy_of_shipped(tmp_path)
    tree = folder / "quick.yaml"
    tree.write_text(tree.read_text().replace("    rephrase: Easy, moderate", "    rephrase: [Easy, moderate"))
    scoring = folder / "scoring.yaml"
    scoring.write_text(scoring.read_text().replace("{cause: fatigue,", "{cause: fatigew,", 1))
    problems = _problems(folder, folder=folder)
    assert len(problems) == 2, problems
    assert problems[0].startswith(f"{tree}:") and "not valid YAML" in problems[0]
    assert problems[1].startswith(f"{scoring}:") and "unknown cause id 'fatigew'" in problems[1]


def test_given_files_are_each_checked_even_when_one_is_broken(tmp_path: Path) -> None:
    broken, scoring = tmp_path / "quick.yaml", tmp_path / "scoring.yaml"
    broken.write_text("mode: quick\nstart: [screen\n")
    scoring.write_text("rules:\n  - {cause: caffeine, topic: caffeine, at_least: 3, weight: 1, why: Coffee.}\n")
    with pytest.raises(ContentError) as caught:
        load([broken, scoring])
    files = [p.file for p in caught.value.problems]
    assert files == [str(broken), str(scoring)]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("ab: -[]{}&*!|>'\"#\n\t9.,?%@`\\")), max_size=200))
def test_any_text_in_a_content_file_is_problems_never_an_exception(tmp_path: Path, text: str) -> None:
    path = tmp_path / "quick.yaml"
    path.write_text(text)
    try:
        load([path])
    except ContentError as error:
        assert all(p.file == str(path) for p in error.problems)
