# The two commands a user needs are `make run` and `make test`; see README.md.
SHELL := /bin/bash

.PHONY: setup run test lint bench

setup:
	@bash scripts/setup.sh

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

lint:
	@bash scripts/lint.sh

bench:
	@bash scripts/bench.sh
