"""Conversations over the Wyoming service: ids kept apart, expiry, routing, not-handled, and safety first."""

from __future__ import annotations

import asyncio

from wyoming.handle import Handled, NotHandled

from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.summary import safety_lines
from twitch_coach.skill.conversations import MAX_TEXT, Conversations
from twitch_coach.skill.session import open_session

from wyoming_harness import (
    CHECKIN,
    CONTENT,
    SAFETY,
    TEXT,
    Clock,
    expects,
    reply_text,
    run,
    running,
)


def test_two_conversation_ids_at_once_are_kept_apart(tmp_path):
    quick = ["pain", "hard", "no"]

    async def alone(script_a, script_b):
        async with running(tmp_path / "alone") as server:
            a = [reply_text(await server.turn(t, "a")) for t in script_a]
            b = [reply_text(await server.turn(t, "b")) for t in script_b]
        return a, b

    async def interleaved(script_a, script_b):
        async with running(tmp_path / "together") as server:
            a, b = [], []
            for ta, tb in zip(script_a, script_b, strict=False):
                ra, rb = await asyncio.gather(server.turn(ta, "a"), server.turn(tb, "b"))
                a.append(reply_text(ra))
                b.append(reply_text(rb))
            return a, b

    script_a, script_b = ["check in"] + CHECKIN[:3], ["quick check"] + quick
    expected = run(alone(script_a, script_b))
    got = run(interleaved(script_a, script_b))
    assert got == expected
    assert got[0][1] != got[1][1]  # a check-in and a quick check: different questions


def test_quick_check_answers_carry_into_a_checkin_on_the_same_id_only(tmp_path):
    async def scenario():
        async with running(tmp_path, journal=False) as server:
            for text in ["quick check", "no", "hard", "no"]:
                last = await server.turn(text, "a")
            assert not expects(last)  # the quick check is over
            intensity = next(n.ask for n in CONTENT.trees["checkin"].nodes.values() if n.topic == "intensity")
            asked = {}
            for cid in ("a", "b"):
                asked[cid] = [reply_text(await server.turn(t, cid)) for t in ["check in", "no", "a few days"]]
            assert asked["a"][:2] == asked["b"][:2]  # the safety questions are asked again all the same
            assert asked["b"][2] == intensity and asked["a"][2] != intensity  # "a" said "hard" in its quick check


    run(scenario())


# ----- expiry, routing, not handled -----


def test_a_silent_conversation_expires_after_five_minutes(tmp_path):
    clock = Clock()

    async def scenario():
        async with running(tmp_path, clock=clock) as server:
            await server.turn("check in", "a")
            await server.turn("check in", "b")
            clock.now += 299
            kept = await server.turn("no", "b")
            assert Handled.is_type(kept.type) and expects(kept)  # within five minutes: still going
            clock.now += 2  # "a" has been silent for 301 s, "b" for 2
            gone = await server.turn("no", "a")
            assert NotHandled.is_type(gone.type) and reply_text(gone) == TEXT.not_handled
            assert Handled.is_type((await server.turn("a few days", "b")).type)

    run(scenario())


def test_an_expired_checkin_whose_summary_was_given_is_saved(tmp_path):
    clock = Clock()

    async def scenario():
        async with running(tmp_path, clock=clock) as server:
            for text in ["check in", *CHECKIN]:
                await server.turn(text, "a")
            await server.turn("check in", "half")  # never finished: must not be saved
            await server.turn("no", "half")
            clock.now += 301
            assert server.conversations.expire() == 2
            [entry] = server.journal.entries()
            assert entry.mode == "checkin"

    run(scenario())


def test_what_the_skill_cannot_take_is_not_handled(tmp_path):
    async def scenario():
        async with running(tmp_path) as server:
            for text in ["turn on the kitchen lights", "what is the weather", "", "stop", "yes"]:
                event = await server.turn(text, "new")
                assert NotHandled.is_type(event.type), text
                assert reply_text(event) == TEXT.not_handled
            long = await server.turn("check in " + "x" * MAX_TEXT, "new")
            assert NotHandled.is_type(long.type) and reply_text(long) == TEXT.too_long
            french = await server.turn("pourquoi mon mollet tremble", "new", language="fr")
            assert NotHandled.is_type(french.type) and reply_text(french) == TEXT.not_english
            helped = await server.turn("what can I say", "new")
            assert Handled.is_type(helped.type) and reply_text(helped) == TEXT.help and expects(helped)
            assert len(server.conversations) == 0  # nothing was started

    run(scenario())


def test_a_question_gets_the_quick_answer_then_the_offer_and_yes_starts_the_checkin(tmp_path):
    async def scenario():
        async with running(tmp_path) as server:
            event = await server.turn("Why is my calf twitching after squats?")
            assert Handled.is_type(event.type) and expects(event)
            assert reply_text(event).startswith(CONTENT.message("ask_intro"))
            assert reply_text(event).endswith(TEXT.offer_checkin)
            started = await server.turn("yes please")
            assert reply_text(started).startswith(CONTENT.trees["checkin"].intro)
            declined = await server.turn("why does my eyelid twitch", "other")
            assert Handled.is_type(declined.type)
            assert reply_text(await server.turn("no", "other")) == CONTENT.home.goodbye

    run(scenario())


# ----- safety -----


def test_a_red_flag_question_gets_the_professional_advice_first(tmp_path):
    async def scenario():
        async with running(tmp_path) as server:
            event = await server.turn("Why is my calf twitching? It hurts and my leg feels weak.")
            text = reply_text(event)
            assert text.startswith(safety_lines(CONTENT, ["painful", "weakness"], False)[0])
            assert CONTENT.safety.red_flags["weakness"].reason in text
            assert CONTENT.message("ask_intro") not in text  # no "it's common" after the advice

    run(scenario())


def test_urgent_signs_are_answered_whatever_was_asked(tmp_path):
    async def scenario():
        async with running(tmp_path) as server:
            for text in ["my calf keeps twitching and I have dark pee", "check in, I have chest pain", "I fainted"]:
                event = await server.turn(text, "new")
                assert Handled.is_type(event.type), text
                assert reply_text(event).startswith(SAFETY.urgent.said) and not expects(event)
            assert len(server.conversations) == 0

    run(scenario())


def test_red_flags_and_urgent_signs_inside_a_checkin_take_the_checkins_path(tmp_path):
    direct = Conversation(CONTENT, "checkin")
    direct.start()
    expected = [" ".join(e.text for e in direct.hear(t) if hasattr(e, "text") and e.type != "heard")
                for t in ["no", "a few days", "hard and now it hurts"]]  # fmt: skip

    async def scenario():
        async with running(tmp_path) as server:
            await server.turn("check in")
            got = [reply_text(await server.turn(t)) for t in ["no", "a few days", "hard and now it hurts"]]
            assert got == expected and SAFETY.red_flags["painful"].said in got[-1]
            urgent = await server.turn("I can't breathe")
            assert reply_text(urgent).startswith(SAFETY.urgent.said) and not expects(urgent)
            [entry] = server.journal.entries()
            assert "urgent" in entry.red_flags and "painful" in entry.red_flags

    run(scenario())


def test_past_the_most_conversations_the_longest_silent_goes_first():
    clock = Clock()
    conversations = Conversations(
        CONTENT, lambda mode, known: open_session(CONTENT, mode, None, known=known), TEXT, clock=clock, most=3
    )
    for cid in "abcd":
        clock.now += 1
        assert conversations.reply(cid, "check in").expects_answer
        if cid == "b":
            clock.now += 1
            conversations.reply("a", "no")  # "a" spoke again: "b" is now the longest silent
    assert len(conversations) == 3
    assert not conversations.reply("b", "no").handled  # forgotten
    assert conversations.reply("a", "a few days").expects_answer
