"""python -m skill: the same as the twitch-coach command."""

import sys

from skill.cli import main

sys.exit(main())
