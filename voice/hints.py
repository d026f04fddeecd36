"""What voice tells a person to do about a missing model or device, in the words of the program using it.

Voice knows none of that program's commands: the caller builds Hints (skill/app.py does), and with none a
message says what is wrong and stops there."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hints:
    """The caller's own commands, each said only where it helps; empty ones are left out."""

    whisper: str = ""
    """The command that installs the Whisper model ("myapp models download whisper-tiny-en")."""
    vosk: str = ""
    """The command that installs the Vosk model."""
    type_instead: str = ""
    """What to do with no microphone, after "plug one in, or " ("run `myapp chat` to type")."""
    typing: str = ""
    """What works without a microphone, as a clause ("`myapp chat` works by typing")."""
    list_devices: str = ""
    """The command that lists the sound devices again, after "and " ("run `myapp devices`")."""


NO_HINTS = Hints()  # a caller with nothing to add: messages say what is wrong and stop there
