"""Loading and validating content: every problem named with its file, line and what to fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from twitch_coach.dialogue.errors import ContentError
from twitch_coach.dialogue.loader import load
from twitch_coach.intents.matcher import Matcher

GOOD_TREE = """\
mode: quick
start: first
nodes:
  first:
    topic: sleep
    ask: How many hours did you sleep?
    rephrase: Hours of sleep?
    expects: number
    next: second
  second:
    topic: stress
    ask: Stressed?
    rephrase: Any stress?
    expects: choice
    answers: level
    next: end
"""


def _problems(tmp_path: Path, name: str, text: str) -> list[str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    with pytest.raises(ContentError) as caught:
        load([path])
    return [str(p) for p in caught.value.problems]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_shipped_content_loads() -> None:
    content = load()
    assert set(content.trees) == {"checkin", "quick"}
    assert len(content.causes) == 8 and len(content.safety.red_flags) == 7


def test_a_good_tree_takes_the_place_of_the_shipped_tree_of_its_mode(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(GOOD_TREE)
    content = load([tmp_path / "tiny.yaml"])
    assert set(content.trees["quick"].nodes) == {"first", "second"}
    assert content.trees["quick"].nodes["second"].next == {"default": "end"}
    assert set(content.trees["checkin"].nodes) > {"screen", "sleep"}


def test_a_tree_of_a_mode_the_domain_does_not_declare(tmp_path: Path) -> None:
    text = GOOD_TREE.replace("mode: quick", "mode: tiny")
    assert _problems(tmp_path, "tiny.yaml", text) == [
        f"{tmp_path / 'tiny.yaml'}:1: tiny.mode: unknown mode 'tiny'; domain.yaml declares: checkin, quick"
    ]


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    text = GOOD_TREE.replace("    rephrase: Any stress?", "    rephrase: [Any stress?")
    problems = _problems(tmp_path, "tiny.yaml", text)
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'tiny.yaml'}:")
    assert "not valid YAML" in problems[0]
    line = int(problems[0].split(":")[1])
    assert abs(line - _line_of(text, "[Any stress?")) <= 1


def test_wrong_type_names_key_path_and_line(tmp_path: Path) -> None:
    text = GOOD_TREE.replace("ask: Stressed?", "ask: [Stressed]")
    problems = _problems(tmp_path, "tiny.yaml", text)
    assert problems == [
        f"{tmp_path / 'tiny.yaml'}:{_line_of(text, 'ask: [Stressed]')}: tiny.nodes.second.ask: should be text, not a list"
    ]


def test_missing_field_is_reported_at_the_node(tmp_path: Path) -> None:
    text = GOOD_TREE.replace("    topic: stress\n", "")
    problems = _problems(tmp_path, "tiny.yaml", text)
    assert problems == [
        f"{tmp_path / 'tiny.yaml'}:{_line_of(text, 'second:')}: tiny.nodes.second: missing required field 'topic'"
    ]


def test_unknown_target_node(tmp_path: Path) -> None:
    text = GOOD_TREE.replace("next: second", "next: secnod")
    problems = _problems(tmp_path, "tiny.yaml", text)
    line = _line_of(text, "next: secnod")
    # One typo is one problem: the node it should have led to is not also called unreachable.
    assert problems == [
        f"{tmp_path / 'tiny.yaml'}:{line}: tiny.nodes.first.next: unknown target node 'secnod'; "
        "did you mean 'second'? define it under 'nodes' or use 'end'"
    ]


def test_one_typo_in_the_shipped_checkin_is_one_problem(tmp_path: Path) -> None:
    shipped = (Path(__file__).parent.parent / "content" / "checkin.yaml").read_text()
    text = shipped.replace("next: training_load", "next: trainng_load")
    assert text != shipped
    problems = _problems(tmp_path, "checkin.yaml", text)
    assert problems == [
        f"{tmp_path / 'checkin.yaml'}:{_line_of(text, 'next: trainng_load')}: checkin.nodes.intensity.next: "
        "unknown target node 'trainng_load'; did you mean 'training_load'? define it under 'nodes' or use 'end'"
    ]


def test_unreachable_node(tmp_path: Path) -> None:
    text = GOOD_TREE.replace("next: second", "next: end")
    problems = _problems(tmp_path, "tiny.yaml", text)
    assert problems == [
        f"{tmp_path / 'tiny.yaml'}:{_line_of(text, 'second:')}: tiny.nodes.second: "
        "node 'second' cannot be reached from the start node 'first'"
    ]


def test_node_with_no_way_to_the_end(tmp_path: Path) -> None:
    text = GOOD_TREE.replace("    next: end", "    next: first")
    assert _problems(tmp_path, "tiny.yaml", text) == [
        f"{tmp_path / 'tiny.yaml'}:{_line_of(text, 'next: first')}: tiny.nodes.second.next: "
        "'next' loops back to an earlier question (first -> second -> first); questions only go forward"
    ]


def test_unknown_ids_are_checked_against_domain(tmp_path: Path) -> None:
    text = GOOD_TREE.replace("topic: sleep", "topic: sleeep")
    problems = _problems(tmp_path, "tiny.yaml", text)
    assert any(
        f":{_line_of(text, 'topic: sleeep')}: tiny.nodes.first.topic: unknown topic 'sleeep'" in p for p in problems
    )

    scoring = "rules:\n  - {cause: caffeine, topic: caffeine, at_least: 3, weight: 1, why: Coffee.}\n"
    problems = _problems(tmp_path, "scoring.yaml", scoring)
    assert problems == [
        f"{tmp_path / 'scoring.yaml'}:2: scoring.rules.0.cause: unknown cause id 'caffeine'; domain.yaml has: "
        "fatigue, dehydration, electrolytes, overtraining, nerve_irritation, stress, sleep, stimulants"
    ]


def test_unknown_red_flag_in_raises(tmp_path: Path) -> None:
    text = GOOD_TREE.replace(
        "    answers: level\n", "    answers: level\n    raises: {high: stressed_out}\n    safe: high\n"
    )
    problems = _problems(tmp_path, "tiny.yaml", text)
    assert len(problems) == 1 and "tiny.nodes.second.raises.high: unknown red flag id 'stressed_out'" in problems[0]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        GOOD_TREE.replace("topic: sleep", "topic: sleeep")
        .replace("ask: Stressed?", "ask: 5")
        .replace("answers: level", "answers: moods")
        .replace("next: end", "next: finish")
    )
    problems = _problems(tmp_path, "tiny.yaml", text)
    joined = "\n".join(problems)
    for expected in (
        "unknown topic 'sleeep'",
        "ask: should be text",
        "no answer set 'moods'",
        "unknown target node 'finish'",
    ):
        assert expected in joined
    assert len(problems) >= 4


def test_missing_cause_and_unknown_cause_in_causes_file(tmp_path: Path) -> None:
    shipped = (Path(__file__).parent.parent / "content" / "causes.yaml").read_text()
    text = shipped.replace("  stimulants:", "  stimulantz:")
    problems = _problems(tmp_path, "causes.yaml", text)
    assert any(
        f":{_line_of(text, 'stimulantz:')}: causes.causes.stimulantz: unknown cause id 'stimulantz'" in p
        for p in problems
    )
    assert any("causes.causes: missing cause 'stimulants'" in p for p in problems)


def test_a_file_that_is_not_content(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "shopping.yaml", "milk: 2\neggs: 6\n")
    assert problems == [
        f"{tmp_path / 'shopping.yaml'}:1: shopping: not a content file: expected top-level "
        "'ids', 'causes', 'red_flags', 'answer_sets', 'rules', 'nodes', 'reprompt', 'persistence' or 'wake'"
    ]


def test_yes_and_no_stay_words_not_booleans(tmp_path: Path) -> None:
    content = load()
    assert "yes" in content.trees["checkin"].nodes["screen"].choices
    assert "no" in content.vocab.answer_sets["yes_no"]["no"]


def test_pronunciations_must_be_one_word_spelt_in_arpabet_phones(tmp_path: Path) -> None:
    shipped = (Path(__file__).parent.parent / "content" / "vocab.yaml").read_text()
    text = shipped.replace("  knackered: N AE K ER D", "  knackered: N AE K ER DD\n  Two Words: T UW\n  empty: ''")
    problems = _problems(tmp_path, "vocab.yaml", text)
    line = _line_of(text, "knackered: N AE")
    assert problems == [
        f"{tmp_path / 'vocab.yaml'}:{line}: vocab.pronunciations.knackered: unknown phone 'DD'; "
        "use the 39 ARPAbet phones, such as AH, IY, NG",
        f"{tmp_path / 'vocab.yaml'}:{line + 1}: vocab.pronunciations.Two Words: should be one lower-case word",
        f"{tmp_path / 'vocab.yaml'}:{line + 2}: vocab.pronunciations.empty: should be the word's phones, "
        "such as 'N AE K ER D'",
    ]


def test_shipped_pronunciations_load() -> None:
    assert load().vocab.pronunciations["knackered"] == "N AE K ER D"


def test_counted_nouns_are_singular_words_and_not_numbers(tmp_path: Path) -> None:
    shipped = (Path(__file__).parent.parent / "content" / "vocab.yaml").read_text()
    start = shipped.index("counted: [")
    end = shipped.index("]", start) + 1
    text = shipped[:start] + "counted: [cup, coffees, cup of hot tea, five, red bull]" + shipped[end:]
    problems = _problems(tmp_path, "vocab.yaml", text)
    at = f"{tmp_path / 'vocab.yaml'}:{_line_of(text, 'counted: [')}: vocab.counted"
    assert problems == [
        f"{at}.1: 'coffees': write it in the singular, such as 'coffee'; the plural is found from it",
        f"{at}.2: 'cup of hot tea': a counted noun is one word or two, such as 'cup' or 'red bull'",
        f"{at}.3: 'five' is a number itself, not something counted",
    ]


def test_what_a_number_question_counts_is_content(tmp_path: Path) -> None:
    # "a coffee" is one drink because vocab.yaml counts coffee: a pack that does not, reads no number in it.
    shipped = (Path(__file__).parent.parent / "content" / "vocab.yaml").read_text()
    assert load().trees["checkin"].nodes["caffeine"].expectation.counted >= {"coffee", "preworkout", "redbull"}
    path = tmp_path / "vocab.yaml"
    path.write_text(shipped.replace("cup, coffee, glass", "cup, glass"))
    node = load([path]).trees["checkin"].nodes["caffeine"]
    assert "coffee" not in node.expectation.counted and "cup" in node.expectation.counted
    matcher = Matcher(load().vocab.commands, load().vocab.unsure)
    assert matcher.match("a coffee", load().trees["checkin"].nodes["caffeine"].expectation).value == 1.0
    assert matcher.match("a coffee", node.expectation).intent != "number"
    assert matcher.match("a cup", node.expectation).value == 1.0
