"""The second content pack through the Wyoming handle service: its own modes, requests and service lines."""

from __future__ import annotations

from pathlib import Path

from wyoming.handle import NotHandled

from twitch_coach.dialogue.loader import load
from twitch_coach.skill.conversations import Conversations, load_text
from twitch_coach.skill.session import open_session

from wyoming_harness import Running, command, reply_text, run

PACK = Path(__file__).resolve().parent / "packs" / "cramp"


def test_yes_after_a_one_shot_answer_starts_the_packs_default_mode() -> None:
    content = load(folder=PACK)
    started: list[str] = []

    def new_session(mode, known):  # noqa: ANN001, ANN202 - the service's own signature
        started.append(mode)
        return open_session(content, mode, None, known=known)

    conversations = Conversations(content, new_session, load_text(PACK / "wyoming" / "service.yaml"))
    first = conversations.reply("one", "why do my calves cramp after a hot run")
    assert first.text.startswith("Cramps after a run are common. Likely salt lost in sweat")
    assert first.text.endswith("Shall we go through the full check now?") and first.expects_answer
    check = conversations.reply("one", "yes")
    assert started == ["after_run"]  # domain.yaml's default_mode, not a mode of the shipped content
    assert check.text.startswith("Let's see why your legs cramp after a run.") and check.expects_answer


def test_the_command_runs_the_content_folder_it_is_given(tmp_path: Path) -> None:
    with command(tmp_path, "--content", str(PACK), "--no-journal") as port:

        async def scenario() -> None:
            server = Running(port, None, None)  # type: ignore[arg-type]
            quick = await server.turn("quick check")
            assert reply_text(quick).startswith("Quick one, then back to it. Is the leg swollen, warm, or red?")
            await server.turn("no")
            done = await server.turn("yes")
            assert reply_text(done).startswith("Likely salt lost in sweat.")
            other = await server.turn("hello there", conversation_id="two")
            assert NotHandled.is_type(other.type)
            assert reply_text(other).startswith("I can only help with leg cramps after a run.")

        run(scenario())
