"""messages.yaml: the lines spoken around the questions, each with the {placeholders} the code fills in."""

from __future__ import annotations

from twitch_coach.dialogue.content import Messages
from twitch_coach.dialogue.fields import Reader, kind
from twitch_coach.dialogue.yamlfile import KeyPath

# Every message the dialogue speaks, with the placeholders it fills in: a line using any other
# placeholder would fail the first time it is spoken, so it is a problem when the content is checked.
MESSAGE_FIELDS: dict[str, frozenset[str]] = {
    "reprompt": frozenset({"rephrase", "options"}),
    "safe_branch": frozenset({"why", "reason"}),
    "safe_followups": frozenset({"why"}),
    "safe_unsure": frozenset(),
    "safe_mixed": frozenset(),
    "safe_unclear": frozenset(),
    "safe_skipped": frozenset(),
    "move_on": frozenset(),
    "confirm": frozenset({"heard"}),
    "said_back": frozenset({"heard"}),
    "help": frozenset({"options"}),
    "repeat_rephrased": frozenset({"rephrase", "options"}),
    "number_options": frozenset(),
    "or_word": frozenset(),
    "skipped": frozenset(),
    "first_question": frozenset(),
    "starting_over": frozenset(),
    "stopped": frozenset(),
    "summary_intro": frozenset(),
    "top_cause": frozenset({"name", "why"}),
    "other_cause": frozenset({"name", "why"}),
    "flags_summary": frozenset({"reasons"}),
    "nothing_stands_out": frozenset({"names"}),
    "nothing_points_anywhere": frozenset(),
    "right_now": frozenset({"now"}),
    "common_answer": frozenset({"names", "now"}),
    "off_topic": frozenset(),
    "offer_repeat": frozenset(),
    "quick_answer": frozenset({"names", "now"}),
    "quick_offer": frozenset(),
    "ask_intro": frozenset(),
    "mentioned": frozenset({"words"}),
}


def read_messages(reader: Reader, root: KeyPath) -> Messages | None:
    """The messages; None when one is missing, unknown, or uses a placeholder the code does not fill in."""
    data = reader.mapping(reader.file.data, root)
    for key in MESSAGE_FIELDS:
        if key not in data:
            reader.problem(root, f"missing message '{key}'")
    reader.unknown_keys(data, MESSAGE_FIELDS, root)
    before = len(reader.file.problems)
    reprompt_raw = data.get("reprompt")
    reprompt: list[str] = []
    if isinstance(reprompt_raw, list) and reprompt_raw and all(isinstance(x, str) for x in reprompt_raw):
        for index, line in enumerate(reprompt_raw):
            if reader.check_template(line, (*root, "reprompt", str(index)), MESSAGE_FIELDS["reprompt"]) is not None:
                reprompt.append(line)
    else:
        reader.problem((*root, "reprompt"), "should be a list of reprompt lines (one per retry)")
    lines = {}
    for key, value in data.items():
        if key == "reprompt" or key not in MESSAGE_FIELDS:
            continue
        if not isinstance(value, str):
            reader.problem((*root, key), f"should be text, not {kind(value)}")
        elif reader.check_template(value, (*root, key), MESSAGE_FIELDS[key]) is not None:
            lines[key] = value
    if len(reader.file.problems) > before or len(lines) != len(MESSAGE_FIELDS) - 1:
        return None
    return Messages(lines, tuple(reprompt))
