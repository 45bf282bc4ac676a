# The front door: `make demo` runs the whole story, `make test` the test suite.
# Both bootstrap their own environment from uv.lock; nothing is installed by hand.
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

.PHONY: demo test test-heavy lint bench docs env clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-groups --quiet
	touch $@

env: .venv/.synced

demo: env
	.venv/bin/trainright demo

# One pytest worker per core: most of the suite waits on subprocesses, servers and
# a browser, so two workers on two cores halve the wall time.
test: env lint
	.venv/bin/pytest -q -n auto --dist worksteal

# Long runs CI takes as a second step (a Spark cluster, an object store, the
# 50,000-post recall check).
test-heavy: env
	.venv/bin/pytest -q -m heavy

lint: env
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

bench: env
	.venv/bin/python -m bench

docs: env
	.venv/bin/typer trainright.cli utils docs --name trainright --output docs/cli.md

clean:
	rm -rf .venv $(TOOLS) demo-output
