"""python -m twitch_coach.skill: the same as the twitch-coach command."""

import sys

from twitch_coach.skill.cli import main

sys.exit(main())
