""""Repeat" and "help" at one question are capped: an answer misheard as "what" again and again moves on."""

from __future__ import annotations

from twitch_coach.dialogue.engine import MAX_REPEATS, Conversation
from twitch_coach.dialogue.events import End, Event, Prompt, Say, Summary
from twitch_coach.dialogue.loader import load
from twitch_coach.skill.session import open_session
from twitch_coach.skill.speech import Ears, Heard, run_spoken
from twitch_coach.voice.recognizer import Recognizer, Transcript, Vocabulary

CONTENT = load()


def _prompts(events: list[Event]) -> list[Prompt]:
    return [e for e in events if isinstance(e, Prompt)]


def _at(conversation: Conversation, node: str) -> None:
    """Answer the check-in up to `node` ("no" at the screen, the first answer elsewhere)."""
    conversation.start()
    typed = {"red_flags": "no", "duration": "just today", "intensity": "hard"}
    while conversation.node != node:
        current = conversation.current()
        assert current is not None
        conversation.hear(typed[current.topic])


def test_the_first_repeat_asks_again_and_the_second_says_it_another_way_with_the_answers() -> None:
    conversation = Conversation(CONTENT, "checkin")
    _at(conversation, "duration")
    node = conversation.current()
    assert node is not None
    first = _prompts(conversation.hear("what"))
    assert [p.text for p in first] == [node.ask]
    second = _prompts(conversation.hear("what"))
    assert len(second) == 1 and second[0].node == "duration"
    assert node.rephrase in second[0].text and "just today, a few days, weeks, or not sure" in second[0].text
    assert second[0].text != node.ask


def test_past_the_cap_what_counts_as_not_understood_and_the_check_in_moves_on() -> None:
    conversation = Conversation(CONTENT, "checkin")
    _at(conversation, "training_load")  # a number question: "one" heard as "what"
    asked = []
    for _ in range(10):
        events = conversation.hear("what")
        asked += [p.node for p in _prompts(events)]
        if conversation.node != "training_load":
            break
    # repeat, said another way, then two reprompts as for any no-match, then on to the next question
    assert asked == ["training_load"] * (MAX_REPEATS + 2) + ["hydration"]
    assert "training_load" not in conversation.answers  # nothing is made up for it
    assert conversation.repeats == 0 and conversation.misses == 0  # the next question starts afresh


def test_at_a_safety_question_endless_repeats_take_the_safe_branch() -> None:
    conversation = Conversation(CONTENT, "checkin")
    conversation.start()
    conversation.hear("yes")  # the screen: yes asks each red flag
    assert conversation.node == "pain"
    said: list[str] = []
    for _ in range(10):
        said += [e.text for e in conversation.hear("huh") if isinstance(e, Say)]
        if conversation.node != "pain":
            break
    assert conversation.node == "weakness"
    assert conversation.answers["pain"].intent == "yes" and "painful" in conversation.red_flags
    assert any("so to be safe" in line for line in said)


def test_help_and_repeat_share_the_cap_and_a_new_question_gets_its_own() -> None:
    conversation = Conversation(CONTENT, "checkin")
    _at(conversation, "duration")
    assert any(isinstance(e, Say) for e in conversation.hear("help"))
    conversation.hear("repeat")
    conversation.hear("repeat")  # the third: not understood, reprompted
    assert conversation.misses == 1
    conversation.hear("just today")
    assert conversation.node == "intensity"
    assert [p.text for p in _prompts(conversation.hear("repeat"))] == [conversation.current().ask]  # type: ignore[union-attr]


def test_go_back_gives_the_question_its_repeats_again() -> None:
    conversation = Conversation(CONTENT, "checkin")
    _at(conversation, "intensity")
    conversation.hear("repeat")
    conversation.hear("repeat")
    conversation.hear("go back")
    assert conversation.node == "duration"
    assert [p.text for p in _prompts(conversation.hear("repeat"))] == [conversation.current().ask]  # type: ignore[union-attr]


class _AlwaysWhat(Recognizer):
    """A recogniser that hears every answer as a clear "what" (the repeat command)."""

    name = "always-what"

    def start(self, vocabulary: Vocabulary) -> None:
        pass

    def feed(self, chunk: bytes) -> str:
        return ""

    def finish(self) -> Transcript:
        return Transcript("what", 1.0, self.name)

    def unknown_words(self, phrases: tuple[str, ...]) -> list[str]:
        return []


def test_a_spoken_check_in_that_only_ever_hears_what_reaches_its_summary() -> None:
    session = open_session(CONTENT, "checkin", None)
    ears = Ears(CONTENT, _AlwaysWhat())
    prompts: list[Prompt] = []
    summaries: list[Summary] = []

    def emit(event: Event) -> None:
        if isinstance(event, Prompt):
            prompts.append(event)
            assert len(prompts) < 200, "the check-in is stuck"
        if isinstance(event, Summary):
            summaries.append(event)

    def listen(recognise):  # noqa: ANN001, ANN202 - skill.speech's listen callback
        heard: Heard = recognise(b"\0\0" * 1600)
        if summaries:  # after the summary "what" repeats it; stop there
            raise _Done
        return heard

    try:
        run_spoken(session, ears, listen, lambda _text: None, emit)
    except _Done:
        pass
    assert summaries, "never reached the summary"
    # The screen's safe branch asks all six follow-ups; each safety question takes the safe branch.
    assert {"painful", "weakness", "numbness", "vision", "spreading", "medication"} <= set(summaries[0].red_flags)
    assert len(prompts) <= 17 * (MAX_REPEATS + 3)
    assert isinstance(prompts[-1], Prompt) and prompts[-1].node == "summary"


class _Done(Exception):
    """The spoken run reached its summary."""


def test_the_review_after_the_summary_still_repeats_it_on_request() -> None:
    conversation = Conversation(CONTENT, "checkin")
    _at(conversation, "training_load")
    for text in ["3", "a lot", "no", "8", "1", "low", "no"]:
        events = conversation.hear(text)
    assert any(isinstance(e, Summary) for e in events)
    for _ in range(MAX_REPEATS + 2):
        again = conversation.hear("repeat")
        assert isinstance(again[1], Summary) and not any(isinstance(e, End) for e in again)
