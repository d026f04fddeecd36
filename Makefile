# Two commands do everything on a fresh machine: `make run` and `make test`.
.PHONY: setup run test bench lint

setup:
	@bash scripts/setup.sh

run: setup
	@.venv/bin/twitch-coach

test: setup
	.venv/bin/python -m pytest

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; .venv/bin/python $$b; done

lint: setup
	.venv/bin/ruff check .
