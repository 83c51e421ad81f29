# Two entry points: `make demo` (a fit on a shipped network) and `make test`.
# Both build the virtual environment from uv.lock with a Python 3.12 found by scripts/find-python.sh.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
PY312 := $(shell scripts/find-python.sh)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
RUN := $(UV) run --frozen --no-sync
# pytest worker processes for `make test` (pytest-xdist; one test file per worker, so a file's
# fixtures are built once; each worker imports its own JAX and hssm).
PYTEST_WORKERS ?= 2

.PHONY: venv demo test test-slow lint docs bench clean

$(UV):
	@test -n "$(PY312)" || { echo "no Python 3.12: see the error above" >&2; exit 1; }
	$(PY312) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PY312)
	touch $@

venv: $(VENV)/.synced

demo: venv
	$(RUN) python -m hssm_nre.demo

lint: venv
	$(RUN) ruff check src tests benchmarks tutorials
	$(RUN) ruff format --check src tests benchmarks tutorials

docs: venv
	$(RUN) mkdocs build --strict --site-dir site

test: venv lint docs
	$(RUN) pytest -n $(PYTEST_WORKERS) --dist loadfile
	$(RUN) pytest -m slow tests/test_packaging.py  # the wheel in a clean venv (about 40 s)

test-slow: venv
	$(RUN) pytest -m slow

bench: venv
	$(RUN) python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(TOOLS) site .pytest_cache
