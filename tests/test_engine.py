"""The conversation state machine: commands, reprompts, safety, skipping and ranking."""

from __future__ import annotations

import pytest

from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.events import End, Event, Heard, Prompt, Say, Summary
from twitch_coach.dialogue.loader import load
from twitch_coach.dialogue.scoring import Answer

CONTENT = load()


def _prompts(events: list[Event]) -> list[Prompt]:
    return [e for e in events if isinstance(e, Prompt)]


def _says(events: list[Event]) -> list[str]:
    return [e.text for e in events if isinstance(e, Say)]


def _node(events: list[Event]) -> str:
    return _prompts(events)[-1].node


def _started(mode: str = "checkin") -> Conversation:
    conversation = Conversation(CONTENT, mode)
    assert _node(conversation.start()) == "screen"
    return conversation


def test_start_gives_intro_then_the_screening_question() -> None:
    events = Conversation(CONTENT).start()
    assert isinstance(events[0], Say) and events[0].text == CONTENT.trees["checkin"].intro
    prompt = _prompts(events)[0]
    assert (prompt.topic, prompt.expects, prompt.choices) == ("red_flags", "yes_no", ["yes", "no"])


def test_every_answer_is_reported_as_heard() -> None:
    conversation = _started()
    heard = conversation.hear("Nope!")[0]
    assert isinstance(heard, Heard)
    assert (heard.text, heard.intent, heard.confidence) == ("Nope!", "no", 1.0)


def test_screening_no_skips_the_red_flag_follow_ups() -> None:
    conversation = _started()
    assert _node(conversation.hear("no")) == "duration"


def test_screening_yes_asks_each_red_flag() -> None:
    conversation = _started()
    asked = [_node(conversation.hear("yes"))]
    for _ in range(6):
        asked.append(_node(conversation.hear("no")))
    assert asked == ["pain", "weakness", "numbness", "vision", "spreading", "medication", "duration"]


def test_repeat_asks_the_same_question_again() -> None:
    conversation = _started()
    first = _prompts(conversation.hear("no"))[0]
    again = _prompts(conversation.hear("say that again"))[0]
    assert again == first


def test_help_lists_the_accepted_answers_then_asks_again() -> None:
    conversation = _started()
    conversation.hear("no")
    events = conversation.hear("help")
    assert _says(events) == [
        "You can say just today, a few days, weeks, or not sure. "
        "You can also say repeat, go back, skip, start over, or stop."
    ]
    assert _node(events) == "duration"


def test_back_returns_to_the_previous_question_and_forgets_its_answer() -> None:
    conversation = _started()
    conversation.hear("no")
    conversation.hear("just today")
    assert conversation.answers["duration"].intent == "today"
    events = conversation.hear("go back")
    assert _node(events) == "duration"
    assert "duration" not in conversation.answers
    assert _node(conversation.hear("go back")) == "screen"


def test_back_at_the_first_question_says_so() -> None:
    conversation = _started()
    events = conversation.hear("go back")
    assert _says(events) == [CONTENT.message("first_question")]
    assert _node(events) == "screen"


def test_back_undoes_a_red_flag_raised_by_the_answer() -> None:
    conversation = _started()
    conversation.hear("yes")
    conversation.hear("yes it hurts")
    assert conversation.red_flags == ["painful"]
    assert _node(conversation.hear("back")) == "pain"
    assert conversation.red_flags == []


def test_skip_moves_on_without_an_answer() -> None:
    conversation = _started()
    conversation.hear("no")
    conversation.hear("today")
    events = conversation.hear("skip")
    assert _says(events) == [CONTENT.message("skipped")]
    assert _node(events) == "training_load"
    assert "intensity" not in conversation.answers


def test_skip_on_a_red_flag_question_takes_the_safe_branch() -> None:
    conversation = _started()
    conversation.hear("yes")
    events = conversation.hear("skip")
    assert conversation.red_flags == ["painful"]
    assert _says(events)[0].startswith("You skipped that one, so to be safe I'll take it that it hurts. ")
    assert _node(events) == "weakness"


def test_start_over_forgets_everything() -> None:
    conversation = _started()
    conversation.hear("yes")
    conversation.hear("yes")
    events = conversation.hear("start over")
    assert _says(events) == [CONTENT.message("starting_over")]
    assert _node(events) == "screen"
    assert conversation.answers == {} and conversation.red_flags == []


def test_stop_ends_and_repeats_professional_advice_when_a_flag_was_raised() -> None:
    conversation = _started()
    events = conversation.hear("stop")
    assert _says(events) == [CONTENT.message("stopped")]
    assert events[-1] == End("stopped")
    assert conversation.hear("hello") == []

    conversation = _started()
    conversation.hear("yes")
    conversation.hear("it hurts")
    events = conversation.hear("quit")
    assert _says(events) == ["Please see a healthcare professional, because it hurts.", CONTENT.message("stopped")]


def test_a_no_match_is_reprompted_twice_then_the_dialogue_moves_on() -> None:
    conversation = _started()
    conversation.hear("no")
    conversation.hear("today")
    first = _prompts(conversation.hear("purple elephants"))
    second = _prompts(conversation.hear("banana bread"))
    node = CONTENT.trees["checkin"].nodes["intensity"]
    options = "easy, moderate, hard, very hard, or not sure"
    assert [p.text for p in first + second] == [
        f"Sorry, I didn't catch that. {node.rephrase} You can say {options}.",
        f"Let me try once more. {node.rephrase} You can say {options}.",
    ]
    assert all(p.node == "intensity" for p in first + second)
    events = conversation.hear("the weather is nice")
    assert _says(events) == [CONTENT.message("move_on")]
    assert _node(events) == "training_load"


def test_an_unclear_screening_answer_asks_once_more_then_takes_the_safe_branch_and_says_why() -> None:
    conversation = _started()
    assert _node(conversation.hear("purple")) == "screen"
    events = conversation.hear("purple")
    assert _says(events) == ["I couldn't make out your answer, so to be safe I'll ask about each one."]
    assert _node(events) == "pain"


@pytest.mark.parametrize("reply", ["not sure", "I dunno", "maybe"])
def test_unsure_on_a_red_flag_question_counts_as_yes(reply: str) -> None:
    conversation = _started()
    conversation.hear("yes")
    conversation.hear("no")  # pain
    events = conversation.hear(reply)  # weakness
    assert conversation.red_flags == ["weakness"]
    assert _says(events) == [
        f"You weren't sure, so to be safe I'll take it that the muscle feels weak. {CONTENT.safety.red_flags['weakness'].said}"
    ]


def test_a_red_flag_gets_advice_at_once_and_again_in_the_summary() -> None:
    conversation = _started()
    conversation.hear("yes")
    conversation.hear("no")
    events = conversation.hear("yes, my leg feels numb")  # weakness: yes, and its words name numbness
    assert _says(events) == [CONTENT.safety.red_flags[f].said for f in ("weakness", "numbness")]
    summary = _finish(conversation)
    assert summary.red_flags == ["weakness", "numbness"]
    assert summary.text.startswith(
        "Please see a healthcare professional, because the muscle feels weak and there is numbness or tingling."
    )


def test_urgent_signs_end_with_urgent_advice_and_summary() -> None:
    conversation = _started()
    conversation.hear("no")
    events = conversation.hear("a few days, and my pee is cola coloured")
    assert _says(events)[0] == CONTENT.safety.urgent.said
    summary = next(e for e in events if isinstance(e, Summary))
    assert summary.urgent is True
    assert summary.text.startswith(CONTENT.safety.urgent.said)
    assert events[-1] == End("urgent")


def test_negated_urgent_words_do_not_trigger() -> None:
    conversation = _started()
    events = conversation.hear("no, no chest pain or anything")
    assert not any(isinstance(e, End) for e in events)
    assert _node(events) == "duration"


def test_known_answers_are_skipped() -> None:
    known = {"intensity": Answer("intensity", "very_hard"), "sleep": Answer("sleep", "number", 5.0)}
    conversation = Conversation(CONTENT, "checkin", known=known)
    conversation.start()
    conversation.hear("no")
    assert _node(conversation.hear("today")) == "training_load"


def test_quick_mode_asks_at_most_three_questions_then_answers_and_ends() -> None:
    conversation = Conversation(CONTENT, "quick")
    events = conversation.start()
    asked = [_node(events)]
    for reply in ("no", "brutal"):
        asked.append(_node(conversation.hear(reply)))
    events = conversation.hear("nothing at all")
    assert asked == ["screen", "intensity", "hydration"]
    summary = next(e for e in events if isinstance(e, Summary))
    assert [c.id for c in summary.causes[:2]] == ["fatigue", "dehydration"]
    assert summary.text.endswith(CONTENT.message("quick_offer"))
    assert events[-1] == End("done")


def test_after_the_summary_repeat_gives_it_again_and_anything_else_ends() -> None:
    conversation = _started()
    summary = _finish(conversation)
    again = conversation.hear("repeat that")
    assert again[1] == summary
    assert conversation.hear("thanks")[-1] == End("done")


# --- a simulated user who answers each question by its topic, in everyday phrasing ---

CALM = {
    "red_flags": "no", "duration": "just today", "intensity": "moderate", "training_load": "two",
    "hydration": "plenty", "electrolytes": "yeah a banana", "sleep": "eight hours", "caffeine": "one coffee",
    "stress": "pretty low", "nerve": "nope",
}  # fmt: skip

PERSONAS = [
    ("short sleeper", {"sleep": "like four hours"}, ["sleep"], []),
    ("coffee lover", {"caffeine": "um, four coffees and a pre-workout"}, ["stimulants"], []),
    ("desert runner", {"hydration": "nothing really", "electrolytes": "nope", "intensity": "really hard"},
     ["dehydration", "electrolytes", "fatigue"], []),
    ("no rest days", {"training_load": "no rest days", "intensity": "hard"}, ["overtraining", "fatigue"], []),
    ("stressed out", {"stress": "through the roof honestly"}, ["stress"], []),
    ("pinched nerve", {"red_flags": "yeah", "pain": "a bit", "weakness": "no", "numbness": "yes, tingling",
                       "vision": "no", "spreading": "no", "medication": "no", "nerve": "yes it shoots down my leg"},
     ["nerve_irritation"], ["painful", "numbness"]),  # a little pain is pain: "a bit" raises painful
    ("three weeks of it", {"duration": "for three weeks now"}, [], ["persistent"]),
    ("new pills", {"red_flags": "yes", "pain": "no", "weakness": "no", "numbness": "no", "vision": "no",
                   "spreading": "no", "medication": "yes, I started new pills"}, [], ["medication"]),
]  # fmt: skip


def _finish(conversation: Conversation, answers: dict[str, str] | None = None) -> Summary:
    """Answer every question from `answers` (else a calm default) until the summary."""
    answers = {**CALM, **(answers or {})}
    prompt = conversation.current()
    for _ in range(30):
        assert prompt is not None
        events = conversation.hear(answers.get(prompt.topic, "no"))
        summary = next((e for e in events if isinstance(e, Summary)), None)
        if summary is not None:
            return summary
        prompt = conversation.current()
    raise AssertionError("the conversation never reached its summary")


@pytest.mark.parametrize(("persona", "answers", "top", "flags"), PERSONAS, ids=[p[0] for p in PERSONAS])
def test_simulated_users_get_the_right_top_causes_and_flags(
    persona: str, answers: dict[str, str], top: list[str], flags: list[str]
) -> None:
    summary = _finish(_started(), answers)
    ranked = [c.id for c in summary.causes if c.score > 0]
    assert set(ranked[: len(top)]) == set(top), (persona, summary.causes)
    assert summary.red_flags == flags
    scores = [c.score for c in summary.causes]
    assert scores == sorted(scores, reverse=True)
    assert len(summary.causes) == 8


def test_a_calm_user_hears_that_nothing_stands_out_and_the_reassurance() -> None:
    summary = _finish(_started())
    assert all(c.score <= 0 for c in summary.causes)  # a calm user's answers speak against causes
    against = {CONTENT.causes[c.id].name for c in summary.causes if c.score < 0}
    assert "Nothing you told me stands out; most often it's " in summary.text
    assert "Most likely" not in summary.text and not any(name in summary.text for name in against)
    assert summary.text.endswith(CONTENT.safety.reassurance)


def test_the_summary_speaks_at_most_three_causes_with_reasons_from_the_answers() -> None:
    summary = _finish(_started(), {"sleep": "four", "caffeine": "4", "stress": "high", "hydration": "a little"})
    assert summary.text.count("Most likely:") == 1
    assert summary.text.count("Also possible:") == 2
    assert "Most likely: short sleep. You slept only about 4 hours." in summary.text
    scores = [c.score for c in summary.causes]
    assert scores == sorted(scores, reverse=True)


def test_a_narrow_spoken_win_is_confirmed_before_it_counts() -> None:
    conversation = _started()
    conversation.hear("no")
    conversation.hear("today")
    conversation.hear("hard")
    events = conversation.hear("five", confidence=0.4)
    prompt = _prompts(events)[0]
    assert (prompt.node, prompt.text, prompt.expects) == ("training_load", "Did you say five?", "yes_no")
    assert "training_load" not in conversation.answers
    assert _node(conversation.hear("yes")) == "hydration"
    assert conversation.answers["training_load"].value == 5.0


def test_a_rejected_confirmation_asks_the_question_again() -> None:
    conversation = _started()
    conversation.hear("no", confidence=0.3)
    events = conversation.hear("no")
    assert _prompts(events)[0].text.startswith("Sorry, I didn't catch that.")
    assert _node(events) == "screen" and conversation.answers == {}
    conversation.hear("no", confidence=0.3)
    events = conversation.hear("nope")  # a second unconfirmed answer: a safety question takes the safe branch
    assert _says(events) == ["I couldn't make out your answer, so to be safe I'll ask about each one."]


def test_a_confident_spoken_answer_is_taken_at_once() -> None:
    conversation = _started()
    events = conversation.hear("no", confidence=0.9)
    assert _node(events) == "duration"
    heard = events[0]
    assert isinstance(heard, Heard) and heard.confidence == 0.9


def test_a_spoken_command_that_loses_answers_is_confirmed_unless_heard_clearly() -> None:
    conversation = _started()
    conversation.hear("no")
    events = conversation.hear("start again", confidence=0.8)
    assert _prompts(events)[0].text == "Did you say start over?"  # the command meant, as the skill words it
    assert conversation.answers  # nothing lost yet
    events = conversation.hear("no")
    assert _node(events) == "duration" and conversation.answers
    conversation.hear("start again", confidence=0.8)
    assert _node(conversation.hear("yes")) == "screen" and conversation.answers == {}
    assert isinstance(conversation.hear("repeat", confidence=0.5)[1], Prompt)  # harmless: no confirmation
    assert conversation.hear("stop", confidence=0.95)[-1] == End("stopped")
