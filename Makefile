# Two commands do everything on a fresh machine: `make run` and `make test`.
.PHONY: setup run test bench lint

setup:
	@bash scripts/setup.sh

# `run` fetches the Whisper model once when it can; without a connection it says so and the skill
# carries on with the fallback recogniser. `test` downloads nothing (CI has no internet).
run: setup
	@.venv/bin/twitch-coach models download whisper-tiny-en --if-missing || echo "make run: carrying on \
	without the Whisper model, so speech is recognised by the fallback engine (PocketSphinx). Once there is \
	a connection, run: .venv/bin/twitch-coach models download whisper-tiny-en"
	@.venv/bin/twitch-coach

test: setup
	.venv/bin/python -m pytest

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; .venv/bin/python $$b; done

lint: setup
	.venv/bin/ruff check .
	.venv/bin/python scripts/typecheck.py
