#!/usr/bin/env bash
# Set up everything Twitch Coach needs on a fresh Debian/Ubuntu machine; safe to run again.
# System packages: espeak-ng (speech out and test speech), libportaudio2 (sound devices),
# sox, and PulseAudio with its tools and ALSA plugin (the virtual devices the tests use).
# It downloads no speech model: `make run` fetches Whisper when it can; `make test` never does.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(espeak-ng libportaudio2 sox pulseaudio pulseaudio-utils libasound2-plugins)
missing=()
for pkg in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  bash scripts/apt-install.sh "${missing[@]}"  # waits while another apt run holds the lock
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating the virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages"
  log=.venv/pip.log
  { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".[test]"; } >"$log" 2>&1 \
    || { tail -n 40 "$log"; echo "setup: pip install failed (full log: $log)"; exit 1; }
  .venv/bin/python -c "import twitch_coach.skill, twitch_coach.models.userdata, rapidfuzz, yaml, pocketsphinx, vosk, sounddevice, pyttsx3, onnxruntime"
  touch "$stamp"
fi
